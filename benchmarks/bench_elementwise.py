"""Workload 2: large elementwise gradients at n = 1e5, 1e6, 1e7 in float32 and float64.

* ``tanh chain``: grad of ``sum(tanh(x) * exp(-x**2) + sin(x) * x)``;
* ``polynomial``: grad of ``sum(((x*x + 3*x) * x - 2*x) * 0.5 + x)``;
* the memory-bandwidth floor: one numpy copy of x into a preallocated array.

Every library's gradient is first checked against the complex-step derivative
in float64. Targets: ``targets.py`` (issue 4).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (NO_RESULT, TOLERANCE, Check, Results, Table, cli,  # noqa: E402
                     complex_step_derivative, fmt_ratio, fmt_time, median_time,
                     missing_note, peers)

import functrace as ft  # noqa: E402
import functrace.kernels as K  # noqa: E402
import functrace.numpy as fnp  # noqa: E402


def tanh_terms(x, m=np):
    return m.tanh(x) * m.exp(-x ** 2) + m.sin(x) * x


def polynomial_terms(x, m=np):
    return ((x * x + 3 * x) * x - 2 * x) * 0.5 + x


def numpy_tanh_chain(x):
    """Hand-written value and gradient of ``tanh_chain``."""
    t, e, s = np.tanh(x), np.exp(-x * x), np.sin(x)
    value = np.sum(t * e + s * x)
    te = t * e
    return value, (e - t * te) - 2 * x * te + np.cos(x) * x + s


def numpy_polynomial(x):
    """Hand-written value and gradient of ``polynomial``."""
    a = x * x + 3 * x
    value = np.sum((a * x - 2 * x) * 0.5 + x)
    return value, ((2 * x + 3) * x + a - 2) * 0.5 + 1


REFERENCE = "the complex-step derivative in float64"
WORKLOADS = {"tanh chain": (tanh_terms, numpy_tanh_chain),
             "polynomial": (polynomial_terms, numpy_polynomial)}


def candidates(name: str, x: np.ndarray, found: dict) -> dict:
    terms, by_hand = WORKLOADS[name]

    def fn(v, m):
        return m.sum(terms(v, m))
    f_grad = ft.grad(lambda v: fn(v, fnp))

    def rules():
        with K.enabled(False):
            return f_grad(x)
    jit_grad = ft.jit(f_grad)
    fns = {"functrace": lambda: f_grad(x), "functrace (rules only)": rules,
           "functrace jit": lambda: jit_grad(x), "numpy (hand-written)": lambda: by_hand(x)[1]}
    if "torch" in found:
        torch = found["torch"]
        xt = torch.from_numpy(x.copy()).requires_grad_()

        def torch_step():
            xt.grad = None
            fn(xt, torch).backward()
            return xt.grad
        fns["torch eager"] = torch_step
    if "autograd" in found:
        import autograd
        import autograd.numpy as anp
        a_grad = autograd.grad(lambda v: fn(v, anp))
        fns["HIPS autograd"] = lambda: a_grad(x)
    if "jax" in found:
        import jax
        import jax.numpy as jnp
        j_grad = jax.grad(lambda v: fn(v, jnp))
        j_jit = jax.jit(j_grad)
        xj = jnp.asarray(x)
        fns["jax eager"] = lambda: j_grad(xj).block_until_ready()
        fns["jax.jit"] = lambda: j_jit(xj).block_until_ready()
    return fns


def run(quick: bool = False) -> list:
    found = peers(quick)
    sizes = [1000, 20000] if quick else [100_000, 1_000_000, 10_000_000]
    dtypes = ["float64"] if quick else ["float32", "float64"]
    tables = []
    for name in WORKLOADS:
        for dtype in dtypes:
            tables.append(_table(name, dtype, sizes, found, quick))
    return tables


def _table(name: str, dtype: str, sizes: list, found: dict, quick: bool) -> Table:
    results, floor = Results(), {}
    for n in sizes:
        x = np.random.default_rng(0).uniform(-2, 2, n).astype(dtype)
        buf = np.empty_like(x)
        big = n >= 5_000_000
        opts = dict(min_time=0.05 if quick else (1.0 if big else 0.4),
                    max_reps=200, warmup=1 if big or quick else 3, min_reps=3)
        floor[n] = median_time(lambda buf=buf, x=x: np.copyto(buf, x), **opts)
        results.verify_and_time(candidates(name, x, found),
                                Check(complex_step_derivative(WORKLOADS[name][0], x),
                                      TOLERANCE[dtype], REFERENCE),
                                n, lambda f, opts=opts: median_time(f, **opts))
    table = Table(f"Large elementwise gradient: {name}, {dtype}",
                  ["library"] + [f"n={n:.0e}" for n in sizes]
                  + [f"ratio (n={n:.0e})" for n in sizes], key=f"elementwise/{name}/{dtype}")

    def cells(lib):
        mine = [results.get(lib, n) for n in sizes]
        ref = [results.get("functrace", n) for n in sizes]
        return [fmt_time(t) for t in mine] + [fmt_ratio(t, r) for t, r in zip(mine, ref)]
    results.add_rows(table, cells, label=lambda n: f"n={n:.0e}")
    for lib, per_n in results.times.items():
        table.series[f"{lib} ({dtype}, {name})"] = sorted(per_n.items())
    ref = [results.get("functrace", n) for n in sizes]
    table.add_row("bandwidth floor (one copy of x)", [fmt_time(floor[n]) for n in sizes]
                  + [fmt_ratio(floor[n], r) for n, r in zip(sizes, ref)], NO_RESULT, floor)
    table.series[f"bandwidth floor ({dtype}, {name})"] = sorted(floor.items())
    table.notes += missing_note(found, quick)
    table.notes.append(Check(None, TOLERANCE[dtype], REFERENCE).note())
    table.notes.append("ratio = time / functrace's time (> 1: slower than functrace)")
    table.notes.append("at n = 1e6 (4-8 MB temporaries) times depend on glibc's heap state "
                       "(freed temporaries returned to the OS are page-faulted again), which "
                       "differs with what ran earlier in this one process: expect noise there")
    return table


if __name__ == "__main__":
    cli(run)
