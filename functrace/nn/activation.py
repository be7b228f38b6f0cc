"""Activations: the functions of ``nn.functional`` and their modules (``nn.GELU``, ...).

Built from differentiable functrace ops, so they work on Tensors and inside
``functrace.grad``/``vmap`` alike. At a kink the derivative is PyTorch's
(``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``, ``hardtanh'`` is 0 on its
bounds): each piecewise function picks its branch with ``where``, whose
gradient follows the condition exactly. ``inplace=True`` writes the result
into a Tensor argument (as PyTorch); arrays and tracers are immutable, so for
them only the returned value carries the result.

>>> import functrace as ft
>>> ft.nn.Hardtanh()(ft.tensor([-2.0, 0.5, 3.0]))
tensor([-1.0000,  0.5000,  1.0000])
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Optional

import numpy as np

from .. import numpy as fnp
from .. import activations as S
from ..api import stop_gradient
from ..tensors import _ops
from ..tensors._factories import full
from ..tensors._graph import relabel
from ..tensors._inplace import check_inplace, commit
from ..tensors._tensor import Tensor, next_id
from . import init as nn_init
from .modules import Module, Parameter

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _apply(input: Any, inplace: bool, fn: Callable[[Any], Any], name: str) -> Any:
    """``fn(input)`` named ``name``; with ``inplace`` written back into a Tensor input."""
    if inplace and isinstance(input, Tensor):
        check_inplace(input)
        start = next_id()
        return commit(input, relabel(fn(input), name, input), start)
    return relabel(fn(input), name, input)


def _clamped(input: Any, lo: float, hi: float) -> Any:
    """``clip(input, lo, hi)`` with gradient 1 strictly inside and 0 on and beyond the bounds."""
    inside = fnp.logical_and(fnp.greater(input, lo), fnp.less(input, hi))
    return fnp.where(inside, input, fnp.clip(stop_gradient(input), lo, hi))


def relu(input: Any, inplace: bool = False) -> Any:
    """``max(input, 0)`` (derivative 0 at 0)."""
    return _apply(input, inplace, S.relu, "ReluBackward0")


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Any:
    """``clip(input, min_val, max_val)``; the gradient is 0 on the bounds, as in PyTorch."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(input, inplace, lambda x: _clamped(x, min_val, max_val), "HardtanhBackward0")


