"""numpy's statistics: NaN-ignoring reductions, order statistics (median,
quantile, percentile), weighted averages, ``ptp``, ``cov``, ``corrcoef`` and the
array-API cumulative functions, composed from differentiable primitives.

NaN-ignoring reductions replace NaN by the reduction's neutral element with
``where`` (so NaN entries get a zero gradient); order statistics sort with
:func:`sort` (the gradient follows the sorting permutation) and interpolate
linearly between neighbours (numpy's default ``method="linear"``), so they are
differentiable in the data and in ``q``.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.grad(fnp.median)(np.array([3.0, 1.0, 2.0, 4.0]))
array([0.5, 0. , 0.5, 0. ])
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from ..core import concrete, concrete_value, is_tracer
from ..primitives import nondiff as N
from ._products import cumprod, diagonal, prod
from ._reductions import (Axis, amax, amin, argmax, argmin, cumsum, mean, normalize_axes,
                          safe_sqrt, sum)
from ._shape import broadcast_to, concatenate, moveaxis, reshape, stack
from ._shape_extra import _vmap_batched, pad, sort, take_along_axis
from ._ufuncs import astype, floor, maximum, minimum, where

__all__ = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
           "nanargmax", "nanargmin", "nancumsum", "nancumprod", "median", "nanmedian",
           "quantile", "nanquantile", "percentile", "nanpercentile", "average", "ptp", "cov",
           "corrcoef", "count_nonzero", "cumulative_sum", "cumulative_prod"]


def _arr(a: Any) -> Any:
    return a if is_tracer(a) else np.asarray(a)


def _isnan(a: Any) -> Any:
    return N.isnan_p.bind(a)


def _without_nan(a: Any, fill: float) -> Any:
    a = _arr(a)
    if np.result_type(concrete(a)).kind not in "fc":
        return a
    return where(_isnan(a), fill, a)


def _valid_count(a: Any, axis: Axis, keepdims: bool) -> Any:
    """How many entries along ``axis`` are not NaN (a constant int array)."""
    valid = N.logical_not_p.bind(_isnan(a))
    return sum(N.astype_int_p.bind(valid, dtype=np.dtype(np.intp)), axis=axis,
               keepdims=keepdims)


def nansum(a: Any, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Sum ignoring NaN (NaN entries get a zero gradient). Example: ``fnp.nansum(x)``."""
    return sum(_without_nan(a, 0.0), axis=axis, dtype=dtype, keepdims=keepdims)


