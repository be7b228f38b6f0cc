"""numpy's remaining shape and selection functions, as compositions of the shape
primitives (``concatenate``, ``getitem``, ``transpose``, ``flip``, ``where``).

Index arguments (``obj``, ``kth``, ``k``, conditions) are constants; values flow
through, so gradients go back to the entries they were taken from. Index helpers
(``tril_indices``, ``diag_indices``, ...) are numpy's own, on shapes.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.grad(lambda x: fnp.sum(fnp.triu(x) * 2.0))(np.ones((2, 2)))
array([[2., 2.],
       [0., 2.]])
"""
from __future__ import annotations

import operator
from typing import Any, Optional, Sequence

import numpy as np

from ..core import concrete, concrete_value, is_tracer
from ._shape import (broadcast_to, concatenate, expand_dims, flip, moveaxis, ravel, reshape,
                     stack, swapaxes, transpose)
from ._shape_extra import _axis, _vmap_batched, sort, take, take_along_axis, vstack
from ._ufuncs import astype, where

__all__ = ["append", "fliplr", "flipud", "rollaxis", "rot90", "row_stack", "tril", "triu",
           "tril_indices", "triu_indices", "tril_indices_from", "triu_indices_from",
           "diag_indices", "diag_indices_from", "tri", "indices", "ix_", "unravel_index",
           "ravel_multi_index", "mask_indices", "diff", "ediff1d", "kron", "cross", "select",
           "partition", "argpartition", "delete", "insert", "diagflat", "block", "concat",
           "permute_dims", "matrix_transpose", "broadcast_arrays", "unstack", "compress",
           "extract", "empty_like", "copy", "nonzero", "argwhere", "flatnonzero", "unique",
           "isin", "digitize", "bincount", "lexsort", "broadcast_shapes", "result_type",
           "can_cast", "promote_types", "isscalar"]


def _arr(a: Any) -> Any:
    return a if is_tracer(a) else np.asarray(a)


def _shape(a: Any) -> tuple:
    return tuple(np.shape(a))


def _values(x: Any, name: str) -> np.ndarray:
    """The constant value of an index-like argument (not batched by vmap)."""
    if _vmap_batched(x):
        raise TypeError(f"{name}: an argument batched by vmap cannot be used as a constant "
                        "index here")
    return np.asarray(concrete_value(x))


# numpy's own helpers on shapes and constant index arrays
tri = np.tri
tril_indices = np.tril_indices
triu_indices = np.triu_indices
diag_indices = np.diag_indices
indices = np.indices
ix_ = np.ix_
unravel_index = np.unravel_index
ravel_multi_index = np.ravel_multi_index
mask_indices = np.mask_indices
broadcast_shapes = np.broadcast_shapes
can_cast = np.can_cast
promote_types = np.promote_types
isscalar = np.isscalar


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """numpy's result dtype; traced arrays count with their dtype."""
    return np.result_type(*[concrete(a) if is_tracer(a) else a for a in arrays_and_dtypes])


def tril_indices_from(arr: Any, k: int = 0) -> tuple:
    """Indices of the lower triangle of the last two axes of ``arr`` (from its shape)."""
    return np.tril_indices(_shape(arr)[-2], k, _shape(arr)[-1])


def triu_indices_from(arr: Any, k: int = 0) -> tuple:
    """Indices of the upper triangle of the last two axes of ``arr`` (from its shape)."""
    return np.triu_indices(_shape(arr)[-2], k, _shape(arr)[-1])


def diag_indices_from(arr: Any) -> tuple:
    """Indices of the main diagonal of a square ``arr`` (from its shape)."""
    shape = _shape(arr)
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return np.diag_indices(shape[0], len(shape))


