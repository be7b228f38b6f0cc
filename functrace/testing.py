"""Gradient checking against central finite differences (for users and our tests).

>>> import numpy as np, functrace.numpy as fnp
>>> check_grads(lambda x: fnp.sum(fnp.sin(x) * x), (np.linspace(0, 1, 3),), order=2)
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .api import jvp, vjp
from .tree import tree_flatten, tree_map

_DEFAULTS = {  # dtype -> (eps, atol, rtol)
    np.dtype(np.float64): (1e-5, 1e-6, 1e-5),
    np.dtype(np.float32): (2e-3, 2e-2, 2e-2),
}


def _defaults(leaves: list) -> tuple:
    low = any(np.asarray(x).dtype == np.float32 for x in leaves)
    return _DEFAULTS[np.dtype(np.float32 if low else np.float64)]


def _random_like(x: Any, rng: np.random.Generator) -> np.ndarray:
    x = np.asarray(x)
    return rng.standard_normal(x.shape).astype(x.dtype)


def _inner(a: Any, b: Any) -> float:
    la, lb = tree_flatten(a)[0], tree_flatten(b)[0]
    return float(sum(np.sum(np.asarray(x, np.float64) * np.asarray(y, np.float64))
                     for x, y in zip(la, lb)))


def _axpy(alpha: float, v: Any, x: Any) -> Any:
    return tree_map(lambda vi, xi: (np.asarray(xi) + alpha * np.asarray(vi)).astype(
        np.asarray(xi).dtype), v, x)


def numerical_jvp(f: Callable, args: tuple, tangents: tuple, eps: float) -> Any:
    """Central difference (f(x + eps t) - f(x - eps t)) / 2 eps, computed in float64."""
    plus = f(*_axpy(eps, tangents, args))
    minus = f(*_axpy(-eps, tangents, args))
    return tree_map(lambda p, m: (np.asarray(p, np.float64) - np.asarray(m, np.float64))
                    / (2 * eps), plus, minus)


def _assert_close(actual: Any, expected: Any, atol: float, rtol: float, what: str) -> None:
    la, lb = tree_flatten(actual)[0], tree_flatten(expected)[0]
    for a, b in zip(la, lb):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a.shape != b.shape or not np.allclose(a, b, atol=atol, rtol=rtol):
            err = np.max(np.abs(a - b)) if a.shape == b.shape else "shape mismatch"
            raise AssertionError(f"{what}: max abs error {err} (atol={atol}, rtol={rtol})\n"
                                 f"autodiff:\n{a}\nfinite differences:\n{b}")


def check_jvp(f: Callable, args: tuple, eps: float, atol: float, rtol: float,
              rng: np.random.Generator) -> None:
    """Forward mode agrees with finite differences in one random direction."""
    tangents = tree_map(lambda x: _random_like(x, rng), args)
    _, t_out = jvp(f, args, tangents)
    _assert_close(t_out, numerical_jvp(f, args, tangents, eps), atol, rtol, "JVP")


def check_vjp(f: Callable, args: tuple, eps: float, atol: float, rtol: float,
              rng: np.random.Generator) -> None:
    """<u, J v> by finite differences equals <J^T u, v> by reverse mode."""
    out, f_vjp = vjp(f, *args)
    u = tree_map(lambda o: _random_like(o, rng), out)
    v = tree_map(lambda x: _random_like(x, rng), args)
    lhs = _inner(u, numerical_jvp(f, args, v, eps))
    rhs = _inner(f_vjp(u), v)
    scale = max(1.0, abs(lhs), abs(rhs))
    if abs(lhs - rhs) > (atol + rtol) * scale:
        raise AssertionError(f"VJP: <u, J v> = {lhs} by finite differences but "
                             f"<J^T u, v> = {rhs} by reverse mode")


def check_grads(f: Callable, args: Sequence[Any], order: int = 2,
                modes: Sequence[str] = ("rev", "fwd"), eps: Optional[float] = None,
                atol: Optional[float] = None, rtol: Optional[float] = None,
                seed: int = 0) -> None:
    """Check ``f``'s derivatives up to ``order`` against central finite differences.

    ``modes`` picks reverse (``"rev"``, checks VJPs) and/or forward (``"fwd"``,
    checks JVPs). For ``order=2`` the VJP and JVP functions themselves are
    checked again, which exercises every rule's own derivative. Raises
    ``AssertionError`` with the discrepancy.
    """
    args = tuple(tree_map(np.asarray, a) for a in args)
    d_eps, d_atol, d_rtol = _defaults(tree_flatten(args)[0])
    eps, atol, rtol = eps or d_eps, atol or d_atol, rtol or d_rtol
    rng = np.random.default_rng(seed)
    if "fwd" in modes:
        check_jvp(f, args, eps, atol, rtol, rng)
    if "rev" in modes:
        check_vjp(f, args, eps, atol, rtol, rng)
    if order <= 1:
        return
    if "fwd" in modes:
        v = tree_map(lambda x: _random_like(x, rng), args)
        check_grads(lambda *a: jvp(f, a, tuple(v))[1], args, order - 1, modes, eps, atol,
                    rtol, seed + 1)
    if "rev" in modes:
        u = tree_map(lambda o: _random_like(o, rng), f(*args))
        check_grads(lambda *a: vjp(f, *a)[1](u), args, order - 1, modes, eps, atol, rtol,
                    seed + 2)


__all__ = ["check_grads", "check_jvp", "check_vjp", "numerical_jvp"]


