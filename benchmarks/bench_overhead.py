"""Workload 1: per-op overhead -- a 100-op chain of tiny-array ops, forward + backward.

The chain repeats (sin, × 0.9, tanh, + 0.1, exp) 20 times on an array of n = 1
or 10 elements, then sums; one call = forward + backward. Reported in µs per
op (call time / 100). Every library's gradient is first checked against the
complex-step derivative. Targets: ``targets.py`` (issue 4).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (TOLERANCE, Candidate, Check, Results, Table, cli,  # noqa: E402
                     complex_step_derivative, fmt_ratio, guarded, median_time,
                     missing_note, peers)

import functrace as ft  # noqa: E402
import functrace.numpy as fnp  # noqa: E402

N_OPS = 100


def chain(x, m):
    """The 100-op chain written against module ``m`` (numpy-like)."""
    for _ in range(N_OPS // 5):
        x = m.exp(m.tanh(m.sin(x) * 0.9) + 0.1)
    return x


def numpy_step(x: np.ndarray) -> np.ndarray:
    """Hand-written forward + backward of ``sum(chain(x))`` in numpy."""
    saved = []
    for _ in range(N_OPS // 5):
        s = np.sin(x)
        t = np.tanh(s * 0.9)
        e = np.exp(t + 0.1)
        saved.append((x, t, e))
        x = e
    g = np.ones_like(x)
    for x, t, e in reversed(saved):
        g = g * e
        g = g * (1.0 - t * t)
        g = g * 0.9
        g = g * np.cos(x)
    return g


def candidates(x: np.ndarray, found: dict) -> dict:
    """name -> zero-argument callable doing one forward + backward, returning the gradient."""
    f_grad = ft.grad(lambda v: fnp.sum(chain(v, fnp)))
    j_value_and_grad = ft.jit(ft.value_and_grad(lambda v: fnp.sum(chain(v, fnp))))
    fns = {"functrace": lambda: f_grad(x),
           "functrace jit (value_and_grad)": Candidate(lambda: j_value_and_grad(x),
                                                       lambda out: out[1]),
           "numpy (hand-written)": lambda: numpy_step(x),
           "functrace Tensor": guarded(lambda: _facade(x))}
    if "torch" in found:
        torch = found["torch"]
        xt = torch.tensor(x, requires_grad=True)

        def torch_step():
            xt.grad = None
            chain(xt, torch).sum().backward()
            return xt.grad
        fns["torch eager"] = torch_step
    if "autograd" in found:
        import autograd
        import autograd.numpy as anp
        a_grad = autograd.grad(lambda v: anp.sum(chain(v, anp)))
        fns["HIPS autograd"] = lambda: a_grad(x)
    if "jax" in found:
        import jax
        import jax.numpy as jnp
        j_grad = jax.grad(lambda v: jnp.sum(chain(v, jnp)))
        j_jit = jax.jit(j_grad)
        xj = jnp.asarray(x)
        fns["jax eager"] = lambda: j_grad(xj).block_until_ready()
        fns["jax.jit"] = lambda: j_jit(xj).block_until_ready()
    return fns


def _facade(x: np.ndarray):
    def step():
        t = ft.tensor(x, requires_grad=True)
        chain(t, fnp).sum().backward()
        return t.grad
    return step


def run(quick: bool = False) -> list:
    found = peers(quick)
    sizes = [1] if quick else [1, 10]
    table = Table("Per-op overhead: 100-op chain of tiny-array ops, forward + backward (µs/op)",
                  ["library"] + [f"n={n}" for n in sizes] + [f"ratio to functrace (n={n})"
                                                             for n in sizes], key="overhead")
    results = Results()
    for n in sizes:
        x = np.linspace(0.1, 0.9, n)
        check = Check(complex_step_derivative(lambda z: chain(z, np), x), TOLERANCE["float64"],
                      "the complex-step derivative of the chain in float64")
        for name, fn in candidates(x, found).items():
            budget = 0.05 if quick else (1.0 if name == "jax eager" else 0.5)
            results.verify_and_time({name: fn}, check, n, lambda f, b=budget: median_time(
                f, min_time=b, max_reps=2000, warmup=1 if quick else 3) / N_OPS)

    def cells(name):
        mine = [results.get(name, n) for n in sizes]
        ref = [results.get("functrace", n) for n in sizes]
        return ([f"{t * 1e6:.2f}" if t is not None else "—" for t in mine]
                + [fmt_ratio(t, r) for t, r in zip(mine, ref, strict=True)])
    results.add_rows(table, cells, label=lambda n: f"n={n}")
    table.notes += missing_note(found, quick) + [check.note()]
    return [table]


if __name__ == "__main__":
    cli(run)
