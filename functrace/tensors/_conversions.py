"""Tensor methods that convert: ``to``, ``type``, ``float``/``double``/..., ``cpu``, ``cuda``.

A cast records ``astype`` (``ToCopyBackward0``); asking for what the tensor
already is returns the tensor itself, as in PyTorch. The device is always the
CPU (:mod:`._device`).
"""
from __future__ import annotations

from typing import Any, Callable

from .. import numpy as fnp
from ._device import check_device, parse_to
from ._engine import type_name
from ._tensor import Tensor


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``t.to(dtype)``, ``t.to(device)``, ``t.to(device, dtype)``, ``t.to(other)``: a cast,
    returning ``self`` when nothing changes unless ``copy=True`` (only the CPU is possible)."""
    dtype, copy = parse_to(args, kwargs, Tensor)
    if dtype is not None and self.dtype != dtype:
        return fnp.astype(self, dtype)
    return self.clone() if copy else self


def cast(dtype: Any) -> Callable[[Tensor], Tensor]:
    """The method ``t.float()`` (``cast(float32)``), ``t.long()``, ..."""
    def method(self: Tensor) -> Tensor:
        return self.to(dtype)
    return method


def type_(self: Tensor, dtype: Any = None) -> Any:
    """``t.type()``: the legacy type name (``"functrace.FloatTensor"``); ``t.type(dtype)``: a cast."""
    if dtype is None:
        return type_name(self._data)
    return self.to(dtype)


def contiguous(self: Tensor) -> Tensor:
    """The tensor itself (numpy arrays here need no reordering for any operation)."""
    return self


def cpu(self: Tensor, memory_format: Any = None) -> Tensor:
    """The tensor itself: every tensor is on the CPU."""
    return self


def cuda(self: Tensor, *args: Any, **kwargs: Any) -> None:
    """``.cuda()``: refused, functrace has no CUDA backend."""
    check_device("cuda")
