"""torch-named order statistics: sort, argsort, topk, kthvalue, median, quantile.

The permutation is computed on the data (stably; NaN sorts as the largest
value, as in torch) and the values are gathered with it, so the gradient goes
to the elements that were picked. No derivative lives here.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from ._args import dim_index
from ._graph import relabel
from ._ops import constant, data_of, values_indices


def _order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """A stable sorting permutation along ``axis`` (equal values keep their order)."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    flipped = np.flip(data, axis)
    n = data.shape[axis]
    return n - 1 - np.flip(np.argsort(flipped, axis=axis, kind="stable"), axis)


def _scalar_pair(input: Any, name: str) -> Any:
    return values_indices(relabel(input * 1, name, input), constant(np.int64(0)))


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim``; the gradient follows the permutation."""
    axis = dim_index(dim, np.ndim(input))
    if np.ndim(input) == 0:
        return _scalar_pair(input, "SortBackward0")
    idx = _order(np.asarray(data_of(input)), axis, descending)
    values = relabel(fnp.take_along_axis(input, idx, axis=axis), "SortBackward0", input)
    return values_indices(values, constant(idx))


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """The indices that sort ``input`` along ``dim``."""
    axis = dim_index(dim, np.ndim(input))
    if np.ndim(input) == 0:
        return constant(np.int64(0))
    return constant(_order(np.asarray(data_of(input)), axis, descending))


def msort(input: Any) -> Any:
    """``sort(input, dim=0).values``."""
    return sort(input, 0).values


def _check_k(k: int, n: int, name: str) -> None:
    if not 0 <= k <= n:
        raise RuntimeError(f"{name}: selected index k out of range")


def topk(input: Any, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> Any:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    axis = dim_index(dim, np.ndim(input))
    _check_k(k, np.shape(input)[axis] if np.ndim(input) else 1, "topk")
    if np.ndim(input) == 0:
        return _scalar_pair(input, "TopkBackward0") if k else values_indices(
            fnp.reshape(input, (1,))[:0], constant(np.zeros(0, np.int64)))
    idx = _order(np.asarray(data_of(input)), axis, largest)
    idx = np.take(idx, np.arange(k), axis=axis)
    values = relabel(fnp.take_along_axis(input, idx, axis=axis), "TopkBackward0", input)
    return values_indices(values, constant(idx))


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The ``k``-th smallest value along ``dim`` (``k`` from 1) and its index."""
    axis = dim_index(dim, np.ndim(input))
    n = np.shape(input)[axis] if np.ndim(input) else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    return _select(input, axis, lambda counts: np.full_like(counts, k - 1), keepdim,
                   "KthvalueBackward0")


def _select(input: Any, axis: int, position: Any, keepdim: bool, name: str) -> Any:
    """The element of each sorted slice of ``input`` along ``axis`` at
    ``position(valid)`` (``valid``: each slice's count of values that are not NaN,
    which sort last), and its index."""
    if np.ndim(input) == 0:
        return _scalar_pair(input, name)
    data = np.asarray(data_of(input))
    nan = np.isnan(data) if data.dtype.kind in "fc" else np.zeros(data.shape, bool)
    valid = data.shape[axis] - nan.sum(axis=axis, keepdims=True)
    order = _order(data, axis, False)
    idx = np.take_along_axis(order, position(valid), axis=axis)
    values = fnp.take_along_axis(input, idx, axis=axis)
    if not keepdim:
        values, idx = fnp.squeeze(values, axis=axis), np.squeeze(idx, axis=axis)
    return values_indices(relabel(values, name, input), constant(idx))


def _lower_median(n: int) -> Any:
    """The sorted position of the lower median; with a NaN, the first NaN (torch's NaN)."""
    return lambda valid: np.where(valid < n, valid, (n - 1) // 2)


def _lower_nanmedian(valid: np.ndarray) -> np.ndarray:
    """The lower median of the values that are not NaN (position 0, a NaN, if none)."""
    return np.maximum(valid - 1, 0) // 2


def _median(input: Any, dim: Optional[int], keepdim: bool, position: Any,
            name: str) -> Any:
    if dim is None:
        flat = fnp.reshape(input, (-1,))
        n = np.shape(flat)[0]
        if n == 0:
            return fnp.full_like(fnp.reshape(input, (-1,))[:1].sum(), np.nan)
        out = _select(flat, 0, position(n), False, "")[0]
        return relabel(out, name + "Backward0", input)
    axis = dim_index(dim, np.ndim(input))
    n = np.shape(input)[axis] if np.ndim(input) else 1
    if n == 0:
        raise IndexError(f"{name.lower()}(): Expected reduction dim {axis} to have non-zero "
                         "size.")
    return _select(input, axis, position(n), keepdim, name + "Backward1")


def median(input: Any, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    """The lower median (of all elements, or ``(values, indices)`` along ``dim``);
    NaN if a NaN is there, as in torch."""
    return _median(input, dim, keepdim, _lower_median, "Median")


def nanmedian(input: Any, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    """:func:`median` of the values that are not NaN."""
    return _median(input, dim, keepdim, lambda n: _lower_nanmedian, "Nanmedian")


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input: Any, q: Any, dim: Optional[int] = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Any:
    """The ``q``-th quantiles (``q`` a number or a 1-D tensor in [0, 1]) along ``dim``
    (of all elements by default), interpolated between the sorted values."""
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of {_INTERPOLATIONS}. "
                           f"Got '{interpolation}'")
    _check_float_input(input)
    qs = np.asarray(data_of(q), dtype=np.float64)
    if qs.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if np.any((qs < 0) | (qs > 1)):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if dim is None:
        x, axis = fnp.reshape(input, (-1,)), 0
    else:
        x, axis = input, dim_index(dim, np.ndim(input))
        if np.ndim(x) == 0:
            x = fnp.reshape(x, (1,))
    ordered = sort(x, axis).values
    out = fnp.stack([_interpolate(ordered, axis, float(p), interpolation)
                     for p in qs.reshape(-1)], axis=0)
    if keepdim:
        out = fnp.expand_dims(out, axis + 1) if dim is not None else fnp.reshape(
            out, (out.shape[0],) + (1,) * np.ndim(input))
    return relabel(out[0] if qs.ndim == 0 else out, "SqueezeBackward4", input)


def _check_float_input(input: Any) -> None:
    kind = np.result_type(data_of(input)).kind
    if kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")


def _interpolate(ordered: Any, axis: int, p: float, interpolation: str) -> Any:
    n = np.shape(ordered)[axis]
    pos = p * (n - 1)
    lo, hi = int(np.floor(pos)), int(np.ceil(pos))
    below = fnp.take(ordered, lo, axis=axis)
    if interpolation == "lower" or lo == hi:
        return below
    above = fnp.take(ordered, hi, axis=axis)
    if interpolation == "higher":
        return above
    if interpolation == "nearest":
        return above if np.round(pos) == hi else below
    weight = 0.5 if interpolation == "midpoint" else pos - lo
    return below + (above - below) * weight
