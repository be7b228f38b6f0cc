"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``.

Thin modules over :mod:`functrace.nn.functional` with PyTorch's arguments and ``repr``.

>>> import functrace as ft
>>> pool = ft.nn.MaxPool2d(2)
>>> pool
MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
>>> pool(ft.ones(1, 3, 8, 8)).shape
functrace.Size([1, 3, 4, 4])
"""
from __future__ import annotations

from typing import Any, Optional

from . import _functional_pool as FP
from .modules import Module


class _MaxPoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size: Any, stride: Optional[Any] = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Any) -> Any:
        return FP.max_pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                           self.ceil_mode, self.return_indices, self._nd,
                           f"max_pool{self._nd}d")

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Maximum over windows of ``(N, C, L)``."""

    _nd = 1


class MaxPool2d(_MaxPoolNd):
    """Maximum over windows of ``(N, C, H, W)``; the stride defaults to the kernel size."""

    _nd = 2


class MaxPool3d(_MaxPoolNd):
    """Maximum over windows of ``(N, C, D, H, W)``."""

    _nd = 3


class _AvgPoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size: Any, stride: Optional[Any] = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: Optional[int] = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Any) -> Any:
        return FP.avg_pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                           self.count_include_pad, self.divisor_override, self._nd,
                           f"avg_pool{self._nd}d")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of ``(N, C, L)`` (PyTorch prints its sizes as 1-tuples)."""

    _nd = 1

    def __init__(self, kernel_size: Any, stride: Optional[Any] = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(_single(kernel_size),
                         _single(stride if stride is not None else kernel_size),
                         _single(padding), ceil_mode, count_include_pad)


def _single(value: Any) -> tuple:
    return (value,) if isinstance(value, int) else tuple(value)


class AvgPool2d(_AvgPoolNd):
    """Mean over windows of ``(N, C, H, W)``; ``count_include_pad`` counts the zero padding."""

    _nd = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over windows of ``(N, C, D, H, W)``."""

    _nd = 3


class _AdaptiveAvgPoolNd(Module):
    _nd = 0

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Any:
        return FP.adaptive_avg_pool(input, self.output_size, self._nd,
                                    f"adaptive_avg_pool{self._nd}d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average over ``output_size`` bins of ``(N, C, L)``."""

    _nd = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average over ``output_size`` bins of ``(N, C, H, W)``: ``AdaptiveAvgPool2d(1)`` is
    global average pooling."""

    _nd = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average over ``output_size`` bins of ``(N, C, D, H, W)``."""

    _nd = 3
