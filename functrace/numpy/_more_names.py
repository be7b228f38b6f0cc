"""The rest of numpy's array functions that have a derivative worth having:
polynomial arithmetic (``polyadd``, ``polysub``, ``polymul``, ``polyder``,
``polyint``, ``poly``), set operations (``unique_*``, ``union1d``, ``intersect1d``,
``setdiff1d``, ``setxor1d``: values taken from the inputs, so differentiable),
``apply_along_axis``/``apply_over_axes``/``piecewise`` (calling your function on
traced slices), ``choose``, ``resize``, ``trim_zeros``, ``unwrap``, ``frexp``,
``nextafter``, ``histogram`` (constant counts) and numpy's window functions
(constants of their integer lengths).

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.grad(lambda p: fnp.sum(fnp.polymul(p, p)))(np.array([1.0, 2.0]))
array([6., 6.])
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..core import concrete, concrete_value, is_tracer
from ..primitives import nondiff as N
from ..primitives.nondiff_extra import frexp_exponent_p, nextafter_p
from ._calculus import convolve
from ._shape import concatenate, moveaxis, ravel, reshape, stack
from ._shape_extra import _axis, _vmap_batched, take
from ._ufuncs import absolute, astype, exp2, multiply, negative, remainder, where

__all__ = ["polyadd", "polysub", "polymul", "polyder", "polyint", "poly", "unique_values",
           "unique_counts", "unique_inverse", "unique_all", "union1d", "intersect1d",
           "setdiff1d", "setxor1d", "apply_along_axis", "apply_over_axes", "piecewise",
           "choose", "resize", "trim_zeros", "unwrap", "frexp", "nextafter", "histogram",
           "bartlett", "blackman", "hamming", "hanning", "kaiser"]

# numpy's window functions: constants of an integer length
bartlett, blackman, hamming, hanning, kaiser = (np.bartlett, np.blackman, np.hamming,
                                                np.hanning, np.kaiser)


def _arr(a: Any) -> Any:
    return a if is_tracer(a) else np.asarray(a)


def _values(x: Any, name: str) -> np.ndarray:
    if _vmap_batched(x):
        raise TypeError(f"{name}: data-dependent output shapes cannot be batched by vmap")
    return np.asarray(concrete_value(x))


# -- polynomials (highest power first, as numpy's poly1d coefficients) ----------------------

def _padded(a: Any, n: int) -> Any:
    a = ravel(_arr(a))
    short = n - np.shape(a)[0]
    return concatenate([np.zeros(short, np.result_type(concrete(a))), a]) if short > 0 else a


def polyadd(a1: Any, a2: Any) -> Any:
    """Sum of two polynomials (coefficient arrays, highest power first)."""
    n = max(np.size(a1), np.size(a2))
    return _padded(a1, n) + _padded(a2, n)


def polysub(a1: Any, a2: Any) -> Any:
    """Difference of two polynomials."""
    n = max(np.size(a1), np.size(a2))
    return _padded(a1, n) - _padded(a2, n)


def polymul(a1: Any, a2: Any) -> Any:
    """Product of two polynomials (a convolution of the coefficients)."""
    return convolve(ravel(_arr(a1)), ravel(_arr(a2)))


def polyder(p: Any, m: int = 1) -> Any:
    """The ``m``-th derivative of the polynomial ``p``."""
    p = ravel(_arr(p))
    for _ in range(operator.index(m)):
        n = np.shape(p)[0] - 1
        if n <= 0:
            return p[:0] if n < 0 else p[:1] * 0.0
        p = p[:-1] * np.arange(n, 0, -1)
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """The ``m``-th antiderivative of ``p``, with integration constants ``k`` (0 by default)."""
    p = ravel(_arr(p))
    m = operator.index(m)
    ks = np.zeros(m) if k is None else _arr(k)
    ks = reshape(ks, (-1,)) if np.ndim(ks) else ks * np.ones(m)
    for i in range(m):
        n = np.shape(p)[0]
        p = concatenate([p / np.arange(n, 0, -1), reshape(ks[i], (1,))])
    return p


def poly(seq_of_zeros: Any) -> Any:
    """Coefficients of the monic polynomial with the given (real) roots."""
    roots = ravel(_arr(seq_of_zeros))
    coefficients: Any = np.ones(1, np.result_type(concrete(roots), np.float16))
    for i in range(np.shape(roots)[0]):
        coefficients = convolve(coefficients, stack([roots[i] * 0 + 1, -roots[i]]))
    return coefficients


# -- sets: values are taken from the inputs ---------------------------------------------

def unique_values(x: Any) -> Any:
    """The sorted distinct values of ``x``."""
    first = np.unique(_values(x, "unique_values"), return_index=True)[1]
    return take(ravel(_arr(x)), first)


def unique_counts(x: Any) -> tuple:
    """``(values, counts)``; the counts are constants."""
    _, first, counts = np.unique(_values(x, "unique_counts"), return_index=True,
                                 return_counts=True)
    return take(ravel(_arr(x)), first), counts


def unique_inverse(x: Any) -> tuple:
    """``(values, inverse_indices)``, the indices shaped like ``x``."""
    value = _values(x, "unique_inverse")
    _, first, inverse = np.unique(value, return_index=True, return_inverse=True)
    return take(ravel(_arr(x)), first), inverse.reshape(value.shape)


def unique_all(x: Any) -> tuple:
    """``(values, indices, inverse_indices, counts)`` as numpy's ``unique_all``."""
    value = _values(x, "unique_all")
    _, first, inverse, counts = np.unique(value, return_index=True, return_inverse=True,
                                          return_counts=True)
    return take(ravel(_arr(x)), first), first, inverse.reshape(value.shape), counts