def append(arr: Any, values: Any, axis: Optional[int] = None) -> Any:
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None)."""
    if axis is None:
        return concatenate([ravel(_arr(arr)), ravel(_arr(values))])
    return concatenate([_arr(arr), _arr(values)], axis=axis)


def fliplr(m: Any) -> Any:
    """Reversed along axis 1."""
    if np.ndim(m) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


def flipud(m: Any) -> Any:
    """Reversed along axis 0."""
    if np.ndim(m) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """Axis ``axis`` moved to position ``start`` (numpy's older ``moveaxis``)."""
    n = np.ndim(a)
    axis = _axis(axis, n)
    start = operator.index(start)
    if not -n <= start <= n:
        raise np.exceptions.AxisError(f"start={start} out of bounds for {n} dimensions")
    start %= n + 1
    if axis < start:
        start -= 1
    if axis == start:
        return a
    axes = [d for d in range(n) if d != axis]
    axes.insert(start, axis)
    return transpose(a, axes)


def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """Rotated by 90 degrees ``k`` times in the plane of ``axes``."""
    axes = tuple(axes)
    n = np.ndim(m)
    if len(axes) != 2 or _axis(axes[0], n) == _axis(axes[1], n):
        raise ValueError("len(axes) must be 2 and the axes must be different")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(n))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    return transpose(flip(m, axes[1]), perm) if k == 1 else flip(transpose(m, perm), axes[1])


row_stack = vstack
concat = concatenate


def permute_dims(a: Any, axes: Optional[Sequence[int]] = None) -> Any:
    """The array-API name of :func:`transpose`."""
    return transpose(a, axes)


def matrix_transpose(x: Any, /) -> Any:
    """The last two axes swapped."""
    if np.ndim(x) < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return swapaxes(x, -1, -2)


def _triangle(m: Any, k: int, lower: bool) -> Any:
    m = _arr(m)
    shape = _shape(m)
    if len(shape) < 2:        # numpy treats a vector as the rows of a square matrix
        m = broadcast_to(m, (shape[0],) + shape) if shape else m
        shape = _shape(m)
    mask = np.tri(shape[-2], shape[-1], k - (0 if lower else 1), dtype=bool)
    return where(mask if lower else ~mask, m, np.zeros((), np.result_type(concrete(m))))


def tril(m: Any, k: int = 0) -> Any:
    """Lower triangle (entries above diagonal ``k`` zeroed) of the last two axes."""
    return _triangle(m, k, lower=True)


