"""Indexing and joining: getitem, scatter_add (its transpose), concatenate, pad.

An index (:func:`normalize_index`) is a tuple of ints, slices, None, Ellipsis,
boolean masks and integer arrays. ``getitem`` and ``scatter_add`` take the
integer arrays as *operands* (C5): ``getitem_p.bind(x, *arrays, idx=template)``,
where ``template`` is the index with each integer array replaced by
:data:`ARRAY` (:func:`gather` and :func:`scatter` split an index so). An index
array is therefore a value like any other: a traced one (``x[labels]`` under
``functrace.jit``) is an input of the recorded program, not a constant; one
batched by ``vmap`` is an ordinary batched argument, and :func:`batched_index_plan`
turns the batched gather into one numpy gather (plus a transpose). Boolean
masks stay in the template: they decide the result's shape.

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


class _ArraySlot:
    """The place of an integer index array (an operand) in an index template."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ARRAY"

    def __reduce__(self) -> str:
        return "ARRAY"


ARRAY = _ArraySlot()


def _is_index_array(item: Any) -> bool:
    """An integer array item of a normalised index (a traced one stays a tracer)."""
    t = type(item)
    if t is np.ndarray:
        return item.dtype.kind in "iu"
    return t is not slice and t is not int and isinstance(item, Tracer)


def split_index(idx: tuple) -> tuple:
    """``(template, arrays)`` of a normalised index: its integer arrays, in order,
    and the index with :data:`ARRAY` in their places."""
    for item in idx:
        if _is_index_array(item):
            break
    else:
        return idx, ()                          # (the common case: a basic index)
    template, arrays = [], []
    for item in idx:
        if _is_index_array(item):
            arrays.append(item)
            template.append(ARRAY)
        else:
            template.append(item)
    return tuple(template), tuple(arrays)


def fill_index(template: tuple, arrays: tuple) -> tuple:
    """The index ``template`` with its :data:`ARRAY` places filled from ``arrays``."""
    if len(arrays) == len(template):            # (only arrays: ``x[rows, cols]``)
        return arrays if type(arrays) is tuple else tuple(arrays)
    out = list(template)
    k = 0
    for j, item in enumerate(template):
        if item is ARRAY:
            out[j] = arrays[k]
            k += 1
    return tuple(out)


def gather(x: Any, idx: Any) -> Any:
    """``x[idx]`` for any numpy index (normalised here, see :func:`index_parts`)."""
    template, arrays = index_parts(idx)
    return getitem_p.bind(x, *arrays, idx=template)


def scatter(ct: Any, idx: Any, shape: tuple) -> Any:
    """Zeros of ``shape`` with ``ct`` added at ``idx`` (repeated places add up)."""
    template, arrays = index_parts(idx)
    return scatter_add_p.bind(ct, *arrays, idx=template, shape=shape)


def has_integer_array(idx: tuple) -> bool:
    """Whether an index tuple uses integer-array (advanced) indexing."""
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in idx)


def _getitem_impl(x, *arrays, idx):
    if arrays:
        return x[fill_index(idx, arrays)]
    return x[idx]


def _getitem_vjp(ct, ins, out, argnum, idx):
    if argnum:
        return None                     # an index array: integers, no cotangent
    return scatter_add_p.bind(ct, *ins[1:], idx=idx, shape=np.shape(ins[0]))


def _getitem_jvp(primals, tangents, out, idx):
    if tangents[0] is None:
        return None
    return getitem_p.bind(tangents[0], *primals[1:], idx=idx)


def _batched_index(template: tuple, arrays: Any, dims: Any) -> tuple:
    """The full index of a batched gather/scatter: each index array batched by
    vmap as a :class:`BatchedIndex`, the others as they are."""
    return fill_index(template, tuple(a if d is None else BatchedIndex(a, d)
                                      for a, d in zip(arrays, dims)))


def _getitem_batch(args, dims, idx):
    """A batched ``x`` is indexed behind its batch axis; batched index arrays
    (:class:`BatchedIndex`) become one gather."""
    x, d = args[0], dims[0]
    if all(dim is None for dim in dims[1:]):      # only x is batched
        out = getitem_p.bind(to_front(x, d), *args[1:], idx=(slice(None),) + idx)
        return out, static_index_batch_dim(fill_index(idx, args[1:]))
    idx = _batched_index(idx, args[1:], dims[1:])
    size = next(shape_of(i.value)[i.dim] for i in idx if type(i) is BatchedIndex)
    ndim = len(shape_of(x)) - (d is not None)
    phys, perm, out_d = batched_index_plan(idx, ndim, size, d is not None)
    out = gather(to_front(x, d), phys)
    perm = finish_perm(perm, len(shape_of(out)))
    return (out if perm is None else transpose_p.bind(out, axes=perm)), out_d


getitem_p = defprimitive("getitem", _getitem_impl, _getitem_vjp, _getitem_jvp,
                         batch=_getitem_batch)


def take_along(x: Any, idx: Any, axis: int) -> Any:
    """``x`` picked along ``axis`` (non-negative) by the integer array ``idx`` of the
    same rank, broadcasting on the other axes (numpy's ``take_along_axis`` once its
    arguments are checked): one getitem whose index arrays are all operands, ``idx``
    (constant or traced) and an ``arange`` for every other axis."""
    shape = tuple(np.shape(x))
    fancy = tuple(idx if d == axis else
                  np.arange(n).reshape([-1 if k == d else 1 for k in range(len(shape))])
                  for d, n in enumerate(shape))
    return getitem_p.bind(x, *fancy, idx=(ARRAY,) * len(fancy))


