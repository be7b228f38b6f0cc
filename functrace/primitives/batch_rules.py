"""Helpers for writing batching rules, and the generic rules most primitives share.

A batching rule ``rule(args, dims, **params) -> (out, out_dim)`` sees the values one
level below ``vmap``: a batched argument carries its batch axis at ``dims[i]``, an
unbatched one has ``dims[i] is None``. It returns the batched result and the position
of its batch axis. Rules run with the parent trace current and compute with ``bind``,
so an outer transform records every operation (``grad`` of ``vmap``, nested ``vmap``).

The helpers (:func:`shape_of`, :func:`moveaxis`, :func:`to_front`,
:func:`pad_after_batch`; :func:`functrace.primitives.reductions.batched_front`
broadcasts an unbatched argument) bind the shape primitives, which are defined in
:mod:`.shape_ops`, below this module.

Generic rules, chosen by name in the registry (``defprimitive(..., batch="reduction")``):

* ``"elementwise"``: broadcasting ops. Batch axes go to the front and batched
  arguments of lower rank get size-1 axes after it, so they broadcast against
  unbatched arguments exactly as their unbatched selves would.
* ``"reduction"``: ``axes``/``keepdims`` parameters are shifted past the batch axis.
* ``"axis"``: one ``axis`` parameter (``cumsum``, ``cumprod``) is shifted.
* ``"stacked"``: ops on the trailing axes of stacks whose leading axes broadcast
  (``inv``, ``solve_triangular``): batch axes in front.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.vmap(fnp.sum, in_axes=1)(np.ones((2, 3)))
array([2., 2., 2.])
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from ..core import Primitive
from ..registry import GENERIC_BATCH_RULES
from .shape_ops import moveaxis, pad_after_batch, shape_of, to_front

BatchRule = Callable[..., tuple]
Dims = Sequence[Optional[int]]

__all__ = ["shape_of", "batch_size", "moveaxis", "to_front", "pad_after_batch",
           "elementwise_batch", "reduction_batch", "axis_batch", "stacked_batch"]


def batch_size(args: Sequence[Any], dims: Dims) -> int:
    """The size of the batch axis of the first batched argument.

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> batch_size([np.ones(3), np.ones((3, 7))], [None, 1])
    7
    """
    for a, d in zip(args, dims):
        if d is not None:
            return shape_of(a)[d]
    raise ValueError("no batched argument")


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
    """The batching rule of a broadcasting elementwise primitive ``p``.

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> rule = elementwise_batch(ft.PRIMITIVES["add"])
    >>> out, out_dim = rule([np.ones((3, 2)), np.arange(2.0)], [0, None])   # batch of 3 rows
    >>> out, out_dim
    (array([[1., 2.],
           [1., 2.],
           [1., 2.]]), 0)
    """
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
    """Batching rule of a reduction with ``axes`` (sorted, non-negative) and ``keepdims``.

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> rule = reduction_batch(ft.PRIMITIVES["reduce_sum"])
    >>> rule([np.ones((2, 3))], [1], axes=(0,), keepdims=False)   # 3 vectors of 2, summed
    (array([2., 2., 2.]), 0)
    """
    def rule(args: Sequence[Any], dims: Dims, axes: tuple, keepdims: bool,
             **params: Any) -> tuple:
        d = dims[0]
        phys = tuple(a + (a >= d) for a in axes)
        out_d = d if keepdims else d - sum(1 for a in axes if a < d)
        return p.bind(args[0], axes=phys, keepdims=keepdims, **params), out_d
    return _name(rule, p)


def axis_batch(p: Primitive) -> BatchRule:
    """Batching rule of a unary op with one integer ``axis`` parameter.

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> rule = axis_batch(ft.PRIMITIVES["cumsum"])
    >>> rule([np.ones((2, 3))], [0], axis=0)                     # 2 vectors of 3
    (array([[1., 2., 3.],
           [1., 2., 3.]]), 0)
    """
    def rule(args: Sequence[Any], dims: Dims, axis: int, **params: Any) -> tuple:
        x, d = args[0], dims[0]
        a = axis % max(len(shape_of(x)) - 1, 1)
        return p.bind(x, axis=a + (a >= d), **params), d
    return _name(rule, p)


def stacked_batch(p: Primitive) -> BatchRule:
    """Batching rule of an op on the trailing axes of stacks whose leading axes
    broadcast (``inv``, ``solve_triangular``): batch axes go first and batched
    arguments get size-1 axes up to the common rank (unlike the elementwise rule,
    never a batch axis among the trailing axes).

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> rule = stacked_batch(ft.PRIMITIVES["inv"])
    >>> out, out_dim = rule([np.stack([2 * np.eye(2), 4 * np.eye(2)], axis=2)], [2])
    >>> out[:, 0, 0], out_dim
    (array([0.5 , 0.25]), 0)
    """
    def rule(args: Sequence[Any], dims: Dims, **params: Any) -> tuple:
        nd = max(len(shape_of(a)) - (d is not None) for a, d in zip(args, dims))
        new = [a if d is None else pad_after_batch(to_front(a, d), nd)
               for a, d in zip(args, dims)]
        return p.bind(*new, **params), 0
    return _name(rule, p)


# What ``batch="elementwise"`` (...) in a registry block means: the registry looks the
# name up here. The primitives package imports this module before any module that
# names a generic rule.
GENERIC_BATCH_RULES.update(elementwise=elementwise_batch, reduction=reduction_batch,
                           axis=axis_batch, stacked=stacked_batch)
