"""Indexing and joining: getitem, scatter_add (its transpose), concatenate, pad.

``getitem``'s ``idx`` parameter is a normalised index tuple (:func:`normalize_index`):
ints, slices, None, Ellipsis, integer or boolean arrays. Under ``vmap`` an integer
index array may itself be batched: :class:`functrace.batching.BatchTrace` hands it
to the batching rules as a :class:`BatchedIndex`, and :func:`batched_index_plan`
turns the batched gather into one numpy gather (plus a transpose).

``concatenate`` and ``pad`` are undone by slicing (``getitem``); ``pad`` is affine
(linear plus its constant fill), hence hand-written rules.
"""
from __future__ import annotations

import operator
from typing import Any, Optional

import numpy as np

from ..core import Tracer, concrete, concrete_value
from ..registry import deflinear, defprimitive
from .batch_rules import batch_size, moveaxis, shape_of, to_front
from .reductions import batched_front
from .shape_ops import reshape_p, transpose_p


def has_integer_array(idx: tuple) -> bool:
    """Whether an index tuple uses integer-array (advanced) indexing."""
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in idx)


def _getitem_vjp(ct, ins, out, argnum, idx):
    x = ins[0]
    return scatter_add_p.bind(ct, idx=idx, shape=np.shape(x))


def _getitem_batch(args, dims, idx):
    """A batched ``x`` is indexed behind its batch axis; batched index arrays
    (:class:`BatchedIndex`) become one gather."""
    x, d = args[0], dims[0]
    if not has_batched_index(idx):
        return getitem_p.bind(to_front(x, d), idx=(slice(None),) + idx), \
            static_index_batch_dim(idx)
    size = next(shape_of(i.value)[i.dim] for i in idx if type(i) is BatchedIndex)
    ndim = len(shape_of(x)) - (d is not None)
    phys, perm, out_d = batched_index_plan(idx, ndim, size, d is not None)
    out = getitem_p.bind(to_front(x, d), idx=phys)
    perm = finish_perm(perm, len(shape_of(out)))
    return (out if perm is None else transpose_p.bind(out, axes=perm)), out_d


getitem_p = deflinear("getitem", lambda x, idx: x[idx], _getitem_vjp, batch=_getitem_batch)


def take_along(x: Any, idx: Any, axis: int) -> Any:
    """``x`` picked along ``axis`` (non-negative) by the integer array ``idx`` of the
    same rank, broadcasting on the other axes (numpy's ``take_along_axis`` once its
    arguments are checked): one getitem, with an ``arange`` for every other axis.
    ``idx`` stays a tracer only if vmap batches it; else its value is the index."""
    if not _batched_index(idx):
        idx = _index_array(concrete_value(idx))
    shape = tuple(np.shape(x))
    fancy = tuple(idx if d == axis else
                  np.arange(n).reshape([-1 if k == d else 1 for k in range(len(shape))])
                  for d, n in enumerate(shape))
    return getitem_p.bind(x, idx=fancy)


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
    if not has_batched_index(idx):
        ct = moveaxis(ct, d, static_index_batch_dim(idx))
        size = shape_of(ct)[static_index_batch_dim(idx)]
        return scatter_add_p.bind(ct, idx=(slice(None),) + idx, shape=(size,) + shape), 0
    size = next(shape_of(i.value)[i.dim] for i in idx if type(i) is BatchedIndex)
    phys, perm, _ = batched_index_plan(idx, len(shape), size, True)
    ct = batched_front(ct, d, size)
    perm = finish_perm(perm, len(shape_of(ct)))
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
    size = batch_size(args, dims)
    xs = [batched_front(x, d, size) for x, d in zip(args, dims)]
    return concatenate_p.bind(*xs, axis=axis + 1), 0


concatenate_p = deflinear("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
                          _concatenate_vjp, batch=_concatenate_batch)


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
    """Whether ``item`` is an integer index batched by vmap (kept as a tracer): its
    value has the batch axes that vmap hides from its shape."""
    if not isinstance(item, Tracer) or np.ndim(concrete(item)) == len(item.shape):
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


# -- vmap: batched index arrays -----------------------------------------------------


