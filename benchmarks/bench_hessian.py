"""Workload 5: the Hessian of ``sum(tanh(W @ x))`` with x of size 50 (a 50 × 50 matrix).

Every library's Hessian is first checked against the complex-step Jacobian of the
hand-derived gradient, in float64.
Targets: ``targets.py`` (issue 4).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (TOLERANCE, Check, Results, Table, cli, fmt_ratio,  # noqa: E402
                     fmt_time, median_time, missing_note, peers)

import functrace as ft  # noqa: E402
import functrace.numpy as fnp  # noqa: E402


def objective(x, W, m):
    return m.sum(m.tanh(W @ x))


def numpy_hessian(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Closed form: W^T diag(-2 tanh(z) sech(z)^2) W with z = W x."""
    t = np.tanh(W @ x)
    return (W.T * (-2.0 * t * (1.0 - t * t))) @ W


def reference_hessian(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Column j = Im grad(x + ih e_j) / h of the gradient W^T (1 - tanh(W x)^2): exact to
    rounding, and independent of the closed form's second-derivative algebra."""
    h = 1e-30
    cols = [np.imag(W.T @ (1 - np.tanh(W @ (x + 1j * h * e)) ** 2)) / h for e in np.eye(len(x))]
    return np.stack(cols, axis=1)


def candidates(x: np.ndarray, W: np.ndarray, found: dict) -> dict:
    f_hess = ft.hessian(lambda v: objective(v, W, fnp))
    jit_hess = ft.jit(f_hess)
    fns = {"functrace": lambda: f_hess(x), "functrace jit": lambda: jit_hess(x),
           "numpy (closed form)": lambda: numpy_hessian(x, W)}
    if "torch" in found:
        torch = found["torch"]
        Wt, xt = torch.from_numpy(W), torch.from_numpy(x)
        from torch.autograd.functional import hessian
        fns["torch (autograd.functional)"] = lambda: hessian(
            lambda v: torch.tanh(Wt @ v).sum(), xt)
    if "autograd" in found:
        import autograd
        import autograd.numpy as anp
        a_hess = autograd.hessian(lambda v: objective(v, W, anp))
        fns["HIPS autograd"] = lambda: a_hess(x)
    if "jax" in found:
        import jax
        import jax.numpy as jnp
        Wj, xj = jnp.asarray(W), jnp.asarray(x)
        j_hess = jax.hessian(lambda v: objective(v, Wj, jnp))
        j_jit = jax.jit(j_hess)
        fns["jax eager"] = lambda: j_hess(xj).block_until_ready()
        fns["jax.jit"] = lambda: j_jit(xj).block_until_ready()
    return fns


def run(quick: bool = False) -> list:
    found = peers(quick)
    n = 8 if quick else 50
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal(n)
    check = Check(reference_hessian(x, W), TOLERANCE["float64"],
                  "the complex-step Jacobian of the hand-derived gradient in float64")
    results = Results()
    results.verify_and_time(candidates(x, W, found), check, "time", lambda fn: median_time(
        fn, min_time=0.05 if quick else 0.5, max_reps=500, warmup=1 if quick else 3))
    table = Table(f"Hessian {n}×{n} of sum(tanh(W @ x)), float64",
                  ["library", "time", "ratio to functrace"], key="hessian")
    results.add_rows(table, lambda name: [fmt_time(results.get(name, "time")), fmt_ratio(
        results.get(name, "time"), results.get("functrace", "time"))])
    table.notes += missing_note(found, quick) + [check.note()]
    return [table]


if __name__ == "__main__":
    cli(run)
