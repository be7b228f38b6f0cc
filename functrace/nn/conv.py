"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d`` (PyTorch's ``torch.nn``).

Same arguments, parameter shapes, initialisation (``kaiming_uniform_`` with
``a=sqrt(5)``, bias uniform in ``+-1/sqrt(fan_in)``) and ``repr`` as PyTorch.
``padding_mode`` may be ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``
(transposed convolutions: ``'zeros'`` only).

>>> import functrace as ft
>>> conv = ft.nn.Conv2d(1, 16, 3, padding=1)
>>> conv
Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
>>> conv(ft.ones(8, 1, 28, 28)).shape
functrace.Size([8, 16, 28, 28])
"""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from ..tensors._device import check_device
from ..tensors._factories import default_float, empty
from . import _functional_conv as FC
from . import init
from .modules import Module, Parameter

_NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class _ConvNd(Module):
    """What convolutions and transposed convolutions share: parameters, init, repr."""

    _nd = 0
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 output_padding: Any = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        _check_channels(in_channels, out_channels, groups)
        nd = self._nd
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = FC.ntuple(kernel_size, nd, "kernel_size")
        self.stride = FC.ntuple(stride, nd, "stride")
        self.dilation = FC.ntuple(dilation, nd, "dilation")
        self.output_padding = FC.ntuple(output_padding, nd, "output_padding")
        self.padding = _check_padding(padding, self.stride, nd)
        self.padding_mode = _check_padding_mode(padding_mode, self._transposed, type(self))
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        dtype = dtype or default_float()
        self.weight = Parameter(empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


def _check_channels(in_channels: int, out_channels: int, groups: int) -> None:
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups:
        raise ValueError("out_channels must be divisible by groups")


def _check_padding(padding: Any, stride: tuple, nd: int) -> Any:
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             "{'valid', 'same'}")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        return padding
    return FC.ntuple(padding, nd, "padding")


def _check_padding_mode(mode: str, transposed: bool, cls: type) -> str:
    valid = ("zeros", "reflect", "replicate", "circular")
    if mode not in valid:
        raise ValueError(f"padding_mode must be one of {set(valid)}, but got "
                         f"padding_mode='{mode}'")
    if transposed and mode != "zeros":
        raise ValueError(f'Only "zeros" padding mode is supported for {cls.__name__}')
    return mode


def pad_by_mode(input: Any, pads: tuple, mode: str) -> Any:
    """Pad the trailing spatial axes by reflection, replication or wrapping (as
    ``F.pad``): a gather with constant indices, so the gradient adds back."""
    nd = len(pads)
    shape = np.shape(input)
    out = input
    for i, (lo, hi) in enumerate(pads):
        axis = len(shape) - nd + i
        n = shape[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {axis} "
                               f"of input {list(shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if lo or hi:
            index = np.pad(np.arange(n), (lo, hi), mode=_NUMPY_PAD_MODES[mode])
            out = fnp.take(out, index, axis=axis)
    return out


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, device, dtype)

    def forward(self, input: Any) -> Any:
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, input: Any, weight: Any, bias: Any) -> Any:
        padding = self.padding
        if self.padding_mode != "zeros":
            pads = FC.conv_padding(padding, self.kernel_size, self.stride, self.dilation)
            input, padding = pad_by_mode(input, pads, self.padding_mode), 0
        return FC.convolution(input, weight, bias, self.stride, padding, self.dilation,
                              self.groups, self._nd, f"conv{self._nd}d")


class Conv1d(_Conv):
    """1-d convolution over ``(N, C_in, L)``: weight ``(C_out, C_in / groups, k)``."""

    _nd = 1


class Conv2d(_Conv):
    """2-d convolution over ``(N, C_in, H, W)``: weight ``(C_out, C_in / groups, kH, kW)``."""

    _nd = 2


class Conv3d(_Conv):
    """3-d convolution over ``(N, C_in, D, H, W)``."""

    _nd = 3


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__} does not support padding={padding!r}: "
                             "give the padding as an int or a tuple")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)

    def forward(self, input: Any, output_size: Optional[list] = None) -> Any:
        out_pad = self._output_padding(input, output_size)
        return FC.transposed_convolution(input, self.weight, self.bias, self.stride,
                                         self.padding, out_pad, self.groups, self.dilation,
                                         self._nd, f"conv_transpose{self._nd}d")

    def _output_padding(self, input: Any, output_size: Optional[list]) -> tuple:
        """The output padding that gives ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        size = [int(s) for s in output_size]
        if len(size) > nd:
            size = size[len(size) - nd:]
        if len(size) != nd:
            raise ValueError(f"ConvTranspose{nd}D: for {np.ndim(input)}D input, output_size "
                             f"must have {nd} or {nd + 2} elements (got {len(output_size)})")
        in_sp = np.shape(input)[-nd:]
        low = FC.transposed_size(in_sp, self.kernel_size, self.stride, self.padding,
                                 self.dilation, (0,) * nd)
        high = tuple(m + s - 1 for m, s in zip(low, self.stride))
        if any(not lo <= s <= hi for s, lo, hi in zip(size, low, high)):
            raise ValueError(f"requested an output size of {size}, but valid sizes range from "
                             f"{list(low)} to {list(high)} (for an input of {list(in_sp)})")
        return tuple(s - lo for s, lo in zip(size, low))


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-d convolution: weight ``(C_in, C_out / groups, k)``."""

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-d convolution (the gradient of ``Conv2d`` in its input): output size
    ``(H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    >>> import functrace as ft
    >>> up = ft.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
    >>> up(ft.ones(1, 4, 5, 5)).shape
    functrace.Size([1, 2, 10, 10])
    """

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-d convolution: weight ``(C_in, C_out / groups, kD, kH, kW)``."""

    _nd = 3
