"""Gradient checking against central finite differences (for users and our tests).

>>> import numpy as np, functrace.numpy as fnp
>>> check_grads(lambda x: fnp.sum(fnp.sin(x) * x), (np.linspace(0, 1, 3),), order=2)
>>> check_grads(lambda z: fnp.abs(fnp.sin(z)) ** 2, (np.array([1.0 + 2.0j, -0.5j]),))

Tolerance model (the defaults of :func:`check_grads`):

* **float64 arguments**: derivatives are compared with central differences in
  float64 at the same point, step ``eps = 1e-5``: truncation error about
  ``eps**2 |f'''|`` and rounding error about ``1e-16 |f| / eps``, both near
  ``1e-10`` for functions of order one; ``atol = 1e-6``, ``rtol = 1e-5``.
* **float32 arguments**: float32 differences cannot serve as the reference
  (their rounding error, ``6e-8 |f| / eps``, forces a step and tolerance of a
  few percent, which would hide a 1% error in a rule). The reference is the
  same float64 central differences as above, taken at the float64 copy of the
  point and of the random directions (exact: every float32 is a float64). It
  carries no float32 error, so what remains is the rounding of the float32
  computation itself, and the tolerance is set by float32 rounding:
  ``atol = rtol = 1024 * eps32`` (``eps32 = 2**-23``, so about ``1.2e-4``):
  room for a few dozen float32 operations of a few units of rounding each,
  and still 80 times smaller than a 1% error. ``f`` must therefore give float64
  results for float64 arguments (any function written with ``functrace.numpy``
  without explicit casts does); if it casts to float32 inside, pass an ``eps``
  suited to float32 differences (e.g. ``1e-2``) and looser tolerances.

Complex arguments (complex64 like float32, complex128 like float64) are moved
along random complex directions, real and imaginary parts at once, so the
differences see the derivative along both. Reverse mode pairs values with the
real bilinear form ``<a, b> = Re(sum a * b)`` (no conjugation), of which the
VJPs are the transposes (JAX's convention: :mod:`functrace.primitives.complex_parts`).

Forward mode compares ``J v`` elementwise (``|ad - fd| <= atol + rtol |fd|``).
Reverse mode compares ``<u, J v>`` by differences with ``<J^T u, v>`` by
reverse mode, within ``(atol + rtol) * s``, where ``s`` is at least 1 and at
least ``sum |J^T u| |v|`` (the size of the terms, so that cancellation in the
sum does not make the test stricter than the rounding of its terms).
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .api import jvp, vjp
from .tree import tree_flatten, tree_map

EPS32 = float(np.finfo(np.float32).eps)
DEFAULTS = {  # dtype of the least precise argument -> (eps, atol, rtol)
    np.dtype(np.float64): (1e-5, 1e-6, 1e-5),
    np.dtype(np.float32): (1e-5, 1024 * EPS32, 1024 * EPS32),
}


def tolerances(*arrays: Any) -> tuple:
    """``(eps, atol, rtol)`` that :func:`check_grads` uses for these arguments.

    >>> import numpy as np
    >>> tolerances(np.ones(2, np.float32))
    (1e-05, 0.0001220703125, 0.0001220703125)
    """
    leaves = tree_flatten(arrays)[0]
    low = any(_is_low_precision(x) for x in leaves)
    return DEFAULTS[np.dtype(np.float32 if low else np.float64)]   # complex: by precision


def _is_low_precision(x: Any) -> bool:
    dtype = np.result_type(x)
    return (dtype.kind == "f" and dtype.itemsize < 8) or (dtype.kind == "c" and
                                                          dtype.itemsize < 16)


def _wide(x: Any) -> np.ndarray:
    """``x`` in float64, or complex128 if complex (exact for the narrower types)."""
    x = np.asarray(x)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def reference_point(tree: Any) -> Any:
    """``tree`` with its float32 (complex64) leaves cast to float64 (complex128),
    exactly: where the reference finite differences of a float32 check are taken.

    >>> import numpy as np
    >>> point = reference_point({"w": np.ones(2, np.float32), "n": 3})
    >>> point["w"].dtype, point["n"]
    (dtype('float64'), 3)
    """
    return tree_map(lambda x: _wide(x) if _is_low_precision(x) else x, tree)


def _random_like(x: Any, rng: np.random.Generator) -> np.ndarray:
    x = np.asarray(x)
    v = rng.standard_normal(x.shape)
    if x.dtype.kind == "c":
        v = v + 1j * rng.standard_normal(x.shape)
    return v.astype(x.dtype)


def _same_leaves(a: Any, b: Any, what: str) -> tuple:
    la, lb = tree_flatten(a)[0], tree_flatten(b)[0]
    if len(la) != len(lb):
        raise AssertionError(f"{what}: {len(la)} results by autodiff but {len(lb)} by "
                             "finite differences")
    return la, lb


def _inner(a: Any, b: Any) -> tuple:
    """``(<a, b>, sum |a| |b|)`` in float64, ``<a, b> = Re(sum a * b)``."""
    la, lb = _same_leaves(a, b, "inner product")
    products = [_wide(x) * _wide(y) for x, y in zip(la, lb, strict=True)]
    return (float(sum(np.sum(p.real) for p in products)),
            float(sum(np.sum(np.abs(p)) for p in products)))


def _axpy(alpha: float, v: Any, x: Any) -> Any:
    return tree_map(lambda vi, xi: (np.asarray(xi) + alpha * np.asarray(vi)).astype(
        np.asarray(xi).dtype), v, x)


def numerical_jvp(f: Callable, args: tuple, tangents: tuple, eps: float) -> Any:
    """Central difference (f(x + eps t) - f(x - eps t)) / 2 eps, computed in float64
    from ``f``'s values at the points (cast to the dtype of ``args``).

    >>> import numpy as np
    >>> numerical_jvp(np.sin, (np.array([0.0, 1.0]),), (np.ones(2),), 1e-5).round(6)
    array([1.      , 0.540302])
    """
    plus = f(*_axpy(eps, tangents, args))
    minus = f(*_axpy(-eps, tangents, args))
    return tree_map(lambda p, m: (_wide(p) - _wide(m)) / (2 * eps), plus, minus)


def _assert_close(actual: Any, expected: Any, atol: float, rtol: float, what: str) -> None:
    la, lb = _same_leaves(actual, expected, what)
    for a, b in zip(la, lb, strict=True):
        a, b = _wide(a), _wide(b)
        if a.shape != b.shape or not np.allclose(a, b, atol=atol, rtol=rtol):
            err = np.max(np.abs(a - b)) if a.shape == b.shape else "shape mismatch"
            raise AssertionError(f"{what}: max abs error {err} (atol={atol}, rtol={rtol})\n"
                                 f"autodiff:\n{a}\nfinite differences:\n{b}")


def check_jvp(f: Callable, args: tuple, eps: float, atol: float, rtol: float,
              rng: np.random.Generator) -> None:
    """Forward mode agrees with finite differences in one random direction
    (taken in float64 at :func:`reference_point` for float32 arguments); raises
    AssertionError otherwise.

    >>> import numpy as np, functrace.numpy as fnp
    >>> check_jvp(fnp.tanh, (np.linspace(-1, 1, 4),), 1e-5, 1e-6, 1e-5,
    ...           np.random.default_rng(0))
    """
    tangents = tree_map(lambda x: _random_like(x, rng), args)
    _, t_out = jvp(f, args, tangents)
    expected = numerical_jvp(f, reference_point(args), reference_point(tangents), eps)
    _assert_close(t_out, expected, atol, rtol, "JVP")


def check_vjp(f: Callable, args: tuple, eps: float, atol: float, rtol: float,
              rng: np.random.Generator) -> None:
    """<u, J v> by finite differences equals <J^T u, v> by reverse mode
    (differences in float64 at :func:`reference_point` for float32 arguments);
    raises AssertionError otherwise.

    >>> import numpy as np, functrace.numpy as fnp
    >>> check_vjp(lambda x: fnp.cumsum(x ** 2), (np.linspace(-1, 1, 4),), 1e-5, 1e-6, 1e-5,
    ...           np.random.default_rng(0))
    """
    out, f_vjp = vjp(f, *args)
    u = tree_map(lambda o: _random_like(o, rng), out)
    v = tree_map(lambda x: _random_like(x, rng), args)
    lhs = _inner(u, numerical_jvp(f, reference_point(args), reference_point(v), eps))[0]
    rhs, terms = _inner(f_vjp(u), v)
    scale = max(1.0, abs(lhs), abs(rhs), terms)
    if abs(lhs - rhs) > (atol + rtol) * scale:
        raise AssertionError(f"VJP: <u, J v> = {lhs} by finite differences but "
                             f"<J^T u, v> = {rhs} by reverse mode (allowed error "
                             f"{(atol + rtol) * scale:.3g})")


def check_grads(f: Callable, args: Sequence[Any], order: int = 2,
                modes: Sequence[str] = ("rev", "fwd"), eps: Optional[float] = None,
                atol: Optional[float] = None, rtol: Optional[float] = None,
                seed: int = 0) -> None:
    """Check ``f``'s derivatives up to ``order`` against central finite differences.

    ``modes`` picks reverse (``"rev"``, checks VJPs) and/or forward (``"fwd"``,
    checks JVPs). For ``order=2`` the VJP and JVP functions themselves are
    checked again, which exercises every rule's own derivative. Raises
    ``AssertionError`` with the discrepancy.

    ``eps`` (the finite-difference step), ``atol`` and ``rtol`` default to
    :func:`tolerances` of ``args``. With float32 arguments the derivatives are
    computed in float32 and compared with float64 finite differences at the
    same point, within a tolerance of about 1e-4 set by float32 rounding, so a
    rule that is 1% wrong fails in float32 as in float64 (the module docstring
    gives the model).

    >>> import numpy as np, functrace.numpy as fnp
    >>> check_grads(fnp.tanh, (np.linspace(-1, 1, 4, dtype=np.float32),))
    """
    args = tuple(tree_map(np.asarray, a) for a in args)
    d_eps, d_atol, d_rtol = tolerances(args)
    eps = d_eps if eps is None else eps
    atol = d_atol if atol is None else atol
    rtol = d_rtol if rtol is None else rtol
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


__all__ = ["check_grads", "check_jvp", "check_vjp", "numerical_jvp", "reference_point",
           "tolerances"]
