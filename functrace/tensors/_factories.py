"""Tensor factories (``tensor``, ``zeros``, ``randn``, ...), dtypes and the random seed.

As in PyTorch, Python floats become the default float dtype (float32 unless
changed with :func:`set_default_dtype`), Python ints ``int64`` and numpy
arrays keep their dtype. Every factory takes ``device=`` (only the CPU is
possible, see :mod:`._device`); the random ones live in :mod:`._random`.
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from ._device import check_device
from ._types import (DTYPE_ALIASES, bool_, complex64, complex128, default_float,  # noqa: F401
                      double, float16, float32, float64, get_default_dtype, half, int8, int16,
                      int32, int64, long, set_default_dtype, short, uint8)
from ._tensor import Size, Tensor, init_tensor, make, parse_size  # noqa: F401

def _dtype(dtype: Any) -> Optional[np.dtype]:
    return None if dtype is None else np.dtype(dtype)


def _infer_dtype(data: Any, arr: np.ndarray) -> np.dtype:
    """PyTorch's inference: numpy keeps its dtype, Python numbers follow defaults."""
    if isinstance(data, (np.ndarray, np.generic)):
        return arr.dtype
    kind = arr.dtype.kind
    if kind == "f":
        return default_float()
    if kind in "iu":
        return int64
    if kind == "c":
        return complex64 if default_float() == float32 else complex128
    return arr.dtype


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = make(data, None, False)
    if requires_grad:
        t.requires_grad = True
    return t


def _unwrap(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap(d) for d in data]
    return data


def tensor(data: Any, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data``.

    >>> tensor([1.0, 2.0])
    tensor([1., 2.])
    >>> tensor(3, dtype=float64, requires_grad=True)
    tensor(3., dtype=functrace.float64, requires_grad=True)
    """
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.clone().detach() or sourceTensor.clone().detach()"
                      ".requires_grad_(True), rather than functrace.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    check_device(device)
    raw = _unwrap(data)
    arr = np.array(raw)
    if arr.dtype == object:
        raise TypeError(f"could not convert {type(data).__name__} to a tensor")
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"tensor(): invalid data type '{type(data).__name__}' (a tensor "
                        f"holds numbers; numpy read it as {arr.dtype})")
    arr = arr.astype(_dtype(dtype) or _infer_dtype(raw, arr), copy=False)
    return _leaf(arr, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like :func:`tensor` but shares memory with a numpy array when possible."""
    check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype):
        return make(data, None, False)
    return tensor(data, dtype=dtype)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``arr`` (writes show up in both)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    return make(arr, None, False)


def _filled(fill: Any, size: tuple, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    check_device(device)
    if np.asarray(fill).dtype.kind not in "biufc":
        raise TypeError(f"full(): argument 'fill_value' must be Number, not "
                        f"{type(fill).__name__}")
    return _leaf(np.full(parse_size(size), fill, dtype=_dtype(dtype) or default_float()),
                 requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros. ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _filled(0, size, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones. ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _filled(1, size, dtype, device, requires_grad)


empty = zeros


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (its dtype inferred from the value)."""
    if dtype is None:
        dtype = _infer_dtype(fill_value, np.asarray(fill_value))
    return _filled(fill_value, (size,) if isinstance(size, int) else tuple(size), dtype,
                   device, requires_grad)


def eye(n: int, m: Optional[int] = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n`` x ``m``)."""
    check_device(device)
    return _leaf(np.eye(n, m, dtype=_dtype(dtype) or default_float()), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive); int64 unless a bound is a float."""
    check_device(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dtype = _dtype(dtype) or (int64 if ints else default_float())
    return _leaf(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` (inclusive)."""
    check_device(device)
    arr = np.linspace(start, end, steps).astype(_dtype(dtype) or default_float())
    return _leaf(arr, requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    arr = np.logspace(start, end, steps, base=base).astype(_dtype(dtype) or default_float())
    return _leaf(arr, requires_grad)


def _like(fill: Any, t: Tensor, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    check_device(device)
    dtype = _dtype(dtype) or t.dtype
    return _leaf(np.full(t._data.shape, fill, dtype=dtype), requires_grad)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return _like(0, input, dtype, device, requires_grad)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _like(1, input, dtype, device, requires_grad)


empty_like = zeros_like


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _like(fill_value, input, dtype, device, requires_grad)


def new_leaf(cls: type, data: np.ndarray, requires_grad: bool) -> Tensor:
    """An instance of ``cls`` (a Tensor subclass) around ``data``."""
    t = object.__new__(cls)
    init_tensor(t, data, requires_grad)
    return t


# -- Tensor.new_*: factories that default to the tensor's dtype ------------------------

def new_tensor(self: Tensor, data: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of ``data``, in ``self``'s dtype unless given."""
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_full(self: Tensor, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``, in ``self``'s dtype unless given."""
    return _filled(fill_value, (size,) if isinstance(size, int) else tuple(size),
                   dtype or self.dtype, device, requires_grad)


def _new_filled(fill: Any, name: str) -> Any:
    def method(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
        return _filled(fill, size, dtype or self.dtype, device, requires_grad)
    method.__name__ = name
    method.__doc__ = (f"A tensor of ``size`` ({'zeros' if fill == 0 else 'ones'}), in "
                      "``self``'s dtype unless given. Example: ``x.new_zeros(2, 3)``.")
    return method


new_zeros = new_empty = _new_filled(0, "new_zeros")
new_ones = _new_filled(1, "new_ones")
