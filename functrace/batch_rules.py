"""Helpers for writing batching rules, and the generic rules most primitives share.

A batching rule ``rule(args, dims, **params) -> (out, out_dim)`` sees the values one
level below ``vmap``: a batched argument carries its batch axis at ``dims[i]``, an
unbatched one has ``dims[i] is None``. It returns the batched result and the position
of its batch axis. Rules run with the parent trace current and compute with ``bind``,
so an outer transform records every operation (``grad`` of ``vmap``, nested ``vmap``).

Generic rules, chosen by name in the registry (``defprimitive(..., batch="reduction")``):

* ``"elementwise"``: broadcasting ops. Batch axes go to the front and batched
  arguments of lower rank get size-1 axes after it, so they broadcast against
  unbatched arguments exactly as their unbatched selves would.
* ``"reduction"``: ``axes``/``keepdims`` parameters are shifted past the batch axis.
* ``"axis"``: one ``axis`` parameter (``cumsum``, ``cumprod``) is shifted.
* ``"stacked"``: unary ops on the trailing axes of a stack (``inv``): batch in front.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.vmap(fnp.sum, in_axes=1)(np.ones((2, 3)))
array([2., 2., 2.])
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .core import Primitive

BatchRule = Callable[..., tuple]
Dims = Sequence[Optional[int]]

_CACHE: dict = {}


def prim(name: str) -> Primitive:
    """The registered primitive ``name`` (looked up lazily: no import cycle)."""
    p = _CACHE.get(name)
    if p is None:
        from .registry import PRIMITIVES
        p = _CACHE[name] = PRIMITIVES[name]
    return p


def shape_of(x: Any) -> tuple:
    """The shape of an array, a tracer (without vmap's batch axes) or a number."""
    shape = getattr(x, "shape", None)
    return np.shape(x) if shape is None else tuple(shape)


def batch_size(args: Sequence[Any], dims: Dims) -> int:
    """The size of the batch axis of the first batched argument."""
    for a, d in zip(args, dims):
        if d is not None:
            return shape_of(a)[d]
    raise ValueError("no batched argument")


def moveaxis(x: Any, src: int, dst: int) -> Any:
    """``x`` with axis ``src`` moved to position ``dst`` (one ``transpose``, or none)."""
    nd = len(shape_of(x))
    src, dst = src % nd, dst % nd
    if src == dst:
        return x
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return prim("transpose").bind(x, axes=tuple(perm))


def to_front(x: Any, d: Optional[int]) -> Any:
    """A batched value with its batch axis first (unbatched values unchanged)."""
    return x if d is None or d == 0 else moveaxis(x, d, 0)


def batched_front(x: Any, d: Optional[int], size: int) -> Any:
    """``x`` batched along axis 0; an unbatched ``x`` is broadcast to the batch."""
    if d is None:
        return prim("broadcast_to").bind(x, shape=(size,) + shape_of(x))
    return to_front(x, d)


def pad_after_batch(x: Any, ndim: int) -> Any:
    """A value batched at 0 with size-1 axes inserted after the batch axis so that
    its logical rank is ``ndim`` (numpy broadcasting then lines it up correctly)."""
    shape = shape_of(x)
    missing = ndim - (len(shape) - 1)
    if missing <= 0:
        return x
    return prim("reshape").bind(x, shape=shape[:1] + (1,) * missing + shape[1:])


def _name(rule: Callable, p: Primitive) -> Callable:
    rule.__name__ = rule.__qualname__ = f"_{p.name}_batch"
    return rule


# -- generic rules -------------------------------------------------------------------

def _common_dim(shapes: list, dims: Dims, nd: int) -> Optional[int]:
    """The shared batch axis if the arguments already broadcast correctly, else None.

    True when every batched argument has full rank and the same batch axis ``d``,
    and every unbatched one only reaches the axes after ``d``.
    """
    common = None
    for s, d in zip(shapes, dims):
        if d is not None:
            if len(s) != nd + 1 or (common is not None and d != common):
                return None
            common = d
    for s, d in zip(shapes, dims):
        if d is None and len(s) > nd - common:
            return None
    return common


def elementwise_batch(p: Primitive) -> BatchRule:
    """The batching rule of a broadcasting elementwise primitive ``p``."""
    def rule(args: Sequence[Any], dims: Dims, **params: Any) -> tuple:
        shapes = [shape_of(a) for a in args]
        nd = max(len(s) - (d is not None) for s, d in zip(shapes, dims))
        common = _common_dim(shapes, dims, nd)
        if common is not None:
            return p.bind(*args, **params), common
        new = [a if d is None else pad_after_batch(to_front(a, d), nd)
               for a, d in zip(args, dims)]
        return p.bind(*new, **params), 0
    return _name(rule, p)


def reduction_batch(p: Primitive) -> BatchRule:
    """Batching rule of a reduction with ``axes`` (sorted, non-negative) and ``keepdims``."""
    def rule(args: Sequence[Any], dims: Dims, axes: tuple, keepdims: bool,
             **params: Any) -> tuple:
        d = dims[0]
        phys = tuple(a + (a >= d) for a in axes)
        out_d = d if keepdims else d - sum(1 for a in axes if a < d)
        return p.bind(args[0], axes=phys, keepdims=keepdims, **params), out_d
    return _name(rule, p)


def axis_batch(p: Primitive) -> BatchRule:
    """Batching rule of a unary op with one integer ``axis`` parameter."""
    def rule(args: Sequence[Any], dims: Dims, axis: int, **params: Any) -> tuple:
        x, d = args[0], dims[0]
        a = axis % max(len(shape_of(x)) - 1, 1)
        return p.bind(x, axis=a + (a >= d), **params), d
    return _name(rule, p)


def stacked_batch(p: Primitive) -> BatchRule:
    """Batching rule of a unary op that maps over leading stack axes (``inv``)."""
    def rule(args: Sequence[Any], dims: Dims, **params: Any) -> tuple:
        return p.bind(to_front(args[0], dims[0]), **params), 0
    return _name(rule, p)


GENERIC = {"elementwise": elementwise_batch, "reduction": reduction_batch,
           "axis": axis_batch, "stacked": stacked_batch}


def resolve_batch_rule(p: Primitive, batch: Union[str, BatchRule]) -> BatchRule:
    """A rule given by name (see :data:`GENERIC`) made for ``p``, or ``batch`` itself."""
    if isinstance(batch, str):
        if batch not in GENERIC:
            raise ValueError(f"unknown generic batching rule {batch!r}; "
                             f"choose one of {sorted(GENERIC)} or pass a function")
        return GENERIC[batch](p)
    return batch


# -- indexing ------------------------------------------------------------------------

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
                v = prim("reshape").bind(v, shape=s[:1] + (1,) * (len(adv) - len(s) + 1) + s[1:])
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
