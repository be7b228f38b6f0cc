"""Convolutions of ``functrace.nn.functional``: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``.

PyTorch's signatures and layout: inputs ``(N, C, *spatial)`` (or unbatched
``(C, *spatial)``), weights ``(out, in / groups, *kernel)`` for a convolution and
``(in, out / groups, *kernel)`` for a transposed one. They bind the ``conv`` and
``conv_transpose`` primitives, so they work on numpy arrays (also inside
``functrace.grad`` / ``vmap``) and on Tensors, whose ``grad_fn`` is named as in
PyTorch (``ConvolutionBackward0``).

>>> import numpy as np, functrace as ft
>>> import functrace.nn.functional as F
>>> x = ft.ones(1, 1, 4, 4, requires_grad=True)
>>> y = F.conv2d(x, ft.ones(2, 1, 3, 3), padding=1)
>>> y.shape, y.grad_fn.name()
(functrace.Size([1, 2, 4, 4]), 'ConvolutionBackward0')
>>> F.conv1d(np.arange(5.0).reshape(1, 1, 5), np.ones((1, 1, 2)))
array([[[1., 3., 5., 7.]]])
"""
from __future__ import annotations

from typing import Any, Union

import numpy as np

from .. import numpy as fnp
from ..core import concrete
from ..primitives.conv import conv_p, conv_transpose_p
from ..tensors._graph import relabel

IntOrTuple = Union[int, tuple, list]


def ntuple(value: Any, nd: int, name: str) -> tuple:
    """``2`` -> ``(2, 2)``; a 1-tuple is repeated; otherwise ``nd`` ints are required."""
    values = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) == 1:
        values = values * nd
    if len(values) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(values)}")
    return tuple(int(v) for v in values)


def dtype_of(x: Any) -> np.dtype:
    return np.result_type(concrete(x))


def as_batched(input: Any, nd: int, name: str) -> tuple:
    """``(input with a batch axis, whether one was added)``; checks the rank."""
    rank = np.ndim(input)
    if rank == nd + 1:
        return fnp.expand_dims(input, 0), True
    if rank != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(np.shape(input))}")
    return input, False


def unbatched(out: Any, added: bool) -> Any:
    return relabel(fnp.squeeze(out, 0), "SqueezeBackward1") if added else out


def _same_padding(kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))     # the odd one on the high side
    return tuple(pads)


def conv_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """``(low, high)`` pairs from an int, a tuple, ``'valid'`` or ``'same'``."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding == "same":
            return _same_padding(kernel, stride, dilation)
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    return tuple((p, p) for p in ntuple(padding, len(kernel), "padding"))


def _check_positive(stride: tuple, padding: tuple, dilation: tuple, groups: int) -> None:
    if any(lo < 0 or hi < 0 for lo, hi in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _check_dtypes(input: Any, weight: Any, bias: Any) -> None:
    dt = dtype_of(input)
    for other in (weight, bias):
        if other is not None and dtype_of(other) != dt:
            raise RuntimeError(f"Input type ({dt}) and weight/bias type ({dtype_of(other)}) "
                               "should be the same: cast one of them (e.g. with .float())")


def _check_conv_shapes(x_shape: tuple, w_shape: tuple, in_channels: int, groups: int,
                       bias: Any, out_channels: int) -> None:
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"[{list(w_shape)}] instead")
    if x_shape[1] != in_channels:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w_shape)}, expected "
                           f"input{list(x_shape)} to have {in_channels} channels, but got "
                           f"{x_shape[1]} channels instead")
    if bias is not None and np.shape(bias) != (out_channels,):
        raise RuntimeError(f"Given weight of size {list(w_shape)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size "
                           f"{list(np.shape(bias))} instead")


def _check_kernel_fits(spatial: tuple, kernel: tuple, padding: tuple, dilation: tuple) -> None:
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(spatial, padding))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > p for e, p in zip(extent, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, extent))}). Kernel size can't be greater "
                           "than actual input size")


def add_bias(out: Any, bias: Any, nd: int) -> Any:
    if bias is None:
        return out
    return fnp.add(out, fnp.reshape(bias, (np.shape(bias)[0],) + (1,) * nd))


def convolution(input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                dilation: Any, groups: int, nd: int, name: str) -> Any:
    """The shared body of ``conv1d/2d/3d``."""
    x, added = as_batched(input, nd, name)
    w_shape = tuple(np.shape(weight))
    if len(w_shape) != nd + 2:
        raise RuntimeError(f"{name}: expected a {nd + 2}-d weight (out_channels, "
                           f"in_channels / groups, *kernel), got size {list(w_shape)}")
    kernel = w_shape[2:]
    stride, dilation = ntuple(stride, nd, "stride"), ntuple(dilation, nd, "dilation")
    pads = conv_padding(padding, kernel, stride, dilation)
    _check_positive(stride, pads, dilation, groups)
    _check_dtypes(x, weight, bias)
    _check_conv_shapes(np.shape(x), w_shape, w_shape[1] * groups, groups, bias, w_shape[0])
    _check_kernel_fits(np.shape(x)[2:], kernel, pads, dilation)
    out = conv_p.bind(x, weight, stride=stride, padding=pads, dilation=dilation,
                      groups=int(groups))
    out = relabel(add_bias(out, bias, nd), "ConvolutionBackward0")
    return unbatched(out, added)


def conv1d(input: Any, weight: Any, bias: Any = None, stride: IntOrTuple = 1,
           padding: Union[str, IntOrTuple] = 0, dilation: IntOrTuple = 1,
           groups: int = 1) -> Any:
    """1-d cross-correlation of ``(N, C, L)`` with ``(out, C / groups, k)`` weights;
    ``padding`` is an int, a tuple, ``'valid'`` or ``'same'`` (stride 1)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Any, weight: Any, bias: Any = None, stride: IntOrTuple = 1,
           padding: Union[str, IntOrTuple] = 0, dilation: IntOrTuple = 1,
           groups: int = 1) -> Any:
    """2-d cross-correlation of ``(N, C, H, W)`` with ``(out, C / groups, kH, kW)`` weights.

    >>> import numpy as np, functrace.nn.functional as F
    >>> F.conv2d(np.ones((1, 2, 3, 3)), np.ones((4, 1, 2, 2)), groups=2).shape
    (1, 4, 2, 2)
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Any, weight: Any, bias: Any = None, stride: IntOrTuple = 1,
           padding: Union[str, IntOrTuple] = 0, dilation: IntOrTuple = 1,
           groups: int = 1) -> Any:
    """3-d cross-correlation of ``(N, C, D, H, W)`` with ``(out, C / groups, kD, kH, kW)``."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