def nanprod(a: Any, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Product ignoring NaN (as if they were 1)."""
    return prod(_without_nan(a, 1.0), axis=axis, dtype=dtype, keepdims=keepdims)


def nanmean(a: Any, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Mean of the non-NaN entries; an all-NaN slice gives NaN (with numpy's warning)."""
    a = _arr(a)
    count = _valid_count(a, axis, keepdims)
    _warn_if_empty(count, "Mean of empty slice")
    total = nansum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    return total / _as_dtype_of(count, total)


def _as_dtype_of(count: Any, x: Any) -> Any:
    """An integer ``count`` in ``x``'s float dtype (so float32 stays float32)."""
    dtype = np.result_type(concrete(x))
    return astype(count, dtype) if dtype.kind in "fc" else count


def _warn_if_empty(count: Any, message: str) -> None:
    if np.any(concrete(count) == 0):
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def nanvar(a: Any, axis: Axis = None, dtype: Any = None, ddof: int = 0,
           keepdims: bool = False) -> Any:
    """Variance of the non-NaN entries, with ``ddof`` delta degrees of freedom."""
    a = _arr(a)
    count = _valid_count(a, axis, keepdims)
    _warn_if_empty(count - ddof, "Degrees of freedom <= 0 for slice.")
    centered = _without_nan(a - nanmean(a, axis=axis, dtype=dtype, keepdims=True), 0.0)
    squares = sum(centered * centered, axis=axis, keepdims=keepdims)
    return squares / _as_dtype_of(count - ddof, squares)


def nanstd(a: Any, axis: Axis = None, dtype: Any = None, ddof: int = 0,
           keepdims: bool = False) -> Any:
    """Standard deviation of the non-NaN entries (gradient 0 at zero spread)."""
    return safe_sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def _nan_extreme(a: Any, axis: Axis, keepdims: bool, reduce: Any, fill: float) -> Any:
    a = _arr(a)
    out = reduce(_without_nan(a, fill), axis=axis, keepdims=keepdims)
    all_nan = N.equal_p.bind(_valid_count(a, axis, keepdims), 0)
    if np.any(concrete(all_nan)):
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
        return where(all_nan, np.nan, out)
    return out


def nanmax(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Maximum ignoring NaN (NaN for an all-NaN slice, with numpy's warning)."""
    return _nan_extreme(a, axis, keepdims, amax, -np.inf)


def nanmin(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Minimum ignoring NaN (NaN for an all-NaN slice, with numpy's warning)."""
    return _nan_extreme(a, axis, keepdims, amin, np.inf)


def nanargmax(a: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    """Index of the maximum ignoring NaN (a constant)."""
    return argmax(_without_nan(a, -np.inf), axis=axis, keepdims=keepdims)


def nanargmin(a: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    """Index of the minimum ignoring NaN (a constant)."""
    return argmin(_without_nan(a, np.inf), axis=axis, keepdims=keepdims)


def nancumsum(a: Any, axis: Optional[int] = None, dtype: Any = None) -> Any:
    """Cumulative sum treating NaN as 0."""
    return cumsum(_without_nan(a, 0.0), axis=axis, dtype=dtype)


def nancumprod(a: Any, axis: Optional[int] = None, dtype: Any = None) -> Any:
    """Cumulative product treating NaN as 1."""
    return cumprod(_without_nan(a, 1.0), axis=axis, dtype=dtype)


# -- order statistics ---------------------------------------------------------------

def _quantile(a: Any, q: Any, axis: Axis, keepdims: bool, method: str, skip_nan: bool) -> Any:
    if method != "linear":
        raise NotImplementedError(f"functrace.numpy quantiles support method='linear' (numpy's "
                                  f"default) only, got method={method!r}")
    a = _arr(a)
    q_value = np.asarray(concrete_value(q))
    if np.result_type(concrete(a)).kind not in "fc":
        a = astype(a, np.float64)
    # numpy subtracts neighbours in a's dtype and weighs them in the result's
    dtype = np.result_type(concrete(a), q if isinstance(q, (int, float)) else q_value)
    if np.any((q_value < 0) | (q_value > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    ndim = np.ndim(a)
    axes = normalize_axes(axis, ndim)
    kept = [d for d in range(ndim) if d not in axes]
    flat = reshape(moveaxis(a, list(axes), list(range(ndim - len(axes), ndim))),
                   tuple(np.shape(a)[d] for d in kept) + (-1,))
    ordered = sort(flat, axis=-1)                  # NaN last, as numpy sorts them
    rows = tuple(np.shape(ordered)[:-1])
    count = (_valid_count(flat, -1, True) if skip_nan    # traced when the data is (vmap)
             else np.full(rows + (1,), np.shape(ordered)[-1]))
    if not skip_nan and np.any(np.isnan(concrete(ordered))):
        warnings.warn("Invalid value encountered in quantile: NaN in the data", RuntimeWarning,
                      stacklevel=3)
    q_shape = tuple(np.shape(q))
    q_flat = reshape(q, (-1,)) if is_tracer(q) else q_value.reshape(-1)
    values = [_linear_at(ordered, q_flat[i], count, dtype)
              for i in range(int(np.prod(q_shape, dtype=np.int64)))]
    out = reshape(stack(values), q_shape + rows)
    if keepdims:
        shape = tuple(1 if d in axes else s for d, s in enumerate(np.shape(a)))
        out = reshape(out, q_shape + shape)
    return out


def _linear_at(ordered: Any, q: Any, count: Any, dtype: Any) -> Any:
    """numpy's linear interpolation at quantile ``q`` of each row of ``ordered`` (rows
    sorted, their first ``count`` entries valid): the neighbours' indices are constants
    of the values, the weight is differentiable in ``q``."""
    lo, hi, weight = _neighbours(q, count, dtype)
    below = take_along_axis(ordered, lo, axis=-1)
    above = take_along_axis(ordered, hi, axis=-1)
    step = above - below           # numpy's lerp: from the nearer end, for the same rounding
    lerp = where(N.greater_equal_p.bind(weight, 0.5), above - step * (1.0 - weight),
                 below + step * weight)
    rows = tuple(np.shape(ordered)[:-1])
    out = reshape(lerp, rows)
    if is_tracer(count) or np.any(np.asarray(count) == 0):
        out = where(N.equal_p.bind(reshape(count, rows), 0), np.nan, out)
    return out


def _neighbours(q: Any, count: Any, dtype: Any) -> tuple:
    """``(lo, hi, weight)`` of the position ``q * (count - 1)``, found in float64 as
    numpy does: from the values, or (``q`` or ``count`` batched by vmap) with
    primitives. The weight is computed in ``dtype`` from traced ``q``, so float32
    programs stay float32."""
    if not (_vmap_batched(q) or _vmap_batched(count)):
        last = np.maximum(np.asarray(concrete_value(count)) - 1, 0)
        position = np.asarray(concrete_value(q), np.float64) * last
        lo = np.floor(position).astype(np.intp)
        if is_tracer(q):
            weight = astype(q * last.astype(dtype) - lo.astype(dtype), dtype)
        else:
            weight = np.asarray(position - lo, dtype)
        return lo, np.minimum(lo + 1, last), weight
    last = maximum(count - 1, 0)
    position = q * astype(last, np.float64)
    lo = astype(floor(position), np.intp)
    return lo, minimum(lo + 1, last), astype(position - astype(lo, np.float64), dtype)


def quantile(a: Any, q: Any, axis: Axis = None, out: None = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th quantile(s) (``0 <= q <= 1``) along ``axis``, interpolated linearly.

    Example: ``fnp.quantile(x, [0.25, 0.75])``.
    """
    return _quantile(a, q, axis, keepdims, method, skip_nan=False)


def nanquantile(a: Any, q: Any, axis: Axis = None, out: None = None,
                overwrite_input: bool = False, method: str = "linear",
                keepdims: bool = False) -> Any:
    """:func:`quantile` of the non-NaN entries (NaN for an all-NaN slice)."""
    return _quantile(a, q, axis, keepdims, method, skip_nan=True)


def percentile(a: Any, q: Any, axis: Axis = None, out: None = None,
               overwrite_input: bool = False, method: str = "linear",
               keepdims: bool = False) -> Any:
    """The ``q``-th percentile(s) (``0 <= q <= 100``): ``quantile(a, q / 100)``."""
    return _quantile(a, _hundredths(q), axis, keepdims, method, skip_nan=False)


def nanpercentile(a: Any, q: Any, axis: Axis = None, out: None = None,
                  overwrite_input: bool = False, method: str = "linear",
                  keepdims: bool = False) -> Any:
    """:func:`percentile` of the non-NaN entries."""
    return _quantile(a, _hundredths(q), axis, keepdims, method, skip_nan=True)


def _hundredths(q: Any) -> Any:
    """``q / 100``; a Python number stays one (so float32 data stays float32, as in numpy)."""
    return q / 100.0 if isinstance(q, (int, float)) else _arr(q) / 100.0


def median(a: Any, axis: Axis = None, out: None = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Any:
    """Median along ``axis`` (the mean of the two middle values for even counts)."""
    return _quantile(a, 0.5, axis, keepdims, "linear", skip_nan=False)


def nanmedian(a: Any, axis: Axis = None, out: None = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Any:
    """Median of the non-NaN entries."""
    return _quantile(a, 0.5, axis, keepdims, "linear", skip_nan=True)


# -- averages, spreads, covariances ---------------------------------------------------

def average(a: Any, axis: Axis = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """Weighted mean ``sum(a * w) / sum(w)``, differentiable in ``a`` and ``weights``.

    Example: ``fnp.average(x, weights=w)``.
    """
    a = _arr(a)
    if weights is None:
        avg = mean(a, axis=axis, keepdims=keepdims)
        scale = np.asarray(np.size(a) / max(np.size(avg), 1), dtype=np.result_type(avg))
        total = np.broadcast_to(scale, np.shape(avg))
    else:
        w = _arr(weights)
        if np.shape(w) != np.shape(a):
            if axis is None or np.ndim(w) != 1:
                raise TypeError("average: weights must have a's shape, or be 1-d along the "
                                "one given axis")
            ax = normalize_axes(axis, np.ndim(a))[0]
            w = reshape(w, tuple(-1 if d == ax else 1 for d in range(np.ndim(a))))
            w = broadcast_to(w, np.shape(a))
        total = sum(w, axis=axis, keepdims=keepdims)
        if np.any(concrete(total) == 0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = sum(a * w, axis=axis, keepdims=keepdims) / total
    return (avg, total) if returned else avg


def ptp(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Peak to peak: ``max - min`` along ``axis``."""
    return amax(a, axis=axis, keepdims=keepdims) - amin(a, axis=axis, keepdims=keepdims)


def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None,
        fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> Any:
    """Covariance matrix of the variables in the rows of ``m`` (columns with
    ``rowvar=False``), without frequency or analytic weights.

    Example: ``fnp.cov(x)`` for a ``(variables, observations)`` array.
    """
    if fweights is not None or aweights is not None:
        raise NotImplementedError("functrace.numpy.cov does not support fweights/aweights")
    x = _observations(m, rowvar, dtype)
    if y is not None:
        x = concatenate([x, _observations(y, rowvar, dtype)], axis=0)
    n = np.shape(x)[1]
    ddof = (0 if bias else 1) if ddof is None else ddof
    if n - ddof <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
    centered = x - mean(x, axis=1, keepdims=True)
    c = (centered @ centered.T) / (n - ddof)
    return reshape(c, ()) if np.shape(c) == (1, 1) else c


def _observations(m: Any, rowvar: bool, dtype: Any) -> Any:
    x = _arr(m)
    if np.ndim(x) > 2:
        raise ValueError("m has more than 2 dimensions")
    if np.ndim(x) < 2:
        x = reshape(x, (1, -1))
    elif not rowvar:
        x = x.T
    dtype = np.result_type(concrete(x), np.float64) if dtype is None else dtype
    return astype(x, dtype) if np.result_type(concrete(x)) != dtype else x


def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    """Pearson correlation coefficients: ``cov`` scaled by the standard deviations."""
    c = cov(x, y, rowvar, dtype=dtype)
    if np.ndim(c) == 0:
        return c / c
    scale = safe_sqrt(diagonal(c))
    return c / scale[:, None] / scale[None, :]


def count_nonzero(a: Any, axis: Axis = None, *, keepdims: bool = False) -> Any:
    """How many entries are not zero (a constant integer)."""
    nonzero = N.not_equal_p.bind(_arr(a), 0)
    return sum(N.astype_int_p.bind(nonzero, dtype=np.dtype(np.intp)), axis=axis,
               keepdims=keepdims)


def _cumulative(x: Any, axis: Optional[int], include_initial: bool, initial: float,
                fn: Any, dtype: Any) -> Any:
    x = _arr(x)
    if axis is None:
        if np.ndim(x) > 1:
            raise ValueError("axis must be given for arrays of more than one dimension")
        axis = 0
    out = fn(x, axis=axis, dtype=dtype)
    if not include_initial:
        return out
    ax = normalize_axes(axis, np.ndim(out))[0]
    widths = [(1, 0) if d == ax else (0, 0) for d in range(np.ndim(out))]
    return pad(out, widths, constant_values=initial)


def cumulative_sum(x: Any, /, *, axis: Optional[int] = None, dtype: Any = None,
                   out: None = None, include_initial: bool = False) -> Any:
    """Array-API cumulative sum (``include_initial`` prepends a 0)."""
    return _cumulative(x, axis, include_initial, 0.0, cumsum, dtype)


def cumulative_prod(x: Any, /, *, axis: Optional[int] = None, dtype: Any = None,
                    out: None = None, include_initial: bool = False) -> Any:
    """Array-API cumulative product (``include_initial`` prepends a 1)."""
    return _cumulative(x, axis, include_initial, 1.0, cumprod, dtype)