def triu(m: Any, k: int = 0) -> Any:
    """Upper triangle (entries below diagonal ``k`` zeroed) of the last two axes."""
    return _triangle(m, k, lower=False)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = np._NoValue,
         append: Any = np._NoValue) -> Any:
    """``n``-th forward difference along ``axis``."""
    a = _arr(a)
    axis = _axis(axis, np.ndim(a))
    parts = []
    for extra, name in ((prepend, "prepend"), (a, None), (append, "append")):
        if extra is np._NoValue:
            continue
        if name is not None and np.ndim(extra) == 0:
            shape = list(_shape(a))
            shape[axis] = 1
            extra = broadcast_to(_arr(extra), tuple(shape))
        parts.append(_arr(extra))
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    lead = (slice(None),) * axis
    for _ in range(operator.index(n)):
        a = a[lead + (slice(1, None),)] - a[lead + (slice(None, -1),)]
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """Differences of consecutive elements of the flattened array, optionally
    with ``to_begin``/``to_end`` attached."""
    flat = ravel(_arr(ary))
    parts = [flat[1:] - flat[:-1]]
    if to_begin is not None:
        parts.insert(0, ravel(_arr(to_begin)))
    if to_end is not None:
        parts.append(ravel(_arr(to_end)))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def kron(a: Any, b: Any) -> Any:
    """Kronecker product: blocks ``a[i, j] * b``."""
    a, b = _arr(a), _arr(b)
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + _shape(a)
    sb = (1,) * (nd - np.ndim(b)) + _shape(b)
    a_spread = reshape(a, tuple(x for s in sa for x in (s, 1)))
    b_spread = reshape(b, tuple(x for s in sb for x in (1, s)))
    return reshape(a_spread * b_spread, tuple(x * y for x, y in zip(sa, sb)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: Optional[int] = None) -> Any:
    """Cross product of 3-vectors (or the z component for 2-vectors) along the axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(_arr(a), axisa, -1)
    b = moveaxis(_arr(b), axisb, -1)
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product (dimension must be 2 or 3)")
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    a2 = a[..., 2] if na == 3 else 0.0
    b2 = b[..., 2] if nb == 3 else 0.0
    out = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z], axis=-1)
    return moveaxis(out, -1, axisc)


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """The entry of the first choice whose condition holds, else ``default``
    (differentiable in the choices and the default)."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    dtype = result_type(*choicelist, default)
    out = astype(_arr(default), dtype) if dtype.kind in "fc" else _arr(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = where(cond, choice, out)
    shape = np.broadcast_shapes(*[_shape(c) for c in condlist], *[_shape(c) for c in choicelist])
    return broadcast_to(out, shape) if _shape(out) != shape else out


def partition(a: Any, kth: Any, axis: Optional[int] = -1, kind: str = "introselect",
              order: Any = None) -> Any:
    """numpy's partition: entries reordered by ``np.argpartition`` of the values (the
    ``kth`` entry in its sorted place, smaller ones before, larger after); the
    gradient follows the permutation. Under vmap the rows are sorted (also a valid
    partition). Example: ``fnp.partition(x, 2)[2]`` is the third smallest."""
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    if _vmap_batched(a):
        return sort(a, axis=axis)
    perm = np.argpartition(concrete_value(a), kth, axis=axis, kind=kind)
    return take_along_axis(a, perm, axis=axis)


def argpartition(a: Any, kth: Any, axis: Optional[int] = -1, kind: str = "introselect",
                 order: Any = None) -> np.ndarray:
    """The permutation of :func:`partition` (constant integers)."""
    return np.argpartition(_values(a, "argpartition"), kth, axis=axis, kind=kind)


def _kept_along(a: Any, axis: Optional[int]) -> tuple:
    if axis is None:
        return ravel(_arr(a)), 0
    a = _arr(a)
    return a, _axis(axis, np.ndim(a))


def delete(arr: Any, obj: Any, axis: Optional[int] = None) -> Any:
    """``arr`` without the entries ``obj`` (ints, slice or mask) along ``axis``."""
    a, axis = _kept_along(arr, axis)
    keep = np.delete(np.arange(_shape(a)[axis]), obj)
    return take(a, keep, axis=axis)


def insert(arr: Any, obj: Any, values: Any, axis: Optional[int] = None) -> Any:
    """``values`` inserted before the indices ``obj`` along ``axis`` (differentiable in
    ``arr`` and ``values``). Example: ``fnp.insert(x, 1, y)``."""
    a, axis = _kept_along(arr, axis)
    n = _shape(a)[axis]
    values = _arr(values)
    if isinstance(obj, slice):
        obj = np.arange(*obj.indices(n))
    obj_value = np.asarray(obj)
    if obj_value.ndim == 0:                       # one position: a block of slices
        block = reshape(values, (1,) * max(np.ndim(a) - np.ndim(values), 0) + _shape(values))
        block = moveaxis(block, 0, axis)           # numpy: ndmin, then axis 0 to axis
        count = _shape(block)[axis]
        positions = np.full(count, int(obj_value))
    else:
        count = obj_value.size
        block = values
        positions = obj_value.ravel()
    shape = list(_shape(a))
    shape[axis] = count
    block = broadcast_to(block, tuple(shape))
    dtype = np.result_type(concrete(a))
    joined = concatenate([a, astype(block, dtype) if dtype.kind in "fc" else block], axis=axis)
    order = np.insert(np.arange(n), positions, np.arange(n, n + count))
    return take(joined, order, axis=axis)


def diagflat(v: Any, k: int = 0) -> Any:
    """A 2-d array with the flattened ``v`` on diagonal ``k``."""
    from ._products import diag    # noqa: PLC0415  (_products imports this package's shapes)
    return diag(ravel(_arr(v)), k)


def block(arrays: Any) -> Any:
    """An array assembled from nested lists of blocks (``[[A, B], [C, D]]``)."""
    depth, level = 0, arrays
    while isinstance(level, list):
        if not level:
            raise ValueError("block: lists cannot be empty")
        depth, level = depth + 1, level[0]
    ndim = max(depth, _max_ndim(arrays))

    def assemble(item: Any, d: int) -> Any:
        if not isinstance(item, list):
            item = _arr(item)
            return reshape(item, (1,) * (ndim - np.ndim(item)) + _shape(item))
        return concatenate([assemble(x, d + 1) for x in item], axis=ndim - depth + d)
    return assemble(arrays, 0)


def _max_ndim(arrays: Any) -> int:
    stack_, best = [arrays], 0
    while stack_:
        item = stack_.pop()
        if isinstance(item, list):
            stack_.extend(item)
        else:
            best = max(best, np.ndim(item))
    return best


def broadcast_arrays(*args: Any) -> tuple:
    """The arguments broadcast against each other."""
    shape = np.broadcast_shapes(*[_shape(a) for a in args])
    return tuple(broadcast_to(_arr(a), shape) for a in args)


def unstack(x: Any, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple."""
    x = moveaxis(_arr(x), axis, 0)
    return tuple(x[i] for i in range(_shape(x)[0]))


def compress(condition: Any, a: Any, axis: Optional[int] = None, out: None = None) -> Any:
    """The slices along ``axis`` where the constant ``condition`` holds."""
    a, axis = _kept_along(a, axis)
    picked = np.nonzero(_values(condition, "compress"))[0]
    return take(a, picked, axis=axis)


def extract(condition: Any, arr: Any) -> Any:
    """The flattened entries of ``arr`` where ``condition`` holds."""
    mask = ravel(_values(condition, "extract").astype(bool))
    return ravel(_arr(arr))[np.nonzero(mask)[0]]


def empty_like(prototype: Any, dtype: Any = None, order: str = "K", subok: bool = True,
               shape: Any = None, *, device: Any = None) -> np.ndarray:
    """A new constant array shaped like ``prototype`` (filled with zeros)."""
    return np.zeros(_shape(prototype) if shape is None else shape,
                    np.result_type(concrete(prototype)) if dtype is None else dtype)


def copy(a: Any, order: str = "K", subok: bool = False) -> Any:
    """A copy (traced arrays are immutable, so a traced value is returned as it is)."""
    return a if is_tracer(a) else np.array(a, order=order, subok=subok, copy=True)


# -- constant index results ------------------------------------------------------------

def nonzero(a: Any) -> tuple:
    """Indices of the non-zero entries (constants)."""
    return np.nonzero(_values(a, "nonzero"))


def argwhere(a: Any) -> np.ndarray:
    """Indices of the non-zero entries, one row per entry (constants)."""
    return np.argwhere(_values(a, "argwhere"))


def flatnonzero(a: Any) -> np.ndarray:
    """Indices of the non-zero entries of the flattened array (constants)."""
    return np.flatnonzero(_values(a, "flatnonzero"))


def unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: Optional[int] = None, *,
           equal_nan: bool = True) -> Any:
    """The sorted distinct values; differentiable in ``ar`` (each output entry is
    the first occurrence of its value), indices and counts are constants."""
    value = _values(ar, "unique")
    _, first, *rest = np.unique(value, return_index=True, return_inverse=return_inverse,
                                return_counts=return_counts, axis=axis, equal_nan=equal_nan)
    uniq = take(_arr(ar), first, axis=axis)
    extra = ([first] if return_index else []) + rest
    return (uniq, *extra) if extra else uniq


def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False,
         *, kind: Optional[str] = None) -> np.ndarray:
    """Whether each element is in ``test_elements`` (a constant)."""
    return np.isin(_values(element, "isin"), _values(test_elements, "isin"),
                   assume_unique=assume_unique, invert=invert, kind=kind)


def digitize(x: Any, bins: Any, right: bool = False) -> np.ndarray:
    """Indices of the bins of ``x`` (constants)."""
    return np.digitize(_values(x, "digitize"), _values(bins, "digitize"), right=right)


def bincount(x: Any, weights: Any = None, minlength: int = 0) -> Any:
    """Counts of each integer in ``x``; with ``weights``, their sums (differentiable
    in the weights)."""
    idx = _values(x, "bincount")
    if weights is None:
        return np.bincount(idx, minlength=minlength)
    n = max(int(idx.max(initial=-1)) + 1, minlength)
    onehot = (idx[None, :] == np.arange(n)[:, None])
    w = astype(_arr(weights), np.float64)             # numpy's dtype for weighted counts
    return where(onehot, expand_dims(w, 0), 0.0).sum(axis=1)


def lexsort(keys: Any, axis: int = -1) -> np.ndarray:
    """The indirect stable sort by several keys (constants)."""
    return np.lexsort(_values(keys, "lexsort") if not isinstance(keys, (list, tuple))
                      else tuple(_values(k, "lexsort") for k in keys), axis=axis)
