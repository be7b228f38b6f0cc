"""numpy's numerical calculus and polynomial/signal helpers, differentiable:
``gradient``, ``trapezoid``, ``interp``, ``polyval``, ``vander``, ``convolve``,
``correlate``, the array-API products ``vdot``/``vecdot``/``matvec``/``vecmat``,
and ``searchsorted`` (constant positions).

``interp`` finds each point's interval with ``searchsorted`` (a constant) and
interpolates linearly, so it is differentiable in ``x`` (the slope), ``xp`` and
``fp``; ``convolve``/``correlate`` are the ``convolve_nd`` primitive of
``functrace.scipy.signal`` (which needs no scipy).

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> float(functrace.grad(lambda x: fnp.interp(x, [0.0, 1.0, 2.0], [0.0, 2.0, 3.0]))(0.5))
2.0
"""
from __future__ import annotations

import operator
from typing import Any, Optional

import numpy as np

from ..core import concrete, is_tracer
from ..primitives.convolution import convolve_nd_p
from ..primitives.nondiff_extra import searchsorted_p
from ._products import matmul
from ._reductions import sum
from ._shape import concatenate, flip, moveaxis, ravel, stack
from ._shape_extra import _axis, take
from ..primitives.nondiff import ones_like_p
from ._ufuncs import astype, where

__all__ = ["gradient", "trapezoid", "interp", "polyval", "vander", "convolve", "correlate",
           "vdot", "vecdot", "matvec", "vecmat", "searchsorted"]


def _arr(a: Any) -> Any:
    return a if is_tracer(a) else np.asarray(a)


def _as_float(a: Any) -> Any:
    a = _arr(a)
    return a if np.result_type(concrete(a)).kind in "fc" else astype(a, np.float64)


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    """Insertion positions of ``v`` in the sorted ``a`` (constant integers)."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    if sorter is not None:
        a = take(_arr(a), sorter)
    return searchsorted_p.bind(_arr(a), _arr(v), side=side)


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
           period: Any = None) -> Any:
    """Piecewise-linear interpolation of ``(xp, fp)`` at ``x`` (``xp`` increasing);
    ``left``/``right`` (default ``fp[0]``/``fp[-1]``) outside. Example:
    ``fnp.interp(x, xp, fp)``."""
    if period is not None:
        raise NotImplementedError("functrace.numpy.interp does not support period=")
    x, xp, fp = (astype(_arr(v), np.float64) for v in (x, xp, fp))   # numpy's dtype
    if np.ndim(xp) != 1 or np.shape(xp) != np.shape(fp):
        raise ValueError("fp and xp are not of the same length (both must be 1-d)")
    n = np.shape(xp)[0]
    if n == 0:
        raise ValueError("array of sample points is empty")
    if n == 1:
        inside = take(fp, np.zeros(np.shape(x), np.intp)) + 0.0 * x
    else:
        i = searchsorted(xp, x, side="right") - 1
        i = where(i < 0, 0, where(i > n - 2, n - 2, i))
        x0, x1, f0, f1 = take(xp, i), take(xp, i + 1), take(fp, i), take(fp, i + 1)
        inside = f0 + (x - x0) * ((f1 - f0) / (x1 - x0))
    below = fp[0] if left is None else left
    above = fp[-1] if right is None else right
    return where(x < xp[0], below, where(x > xp[-1], above, inside))


def polyval(p: Any, x: Any) -> Any:
    """``p[0] * x**(n-1) + ... + p[n-1]`` by Horner's rule, differentiable in both."""
    p = _arr(p)
    x = _arr(x)
    y = p[0] + 0.0 * x if np.shape(p)[0] else 0.0 * x
    for k in range(1, np.shape(p)[0]):
        y = y * x + p[k]
    return y


def vander(x: Any, N: Optional[int] = None, increasing: bool = False) -> Any:
    """Vandermonde matrix: columns ``x**(N-1), ..., x, 1`` (reversed with
    ``increasing``), built by repeated products (exact derivatives at 0)."""
    x = _arr(x)
    if np.ndim(x) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = np.shape(x)[0] if N is None else operator.index(N)
    dtype = np.promote_types(np.result_type(concrete(x)), int)     # numpy's dtype
    x = astype(x, dtype) if is_tracer(x) else x.astype(dtype)
    cols = []
    power = ones_like_p.bind(x)
    for _ in range(n):
        cols.append(power)
        power = power * x
    out = stack(cols, axis=1) if cols else np.zeros((np.shape(x)[0], 0), concrete(x).dtype)
    return out if increasing or not cols else flip(out, 1)


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """Integral of ``y`` along ``axis`` by the trapezoidal rule, with sample points
    ``x`` or spacing ``dx`` (differentiable in ``y`` and ``x``)."""
    y = _arr(y)
    axis = _axis(axis, np.ndim(y))
    lead = (slice(None),) * axis
    mid = (y[lead + (slice(1, None),)] + y[lead + (slice(None, -1),)]) / 2.0
    if x is None:
        return sum(mid, axis=axis) * dx
    x = _arr(x)
    if np.ndim(x) == 1:
        d = x[1:] - x[:-1]
        d = d.reshape((-1,) + (1,) * (np.ndim(y) - 1 - axis))
    else:
        d = x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]
    return sum(mid * d, axis=axis)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """Second-order central differences inside, one-sided (order ``edge_order``) at
    the ends, along each axis, with scalar spacings or coordinate arrays
    (``varargs`` as numpy's). Returns one array, or a tuple for several axes."""
    f = _as_float(f)
    nd = np.ndim(f)
    axes = tuple(range(nd)) if axis is None else \
        tuple(_axis(a, nd) for a in ((axis,) if np.ndim(axis) == 0 else axis))
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    spacings = _spacings(varargs, len(axes))
    outs = tuple(_gradient_along(f, ax, h, edge_order) for ax, h in zip(axes, spacings))
    return outs[0] if len(outs) == 1 else outs


