"""Workload: vmap. Per-example gradients and a 100 × 100 Jacobian.

1. Per-example gradients of a small MLP (64 → 32 → 10, tanh, softmax
   cross-entropy, float32) over a batch of 256: ``vmap(grad(loss))`` versus a
   Python loop of ``grad``, ``torch.func.vmap(torch.func.grad)`` and
   ``jax.vmap(jax.grad)`` (eager and jitted).
2. The Jacobian (100 × 100, float64) of ``f(x) = tanh(A @ x) * x``: the vectorized
   ``jacrev`` / ``jacfwd`` (vmap of the VJP / JVP, one pass) versus loops of 100
   pullbacks / push-forwards (what they replaced) and the peers' jacrev/jacfwd.

Every method's result is first checked in float64: the per-example gradients
against hand-written backpropagation, the Jacobian against its complex-step
columns. Targets: ``targets.py`` (issue 5: ``vmap(grad)`` must beat the loop of
``grad``; the Jacobians are one vectorized pass).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (TOLERANCE, Candidate, Check, Results, Table, cli,  # noqa: E402
                     fmt_ratio, fmt_time, median_time, missing_note, peers)

import functrace as ft  # noqa: E402
import functrace.numpy as fnp  # noqa: E402
from functrace.scipy.special import logsumexp  # noqa: E402

DTYPE = np.float32


def mlp_params(d: int, h: int, c: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"W1": (rng.standard_normal((h, d)) / np.sqrt(d)).astype(DTYPE),
            "b1": np.zeros(h, DTYPE),
            "W2": (rng.standard_normal((c, h)) / np.sqrt(h)).astype(DTYPE),
            "b2": np.zeros(c, DTYPE)}


def example_loss(p: dict, x, onehot, m=fnp, lse=logsumexp):
    """Cross-entropy of one example ``x`` (shape (d,)) with a one-hot label."""
    logits = p["W2"] @ m.tanh(p["W1"] @ x + p["b1"]) + p["b2"]
    return lse(logits) - m.sum(onehot * logits)


def _per_example_torch(torch, params: dict, X: np.ndarray, Y: np.ndarray):
    from torch.func import grad, vmap
    pt = {k: torch.from_numpy(v) for k, v in params.items()}
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def loss(p, x, y):
        return example_loss(p, x, y, m=torch, lse=lambda z: torch.logsumexp(z, 0))
    f = vmap(grad(loss), in_dims=(None, 0, 0))
    return lambda: f(pt, Xt, Yt)


def _per_example_jax(jax, params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp as jlse
    pj = {k: jnp.asarray(v) for k, v in params.items()}
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
    f = jax.vmap(jax.grad(lambda p, x, y: example_loss(p, x, y, m=jnp, lse=jlse)),
                 in_axes=(None, 0, 0))
    jf = jax.jit(f)
    return {"jax.vmap(jax.grad) eager": lambda: jax.block_until_ready(f(pj, Xj, Yj)),
            "jax.jit(jax.vmap(jax.grad))": lambda: jax.block_until_ready(jf(pj, Xj, Yj))}


def per_example_reference(params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    """Hand-written backpropagation of ``example_loss`` for every example, in float64."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    hidden = np.tanh(X @ p["W1"].T + p["b1"])
    logits = hidden @ p["W2"].T + p["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    dlogits = e / e.sum(axis=1, keepdims=True) - Y
    dz = (dlogits @ p["W2"]) * (1 - hidden * hidden)
    return {"W1": np.einsum("nh,nd->nhd", dz, X), "b1": dz,
            "W2": np.einsum("nc,nh->nch", dlogits, hidden), "b2": dlogits}


def per_example_table(quick: bool, found: dict) -> Table:
    n, d, h, c = (8, 8, 6, 3) if quick else (256, 64, 32, 10)
    rng = np.random.default_rng(1)
    params = mlp_params(d, h, c)
    X, Y = rng.standard_normal((n, d)).astype(DTYPE), np.eye(c, dtype=DTYPE)[rng.integers(0, c, n)]
    g = ft.grad(example_loss)
    per_example = ft.vmap(g, in_axes=(None, 0, 0))
    jit_per_example = ft.jit(per_example)
    fns = {"functrace vmap(grad)": lambda: per_example(params, X, Y),
           "functrace jit(vmap(grad))": lambda: jit_per_example(params, X, Y),
           "functrace loop of grad": Candidate(
               lambda: [g(params, X[i], Y[i]) for i in range(n)],
               lambda rows: {k: np.stack([r[k] for r in rows]) for k in params})}
    if "torch" in found:
        fns["torch.func.vmap(grad)"] = _per_example_torch(found["torch"], params, X, Y)
    if "jax" in found:
        fns.update(_per_example_jax(found["jax"], params, X, Y))
    check = Check(per_example_reference(params, X, Y), TOLERANCE["float32"],
                  "hand-written backpropagation in float64")
    table = Table(f"Per-example gradients: MLP {d}→{h}→{c}, batch {n}, float32",
                  ["method", "time", "ratio to functrace vmap"], key="vmap/per-example")
    _time_rows(table, fns, check, quick, "functrace vmap(grad)")
    table.notes += missing_note(found, quick)
    return table


def jacobian_fn(A: np.ndarray, m=fnp):
    return lambda x: m.tanh(A @ x) * x


def reference_jacobian(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Column j = Im f(x + ih e_j) / h, in float64 (exact to rounding)."""
    f = jacobian_fn(A, np)
    h = 1e-30
    return np.stack([np.imag(f(x + 1j * h * e)) / h for e in np.eye(len(x))], axis=1)


def _loop_jacrev(f, x: np.ndarray) -> np.ndarray:
    out, f_vjp = ft.vjp(f, x)
    eye = np.eye(out.size)
    return np.stack([f_vjp(e)[0] for e in eye])


def _loop_jacfwd(f, x: np.ndarray) -> np.ndarray:
    eye = np.eye(x.size)
    return np.stack([ft.jvp(f, (x,), (e,))[1] for e in eye], axis=-1)


def _jacobian_peers(found: dict, A: np.ndarray, x: np.ndarray) -> dict:
    fns = {}
    if "torch" in found:
        torch = found["torch"]
        from torch.func import jacfwd, jacrev
        At, xt = torch.from_numpy(A), torch.from_numpy(x)
        tf = jacobian_fn(At, torch)
        fns["torch.func.jacrev"] = lambda: jacrev(tf)(xt)
        fns["torch.func.jacfwd"] = lambda: jacfwd(tf)(xt)
        fns["torch.autograd.functional.jacobian (loop)"] = \
            lambda: torch.autograd.functional.jacobian(tf, xt)
    if "jax" in found:
        jax = found["jax"]
        import jax.numpy as jnp
        jf = jacobian_fn(jnp.asarray(A), jnp)
        xj = jnp.asarray(x)
        jit_rev = jax.jit(jax.jacrev(jf))
        fns["jax.jacrev eager"] = lambda: jax.block_until_ready(jax.jacrev(jf)(xj))
        fns["jax.jacfwd eager"] = lambda: jax.block_until_ready(jax.jacfwd(jf)(xj))
        fns["jax.jit(jax.jacrev)"] = lambda: jax.block_until_ready(jit_rev(xj))
    return fns


def jacobian_table(quick: bool, found: dict) -> Table:
    n = 8 if quick else 100
    rng = np.random.default_rng(2)
    A, x = rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal(n)
    f = jacobian_fn(A)
    fns = {"functrace jacrev (vmap of VJP)": lambda: ft.jacrev(f)(x),
           "functrace jacfwd (vmap of JVP)": lambda: ft.jacfwd(f)(x),
           "functrace loop of vjp rows": lambda: _loop_jacrev(f, x),
           "functrace loop of jvp columns": lambda: _loop_jacfwd(f, x)}
    fns.update(_jacobian_peers(found, A, x))
    check = Check(reference_jacobian(A, x), TOLERANCE["float64"],
                  "its complex-step columns in float64")
    table = Table(f"Jacobian {n}×{n} of tanh(A @ x) * x, float64",
                  ["method", "time", "ratio to functrace jacrev"], key="vmap/jacobian")
    _time_rows(table, fns, check, quick, "functrace jacrev (vmap of VJP)")
    table.notes += missing_note(found, quick)
    return table


def _time_rows(table: Table, fns: dict, check: Check, quick: bool, ref: str) -> None:
    results = Results()
    results.verify_and_time(fns, check, "time", lambda fn: median_time(
        fn, min_time=0.02 if quick else 0.5, max_reps=300, warmup=1 if quick else 3))
    results.add_rows(table, lambda name: [fmt_time(results.get(name, "time")), fmt_ratio(
        results.get(name, "time"), results.get(ref, "time"))])
    table.notes.append(check.note())


def run(quick: bool = False) -> list:
    found = peers(quick)
    tables = [per_example_table(quick, found), jacobian_table(quick, found)]
    tables[0].notes.append("numpy's BLAS threads are left as configured; on a busy 2-core "
                           "machine OPENBLAS_NUM_THREADS=1 makes small matmuls much faster")
    return tables


if __name__ == "__main__":
    cli(run)