def _pick(sources: Sequence[Any], values: np.ndarray) -> Any:
    """The entries ``values`` (sorted, distinct) taken from the first of ``sources``
    holding each, differentiably."""
    flats = [ravel(_arr(s)) for s in sources]
    joined = concatenate(flats) if len(flats) > 1 else flats[0]
    plain = np.asarray(concrete(joined))
    positions = np.array([int(np.flatnonzero(plain == v)[0]) for v in values], np.intp)
    return take(joined, positions) if positions.size else plain[:0]


def union1d(ar1: Any, ar2: Any) -> Any:
    """Sorted distinct values in either array."""
    return _pick([ar1, ar2], np.union1d(_values(ar1, "union1d"), _values(ar2, "union1d")))


def intersect1d(ar1: Any, ar2: Any, assume_unique: bool = False,
                return_indices: bool = False) -> Any:
    """Sorted distinct values in both arrays (differentiable through the first's entries)."""
    if return_indices:
        raise NotImplementedError("functrace.numpy.intersect1d: return_indices=True")
    return _pick([ar1], np.intersect1d(_values(ar1, "intersect1d"),
                                       _values(ar2, "intersect1d"), assume_unique))


def setdiff1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """Sorted distinct values of ``ar1`` not in ``ar2``."""
    return _pick([ar1], np.setdiff1d(_values(ar1, "setdiff1d"), _values(ar2, "setdiff1d"),
                                     assume_unique))


def setxor1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """Sorted distinct values in exactly one of the arrays."""
    return _pick([ar1, ar2], np.setxor1d(_values(ar1, "setxor1d"), _values(ar2, "setxor1d"),
                                         assume_unique))


# -- calling the user's function -------------------------------------------------------------

def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: Any, *args: Any,
                     **kwargs: Any) -> Any:
    """``func1d`` on every 1-d slice along ``axis``; its results stacked in that place."""
    arr = _arr(arr)
    axis = _axis(axis, np.ndim(arr))
    moved = moveaxis(arr, axis, -1)
    lead = np.shape(moved)[:-1]
    flat = reshape(moved, (-1, np.shape(moved)[-1]))
    results = [_arr(func1d(flat[i], *args, **kwargs)) for i in range(np.shape(flat)[0])]
    out = reshape(stack(results), lead + np.shape(results[0]))
    extra = np.ndim(results[0])
    return moveaxis(out, list(range(len(lead), len(lead) + extra)),
                    list(range(axis, axis + extra))) if extra else out


def apply_over_axes(func: Callable[[Any, int], Any], a: Any, axes: Any) -> Any:
    """``func(a, axis)`` for each axis in turn, keeping the number of dimensions."""
    val = _arr(a)
    for axis in np.atleast_1d(axes):
        axis = _axis(int(axis), np.ndim(val))
        res = func(val, axis)
        if np.ndim(res) == np.ndim(val):
            val = res
        elif np.ndim(res) == np.ndim(val) - 1:
            val = reshape(res, np.shape(res)[:axis] + (1,) + np.shape(res)[axis:])
        else:
            raise ValueError("function is not returning an array of the correct shape")
    return val


def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """``funclist[i]`` (a function or a constant) where ``condlist[i]`` holds; an extra
    last entry of ``funclist`` is the otherwise-value (0 by default)."""
    x = _arr(x)
    if not isinstance(condlist, (list, tuple)) or np.ndim(condlist[0]) == 0 and np.ndim(x):
        condlist = [condlist]
    n = len(condlist)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are needed")
    out: Any = np.zeros(np.shape(x), np.result_type(concrete(x)))
    if len(funclist) == n + 1:
        otherwise = N.logical_not_p.bind(_any_of(condlist, x))
        out = where(otherwise, _evaluate(funclist[-1], x, args, kw), out)
    for cond, fn in zip(condlist, funclist):   # a later condition wins, as in numpy
        out = where(cond, _evaluate(fn, x, args, kw), out)
    return out


