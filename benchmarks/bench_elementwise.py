"""Workload 2: large elementwise gradients at n = 1e5, 1e6, 1e7 in float32 and float64.

* ``tanh chain``: grad of ``sum(tanh(x) * exp(-x**2) + sin(x) * x)``;
* ``polynomial``: grad of ``sum(((x*x + 3*x) * x - 2*x) * 0.5 + x)``;
* the memory-bandwidth floor: one numpy copy of x into a preallocated array.

Targets (issue 4): faster than torch eager and HIPS autograd at every size from
1e5 up, in both dtypes; the polynomial within 2× of jax.jit.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (Table, cli, fmt_ratio, fmt_time, median_time,  # noqa: E402
                     missing_note, peers)

import functrace as ft  # noqa: E402
import functrace.kernels as K  # noqa: E402
import functrace.numpy as fnp  # noqa: E402


def tanh_chain(x, m):
    return m.sum(m.tanh(x) * m.exp(-x ** 2) + m.sin(x) * x)


def polynomial(x, m):
    return m.sum(((x * x + 3 * x) * x - 2 * x) * 0.5 + x)


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


WORKLOADS = {"tanh chain": (tanh_chain, numpy_tanh_chain),
             "polynomial": (polynomial, numpy_polynomial)}


def candidates(name: str, x: np.ndarray, found: dict) -> dict:
    fn, by_hand = WORKLOADS[name]
    f_grad = ft.grad(lambda v: fn(v, fnp))

    def rules():
        with K.enabled(False):
            return f_grad(x)
    jit_grad = ft.jit(f_grad)
    fns = {"functrace": lambda: f_grad(x), "functrace (rules only)": rules,
           "functrace jit": lambda: jit_grad(x), "numpy (hand-written)": lambda: by_hand(x)}
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
    times: dict = {}
    floor = {}
    for n in sizes:
        x = np.random.default_rng(0).uniform(-2, 2, n).astype(dtype)
        buf = np.empty_like(x)
        big = n >= 5_000_000
        opts = dict(min_time=0.05 if quick else (1.0 if big else 0.4),
                    max_reps=200, warmup=1 if big or quick else 3, min_reps=3)
        floor[n] = median_time(lambda buf=buf, x=x: np.copyto(buf, x), **opts)
        for lib, fn in candidates(name, x, found).items():
            times.setdefault(lib, {})[n] = median_time(fn, **opts)
    table = Table(f"Large elementwise gradient: {name}, {dtype}",
                  ["library"] + [f"n={n:.0e}" for n in sizes]
                  + [f"ratio (n={n:.0e})" for n in sizes])
    ref = times["functrace"]
    for lib, per_n in times.items():
        table.rows.append([lib] + [fmt_time(per_n[n]) for n in sizes]
                          + [fmt_ratio(per_n[n], ref[n]) for n in sizes])
        table.series[f"{lib} ({dtype}, {name})"] = [(n, per_n[n]) for n in sizes]
    table.rows.append(["bandwidth floor (one copy of x)"] + [fmt_time(floor[n]) for n in sizes]
                      + [fmt_ratio(floor[n], ref[n]) for n in sizes])
    table.series[f"bandwidth floor ({dtype}, {name})"] = [(n, floor[n]) for n in sizes]
    table.notes += missing_note(found, quick)
    table.notes.append("ratio = time / functrace's time (> 1: slower than functrace)")
    table.notes.append("at n = 1e6 (4-8 MB temporaries) times depend on glibc's heap state "
                       "(freed temporaries returned to the OS are page-faulted again), which "
                       "differs with what ran earlier in this one process: expect noise there")
    return table


if __name__ == "__main__":
    cli(run)
