"""Shape primitives: reshape, broadcast, transpose, indexing, concatenation, dtype casts.

All are linear; each VJP is the transposed shape operation.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete
from ..registry import deflinear


def _reshape_vjp(ct, ins, out, argnum, shape):
    return reshape_p.bind(ct, shape=np.shape(ins[0]))


reshape_p = deflinear("reshape", lambda x, shape: np.reshape(x, shape), _reshape_vjp)


def _broadcast_to_vjp(ct, ins, out, argnum, shape):
    from ..reverse import sum_to_shape
    return sum_to_shape(ct, np.shape(ins[0]))


broadcast_to_p = deflinear("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
                           _broadcast_to_vjp)


def _transpose_vjp(ct, ins, out, argnum, axes):
    return transpose_p.bind(ct, axes=tuple(np.argsort(axes)))


transpose_p = deflinear("transpose", lambda x, axes: np.transpose(x, axes), _transpose_vjp,
                        saves="none")


def _flip_vjp(ct, ins, out, argnum, axes):
    return flip_p.bind(ct, axes=axes)


flip_p = deflinear("flip", lambda x, axes: np.flip(x, axes), _flip_vjp, saves="none")


def has_integer_array(idx: tuple) -> bool:
    """Whether an index tuple uses integer-array (advanced) indexing."""
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in idx)


def _getitem_vjp(ct, ins, out, argnum, idx):
    x = ins[0]
    return scatter_add_p.bind(ct, idx=idx, shape=np.shape(x))


getitem_p = deflinear("getitem", lambda x, idx: x[idx], _getitem_vjp)


def _scatter_add_impl(ct, idx, shape):
    ct = np.asarray(ct)
    z = np.zeros(shape, dtype=ct.dtype)
    if has_integer_array(idx):
        np.add.at(z, idx, ct)
    else:
        z[idx] = ct
    return z


def _scatter_add_vjp(ct, ins, out, argnum, idx, shape):
    return getitem_p.bind(ct, idx=idx)


scatter_add_p = deflinear("scatter_add", _scatter_add_impl, _scatter_add_vjp, saves="none")


def _concatenate_vjp(ct, ins, out, argnum, axis):
    start = sum(np.shape(x)[axis] for x in ins[:argnum])
    stop = start + np.shape(ins[argnum])[axis]
    idx = (slice(None),) * (axis % np.ndim(ct)) + (slice(start, stop),)
    return getitem_p.bind(ct, idx=idx)


concatenate_p = deflinear("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
                          _concatenate_vjp)


def _astype_vjp(ct, ins, out, argnum, dtype):
    return astype_p.bind(ct, dtype=np.result_type(concrete(ins[0])))


astype_p = deflinear("astype", lambda x, dtype: np.asarray(x).astype(dtype), _astype_vjp)


def normalize_index(idx: Any) -> tuple:
    """Turn any numpy index into a tuple of ints, slices, None, Ellipsis and arrays."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    for item in idx:
        item = concrete(item)
        if isinstance(item, (list, np.ndarray)) or (np.ndim(item) > 0):
            item = np.asarray(item)
            if item.dtype.kind not in "iub":
                raise IndexError(
                    "arrays used as indices must be of integer or boolean type, "
                    f"got {item.dtype}")
        elif isinstance(item, (np.integer, np.bool_)) or type(item) is bool:
            item = item.item() if hasattr(item, "item") else item
        out.append(item)
    return tuple(out)
