"""Shape primitives: reshape, transpose, flip and dtype casts, and the axis helpers
that every batching rule uses (they bind these primitives).

All are linear; each VJP is the transposed shape operation. Broadcasting and its
transpose live in :mod:`.reductions`, indexing and joining in :mod:`.indexing`.
The other numpy shape functions (split, roll, tile, repeat, take, sort, ...) are
exact composites, in :mod:`functrace.numpy._shape_extra`.

This module sits below :mod:`.batch_rules` (which re-exports the helpers), so its
primitives' batching rules are written out rather than generic.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..core import concrete
from ..registry import deflinear

# -- axis helpers for batching rules -------------------------------------------------


def shape_of(x: Any) -> tuple:
    """The shape of an array, a tracer (without vmap's batch axes) or a number.

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> shape_of(np.ones((2, 3))), shape_of(1.5)
    ((2, 3), ())
    >>> seen = []
    >>> _ = ft.vmap(lambda row: seen.append(shape_of(row)) or row)(np.ones((4, 3)))
    >>> seen                                                    # the batch axis is hidden
    [(3,)]
    """
    shape = getattr(x, "shape", None)
    return np.shape(x) if shape is None else tuple(shape)


def moveaxis(x: Any, src: int, dst: int) -> Any:
    """``x`` with axis ``src`` moved to position ``dst`` (one ``transpose``, or none).

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> moveaxis(np.zeros((2, 3, 4)), 2, 0).shape
    (4, 2, 3)
    """
    nd = len(shape_of(x))
    src, dst = src % nd, dst % nd
    if src == dst:
        return x
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return transpose_p.bind(x, axes=tuple(perm))


def to_front(x: Any, d: Optional[int]) -> Any:
    """A batched value with its batch axis first (unbatched values unchanged).

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> to_front(np.zeros((2, 5)), 1).shape, to_front(np.zeros((2, 5)), None).shape
    ((5, 2), (2, 5))
    """
    return x if d is None or d == 0 else moveaxis(x, d, 0)


def pad_after_batch(x: Any, ndim: int) -> Any:
    """A value batched at 0 with size-1 axes inserted after the batch axis so that
    its logical rank is ``ndim`` (numpy broadcasting then lines it up correctly).

    >>> import numpy as np, functrace as ft
    >>> from functrace.primitives.batch_rules import *
    >>> pad_after_batch(np.zeros((5, 3)), 3).shape         # batch of 5 vectors -> rank 3
    (5, 1, 1, 3)
    """
    shape = shape_of(x)
    missing = ndim - (len(shape) - 1)
    if missing <= 0:
        return x
    return reshape_p.bind(x, shape=shape[:1] + (1,) * missing + shape[1:])


# -- primitives ----------------------------------------------------------------------

def _reshape_vjp(ct, ins, out, argnum, shape):
    return reshape_p.bind(ct, shape=np.shape(ins[0]))


def _reshape_batch(args, dims, shape):
    x = to_front(args[0], dims[0])
    return reshape_p.bind(x, shape=shape_of(x)[:1] + tuple(shape)), 0


reshape_p = deflinear("reshape", lambda x, shape: np.reshape(x, shape), _reshape_vjp,
                      batch=_reshape_batch)


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


def _astype_vjp(ct, ins, out, argnum, dtype):
    return astype_p.bind(ct, dtype=np.result_type(concrete(ins[0])))


def _astype_batch(args, dims, dtype):
    return astype_p.bind(args[0], dtype=dtype), dims[0]


def _astype(x, dtype):
    x = np.asarray(x)
    if x.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        x = x.real     # the real part, as numpy's cast keeps, without its ComplexWarning:
    return x.astype(dtype)     # so astype's transpose is itself in both directions


astype_p = deflinear("astype", _astype, _astype_vjp,
                     batch=_astype_batch)
