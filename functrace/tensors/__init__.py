"""The PyTorch-style Tensor facade over the functrace engine.

Tensor operations bind the same primitives as :mod:`functrace.numpy`; the root
trace hands them to :mod:`._graph`, which records ``grad_fn`` nodes, and
``backward()`` runs the same backward pass as :func:`functrace.grad`.

>>> import functrace as ft
>>> w = ft.tensor([1.0, 2.0], requires_grad=True)
>>> loss = (w * w).sum()
>>> loss
tensor(5., grad_fn=<SumBackward0>)
>>> loss.backward()
>>> w.grad
tensor([2., 4.])

Deliberate differences from PyTorch (and why):

* dtypes are numpy dtypes (``ft.float32 == np.float32``; printed as
  ``functrace.float64``), and type promotion follows numpy: an int tensor
  divided by an int is float64, a 0-d float64 tensor promotes float32 ones,
  and mixing float32 and float64 in ``matmul`` promotes instead of raising.
* Random numbers come from numpy's PCG64 generator: the same seed gives other
  numbers than torch (distributions and initialisations are the same), but
  ``ft.manual_seed``/``ft.Generator`` make every random function, ``Dropout``,
  ``DataLoader`` shuffling and ``random_split`` reproducible.
* View-producing operations may return numpy views. Modifying such a view in
  place while gradients are recorded raises (functrace has no ``CopySlices``
  rebase of the base tensor); under ``no_grad`` the write goes through.
  ``detach()`` shares the version counter, views do not.
* Composites (``mean``, ``var``, ``softmax``, ``cross_entropy``, ...) are a
  few primitives each: their ``grad_fn`` carries PyTorch's name, but
  ``next_functions`` shows the inner nodes.
* Linear operations (view, sum, indexing, cat) keep their saved inputs, which
  only serve for shapes, until the graph is dropped, so backward twice through
  a purely linear graph works (as in torch, which saves only sizes there).
* In-place operations compute their result out of place and copy it into the
  tensor's buffer (so ``detach()``-ed aliases see it); nodes recorded by the
  in-place operation itself keep a copy of the old value they need.
* ``inference_mode`` is ``no_grad`` (there are no inference tensors), and
  the device is always the CPU: other devices raise where they are asked for,
  and ``ft.device("cpu") == "cpu"`` is True (False in torch).
"""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from ..numpy._methods import ARRAY_METHODS, _swap
from . import _ops, _shape
from ._engine import backward as _backward_fn  # noqa: F401
from ._device import (device, get_default_device, parse_to, set_default_device)
from ._device import check_device as _check_device
from ._factories import (DTYPE_ALIASES, arange, as_tensor, bool_, complex64, complex128,
                         double, empty, empty_like, eye, float16, float32, float64,
                         from_numpy, full, full_like, get_default_dtype, half, int8, int16,
                         int32, int64, linspace, logspace, long, ones, ones_like,
                         set_default_dtype, short, tensor, uint8, zeros, zeros_like)
from ._graph import AccumulateGrad, Node, relabel
from ._inplace import INPLACE_METHODS
from ._ops import *  # noqa: F401,F403
from ._ops import values_indices
from ._protocols import array_function, array_ufunc
from ._random import (Generator, bernoulli, default_generator, get_rng_state, initial_seed,
                      manual_seed, multinomial, normal, rand, rand_like, randint, randint_like,
                      randn, randn_like, randperm, seed, set_rng_state)
from ._shape import *  # noqa: F401,F403
from ._tensor import RemovableHandle, Size, Tensor

# elementwise math straight from functrace.numpy, under torch's names
exp, exp2, expm1, log, log2, log10, log1p = (fnp.exp, fnp.exp2, fnp.expm1, fnp.log, fnp.log2,
                                             fnp.log10, fnp.log1p)
sqrt, square, abs, absolute, sign, sgn = fnp.sqrt, fnp.square, fnp.abs, fnp.abs, fnp.sign, fnp.sign
sin, cos, tan, sinh, cosh, tanh = fnp.sin, fnp.cos, fnp.tan, fnp.sinh, fnp.cosh, fnp.tanh
asin, acos, atan, atan2 = fnp.arcsin, fnp.arccos, fnp.arctan, fnp.arctan2
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
asinh, acosh, atanh = fnp.arcsinh, fnp.arccosh, fnp.arctanh
floor, ceil, trunc, reciprocal = fnp.floor, fnp.ceil, fnp.trunc, fnp.reciprocal
maximum, minimum, fmax, fmin, hypot = fnp.maximum, fnp.minimum, fnp.fmax, fnp.fmin, fnp.hypot
isnan, isinf, isfinite = fnp.isnan, fnp.isinf, fnp.isfinite
logical_and, logical_or, logical_xor, logical_not = (fnp.logical_and, fnp.logical_or,
                                                     fnp.logical_xor, fnp.logical_not)
negative, subtract, multiply, divide, true_divide = _ops.neg, _ops.sub, _ops.mul, _ops.div, _ops.div
clip, greater, less, greater_equal, less_equal = _ops.clamp, _ops.gt, _ops.lt, _ops.ge, _ops.le
not_equal = _ops.ne


def round(input: Tensor, decimals: int = 0) -> Tensor:
    return fnp.round(input, decimals)


def numel(input: Tensor) -> int:
    return input.numel()


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def _bitwise(logical: object, bitwise: object) -> object:
    def op(self: Tensor, other: object) -> Tensor:
        if self.dtype == bool_ and getattr(other, "dtype", bool_) == bool_:
            return logical(self, other)
        return _ops._const(bitwise, self, other)
    return op