def _any_of(condlist: Sequence[Any], x: Any) -> Any:
    result: Any = np.zeros(np.shape(x), bool)
    for cond in condlist:
        result = N.logical_or_p.bind(result, cond)
    return result


def _evaluate(fn: Any, x: Any, args: tuple, kw: dict) -> Any:
    return fn(x, *args, **kw) if callable(fn) else fn


def choose(a: Any, choices: Sequence[Any], out: None = None, mode: str = "raise") -> Any:
    """``choices[a[i]][i]`` with constant integer ``a`` (differentiable in the choices)."""
    idx = _values(a, "choose").astype(np.intp)
    n = len(choices)
    if mode == "wrap":
        idx = np.mod(idx, n)
    elif mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    elif np.any((idx < 0) | (idx >= n)):
        raise ValueError("invalid entry in choice array")
    out_: Any = None
    for k, choice in enumerate(choices):
        out_ = choice if out_ is None else where(idx == k, choice, out_)
    shape = np.broadcast_shapes(idx.shape, *[np.shape(c) for c in choices])
    return out_ + np.zeros(shape, np.result_type(concrete(out_)))


def resize(a: Any, new_shape: Any) -> Any:
    """``a`` repeated (flattened, cyclically) to fill ``new_shape``."""
    flat = ravel(_arr(a))
    shape = (operator.index(new_shape),) if np.ndim(new_shape) == 0 else tuple(new_shape)
    size = int(np.prod(shape, dtype=np.int64))
    n = np.shape(flat)[0]
    if n == 0 or size == 0:
        return np.zeros(shape, np.result_type(concrete(flat)))
    return reshape(take(flat, np.arange(size) % n), shape)


def trim_zeros(filt: Any, trim: str = "fb", axis: Optional[int] = None) -> Any:
    """``filt`` without leading (``"f"``) and/or trailing (``"b"``) zeros (1-d)."""
    value = _values(filt, "trim_zeros")
    nonzero = np.flatnonzero(value)
    if nonzero.size == 0:
        return _arr(filt)[:0]
    start = nonzero[0] if "f" in trim.lower() else 0
    stop = nonzero[-1] + 1 if "b" in trim.lower() else value.shape[0]
    return _arr(filt)[start:stop]


def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: float = 2 * np.pi) -> Any:
    """Phases with jumps larger than ``period / 2`` undone by adding multiples of
    ``period`` (constants, so the gradient is 1 per entry)."""
    p = _arr(p)
    axis = _axis(axis, np.ndim(p))
    lead = (slice(None),) * axis
    d = p[lead + (slice(1, None),)] - p[lead + (slice(None, -1),)]
    half = period / 2
    discont = half if discont is None else max(discont, half)
    dd = remainder(d + half, period) - half
    boundary = N.logical_and_p.bind(N.equal_p.bind(dd, -half), N.greater_p.bind(d, 0))
    dd = where(boundary, half, dd)
    correction = where(N.less_p.bind(absolute(d), discont), 0.0, dd - d)
    from ._reductions import cumsum      # noqa: PLC0415  (numpy's name, shadowed here)
    shift = N.stop_gradient_p.bind(cumsum(correction, axis=axis))
    head = p[lead + (slice(0, 1),)]
    return concatenate([head, p[lead + (slice(1, None),)] + shift], axis=axis)


def frexp(x: Any) -> tuple:
    """``(mantissa, exponent)`` with ``x = mantissa * 2**exponent``; the mantissa's
    derivative is ``2**-exponent`` (the exponent is a constant)."""
    exponent = frexp_exponent_p.bind(x)
    scale = exp2(astype(negative(exponent), np.result_type(concrete(x))))   # exact: 2**-e
    return multiply(x, scale), exponent


def nextafter(x1: Any, x2: Any) -> Any:
    """The next float after ``x1`` towards ``x2`` (derivative 1 in ``x1``)."""
    step = nextafter_p.bind(x1, x2) - N.stop_gradient_p.bind(x1)   # exact (adjacent floats)
    return x1 + step


def histogram(a: Any, bins: Any = 10, range: Any = None, density: Any = None,
              weights: Any = None) -> tuple:
    """numpy's histogram of the values: constant counts and bin edges."""
    counts, edges = np.histogram(_values(a, "histogram"), bins=bins, range=range,
                                 density=density,
                                 weights=None if weights is None else _values(weights,
                                                                              "histogram"))
    return counts, edges


