"""numpy's ufunc methods on traced arrays: ``np.multiply.outer(a, b)`` for every
binary ufunc functrace differentiates, and ``reduce``/``accumulate`` of ``add``,
``multiply``, ``maximum`` and ``minimum`` (``np.add.reduce(x)`` is ``fnp.sum(x,
axis=0)``). Other methods (``reduceat``, ``at``) raise a TypeError naming them.

>>> import numpy as np, functrace
>>> functrace.grad(lambda x: np.multiply.outer(x, x).sum())(np.array([1.0, 2.0]))
array([6., 6.])
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from . import _products as P
from . import _reductions as R
from ._shape import reshape

REDUCE: dict = {np.add: R.sum, np.multiply: P.prod, np.maximum: R.amax, np.minimum: R.amin}
ACCUMULATE: dict = {np.add: R.cumsum, np.multiply: P.cumprod}


def ufunc_method(ufunc: np.ufunc, method: str, fn: Callable, inputs: tuple,
                 kwargs: dict) -> Optional[Any]:
    """The result of ``ufunc.method(*inputs, **kwargs)`` on traced values, with ``fn``
    functrace's function for ``ufunc``; None when functrace has no such method."""
    if method == "outer" and len(inputs) == 2 and not kwargs:
        a, b = inputs
        return fn(reshape(a, tuple(np.shape(a)) + (1,) * np.ndim(b)), b)
    table = REDUCE if method == "reduce" else ACCUMULATE if method == "accumulate" else {}
    target = table.get(ufunc)
    if target is None or len(inputs) != 1:
        return None
    axis = kwargs.pop("axis", 0)
    if method == "reduce":
        keepdims = kwargs.pop("keepdims", False)
        return None if kwargs else target(inputs[0], axis=axis, keepdims=keepdims)
    return None if kwargs else target(inputs[0], axis=axis)
