"""numpy-named reductions: sum, mean, max, min, var, std, cumsum, ..."""
from __future__ import annotations

import builtins
import math
import warnings
from typing import Any, Optional, Union

import numpy as np

from ..core import concrete_value
from ..primitives import nondiff as N
from ..primitives import reductions as R
from ..primitives.arithmetic import sqrt_p
from ..primitives.complex_parts import conj, is_complex, real_part
from ..primitives.selection import where_p
from ..tape import ndim_of, shape_of
from ._shape import ravel
from ._ufuncs import astype

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
    shape = shape_of(a)
    return math.prod([shape[i] for i in axes])


def sum(a: Any, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Sum over ``axis``. Example: ``fnp.sum(x, axis=0)``."""
    return sum_over(a, normalize_axes(axis, ndim_of(a)), dtype, keepdims)


def sum_over(a: Any, axes: tuple, dtype: Any = None, keepdims: bool = False) -> Any:
    """:func:`sum` over ``axes`` already normalised (a sorted tuple of non-negative ints)."""
    if dtype is not None:
        a = astype(a, dtype)
    return R.reduce_sum_p.bind(a, axes=axes, keepdims=bool(keepdims))


def mean(a: Any, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean over ``axis``."""
    axes = normalize_axes(axis, ndim_of(a))
    return sum_over(a, axes, dtype, keepdims) / _count(a, axes)


def amax(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Maximum over ``axis``; tied maxima share the gradient evenly."""
    return R.reduce_max_p.bind(a, axes=normalize_axes(axis, ndim_of(a)), keepdims=bool(keepdims))


def amin(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Minimum over ``axis``; tied minima share the gradient evenly."""
    return R.reduce_min_p.bind(a, axes=normalize_axes(axis, ndim_of(a)), keepdims=bool(keepdims))


max = amax
min = amin


def var(a: Any, axis: Axis = None, dtype: Any = None, ddof: int = 0,
        keepdims: bool = False) -> Any:
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom.

    With ``N - ddof <= 0`` numpy's RuntimeWarning and value (the sum of squares
    divided by 0: inf, or nan) and a NaN gradient (undefined).
    """
    axes = normalize_axes(axis, ndim_of(a))
    _warn_if_no_dof(a, axes, ddof)
    return variance(a, axes, dtype, ddof, keepdims)


def _warn_if_no_dof(a: Any, axes: tuple, ddof: int) -> None:
    if _count(a, axes) - ddof <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)


def variance(a: Any, axes: tuple, dtype: Any, ddof: int, keepdims: bool,
             root: bool = False) -> Any:
    """:func:`var` (with ``root``, :func:`std`) over normalised ``axes``, without the
    warning (the Tensor facade gives PyTorch's instead)."""
    centered = a - mean(a, axis=axes, dtype=dtype, keepdims=True)
    squares = centered * centered if not is_complex(centered) else \
        real_part(centered * conj(centered))       # |c|^2: numpy's var is real
    total = sum(squares, axis=axes, keepdims=keepdims)
    dof = _count(a, axes) - ddof
    if dof > 0:
        return safe_sqrt(total / dof) if root else total / dof
    # numpy divides by max(dof, 0). Dividing by a zero that depends on ``a`` (not
    # by the constant 0) makes the gradient NaN everywhere (undefined) instead of
    # the +-inf of d(total) / 0, also under the zero guard (functrace.numerics).
    return (sqrt_p.bind(total) if root else total) / (0.0 * total)


def safe_sqrt(x: Any) -> Any:
    """sqrt whose derivative at 0 is taken as 0 instead of inf (no NaN at the kink)."""
    zero = N.equal_p.bind(x, 0)      # a primitive, so that it stays batched under vmap
    if not np.any(concrete_value(zero)):
        return sqrt_p.bind(x)
    return where_p.bind(zero, 0.0, sqrt_p.bind(where_p.bind(zero, 1.0, x)))


def std(a: Any, axis: Axis = None, dtype: Any = None, ddof: int = 0,
        keepdims: bool = False) -> Any:
    """Standard deviation; at zero variance its gradient is taken as 0.

    With ``N - ddof <= 0``: numpy's warning and value, and a NaN gradient (see :func:`var`).
    """
    axes = normalize_axes(axis, ndim_of(a))
    _warn_if_no_dof(a, axes, ddof)
    return variance(a, axes, dtype, ddof, keepdims, root=True)


def cumsum(a: Any, axis: Optional[int] = None, dtype: Any = None) -> Any:
    """Cumulative sum along ``axis`` (flattened when ``axis`` is None)."""
    if axis is None:
        a, axis = ravel(a), 0
    if dtype is not None:
        a = astype(a, dtype)
    return R.cumsum_p.bind(a, axis=normalize_axes(axis, ndim_of(a))[0])


def argmax(a: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    return N.argmax_p.bind(a, axis=axis, keepdims=keepdims)


def argmin(a: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    return N.argmin_p.bind(a, axis=axis, keepdims=keepdims)


def argsort(a: Any, axis: int = -1, kind: Optional[str] = None) -> Any:
    return N.argsort_p.bind(a, axis=axis, kind=kind)


def any(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Whether any element is true: a constant (no gradient)."""
    return N.reduce_any_p.bind(a, axes=normalize_axes(axis, ndim_of(a)), keepdims=bool(keepdims))


def all(a: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Whether all elements are true: a constant (no gradient)."""
    return N.reduce_all_p.bind(a, axes=normalize_axes(axis, ndim_of(a)), keepdims=bool(keepdims))