def _scatter_add_impl(ct, *arrays, idx, shape):
    ct = np.asarray(ct)
    z = np.zeros(shape, dtype=ct.dtype)
    if arrays:
        np.add.at(z, fill_index(idx, arrays), ct)
    elif has_integer_array(idx):
        np.add.at(z, idx, ct)
    else:
        z[idx] = ct
    return z


def _scatter_add_vjp(ct, ins, out, argnum, idx, shape):
    if argnum:
        return None
    return getitem_p.bind(ct, *ins[1:], idx=idx)


def _scatter_add_jvp(primals, tangents, out, idx, shape):
    if tangents[0] is None:
        return None
    return scatter_add_p.bind(tangents[0], *primals[1:], idx=idx, shape=shape)


def _scatter_add_batch(args, dims, idx, shape):
    """The transpose of :func:`_getitem_batch`: the cotangent is laid out as the
    batched gather produced it, then scattered into a batch of zeros."""
    ct, d = args[0], dims[0]
    if all(dim is None for dim in dims[1:]):      # only the cotangent is batched
        at = static_index_batch_dim(fill_index(idx, args[1:]))
        ct = moveaxis(ct, d, at)
        return scatter_add_p.bind(ct, *args[1:], idx=(slice(None),) + idx,
                                  shape=(shape_of(ct)[at],) + shape), 0
    idx = _batched_index(idx, args[1:], dims[1:])
    size = next(shape_of(i.value)[i.dim] for i in idx if type(i) is BatchedIndex)
    phys, perm, _ = batched_index_plan(idx, len(shape), size, True)
    ct = batched_front(ct, d, size)
    perm = finish_perm(perm, len(shape_of(ct)))
    if perm is not None:
        ct = transpose_p.bind(ct, axes=tuple(np.argsort(perm)))
    return scatter(ct, phys, (size,) + tuple(shape)), 0


# (saves its inputs for the index arrays its VJP reads)
scatter_add_p = defprimitive("scatter_add", _scatter_add_impl, _scatter_add_vjp,
                             _scatter_add_jvp, batch=_scatter_add_batch)
# Linear in their first argument (the other operands are integer index arrays, which
# get no cotangent): a second backward pass through them needs no freed values.
getitem_p.linear = scatter_add_p.linear = True


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


def _traced_index_array(item: Any) -> bool:
    """Whether ``item`` is a traced integer index array, kept as a tracer (an
    operand of the gather): one with dimensions, or one batched by vmap (whose
    value has the batch axes that vmap hides from its shape)."""
    if not isinstance(item, Tracer):
        return False
    batched = np.ndim(concrete(item)) != len(item.shape)
    if not batched and not item.shape:
        return False                   # a traced scalar indexes as an int: its value
    if item.dtype.kind == "b":
        if not batched:
            return False               # a mask: its value decides the result's shape
        raise IndexError("a boolean mask batched by vmap would give each batch element "
                         "its own result shape; use fnp.where(mask, x, 0) instead")
    if item.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer or boolean type, "
                         f"got {item.dtype}")
    return True


def normalize_index(idx: Any) -> tuple:
    """Turn any numpy index into a tuple of ints, slices, None, Ellipsis and arrays.

    Example: ``normalize_index([0, 0])`` is ``(array([0, 0]),)``; integer
    scalars and 0-d arrays become Python ints, slice bounds Python ints, lists
    arrays; traced integer arrays stay tracers.
    """
    template, arrays = index_parts(idx)
    return fill_index(template, arrays) if arrays else template


def index_parts(idx: Any) -> tuple:
    """``split_index(normalize_index(idx))`` in one pass: ``(template, arrays)``."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    arrays: list = []
    for item in idx:
        t = type(item)        # (the common items first, without conversions)
        if t is int or item is None or (t is slice and _plain(item.start)
                                        and _plain(item.stop) and _plain(item.step)):
            out.append(item)
            continue
        if t is np.ndarray and item.ndim and item.dtype.kind in "iu":
            arrays.append(item)
            out.append(ARRAY)
            continue
        if _traced_index_array(item):
            arrays.append(item)   # a traced index array: an operand of the gather
            out.append(ARRAY)
            continue
        item = concrete_value(item)
        if isinstance(item, slice):
            item = slice(_slice_bound(item.start), _slice_bound(item.stop),
                         _slice_bound(item.step))
        elif isinstance(item, (list, np.ndarray)) or np.ndim(item) > 0:
            item = _index_array(item)
            if item.ndim == 0:
                item = item.item()   # a 0-d integer (boolean) array indexes like an int (bool)
            elif item.dtype.kind != "b":
                arrays.append(item)
                item = ARRAY
        elif isinstance(item, (np.integer, np.bool_)):
            item = item.item()
        out.append(item)
    return tuple(out), (tuple(arrays) if arrays else ())


def _plain(bound: Any) -> bool:
    return bound is None or type(bound) is int


# -- vmap: batched index arrays -----------------------------------------------------


class BatchedIndex:
    """An index array of ``getitem``/``scatter_add`` that vmap batches, in the full
    index the batching rules plan with: ``value`` (one level below vmap) carries
    the batch axis at ``dim``."""

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
    if isinstance(item, Tracer):        # an index array traced by an outer transform
        return tuple(item.shape)
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
