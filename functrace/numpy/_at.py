"""JAX's functional index updates: ``x.at[idx].set(v)``, ``.add``, ``.multiply``,
``.min``, ``.max`` and ``.get``, differentiable in ``x`` and ``v`` and batched
under ``vmap`` (they are compositions of ``getitem``, ``scatter_add`` and
``where``). Traced arrays have the ``.at`` property; ``fnp.at(x)`` gives the
same for any array.

Indices are constants (ints, slices, integer or boolean arrays, as numpy takes).
Repeated indices apply in order, as in ``numpy.ufunc.at``: ``add`` and
``multiply`` accumulate, ``min``/``max`` combine, and ``set`` keeps the last
value (numpy's ``x[idx] = v``).

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> float(functrace.grad(lambda v: fnp.sum(fnp.at(np.zeros(3))[[0, 0, 2]].add(v) ** 2))(1.0))
10.0
>>> functrace.grad(lambda x: fnp.sum(x.at[1:].multiply(3.0)))(np.ones(3))
array([1., 3., 3.])
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import concrete, is_tracer
from ..primitives import indexing as S
from ._shape import broadcast_to
from ._ufuncs import astype, maximum, minimum, where

__all__ = ["at"]


class _IndexUpdateHelper:
    """``x.at``: indexing it (``x.at[idx]``) gives the update methods for ``idx``."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __getitem__(self, idx: Any) -> "_IndexUpdateRef":
        return _IndexUpdateRef(self.array, idx)

    def __repr__(self) -> str:
        return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
    """``x.at[idx]``: ``get()``, ``set(v)``, ``add(v)``, ``multiply(v)``, ``min(v)``,
    ``max(v)``, each returning a new array (``x`` is never changed)."""

    __slots__ = ("array", "index")

    def __init__(self, array: Any, index: Any) -> None:
        self.array = array if is_tracer(array) else np.asarray(array)
        self.index = index

    def get(self) -> Any:
        """``x[idx]``."""
        return self.array[self.index]

    def set(self, values: Any) -> Any:
        """``x`` with ``x[idx]`` replaced by ``values`` (the last of repeated indices wins)."""
        return self._apply(values, lambda old, new: new)

    def add(self, values: Any) -> Any:
        """``x`` with ``values`` added at ``idx`` (repeated indices accumulate)."""
        return self._apply(values, lambda old, new: old + new)

    def multiply(self, values: Any) -> Any:
        """``x`` with ``x[idx]`` multiplied by ``values`` (repeated indices accumulate)."""
        return self._apply(values, lambda old, new: old * new)

    mul = multiply

    def min(self, values: Any) -> Any:
        """``x`` with ``x[idx] = minimum(x[idx], values)``."""
        return self._apply(values, minimum)

    def max(self, values: Any) -> Any:
        """``x`` with ``x[idx] = maximum(x[idx], values)``."""
        return self._apply(values, maximum)

    def _apply(self, values: Any, combine: Callable[[Any, Any], Any]) -> Any:
        x = self.array
        shape = tuple(np.shape(x))
        idx = S.normalize_index(self.index)
        if any(is_tracer(item) for item in idx):
            raise TypeError("x.at[idx]: indices batched by vmap are not supported; the "
                            "indices must be constants")
        targets = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[idx]
        dtype = np.result_type(concrete(x))
        new = broadcast_to(_as(values, dtype), np.shape(targets))
        for occurrence in _rounds(targets):
            picked = where(occurrence, new, np.zeros((), dtype))
            scattered = S.scatter(picked, idx, shape)
            hit = np.zeros(shape, bool).reshape(-1)
            hit[targets[occurrence]] = True
            x = where(hit.reshape(shape), combine(x, scattered), x)
        return x


def _as(values: Any, dtype: np.dtype) -> Any:
    """``values`` in ``x``'s dtype (as numpy's assignment casts them)."""
    if is_tracer(values):
        return values if np.result_type(concrete(values)) == dtype else astype(values, dtype)
    return np.asarray(values).astype(dtype)


def _rounds(targets: np.ndarray) -> list:
    """Masks over the selected elements: round ``r`` holds each target's ``r``-th
    occurrence (in C order), so that within a round no target repeats."""
    flat = targets.reshape(-1)
    order = np.argsort(flat, kind="stable")
    sorted_targets = flat[order]
    starts = np.r_[True, sorted_targets[1:] != sorted_targets[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(flat.size), 0))
    occurrence = np.empty(flat.size, np.intp)
    occurrence[order] = np.arange(flat.size) - group_start
    count = int(occurrence.max(initial=-1)) + 1
    return [(occurrence == r).reshape(targets.shape) for r in range(count)]


def at(x: Any) -> _IndexUpdateHelper:
    """``x.at`` for any array (numpy arrays have no ``.at``): ``fnp.at(x)[idx].set(v)``.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.at(np.zeros(3))[1].set(5.0)
    array([0., 5., 0.])
    """
    return _IndexUpdateHelper(x)
