"""Devices: ``ft.device``, ``set_default_device`` and the one place that refuses non-CPU devices.

functrace computes with numpy on the CPU. A :class:`device` may name any of
PyTorch's device types, so that code such as ``dev.type == "cuda"`` keeps
working, but asking for data on anything other than the CPU (a factory's
``device=``, ``Tensor.to``, ``Module.to``, ``set_default_device``) raises a
``RuntimeError`` at that call, naming the CPU-only design.

>>> import functrace as ft
>>> ft.device("cpu")
device(type='cpu')
>>> ft.zeros(2, device="cpu").device == "cpu"
True
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

#: the device types PyTorch knows (a device string must start with one of them)
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


class device:
    """A device name: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:0")``.

    Only ``"cpu"`` can hold functrace tensors; other names are accepted here
    (so they can be compared and printed) and refused where data is asked for.
    Unlike torch, a device also compares equal to its string (``device("cpu") == "cpu"``).

    >>> device("cuda:1")
    device(type='cuda', index=1)
    >>> str(device("cpu")), device("cpu").type
    ('cpu', 'cpu')
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: Optional[int] = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            kind, idx = type._type, type._index
        elif isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            kind, idx = "cuda", int(type)          # torch reads a bare index as an accelerator
        elif isinstance(type, str):
            kind, idx = _parse(type)
            if index is not None:
                if idx is not None:
                    raise RuntimeError(f"type (string) must not include an index because index "
                                       f"was passed explicitly: {type}")
                idx = int(index)
        else:
            raise TypeError(f"device() expected a string, an int or a device, got {type!r}")
        if idx is not None and idx < 0:
            raise RuntimeError(f"Device index must not be negative (got {idx})")
        object.__setattr__(self, "_type", kind)
        object.__setattr__(self, "_index", idx)

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> Optional[int]:
        return self._index

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("device objects are immutable")

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self) -> Any:
        return (device, (self._type, self._index))

    def __enter__(self) -> "device":
        check_device(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


def _parse(text: str) -> Tuple[str, Optional[int]]:
    kind, sep, idx = text.partition(":")
    if kind not in DEVICE_TYPES or (sep and not idx.isdigit()):
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of "
                           f"device string: {text}")
    return kind, (int(idx) if sep else None)


CPU = device("cpu")


def check_device(dev: Any) -> device:
    """``dev`` (None, a string, an index or a device) as a device, if it is the CPU.

    Any other device raises: functrace has no accelerator backend.

    >>> check_device(None), check_device("cpu")
    (device(type='cpu'), device(type='cpu'))
    """
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d._type != "cpu":
        raise RuntimeError(
            f"functrace runs on the CPU only: device '{d}' is not available. functrace "
            "computes with numpy and has no CUDA, MPS, meta or other device backend "
            "(ft.cuda.is_available() is False); use device='cpu' or leave device out.")
    return CPU


def set_default_device(device: Any) -> None:
    """Set the device of new tensors: only ``"cpu"`` (or ``None``) is possible.

    >>> set_default_device("cpu")
    """
    check_device(device)


def get_default_device() -> device:
    """The device of new tensors: always the CPU.

    >>> get_default_device()
    device(type='cpu')
    """
    return CPU


def is_device_like(obj: Any) -> bool:
    """Whether ``Tensor.to`` reads ``obj`` as a device (a string, an index or a device)."""
    return isinstance(obj, (str, device)) or (
        isinstance(obj, (int, np.integer)) and not isinstance(obj, (bool, np.bool_)))


def parse_to(args: tuple, kwargs: dict, other_type: type) -> Tuple[Optional[np.dtype], bool]:
    """Read the arguments of ``Tensor.to`` / ``Module.to``: ``(dtype or None, copy)``.

    Accepted as in torch: ``to(dtype)``, ``to(device, dtype)``, ``to(other)``
    (an instance of ``other_type``), with ``non_blocking``, ``copy`` and
    ``memory_format`` positionally after them or by keyword. The device is
    checked to be the CPU.
    """
    kwargs = dict(kwargs)
    dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    copy = kwargs.pop("copy", False)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    rest = list(args)
    if rest and isinstance(rest[0], other_type):
        other = rest.pop(0)
        dev, dtype = other.device, other.dtype
    elif rest and is_device_like(rest[0]):
        dev = rest.pop(0)
        if rest and not isinstance(rest[0], bool):
            dtype = rest.pop(0)
    elif rest and not isinstance(rest[0], bool):
        dtype = rest.pop(0)
    if len(rest) > 2:
        raise TypeError("to() received too many positional arguments")
    if len(rest) == 2:
        copy = rest[1]
    check_device(dev)
    return (None if dtype is None else as_dtype(dtype)), bool(copy)


def as_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a numpy dtype, with a clear error for things that are not dtypes."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"to() expected a dtype, a device or a tensor, got {dtype!r}") from None
