"""The facade's small value types, below every other module of the facade:
:class:`Size` (a shape) and the dtypes with the default float dtype (PyTorch's
names: ``float32``, ``long``, ``get_default_dtype``, ...).

>>> get_default_dtype()
dtype('float32')
"""
from __future__ import annotations

from typing import Any

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)

#: names PyTorch uses that shadow builtins (``ft.float``, ``ft.int``, ``ft.bool``)
DTYPE_ALIASES = {"float": float32, "int": int32, "bool": bool_, "cfloat": complex64}

_DEFAULT = [float32]


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (float32 unless changed).

    >>> import functrace as ft
    >>> ft.get_default_dtype(), ft.tensor(1.0).dtype == ft.get_default_dtype()
    (dtype('float32'), True)
    """
    return _DEFAULT[0]


def set_default_dtype(d: Any) -> None:
    """Set the dtype of Python floats in new tensors: float32 or float64."""
    d = np.dtype(d)
    if d.kind != "f":
        raise TypeError("only floating-point types are supported as the default type")
    _DEFAULT[0] = d


def default_float() -> np.dtype:
    return _DEFAULT[0]


class Size(tuple):
    """A shape, like ``torch.Size``: a tuple with a readable repr and ``numel()``.

    >>> Size((2, 3))
    functrace.Size([2, 3])
    """

    def __repr__(self) -> str:
        return f"functrace.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


def parse_size(size: tuple) -> tuple:
    """``(2, 3)``, ``((2, 3),)`` or ``([2, 3],)`` -> ``(2, 3)``; a ``TypeError`` for
    anything but ints (as PyTorch: ``zeros(2.5)`` is not ``zeros(2)``)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"argument 'size' must be tuple of ints, but found element of "
                            f"type {type(s).__name__} ({s!r})")
    return tuple(int(s) for s in size)