# -- transposed convolutions -----------------------------------------------------------

def transposed_size(spatial: tuple, kernel: tuple, stride: tuple, padding: tuple,
                    dilation: tuple, output_padding: tuple) -> tuple:
    """PyTorch's output size of a transposed convolution."""
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, k, s, p, d, op
                 in zip(spatial, kernel, stride, padding, dilation, output_padding))


def _check_output_padding(output_padding: tuple, stride: tuple, dilation: tuple) -> None:
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                           f"but got output_padding={list(output_padding)}, "
                           f"stride={list(stride)}, dilation={list(dilation)}")


def transposed_convolution(input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                           output_padding: Any, groups: int, dilation: Any, nd: int,
                           name: str) -> Any:
    """The shared body of ``conv_transpose1d/2d/3d``."""
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    y, added = as_batched(input, nd, name)
    w_shape = tuple(np.shape(weight))
    if len(w_shape) != nd + 2:
        raise RuntimeError(f"{name}: expected a {nd + 2}-d weight (in_channels, "
                           f"out_channels / groups, *kernel), got size {list(w_shape)}")
    kernel = w_shape[2:]
    stride, dilation = ntuple(stride, nd, "stride"), ntuple(dilation, nd, "dilation")
    pad, out_pad = ntuple(padding, nd, "padding"), ntuple(output_padding, nd, "output_padding")
    pads = tuple((p, p) for p in pad)
    _check_positive(stride, pads, dilation, groups)
    _check_output_padding(out_pad, stride, dilation)
    _check_dtypes(y, weight, bias)
    _check_conv_shapes(np.shape(y), w_shape, w_shape[0], groups, bias, w_shape[1] * groups)
    spatial = transposed_size(np.shape(y)[2:], kernel, stride, pad, dilation, out_pad)
    if any(n <= 0 for n in spatial):
        raise RuntimeError(f"{name}: the output size {list(spatial)} computed from input "
                           f"{list(np.shape(y))} is too small: reduce padding")
    out = conv_transpose_p.bind(y, weight, stride=stride, padding=pads, dilation=dilation,
                                groups=int(groups), spatial=spatial)
    out = relabel(add_bias(out, bias, nd), "ConvolutionBackward0")
    return unbatched(out, added)


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Any:
    """The transpose (gradient) of :func:`conv1d`; weight ``(in, out / groups, k)``."""
    return transposed_convolution(input, weight, bias, stride, padding, output_padding,
                                  groups, dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Any:
    """The transpose of :func:`conv2d`: output size ``(H - 1) * stride - 2 * padding +
    dilation * (kH - 1) + output_padding + 1``; weight ``(in, out / groups, kH, kW)``.

    >>> import numpy as np, functrace.nn.functional as F
    >>> F.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), stride=2).shape
    (1, 1, 5, 5)
    """
    return transposed_convolution(input, weight, bias, stride, padding, output_padding,
                                  groups, dilation, 2, "conv_transpose2d")


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Any:
    """The transpose of :func:`conv3d`; weight ``(in, out / groups, kD, kH, kW)``."""
    return transposed_convolution(input, weight, bias, stride, padding, output_padding,
                                  groups, dilation, 3, "conv_transpose3d")


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]
