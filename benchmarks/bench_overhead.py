"""Workload 1: per-op overhead -- a 100-op chain of tiny-array ops, forward + backward.

The chain repeats (sin, × 0.9, tanh, + 0.1, exp) 20 times on an array of n = 1
or 10 elements, then sums; one call = forward + backward. Reported in µs per
op (call time / 100). Target (issue 4): functrace ≤ 5 µs/op, ≥ 3× faster than
torch eager and ≥ 5× faster than HIPS autograd.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Table, cli, fmt_ratio, median_time, missing_note, peers  # noqa: E402

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
    """name -> zero-argument callable doing one forward + backward."""
    f_grad = ft.grad(lambda v: fnp.sum(chain(v, fnp)))
    j_value_and_grad = ft.jit(ft.value_and_grad(lambda v: fnp.sum(chain(v, fnp))))
    fns = {"functrace": lambda: f_grad(x), "functrace jit (value_and_grad)":
           lambda: j_value_and_grad(x), "numpy (hand-written)": lambda: numpy_step(x)}
    facade = _facade(x)
    if facade is not None:
        fns["functrace Tensor"] = facade
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
    try:
        tensor = ft.tensor
    except AttributeError:
        return None

    def step():
        t = tensor(x, requires_grad=True)
        chain(t, fnp).sum().backward()
        return t.grad
    try:
        step()
    except Exception:   # noqa: BLE001 - the facade may still be under construction
        return None
    return step


def run(quick: bool = False) -> list:
    found = peers(quick)
    sizes = [1] if quick else [1, 10]
    table = Table("Per-op overhead: 100-op chain of tiny-array ops, forward + backward (µs/op)",
                  ["library"] + [f"n={n}" for n in sizes] + [f"ratio to functrace (n={n})"
                                                             for n in sizes])
    results: dict = {}
    for n in sizes:
        x = np.linspace(0.1, 0.9, n)
        for name, fn in candidates(x, found).items():
            budget = 0.05 if quick else (1.0 if name == "jax eager" else 0.5)
            results.setdefault(name, {})[n] = median_time(
                fn, min_time=budget, max_reps=2000, warmup=1 if quick else 3) / N_OPS
    for name, per_n in results.items():
        ref = [results["functrace"][n] for n in sizes]
        table.rows.append([name] + [f"{per_n[n] * 1e6:.2f}" for n in sizes]
                          + [fmt_ratio(per_n[n], r) for n, r in zip(sizes, ref)])
    table.notes += missing_note(found, quick)
    table.notes.append("target: functrace ≤ 5 µs/op; ≥ 3× faster than torch eager, "
                       "≥ 5× faster than HIPS autograd")
    if "functrace Tensor" not in results:
        table.notes.append("functrace Tensor facade not importable yet: skipped")
    return [table]


if __name__ == "__main__":
    cli(run)
