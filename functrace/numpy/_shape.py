"""numpy-named shape functions: reshape, transpose, concatenate, indexing, ..."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..primitives.indexing import concatenate_p, gather, getitem_p
from ..primitives.reductions import broadcast_to_p
from ..primitives.shape_ops import flip_p, reshape_p, transpose_p


def _resolve_shape(shape: Any, size: int) -> tuple:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
    if shape.count(-1) == 1:
        known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if d == -1 else d for d in shape)
    if int(np.prod(shape, dtype=np.int64)) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


def reshape(a: Any, shape: Any = None, order: str = "C", **kwargs: Any) -> Any:
    """Reshape (C order). Example: ``fnp.reshape(x, (2, -1))``."""
    shape = kwargs.pop("newshape", shape)
    if order != "C":
        raise NotImplementedError("functrace.numpy.reshape supports order='C' only")
    new = _resolve_shape(shape, int(np.prod(np.shape(a), dtype=np.int64)))
    if new == np.shape(a):
        return a
    return reshape_p.bind(a, shape=new)


def ravel(a: Any, order: str = "C") -> Any:
    return reshape(a, (-1,), order=order)


def transpose(a: Any, axes: Optional[Sequence[int]] = None) -> Any:
    nd = np.ndim(a)
    axes = tuple(reversed(range(nd))) if axes is None else tuple(int(ax) % builtins_max(nd) for ax in axes)
    if sorted(axes) != list(range(nd)):
        raise ValueError("axes don't match array")
    return transpose_p.bind(a, axes=axes)


def builtins_max(nd: int) -> int:
    return nd if nd > 0 else 1


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    axes = list(range(np.ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(a, axes)


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    nd = np.ndim(a)
    src = [int(s) % nd for s in np.atleast_1d(source)]
    dst = [int(d) % nd for d in np.atleast_1d(destination)]
    rest = iter([i for i in range(nd) if i not in src])
    perm: list = [None] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    return transpose(a, [p if p is not None else next(rest) for p in perm])


def expand_dims(a: Any, axis: Any) -> Any:
    shape = np.expand_dims(np.empty(np.shape(a), dtype=np.bool_), axis).shape
    return reshape(a, shape)


def squeeze(a: Any, axis: Any = None) -> Any:
    shape = np.squeeze(np.empty(np.shape(a), dtype=np.bool_), axis).shape
    return reshape(a, shape)


def broadcast_to(array: Any, shape: Any) -> Any:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if np.shape(array) == shape:
        return array
    return broadcast_to_p.bind(array, shape=shape)


def concatenate(arrays: Sequence[Any], axis: Optional[int] = 0) -> Any:
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    nd = np.ndim(arrays[0])
    return concatenate_p.bind(*arrays, axis=int(axis) % builtins_max(nd))


def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    arrays = list(arrays)
    nd = np.ndim(arrays[0]) + 1
    axis = int(axis) % nd
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis)


def flip(m: Any, axis: Any = None) -> Any:
    nd = np.ndim(m)
    axes = tuple(range(nd)) if axis is None else tuple(
        int(a) % builtins_max(nd) for a in np.atleast_1d(axis))
    return flip_p.bind(m, axes=axes)


def getitem(a: Any, idx: Any) -> Any:
    """``a[idx]`` for basic slices, integer arrays and boolean masks."""
    if isinstance(a, (list, tuple)):
        a = np.asarray(a)
    return gather(a, idx)


