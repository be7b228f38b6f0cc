"""Shape primitives: reshape, broadcast, transpose, indexing, concatenation, dtype casts.

All are linear (``pad`` is affine: linear plus its constant fill); each VJP is the
transposed shape operation. The other numpy shape functions (split, roll, tile,
repeat, take, sort, ...) are exact composites of these, in
:mod:`functrace.numpy._shape_extra`.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import batch_rules as B
from ..core import Tracer, concrete, concrete_value
from ..registry import deflinear, defprimitive


def _reshape_vjp(ct, ins, out, argnum, shape):
    return reshape_p.bind(ct, shape=np.shape(ins[0]))


def _reshape_batch(args, dims, shape):
    x = B.to_front(args[0], dims[0])
    return reshape_p.bind(x, shape=B.shape_of(x)[:1] + tuple(shape)), 0


reshape_p = deflinear("reshape", lambda x, shape: np.reshape(x, shape), _reshape_vjp,
                      batch=_reshape_batch)


def _broadcast_to_vjp(ct, ins, out, argnum, shape):
    from ..reverse import sum_to_shape
    return sum_to_shape(ct, np.shape(ins[0]))


def _broadcast_to_batch(args, dims, shape):
    x = B.pad_after_batch(B.to_front(args[0], dims[0]), len(shape))
    return broadcast_to_p.bind(x, shape=B.shape_of(x)[:1] + tuple(shape)), 0


def _broadcast_to_impl(x, shape):
    """A read-only broadcast view, built directly when that is easy (np.broadcast_to
    costs ~2.5 us of Python per call, the direct view ~0.5 us)."""
    if type(x) is np.ndarray and x.flags.c_contiguous and x.ndim <= len(shape):
        lead = len(shape) - x.ndim
        if all(d == t or d == 1 for d, t in zip(x.shape, shape[lead:])):
            strides = (0,) * lead + tuple(
                st if d == t else 0 for st, d, t in zip(x.strides, x.shape, shape[lead:]))
            view = np.ndarray(shape, x.dtype, x, 0, strides)
            view.flags.writeable = False
            return view
    return np.broadcast_to(x, shape)


broadcast_to_p = deflinear("broadcast_to", _broadcast_to_impl,
                           _broadcast_to_vjp, batch=_broadcast_to_batch)


def _transpose_vjp(ct, ins, out, argnum, axes):
    return transpose_p.bind(ct, axes=tuple(np.argsort(axes)))


def _transpose_batch(args, dims, axes):
    d = dims[0]
    physical = [a + (a >= d) for a in axes]   # logical axis -> its physical position
    return transpose_p.bind(args[0], axes=(d, *physical)), 0


transpose_p = deflinear("transpose", lambda x, axes: np.transpose(x, axes), _transpose_vjp,
                        saves="none", batch=_transpose_batch)


def _flip_vjp(ct, ins, out, argnum, axes):
    return flip_p.bind(ct, axes=axes)


def _flip_batch(args, dims, axes):
    d = dims[0]
    return flip_p.bind(args[0], axes=tuple(a + (a >= d) for a in axes)), d


flip_p = deflinear("flip", lambda x, axes: np.flip(x, axes), _flip_vjp, saves="none",
                   batch=_flip_batch)


def has_integer_array(idx: tuple) -> bool:
    """Whether an index tuple uses integer-array (advanced) indexing."""
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in idx)


def _getitem_vjp(ct, ins, out, argnum, idx):
    x = ins[0]
    return scatter_add_p.bind(ct, idx=idx, shape=np.shape(x))


def _getitem_batch(args, dims, idx):
    """A batched ``x`` is indexed behind its batch axis; batched index arrays
    (:class:`functrace.batch_rules.BatchedIndex`) become one gather."""
    x, d = args[0], dims[0]
    if not B.has_batched_index(idx):
        return getitem_p.bind(B.to_front(x, d), idx=(slice(None),) + idx), \
            B.static_index_batch_dim(idx)
    size = next(B.shape_of(i.value)[i.dim] for i in idx if type(i) is B.BatchedIndex)
    ndim = len(B.shape_of(x)) - (d is not None)
    phys, perm, out_d = B.batched_index_plan(idx, ndim, size, d is not None)
    out = getitem_p.bind(B.to_front(x, d), idx=phys)
    perm = B.finish_perm(perm, len(B.shape_of(out)))
    return (out if perm is None else transpose_p.bind(out, axes=perm)), out_d


getitem_p = deflinear("getitem", lambda x, idx: x[idx], _getitem_vjp, batch=_getitem_batch)


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


def _scatter_add_batch(args, dims, idx, shape):
    """The transpose of :func:`_getitem_batch`: the cotangent is laid out as the
    batched gather produced it, then scattered into a batch of zeros."""
    ct, d = args[0], dims[0]
    if not B.has_batched_index(idx):
        ct = B.moveaxis(ct, d, B.static_index_batch_dim(idx))
        size = B.shape_of(ct)[B.static_index_batch_dim(idx)]
        return scatter_add_p.bind(ct, idx=(slice(None),) + idx, shape=(size,) + shape), 0
    size = next(B.shape_of(i.value)[i.dim] for i in idx if type(i) is B.BatchedIndex)
    phys, perm, _ = B.batched_index_plan(idx, len(shape), size, True)
    ct = B.batched_front(ct, d, size)
    perm = B.finish_perm(perm, len(B.shape_of(ct)))
    if perm is not None:
        ct = transpose_p.bind(ct, axes=tuple(np.argsort(perm)))
    return scatter_add_p.bind(ct, idx=phys, shape=(size,) + tuple(shape)), 0


scatter_add_p = deflinear("scatter_add", _scatter_add_impl, _scatter_add_vjp, saves="none",
                          batch=_scatter_add_batch)


def _concatenate_vjp(ct, ins, out, argnum, axis):
    start = sum(np.shape(x)[axis] for x in ins[:argnum])
    stop = start + np.shape(ins[argnum])[axis]
    idx = (slice(None),) * (axis % np.ndim(ct)) + (slice(start, stop),)
    return getitem_p.bind(ct, idx=idx)


def _concatenate_batch(args, dims, axis):
    size = B.batch_size(args, dims)
    xs = [B.batched_front(x, d, size) for x, d in zip(args, dims)]
    return concatenate_p.bind(*xs, axis=axis + 1), 0


concatenate_p = deflinear("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
                          _concatenate_vjp, batch=_concatenate_batch)


def _astype_vjp(ct, ins, out, argnum, dtype):
    return astype_p.bind(ct, dtype=np.result_type(concrete(ins[0])))


astype_p = deflinear("astype", lambda x, dtype: np.asarray(x).astype(dtype), _astype_vjp,
                     batch="elementwise")


def _pad_impl(x, pad_width, constant_values):
    return np.pad(x, pad_width, mode="constant", constant_values=constant_values)


def _pad_vjp(ct, ins, out, argnum, pad_width, constant_values):
    shape = np.shape(ct)
    idx = tuple(slice(before, shape[i] - after) for i, (before, after) in enumerate(pad_width))
    return getitem_p.bind(ct, idx=idx)


def _pad_jvp(primals, tangents, out, pad_width, constant_values):
    zeros = tuple((0.0, 0.0) for _ in pad_width)
    return pad_p.bind(tangents[0], pad_width=pad_width, constant_values=zeros)


def _pad_batch(args, dims, pad_width, constant_values):
    d = dims[0]
    return pad_p.bind(args[0], pad_width=pad_width[:d] + ((0, 0),) + pad_width[d:],
                      constant_values=constant_values[:d] + ((0, 0),) + constant_values[d:]), d


# Constant padding is affine (linear only for zero fill), hence hand-written rules.
pad_p = defprimitive("pad", _pad_impl, _pad_vjp, _pad_jvp, saves="none", batch=_pad_batch)


def _concrete_nested(item: Any) -> Any:
    if isinstance(item, (list, tuple)):
        return [_concrete_nested(i) for i in item]
    return concrete_value(item)


def _index_array(item: Any) -> np.ndarray:
    item = np.asarray(_concrete_nested(item) if isinstance(item, list) else item)
    if item.size == 0 and item.dtype.kind == "f":
        item = item.astype(np.intp)   # numpy treats an empty list as an integer index
    if item.dtype.kind not in "iub":
        raise IndexError("arrays used as indices must be of integer or boolean type, "
                         f"got {item.dtype}")
    return item


def _slice_bound(v: Any) -> Any:
    return None if v is None else operator.index(concrete_value(v))


def _batched_index(item: Any) -> bool:
    """Whether ``item`` is an integer index batched by vmap (kept as a tracer)."""
    if not isinstance(item, Tracer):
        return False
    from ..batching import BatchTracer
    if type(item) is not BatchTracer:
        return False
    if item.dtype.kind == "b":
        raise IndexError("a boolean mask batched by vmap would give each batch element "
                         "its own result shape; use fnp.where(mask, x, 0) instead")
    if item.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer or boolean type, "
                         f"got {item.dtype}")
    return True


def normalize_index(idx: Any) -> tuple:
    """Turn any numpy index into a tuple of ints, slices, None, Ellipsis and arrays.

    Example: ``normalize_index([0, 0])`` is ``(array([0, 0]),)``; integer
    scalars and 0-d arrays become Python ints, slice bounds Python ints, lists arrays.
    """
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    for item in idx:
        if _batched_index(item):
            out.append(item)      # an index array batched by vmap: the batching rule reads it
            continue
        item = concrete_value(item)
        if isinstance(item, slice):
            item = slice(_slice_bound(item.start), _slice_bound(item.stop),
                         _slice_bound(item.step))
        elif isinstance(item, (list, np.ndarray)) or np.ndim(item) > 0:
            item = _index_array(item)
            if item.ndim == 0:
                item = item.item()   # a 0-d integer (boolean) array indexes like an int (bool)
        elif isinstance(item, (np.integer, np.bool_)):
            item = item.item()
        out.append(item)
    return tuple(out)
