"""More constant-output primitives for ``functrace.numpy``: ``signbit``, ``isclose``,
``searchsorted``, ``frexp``'s exponent and ``nextafter`` (booleans, integers or the
adjacent float: no gradient flows through them; gradients flow around them, as
around any constant).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..registry import defnondiff
from .batch_rules import shape_of, to_front
from .nondiff import astype_int_p, less_equal_p, less_p
from .reductions import reduce_sum_p
from .shape_ops import reshape_p

EW = "elementwise"

signbit_p = defnondiff("signbit", np.signbit, batch=EW)
frexp_exponent_p = defnondiff("frexp_exponent", lambda x: np.frexp(x)[1], batch=EW)
nextafter_p = defnondiff("nextafter", np.nextafter, batch=EW)
isclose_p = defnondiff("isclose", lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False:
                       np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), batch=EW)


def _searchsorted(a: np.ndarray, v: np.ndarray, side: str = "left") -> np.ndarray:
    return np.searchsorted(a, v, side=side)


def _searchsorted_batch(args: Sequence[Any], dims: Sequence[Any], side: str = "left") -> tuple:
    """Batched values ``v`` alone: elementwise in ``v``. A batched sorted array ``a``:
    each example's position of ``v[j]`` is the number of its entries below ``v[j]``
    (``<=`` for ``side="right"``), a comparison summed over ``a``'s axis."""
    (a, v), (da, dv) = args, dims
    if da is None:
        return searchsorted_p.bind(a, v, side=side), dv
    a = to_front(a, da)
    v_shape = shape_of(v)
    if dv is not None:
        v = to_front(v, dv)
        v_shape = v_shape[:dv] + v_shape[dv + 1:]
    batch = shape_of(a)[0]
    a = reshape_p.bind(a, shape=(batch,) + (1,) * len(v_shape) + (shape_of(a)[1],))
    v = reshape_p.bind(v, shape=((batch,) if dv is not None else (1,)) + tuple(v_shape) + (1,))
    below = (less_p if side == "left" else less_equal_p).bind(a, v)
    count = reduce_sum_p.bind(astype_int_p.bind(below, dtype=np.dtype(np.intp)),
                              axes=(len(v_shape) + 1,), keepdims=False)
    return count, 0


searchsorted_p = defnondiff("searchsorted", _searchsorted, batch=_searchsorted_batch)