def _invert(self: Tensor) -> Tensor:
    return logical_not(self) if self.dtype == bool_ else _ops._const(np.invert, self)


def _cast(dtype: object):
    def method(self: Tensor) -> Tensor:
        return self.to(dtype)
    return method


def _to(self: Tensor, *args: object, **kwargs: object) -> Tensor:
    """``t.to(dtype)``, ``t.to(device)``, ``t.to(device, dtype)``, ``t.to(other)``: a cast,
    returning ``self`` when nothing changes unless ``copy=True`` (only the CPU is possible)."""
    dtype, copy = parse_to(args, kwargs, Tensor)
    if dtype is not None and self.dtype != dtype:
        return fnp.astype(self, dtype)
    return self.clone() if copy else self


def _cuda(self: object, *args: object, **kwargs: object) -> None:
    """``.cuda()``: refused, functrace has no CUDA backend."""
    _check_device("cuda")


def _type(self: Tensor, dtype: object = None) -> object:
    from ._engine import type_name
    if dtype is None:
        return type_name(self._data)
    return self.to(dtype)


_OPERATORS = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__matmul__",
              "__rmatmul__", "__neg__", "__pos__", "__abs__", "__lt__", "__le__", "__gt__",
              "__ge__", "__eq__", "__ne__", "__getitem__", "T"]

# Functions that are also Tensor methods. __all__ is built from list literals so that
# type checkers can read it (ft.tensor, ft.sum, ... in editors).
__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "rsqrt", "frac", "lerp", "clamp", "clip",
    "clamp_min", "clamp_max", "sigmoid", "relu", "logit", "erf", "softmax", "log_softmax",
    "logsumexp", "matmul", "mm", "bmm", "mv", "dot", "outer", "sum", "mean", "prod", "var",
    "std", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum", "cumprod", "norm",
    "dist", "trace", "eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal",
    "less_equal", "not_equal", "all", "any", "count_nonzero", "nonzero", "isclose", "allclose",
    "equal", "sort", "argsort", "topk", "exp", "exp2", "expm1", "log", "log2", "log10",
    "log1p", "sqrt", "square", "abs", "absolute", "sign", "sgn", "sin", "cos", "tan", "sinh",
    "cosh", "tanh", "asin", "acos", "atan", "atan2", "arcsin", "arccos", "arctan", "arctan2",
    "asinh", "acosh", "atanh", "floor", "ceil", "trunc", "reciprocal", "maximum", "minimum",
    "fmax", "fmin", "hypot", "isnan", "isinf", "isfinite", "logical_and", "logical_or",
    "logical_xor", "logical_not", "round", "flatten", "unflatten", "unsqueeze", "squeeze",
    "transpose", "swapaxes", "swapdims", "t", "narrow", "select", "split", "chunk", "unbind",
    "gather", "index_select", "masked_fill", "masked_select", "where", "tril", "triu",
    "diag", "diagonal", "clone", "roll", "repeat_interleave"]
_FUNCTION_METHODS = list(__all__)


def _install() -> None:
    g = globals()
    for name in _OPERATORS:
        setattr(Tensor, name, ARRAY_METHODS[name])
    for name in _FUNCTION_METHODS:
        setattr(Tensor, name, g[name])
    extra = {
        "view": _shape.view, "reshape": _shape.reshape_method, "permute": _shape.permute_method,
        "expand": _shape.expand, "expand_as": _shape.expand_as, "view_as": _shape.view_as,
        "reshape_as": _shape.reshape_as, "repeat": _shape.repeat, "flip": _shape.flip_method,
        "tile": _shape.tile_method, "to": _to, "type": _type, "float": _cast(float32),
        "double": _cast(float64), "half": _cast(float16), "long": _cast(int64),
        "int": _cast(int32), "bool": _cast(bool_), "contiguous": lambda self: self,
        "cpu": lambda self, memory_format=None: self, "cuda": _cuda, "rsub": _ops.rsub,
        "__rsub__": lambda self, other: relabel(fnp.subtract(other, self), "RsubBackward1",
                                                self),
        "__pow__": _ops.pow,
        "__rpow__": lambda self, other: relabel(fnp.power(other, self), "PowBackward2", self),
        "where": lambda self, condition, other: _shape.where(condition, self, other),
        "__floordiv__": _ops.floor_divide, "__rfloordiv__": _swap(_ops.floor_divide),
        "__mod__": _ops.remainder, "__rmod__": _swap(_ops.remainder),
        "__and__": _bitwise(logical_and, np.bitwise_and),
        "__or__": _bitwise(logical_or, np.bitwise_or),
        "__xor__": _bitwise(logical_xor, np.bitwise_xor),
        "__invert__": _invert, "__array_ufunc__": array_ufunc,
        "__array_function__": array_function,
    }
    for name, fn in {**extra, **INPLACE_METHODS}.items():
        setattr(Tensor, name, fn)


_install()

__all__ += [
    "Tensor", "Size", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty",
    "eye", "arange", "linspace", "logspace", "rand", "randn", "randint", "randperm", "normal",
    "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "Generator",
    "default_generator", "bernoulli", "multinomial", "randint_like", "device",
    "set_default_device", "get_default_device",
    "get_default_dtype", "set_default_dtype", "float16", "half", "float32",
    "float64", "double", "int8", "uint8", "int16", "short", "int32", "int64", "long",
    "complex64", "complex128", "cat", "concat", "concatenate", "stack", "hstack", "vstack",
    "reshape", "permute", "flip", "tile", "broadcast_to", "einsum", "rsub", "numel",
    "is_tensor"]