def _spacings(varargs: tuple, n: int) -> list:
    if not varargs:
        return [1.0] * n
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return [varargs[0]] * n
    if len(varargs) != n:
        raise TypeError("invalid number of arguments: one spacing per axis")
    return list(varargs)


def _gradient_along(f: Any, axis: int, h: Any, edge_order: int) -> Any:
    g = moveaxis(f, axis, 0)
    n = np.shape(g)[0]
    if n < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")
    if np.ndim(h) == 0:
        interior = (g[2:] - g[:-2]) / (2.0 * h)
        if edge_order == 1:
            first, last = (g[1] - g[0]) / h, (g[-1] - g[-2]) / h
        else:
            first = (-1.5 * g[0] + 2.0 * g[1] - 0.5 * g[2]) / h
            last = (1.5 * g[-1] - 2.0 * g[-2] + 0.5 * g[-3]) / h
    else:
        interior, first, last = _uneven(g, _as_float(h), edge_order)
    out = concatenate([first[None], interior, last[None]], axis=0)
    return moveaxis(out, 0, axis)


def _uneven(g: Any, x: Any, edge_order: int) -> tuple:
    """numpy's formulas for coordinates ``x`` (non-uniform spacing)."""
    if np.shape(x) != (np.shape(g)[0],):
        raise ValueError("when 1d, distances must match the length of the corresponding "
                         "dimension")
    extra = (1,) * (np.ndim(g) - 1)
    dx = x[1:] - x[:-1]
    h1, h2 = dx[:-1].reshape((-1,) + extra), dx[1:].reshape((-1,) + extra)
    interior = (-(h2 / (h1 * (h1 + h2))) * g[:-2] + ((h2 - h1) / (h1 * h2)) * g[1:-1]
                + (h1 / (h2 * (h1 + h2))) * g[2:])
    if edge_order == 1:
        return interior, (g[1] - g[0]) / dx[0], (g[-1] - g[-2]) / dx[-1]
    d1, d2 = dx[0], dx[1]
    first = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)) * g[0] + (d1 + d2) / (d1 * d2) * g[1]
             - d1 / (d2 * (d1 + d2)) * g[2])
    d1, d2 = dx[-2], dx[-1]
    last = (d2 / (d1 * (d1 + d2)) * g[-3] - (d2 + d1) / (d1 * d2) * g[-2]
            + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * g[-1])
    return interior, first, last


# -- 1-d convolution ----------------------------------------------------------------

def _full_convolution(a: Any, v: Any) -> Any:
    a, v = _arr(a), _arr(v)
    if np.ndim(a) != 1 or np.ndim(v) != 1:
        raise ValueError("object too deep for desired array: convolve takes 1-d arrays")
    if np.shape(a)[0] == 0 or np.shape(v)[0] == 0:
        raise ValueError("convolve: inputs cannot be empty")
    return convolve_nd_p.bind(a, v, ndim=1, method="direct")


def _mode_slice(full: Any, n: int, m: int, mode: str) -> Any:
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, m) - 1) // 2
        return full[start:start + max(n, m)]
    if mode == "valid":
        return full[min(n, m) - 1:max(n, m)]
    raise ValueError(f"mode must be one of 'full', 'same' or 'valid', got {mode!r}")


def _plain_integers(*values: Any) -> bool:
    return (not any(is_tracer(x) for x in values)
            and np.result_type(*[np.asarray(x) for x in values]).kind in "iub")


def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """Discrete linear convolution of two 1-d sequences (``mode`` full, same or valid).

    Float inputs always go through the ``convolve_nd`` primitive (so ``jit`` replays
    give the same bits as eager calls); plain integer inputs are numpy's (integers).
    """
    if _plain_integers(a, v):
        return np.convolve(a, v, mode)
    full = _full_convolution(a, v)
    return _mode_slice(full, np.shape(a)[0], np.shape(v)[0], mode)


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """Cross-correlation of two 1-d sequences, ``c[k] = sum_n a[n + k] v[n]``."""
    if _plain_integers(a, v):
        return np.correlate(a, v, mode)
    n, m = np.shape(a)[0], np.shape(v)[0]
    if m > n:      # numpy: correlate(v, a) reversed
        return flip(correlate(v, a, mode), 0)
    return _mode_slice(_full_convolution(a, flip(_arr(v), 0)), n, m, mode)


# -- array-API products -------------------------------------------------------------

def vdot(a: Any, b: Any, /) -> Any:
    """Dot product of the flattened arrays (real inputs)."""
    return sum(ravel(_arr(a)) * ravel(_arr(b)))


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Dot products of vectors along ``axis`` (broadcasting the others)."""
    return sum(_arr(x1) * _arr(x2), axis=axis)


def matvec(x1: Any, x2: Any, /) -> Any:
    """Matrix-vector products over stacks: ``x1 @ x2[..., None]`` without the last axis."""
    return matmul(x1, _arr(x2)[..., None])[..., 0]


def vecmat(x1: Any, x2: Any, /) -> Any:
    """Vector-matrix products over stacks: ``x1[..., None, :] @ x2`` without that axis."""
    return matmul(_arr(x1)[..., None, :], x2)[..., 0, :]
