"""``fnp.r_`` and ``fnp.c_``: numpy's concatenation by index syntax, with traced
values (``fnp.r_[x, 0.0, y]``). Without tracers they are numpy's own; with them,
slices become constant ranges and the pieces are concatenated differentiably
(directive strings such as ``'0,2,-1'`` need plain values).

>>> import functrace, functrace.numpy as fnp
>>> float(functrace.grad(lambda x: fnp.sum(fnp.r_[x, 2.0 * x, 1:3]))(1.0))
3.0
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._sequences import _holds_tracer
from ._shape import concatenate, reshape

__all__ = ["r_", "c_"]


class _Concatenator:
    """``r_`` (along the first axis, pieces at least 1-d) or ``c_`` (along the last,
    1-d pieces as columns)."""

    def __init__(self, columns: bool) -> None:
        self.columns = columns
        self.numpy = np.c_ if columns else np.r_

    def __getitem__(self, key: Any) -> Any:
        items = key if isinstance(key, tuple) else (key,)
        if not any(_holds_tracer(item) for item in items):
            return self.numpy[key]
        if any(isinstance(item, str) for item in items):
            raise NotImplementedError(f"fnp.{'c_' if self.columns else 'r_'}: directive "
                                      "strings are not supported with traced values; use "
                                      "fnp.concatenate or fnp.stack")
        pieces = [self._piece(np.r_[item] if isinstance(item, slice) else item)
                  for item in items]
        return concatenate(pieces, axis=-1 if self.columns else 0)

    def _piece(self, item: Any) -> Any:
        from ._creation import array     # noqa: PLC0415  (_creation imports this package)
        item = array(item) if isinstance(item, (list, tuple)) else item
        shape = tuple(np.shape(item))
        if self.columns:
            wanted = {0: (1, 1), 1: shape + (1,)}.get(len(shape), shape)
        else:
            wanted = (1,) if not shape else shape
        return item if wanted == shape else reshape(item, wanted)


r_ = _Concatenator(columns=False)
c_ = _Concatenator(columns=True)
