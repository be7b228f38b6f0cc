"""numpy-named reductions: sum, mean, max, min, var, std, cumsum, ..."""
from __future__ import annotations

import builtins
from typing import Any, Optional, Union

import numpy as np

from ..core import concrete_value
from ..primitives import nondiff as N
from ..primitives import reductions as R
from ..primitives.elementwise import sqrt_p, where_p

Axis = Optional[Union[int, tuple]]


def normalize_axes(axis: Axis, ndim: int) -> tuple:
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        ax = int(ax)
        if not -ndim <= ax < builtins.max(ndim, 1):
            raise np.exceptions.AxisError(f"axis {ax} is out of bounds for array of dimension {ndim}")
        out.append(ax % builtins.max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError("duplicate value in 'axis'")
    return tuple(sorted(out))


def _count(a: Any, axes: tuple) -> int:
    shape = np.shape(a)
    return int(np.prod([shape[i] for i in axes], dtype=np.int64))


def sum(a: Any, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Sum over ``axis``. Example: ``fnp.sum(x, axis=0)``."""
    if dtype is not None:
        from ._ufuncs import astype
        a = astype(a, dtype)
    return R.reduce_sum_p.bind(a, axes=normalize_axes(axis, np.ndim(a)), keepdims=bool(keepdims))


def mean(a: Any, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean over ``axis``."""
    axes = normalize_axes(axis, np.ndim(a))
    total = sum(a, axis=axes, dtype=dtype, keepdims=keepdims)
    return total / _count(a, axes)


def amax(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Maximum over ``axis``; tied maxima share the gradient evenly."""
    return R.reduce_max_p.bind(a, axes=normalize_axes(axis, np.ndim(a)), keepdims=bool(keepdims))


def amin(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Minimum over ``axis``; tied minima share the gradient evenly."""
    return R.reduce_min_p.bind(a, axes=normalize_axes(axis, np.ndim(a)), keepdims=bool(keepdims))


max = amax
min = amin


def var(a: Any, axis: Axis = None, dtype: Any = None, ddof: int = 0,
        keepdims: bool = False) -> Any:
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom."""
    axes = normalize_axes(axis, np.ndim(a))
    centered = a - mean(a, axis=axes, dtype=dtype, keepdims=True)
    return sum(centered * centered, axis=axes, keepdims=keepdims) / (_count(a, axes) - ddof)


def safe_sqrt(x: Any) -> Any:
    """sqrt whose derivative at 0 is taken as 0 instead of inf (no NaN at the kink)."""
    zero = N.equal_p.bind(x, 0)      # a primitive, so that it stays batched under vmap
    if not np.any(concrete_value(zero)):
        return sqrt_p.bind(x)
    return where_p.bind(zero, 0.0, sqrt_p.bind(where_p.bind(zero, 1.0, x)))


def std(a: Any, axis: Axis = None, dtype: Any = None, ddof: int = 0,
        keepdims: bool = False) -> Any:
    """Standard deviation; at zero variance its gradient is taken as 0."""
    return safe_sqrt(var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def cumsum(a: Any, axis: Optional[int] = None, dtype: Any = None) -> Any:
    """Cumulative sum along ``axis`` (flattened when ``axis`` is None)."""
    from ._shape import ravel
    if axis is None:
        a, axis = ravel(a), 0
    if dtype is not None:
        from ._ufuncs import astype
        a = astype(a, dtype)
    return R.cumsum_p.bind(a, axis=normalize_axes(axis, np.ndim(a))[0])


def argmax(a: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    return N.argmax_p.bind(a, axis=axis, keepdims=keepdims)


def argmin(a: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    return N.argmin_p.bind(a, axis=axis, keepdims=keepdims)


def argsort(a: Any, axis: int = -1, kind: Optional[str] = None) -> Any:
    return N.argsort_p.bind(a, axis=axis, kind=kind)