def relu6(input: Any, inplace: bool = False) -> Any:
    """``hardtanh(input, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    """``input`` where positive, ``negative_slope * input`` elsewhere."""
    return _apply(input, inplace,
                  lambda x: fnp.where(fnp.greater(x, 0.0), x, x * negative_slope),
                  "LeakyReluBackward0")


def _elu(x: Any, alpha: float, scale: float, input_scale: float) -> Any:
    positive = fnp.greater(x, 0.0)
    negative_part = fnp.where(positive, 0.0, x)          # keeps expm1 finite; d/dx = 1 at 0
    neg = fnp.expm1(negative_part * input_scale if input_scale != 1.0 else negative_part)
    out = fnp.where(positive, x, neg * alpha)
    return out * scale if scale != 1.0 else out


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """``input`` where positive, ``alpha * (exp(input) - 1)`` elsewhere."""
    return _apply(input, inplace, lambda x: _elu(x, alpha, 1.0, 1.0), "EluBackward0")


def selu(input: Any, inplace: bool = False) -> Any:
    """``scale * elu(input, alpha)`` with the self-normalising constants."""
    return _apply(input, inplace, lambda x: _elu(x, _SELU_ALPHA, _SELU_SCALE, 1.0),
                  "EluBackward0")


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _apply(input, inplace, lambda x: _elu(x, alpha, 1.0, 1.0 / alpha), "EluBackward0")


def gelu(input: Any, approximate: str = "none") -> Any:
    """``x * Phi(x)``; ``approximate="tanh"`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    return relabel(S.gelu(input, approximate=approximate), "GeluBackward0", input)


def silu(input: Any, inplace: bool = False) -> Any:
    """``x * sigmoid(x)`` (also called swish)."""
    return _apply(input, inplace, lambda x: x * S.sigmoid(x), "SiluBackward0")


def mish(input: Any, inplace: bool = False) -> Any:
    """``x * tanh(softplus(x))``."""
    return _apply(input, inplace, lambda x: x * fnp.tanh(S.softplus(x)), "MishBackward0")


def hardsigmoid(input: Any, inplace: bool = False) -> Any:
    """``clip(x / 6 + 1/2, 0, 1)`` (gradient 0 on the kinks, as in PyTorch)."""
    return _apply(input, inplace, lambda x: _clamped(x / 6.0 + 0.5, 0.0, 1.0),
                  "HardsigmoidBackward0")


def hardswish(input: Any, inplace: bool = False) -> Any:
    """``x * relu6(x + 3) / 6`` (gradient 0 at -3 and 1 at 3, as in PyTorch)."""
    def fn(x: Any) -> Any:
        middle = fnp.where(fnp.less(x, 3.0), x * (x + 3.0) / 6.0, x)
        return fnp.where(fnp.less_equal(x, -3.0), 0.0, middle)
    return _apply(input, inplace, fn, "HardswishBackward0")


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """``log(1 + exp(beta x)) / beta`` (linear above ``threshold``, as in PyTorch)."""
    scaled = input * beta if beta != 1.0 else input
    soft = S.softplus(scaled)
    if beta != 1.0:
        soft = soft / beta
    out = fnp.where(fnp.greater(scaled, threshold), input, soft)
    return relabel(out, "SoftplusBackward0", input)


def prelu(input: Any, weight: Any) -> Any:
    """``x`` where positive, ``weight * x`` elsewhere; ``weight`` has one value or one per
    channel (dimension 1)."""
    n = int(np.size(weight))
    shape = np.shape(input)
    if n != 1 and (len(shape) < 2 or shape[1] != n) and not (len(shape) == 1 and
                                                             shape[0] == n):
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = "
                           f"{shape[1] if len(shape) > 1 else (shape[0] if shape else 1)}.")
    w = weight
    if n != 1 and len(shape) > 1:
        w = fnp.reshape(weight, (n,) + (1,) * (len(shape) - 2))
    elif n == 1:
        w = fnp.reshape(weight, ())
    out = fnp.where(fnp.greater(input, 0.0), input, w * input)
    return relabel(out, "PreluKernelBackward0", input)


def logsigmoid(input: Any) -> Any:
    """``log(sigmoid(x))``, finite for very negative ``x``."""
    return relabel(S.log_sigmoid(input), "LogSigmoidBackward0", input)


def softsign(input: Any) -> Any:
    """``x / (1 + |x|)``."""
    return input / (fnp.abs(input) + 1.0)


def tanhshrink(input: Any) -> Any:
    """``x - tanh(x)``."""
    return input - fnp.tanh(input)


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Any, dim: Optional[int] = None, _stacklevel: int = 3,
            dtype: Any = None) -> Any:
    """Softmax along ``dim`` (PyTorch's implicit choice, with its warning, when None)."""
    if dim is None:
        dim = _softmax_dim("softmax", np.ndim(input))
    return _ops.softmax(input, dim, dtype)


def softmin(input: Any, dim: Optional[int] = None, _stacklevel: int = 3,
            dtype: Any = None) -> Any:
    """``softmax(-input)`` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", np.ndim(input))
    return _ops.softmax(-input, dim, dtype)


def log_softmax(input: Any, dim: Optional[int] = None, _stacklevel: int = 3,
                dtype: Any = None) -> Any:
    """``log(softmax(input))`` along ``dim``, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", np.ndim(input))
    return _ops.log_softmax(input, dim, dtype)


# -- modules ---------------------------------------------------------------------------------

def _inplace_repr(inplace: bool, lead: str = "") -> str:
    if not inplace:
        return lead
    return f"{lead}, inplace=True" if lead else "inplace=True"


class _Elementwise(Module):
    """An activation with an ``inplace`` flag and no other state."""

    _fn: Callable[..., Any]

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class _Stateless(Module):
    _fn: Callable[..., Any]

    def forward(self, input: Any) -> Any:
        return type(self)._fn(input)


class ReLU(_Elementwise):
    _fn = staticmethod(relu)


class ReLU6(_Elementwise):
    _fn = staticmethod(relu6)


class SiLU(_Elementwise):
    _fn = staticmethod(silu)


class Mish(_Elementwise):
    _fn = staticmethod(mish)


class Hardswish(_Elementwise):
    _fn = staticmethod(hardswish)

    def extra_repr(self) -> str:
        return ""


class Hardsigmoid(Hardswish):
    _fn = staticmethod(hardsigmoid)


class SELU(_Elementwise):
    _fn = staticmethod(selu)


class Sigmoid(_Stateless):
    _fn = staticmethod(_ops.sigmoid)


class Tanh(_Stateless):
    _fn = staticmethod(fnp.tanh)


class LogSigmoid(_Stateless):
    _fn = staticmethod(logsigmoid)


class Softsign(_Stateless):
    _fn = staticmethod(softsign)


class Tanhshrink(_Stateless):
    _fn = staticmethod(tanhshrink)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Any) -> Any:
        return gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError("min_val cannot be greater than max_val")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Any) -> Any:
        return hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"min_val={self.min_val}, max_val={self.max_val}")


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Any) -> Any:
        return leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"negative_slope={self.negative_slope}")


class ELU(Module):
    _fn = staticmethod(elu)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Any) -> Any:
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"alpha={self.alpha}")


class CELU(ELU):
    _fn = staticmethod(celu)


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Any) -> Any:
        return softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """``leaky_relu`` with a learned slope (one, or one per channel), initially ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(full((num_parameters,), init, dtype=dtype, device=device))

    def reset_parameters(self) -> None:
        nn_init.constant_(self.weight, self.init)

    def forward(self, input: Any) -> Any:
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmax(Module):
    _fn = staticmethod(softmax)

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Any:
        return type(self)._fn(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    _fn = staticmethod(log_softmax)


class Softmin(Softmax):
    _fn = staticmethod(softmin)


__all__ = ["relu", "relu6", "hardtanh", "leaky_relu", "elu", "selu", "celu", "gelu", "silu",
           "mish", "hardsigmoid", "hardswish", "softplus", "prelu", "logsigmoid", "softsign",
           "tanhshrink", "softmax", "softmin", "log_softmax", "ReLU", "ReLU6", "Hardtanh",
           "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Hardsigmoid",
           "Hardswish", "Softplus", "PReLU", "Sigmoid", "Tanh", "LogSigmoid", "Softsign",
           "Tanhshrink", "Softmax", "LogSoftmax", "Softmin"]
