"""Layer, group and RMS normalisation: ``F.layer_norm``, ``F.group_norm``, ``F.rms_norm``,
``nn.LayerNorm``, ``nn.GroupNorm``, ``nn.RMSNorm`` (batch norm is in :mod:`.normalization`).

Written with differentiable functrace ops (mean, variance, rsqrt), so they work
on Tensors and inside ``functrace.grad``/``vmap``, to any order.

>>> import functrace as ft
>>> ln = ft.nn.LayerNorm(3)
>>> ln
LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)
>>> [round(v, 4) for v in ln(ft.tensor([[1.0, 2.0, 3.0]]))[0].tolist()]
[-1.2247, 0.0, 1.2247]
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from .. import numpy as fnp
from ..core import concrete
from ..tensors._device import check_device
from ..tensors._factories import default_float, empty
from ..tensors._graph import relabel
from . import init
from .modules import Module, Parameter

Shape = Union[int, Sequence[int]]


def _normalized(x: Any, axes: tuple, eps: float) -> Any:
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (biased variance, as PyTorch)."""
    centred = x - fnp.mean(x, axis=axes, keepdims=True)
    var = fnp.mean(centred * centred, axis=axes, keepdims=True)
    return centred * fnp.reciprocal(fnp.sqrt(var + eps))


def _affine(out: Any, weight: Any, bias: Any) -> Any:
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _as_shape(normalized_shape: Shape) -> tuple:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def _check_trailing(input: Any, normalized_shape: Shape, weight: Any, bias: Any) -> tuple:
    """``normalized_shape`` as a tuple, checked against the input's trailing dimensions."""
    ns = _as_shape(normalized_shape)
    shape = tuple(np.shape(input))
    if len(ns) == 0 or shape[len(shape) - len(ns):] != ns or len(shape) < len(ns):
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size"
                           f"{list(shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(np.shape(p)) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(np.shape(p))} and normalized_shape "
                               f"= {list(ns)}")
    return ns


def layer_norm(input: Any, normalized_shape: Shape, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Any:
    """Normalise over the trailing dimensions ``normalized_shape``, then scale and shift.

    >>> import functrace as ft
    >>> y = ft.nn.functional.layer_norm(ft.tensor([[0.0, 2.0]]), (2,))
    >>> [round(v, 3) for v in y[0].tolist()]
    [-1.0, 1.0]
    """
    ns = _check_trailing(input, normalized_shape, weight, bias)
    out = _normalized(input, tuple(range(-len(ns), 0)), eps)
    return relabel(_affine(out, weight, bias), "NativeLayerNormBackward0", input)


def rms_norm(input: Any, normalized_shape: Shape, weight: Any = None,
             eps: Optional[float] = None) -> Any:
    """``input / sqrt(mean(input²) + eps)`` over the trailing ``normalized_shape`` dims,
    times ``weight``; ``eps`` defaults to the dtype's machine epsilon (as PyTorch)."""
    ns = _check_trailing(input, normalized_shape, weight, None)
    if eps is None:
        eps = float(np.finfo(np.result_type(concrete(input))).eps)
    axes = tuple(range(-len(ns), 0))
    out = input * fnp.reciprocal(fnp.sqrt(fnp.mean(input * input, axis=axes, keepdims=True)
                                          + eps))
    return out if weight is None else out * weight


def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Any:
    """Normalise each group of ``C / num_groups`` channels of an ``(N, C, *)`` input over
    the group's channels and all spatial positions, then scale and shift per channel."""
    shape = tuple(np.shape(input))
    if len(shape) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{len(shape)}")
    channels = shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(shape)} and "
                           f"num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(np.shape(p)) != (channels,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number "
                               f"of channels in input, but got {name} of shape "
                               f"{list(np.shape(p))} and input of shape {list(shape)}")
    grouped = fnp.reshape(input, (shape[0], num_groups, -1))
    out = fnp.reshape(_normalized(grouped, (2,), eps), shape)
    per_channel = (channels,) + (1,) * (len(shape) - 2)
    out = _affine(out, None if weight is None else fnp.reshape(weight, per_channel),
                  None if bias is None else fnp.reshape(bias, per_channel))
    return relabel(out, "NativeGroupNormBackward0", input)


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` dimensions, with a
    learned elementwise scale (ones) and shift (zeros) unless ``elementwise_affine=False``."""

    def __init__(self, normalized_shape: Shape, eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = dtype or default_float()
        if elementwise_affine:
            self.weight = Parameter(empty(*self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = Parameter(empty(*self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Any) -> Any:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation of ``(N, C, *)`` inputs with ``C`` divisible by ``num_groups``."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        check_device(device)
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        dtype = dtype or default_float()
        if affine:
            self.weight = Parameter(empty(num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(empty(num_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    reset_parameters = LayerNorm.reset_parameters

    def forward(self, input: Any) -> Any:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing ``normalized_shape`` dimensions,
    with a learned elementwise scale (ones) unless ``elementwise_affine=False``."""

    def __init__(self, normalized_shape: Shape, eps: Optional[float] = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(*self.normalized_shape,
                                          dtype=dtype or default_float()))
            init.ones_(self.weight)
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Any) -> Any:
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