class BatchedIndex:
    """An integer index array in ``getitem``/``scatter_add``'s ``idx`` that vmap batches:
    ``value`` (one level below vmap) carries the batch axis at ``dim``."""

    __slots__ = ("value", "dim")

    def __init__(self, value: Any, dim: int):
        self.value = value
        self.dim = dim

    @property
    def logical_shape(self) -> tuple:
        s = shape_of(self.value)
        return s[:self.dim] + s[self.dim + 1:]


def has_batched_index(idx: tuple) -> bool:
    return any(type(i) is BatchedIndex for i in idx)


def _adv_shape(item: Any) -> Optional[tuple]:
    """The broadcast shape an advanced index item contributes, None for basic items."""
    if isinstance(item, np.ndarray):
        return (int(np.count_nonzero(item)),) if item.dtype == np.bool_ else item.shape
    if isinstance(item, bool):
        return (int(item),)
    if type(item) is BatchedIndex:
        return item.logical_shape
    return None


def _advanced_layout(idx: tuple) -> tuple:
    """``(positions of advanced items, their broadcast shape, adjacent?)`` following
    numpy: integers count as advanced only next to arrays."""
    arrays = [k for k, i in enumerate(idx) if _adv_shape(i) is not None]
    if not arrays:
        return [], (), True
    pos = [k for k, i in enumerate(idx) if k in arrays or
           (isinstance(i, (int, np.integer)) and not isinstance(i, bool))]
    shape = np.broadcast_shapes(*[_adv_shape(idx[k]) or () for k in pos])
    return pos, shape, pos == list(range(pos[0], pos[0] + len(pos)))


def static_index_batch_dim(idx: tuple) -> int:
    """Where ``x[(slice(None),) + idx]`` leaves the batch axis of an ``x`` batched at 0:
    at 0, unless separated advanced indices move their broadcast axes to the front."""
    pos, shape, adjacent = _advanced_layout(idx)
    return 0 if adjacent else len(shape)


def _expand_ellipsis(idx: tuple, ndim: int) -> tuple:
    if not any(i is Ellipsis for i in idx):
        return idx
    used = sum(0 if i is None or i is Ellipsis else
               (i.ndim if isinstance(i, np.ndarray) and i.dtype == np.bool_ else 1)
               for i in idx)
    k = idx.index(Ellipsis)
    return idx[:k] + (slice(None),) * (ndim - used) + idx[k + 1:]


def _split_masks(idx: tuple) -> tuple:
    out: list = []
    for i in idx:
        if isinstance(i, np.ndarray) and i.dtype == np.bool_:
            out.extend(np.nonzero(i))
        elif isinstance(i, bool):
            raise NotImplementedError("vmap: a Python bool index next to a batched index "
                                      "array is not supported")
        else:
            out.append(i)
    return tuple(out)


def batched_index_plan(idx: tuple, ndim: int, size: int, x_batched: bool) -> tuple:
    """Plan ``x[idx]`` where ``idx`` holds :class:`BatchedIndex` items.

    Returns ``(physical idx, perm, out_dim)``: index the (batch-first, if
    ``x_batched``) array with the physical idx, then transpose by ``perm`` (or
    not, if None); the batch axis of the result is at ``out_dim``. A batched ``x``
    gets an ``arange`` index for its batch axis, so that each example reads its
    own slice; numpy then puts the broadcast advanced axes ``(B,) + S`` first.
    """
    idx = _split_masks(_expand_ellipsis(idx, ndim))
    pos, adv, adjacent = _advanced_layout(idx)
    items = []
    for i in idx:
        if type(i) is BatchedIndex:
            v = to_front(i.value, i.dim)
            s = shape_of(v)
            if len(s) - 1 < len(adv):
                v = reshape_p.bind(v, shape=s[:1] + (1,) * (len(adv) - len(s) + 1) + s[1:])
            i = v
        items.append(i)
    before = sum(1 for i in idx[:pos[0]] if i is None or isinstance(i, slice))
    if not x_batched:
        return tuple(items), None, before if adjacent else 0
    batch = np.arange(size).reshape((size,) + (1,) * len(adv))
    perm = None
    if adjacent and before:
        n_adv = 1 + len(adv)
        perm = ([0] + list(range(n_adv, n_adv + before)) + list(range(1, n_adv)))
    return (batch,) + tuple(items), perm, 0


def finish_perm(perm: Optional[list], ndim: int) -> Optional[tuple]:
    """Complete a leading permutation to ``ndim`` axes (trailing axes stay)."""
    return None if perm is None else tuple(perm) + tuple(range(len(perm), ndim))
