"""``ravel_pytree``: a pytree of arrays as one flat vector (JAX's ``flatten_util``).

>>> import numpy as np
>>> from functrace.flatten_util import ravel_pytree
>>> flat, unravel = ravel_pytree({"w": np.ones((2, 2)), "b": np.zeros(3)})
>>> flat.shape
(7,)
>>> unravel(flat)["w"].shape
(2, 2)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import numpy as fnp
from .core import concrete
from .tree import tree_flatten, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(flat, unravel)``: the leaves of ``pytree`` raveled and concatenated in
    ``tree_flatten`` order (dict keys sorted), and the function rebuilding a pytree of
    the same structure, shapes and dtypes from such a vector. Both are differentiable.

    The vector has the leaves' common dtype (``numpy.result_type``); ``unravel``
    casts each piece back to its leaf's dtype.

    >>> import numpy as np
    >>> flat, unravel = ravel_pytree([np.array(1.0), (np.arange(2.0),)])
    >>> flat
    array([1., 0., 1.])
    >>> unravel(2 * flat)
    [array(2.), (array([0., 2.]),)]
    """
    leaves, treedef = tree_flatten(pytree)
    shapes = [np.shape(leaf) for leaf in leaves]
    dtypes = [np.result_type(concrete(leaf)) for leaf in leaves]
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    flat_dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    if leaves:
        flat = fnp.concatenate([fnp.astype(fnp.ravel(leaf), flat_dtype) for leaf in leaves])
    else:
        flat = np.zeros(0, flat_dtype)
    total = int(sum(sizes))

    def unravel(vector: Any) -> Any:
        if np.shape(vector) != (total,):
            raise ValueError(f"unravel expects a vector of shape ({total},), as returned by "
                             f"ravel_pytree, got shape {np.shape(vector)}")
        pieces, start = [], 0
        for shape, dtype, size in zip(shapes, dtypes, sizes, strict=True):
            piece = fnp.reshape(vector[start:start + size], shape)
            pieces.append(fnp.astype(piece, dtype))
            start += size
        return tree_unflatten(treedef, pieces)

    return flat, unravel
