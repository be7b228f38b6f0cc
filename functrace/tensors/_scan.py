"""torch-named scans along one ``dim``: cumsum, cumprod, cummax, cummin, logcumsumexp, diff.

A 0-d tensor is scanned as a one-element vector (``dim`` 0 or -1), as in torch.
No derivative lives here: ``cummax`` gathers the input at indices computed on
the data (the gradient goes to them), ``diff`` subtracts slices.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from .. import numpy as fnp
from ..primitives.reductions import logcumsumexp_p
from ._args import dim_index
from ._graph import relabel
from ._ops import constant, data_of, values_indices
from ._shape import cat, narrow
from ._types import default_float


def _along(input: Any, dim: int, fn: Callable[[Any, int], Any]) -> Any:
    """``fn(input, axis)``, with a 0-d tensor seen as a vector of one element."""
    axis = dim_index(dim, np.ndim(input))
    if np.ndim(input) == 0:
        return fnp.reshape(fn(fnp.reshape(input, (1,)), 0), ())
    return fn(input, axis)


def _cast(input: Any, dtype: Any) -> Any:
    return input if dtype is None else fnp.astype(input, dtype)


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Any:
    """Running sums along ``dim``. Example: ``ft.cumsum(x, dim=0)``."""
    out = _along(_cast(input, dtype), dim, lambda x, a: fnp.cumsum(x, axis=a))
    return relabel(out, "CumsumBackward0", input)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Any:
    """Running products along ``dim`` (exact gradients with zeros)."""
    out = _along(_cast(input, dtype), dim, lambda x, a: fnp.cumprod(x, axis=a))
    return relabel(out, "CumprodBackward0", input)


def _running_index(x: np.ndarray, axis: int, extremum: np.ufunc) -> np.ndarray:
    """For each position, the index of the running extremum so far: the latest among
    equal values, and the latest NaN once one is seen (as torch's cummax/cummin)."""
    best = extremum.accumulate(x, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    positions = np.arange(x.shape[axis]).reshape(shape)
    hits = (x == best) | np.isnan(x) if x.dtype.kind in "fc" else (x == best)
    return np.maximum.accumulate(np.where(hits, positions, 0), axis=axis)


def _cumulative_extremum(input: Any, dim: int, extremum: np.ufunc, name: str) -> Any:
    axis = dim_index(dim, np.ndim(input))
    data = np.asarray(data_of(input))
    if data.ndim == 0:
        return values_indices(relabel(input * 1, name, input), constant(np.int64(0)))
    if data.size == 0:
        return values_indices(relabel(input * 1, name, input),
                              constant(np.zeros(data.shape, np.int64)))
    index = _running_index(data, axis, extremum)
    values = fnp.take_along_axis(input, index, axis=axis)
    return values_indices(relabel(values, name, input), constant(index))


def cummax(input: Any, dim: int) -> Any:
    """``(values, indices)`` of the running maximum along ``dim``."""
    return _cumulative_extremum(input, dim, np.maximum, "CummaxBackward0")


def cummin(input: Any, dim: int) -> Any:
    """``(values, indices)`` of the running minimum along ``dim``."""
    return _cumulative_extremum(input, dim, np.minimum, "CumminBackward0")


def logcumsumexp(input: Any, dim: int) -> Any:
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow or underflow."""
    if np.result_type(data_of(input)).kind not in "fc":
        input = fnp.astype(input, default_float())
    out = _along(input, dim, lambda x, a: logcumsumexp_p.bind(x, axis=a))
    return relabel(out, "LogcumsumexpBackward0", input)


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Optional[Any] = None,
         append: Optional[Any] = None) -> Any:
    """The ``n``-th forward difference along ``dim`` (after adding ``prepend``/``append``)."""
    if np.ndim(input) == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    axis = dim_index(dim, np.ndim(input))
    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat(parts, axis) if len(parts) > 1 else input
    for _ in range(n):
        length = np.shape(x)[axis]
        if length == 0:
            break
        x = (narrow(x, axis, 1, length - 1) - narrow(x, axis, 0, length - 1)
             if x.dtype != np.bool_ else
             narrow(x, axis, 1, length - 1) ^ narrow(x, axis, 0, length - 1))
    return x
