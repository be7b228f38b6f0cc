"""torch-named pointwise math: arithmetic, rounding, clamping, activations.

Every function takes ``input`` first, so it serves both as ``ft.name(t, ...)``
and as the method ``t.name(...)`` (rows of :mod:`._names`). Composites get
PyTorch's ``grad_fn`` name with :func:`relabel` (``rsqrt`` is a reciprocal of a
square root, printed as ``RsqrtBackward0``). No derivative lives here; dtypes
follow torch's promotion (:mod:`._promotion`). Reductions are in
:mod:`._reduce`, products in :mod:`._products`, comparisons in :mod:`._compare`.
"""
from __future__ import annotations

import math
from collections import namedtuple
from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from .. import activations as S
from ..numpy import _scipy_special as _scipy_free   # erfc without scipy
from ._args import dim_index
from ._factories import default_float
from ._graph import relabel
from ._promotion import check_broadcast, result_type_of
from ._tensor import Tensor, make

values_indices = namedtuple("values_indices", ["values", "indices"])


def data_of(x: Any) -> Any:
    """The numpy value of a Tensor (other values as they are)."""
    return x._data if isinstance(x, Tensor) else x


def constant(value: Any) -> Tensor:
    """A Tensor outside the graph (a result with no derivative)."""
    return make(np.asarray(value), None, False)


def _name(name: str, other: Any, tensor_suffix: str = "1", number_suffix: str = "0") -> str:
    """torch's node for ``op(tensor, other)``: ``...Backward1`` for a tensor ``other``."""
    return name + "Backward" + (tensor_suffix if isinstance(other, Tensor) else number_suffix)


# -- arithmetic -------------------------------------------------------------------------

def add(input: Any, other: Any, *, alpha: Any = 1) -> Any:
    """``input + alpha * other``. Example: ``ft.add(x, 1.0)``."""
    return fnp.add(input, other if alpha == 1 else fnp.multiply(other, alpha))


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Any:
    """``input - alpha * other``."""
    return fnp.subtract(input, other if alpha == 1 else fnp.multiply(other, alpha))


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Any:
    """``other - alpha * input`` (also ``other - input`` as ``input.__rsub__(other)``)."""
    return relabel(sub(other, input, alpha=alpha), "RsubBackward1", input)


def mul(input: Any, other: Any) -> Any:
    return fnp.multiply(input, other)


def _integer_result(input: Any, other: Any) -> Optional[np.dtype]:
    """The dtype of ``input op other`` if it is an integer (or bool) one, else None."""
    dtype = result_type_of(input, other)
    return dtype if dtype.kind in "biu" else None


def _integer_division(input: Any, other: Any, dtype: np.dtype, fn: Any) -> Tensor:
    """``fn`` on integers in ``dtype`` (a constant), refusing division by zero as torch."""
    a = np.asarray(data_of(input)).astype(dtype, copy=False)
    b = np.asarray(data_of(other)).astype(dtype, copy=False)
    if not np.all(b):
        raise RuntimeError("ZeroDivisionError")
    return constant(fn(a, b).astype(dtype, copy=False))


def _trunc_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    q = np.floor_divide(a, b)
    return q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))


def div(input: Any, other: Any, *, rounding_mode: Optional[str] = None) -> Any:
    """``input / other``; ``rounding_mode`` "floor" or "trunc" rounds (zero gradient),
    and keeps integer dtypes."""
    if rounding_mode is None:
        return fnp.divide(input, other)
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    integer = _integer_result(input, other)
    if integer is not None:
        fn = np.floor_divide if rounding_mode == "floor" else _trunc_divide
        return _integer_division(input, other, integer, fn)
    q = fnp.divide(input, other)
    return relabel(fnp.floor(q) if rounding_mode == "floor" else fnp.trunc(q), "DivBackward2")


def floor_divide(input: Any, other: Any) -> Any:
    """``input // other`` (a constant, as torch has no derivative for it)."""
    out = div(input, other, rounding_mode="floor")
    return out.detach() if isinstance(out, Tensor) else out


def _modulus(input: Any, other: Any, quotient: Any, name: str) -> Any:
    """``input - quotient(input / other) * other``, the rounded quotient a constant (its
    derivative is zero), so the gradient is 1 for ``input`` and ``-quotient`` for
    ``other``, also where ``other`` is 0."""
    check_broadcast(input, other)
    integer = _integer_result(input, other)
    if integer is not None:
        fn = np.remainder if quotient is np.floor else np.fmod
        return _integer_division(input, other, integer, fn)
    dtype = result_type_of(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = quotient(np.true_divide(data_of(input), data_of(other))).astype(dtype, copy=False)
    return relabel(fnp.subtract(input, fnp.multiply(q, other)), _name(name, other))


def remainder(input: Any, other: Any) -> Any:
    """Python-style modulus ``input - floor(input / other) * other``."""
    return _modulus(input, other, np.floor, "Remainder")


def fmod(input: Any, other: Any) -> Any:
    """C-style modulus ``input - trunc(input / other) * other``."""
    return _modulus(input, other, np.trunc, "Fmod")


def pow(input: Any, exponent: Any) -> Any:
    """``input ** exponent``. Example: ``ft.pow(x, 2)``.

    As in PyTorch the node is ``PowBackward0`` for a number exponent and
    ``PowBackward1`` for a tensor exponent; an integer tensor to a negative
    integer number is refused, and to negative elements of an integer tensor
    gives 0 (or +-1 for a base of +-1).
    """
    integer = _integer_result(input, exponent)
    if integer is not None and not isinstance(exponent, bool):
        if isinstance(exponent, (int, np.integer)) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(exponent, Tensor) and np.any(exponent._data < 0):
            return constant(_integer_power(data_of(input), exponent._data, integer))
    out = fnp.power(input, exponent)
    return relabel(out, "PowBackward1", input, exponent) if isinstance(exponent, Tensor) else out


def _integer_power(base: Any, exponent: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """torch's integer power with negative exponents: ``1 / base**-e`` truncated."""
    base, exponent = np.broadcast_arrays(np.asarray(base, dtype), exponent.astype(dtype))
    out = np.power(base, np.abs(exponent))
    odd = exponent % 2 != 0
    inverse = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
    return np.where(exponent < 0, inverse, out).astype(dtype)


def rpow(input: Any, other: Any) -> Any:
    """``other ** input`` (``input.__rpow__(other)``)."""
    return relabel(pow(other, input), "PowBackward2", input)


def float_power(input: Any, exponent: Any) -> Any:
    """``input ** exponent`` computed in float64."""
    return fnp.power(fnp.astype(input, np.float64),
                     fnp.astype(exponent, np.float64) if isinstance(exponent, Tensor)
                     else float(exponent))


def neg(input: Any) -> Any:
    return fnp.negative(input)


def pos(input: Any) -> Any:
    """``+input``: the tensor itself (refused for bool, as torch)."""
    if isinstance(input, Tensor) and input.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# -- rounding: zero gradients, integer dtypes kept ----------------------------------------

def _rounding(fn: Any, node: str) -> Any:
    def op(input: Any) -> Any:
        if isinstance(input, Tensor) and input.dtype.kind in "biu":
            return input.clone()
        return relabel(fn(input), node)
    op.__name__ = fn.__name__
    op.__doc__ = f"``{fn.__name__}`` elementwise; its gradient is zero (a copy for integers)."
    return op


floor = _rounding(fnp.floor, "FloorBackward0")
ceil = _rounding(fnp.ceil, "CeilBackward0")
trunc = _rounding(fnp.trunc, "TruncBackward0")


def sign(input: Any) -> Any:
    """-1, 0 or 1 elementwise (zero gradient); booleans stay booleans."""
    if isinstance(input, Tensor) and input.dtype == np.bool_:
        return input.clone()
    return relabel(fnp.sign(input), "SignBackward0")


def sgn(input: Any) -> Any:
    """The sign of real numbers (:func:`sign`); torch's name for it on complex numbers."""
    return relabel(sign(input), "SgnBackward0")


def round(input: Any, decimals: int = 0) -> Any:
    """Round half to even, to ``decimals`` places (zero gradient)."""
    if isinstance(input, Tensor) and input.dtype.kind in "biu":
        return input.clone()
    return relabel(fnp.round(input, decimals), "RoundBackward1" if decimals else "RoundBackward0")


def frac(input: Any) -> Any:
    return relabel(fnp.subtract(input, fnp.trunc(input)), "FracBackward0")


def rsqrt(input: Any) -> Any:
    return relabel(fnp.reciprocal(fnp.sqrt(input)), "RsqrtBackward0")


# -- two-argument functions ---------------------------------------------------------------

def _as_float(input: Any, *others: Any) -> Any:
    """``input`` cast to the default float when ``input op others`` would be an integer."""
    if result_type_of(input, *others).kind in "biu":
        return fnp.astype(input, default_float())
    return input


def copysign(input: Any, other: Any) -> Any:
    """``|input|`` with the sign (bit) of ``other``; no gradient flows to ``other``."""
    x = _as_float(input, other)
    if not isinstance(other, Tensor):
        return relabel(fnp.abs(x) * math.copysign(1.0, other), "CopysignBackward1")
    o = _as_float(other, input)
    bits = np.where(np.signbit(o._data), -1.0, 1.0).astype(o.dtype)
    special = (o._data == 0) | np.isnan(o._data)
    sign_ = fnp.where(special, bits, fnp.sign(o)) if special.any() else fnp.sign(o)
    return relabel(fnp.abs(x) * sign_, "CopysignBackward0")


def logaddexp(input: Any, other: Any) -> Any:
    """``log(exp(input) + exp(other))``, computed stably."""
    return fnp.logaddexp(input, other)


def _common_float(input: Any, other: Any) -> tuple:
    """``input`` and ``other`` cast to the floating dtype torch computes ``op(input, other)``
    in (the default float for integers)."""
    dtype = result_type_of(input, other)
    if dtype.kind not in "fc":
        dtype = default_float()
    cast = [fnp.astype(v, dtype) if isinstance(v, Tensor) and v.dtype != dtype else v
            for v in (input, other)]
    return cast[0], cast[1]


def logaddexp2(input: Any, other: Any) -> Any:
    """``log2(2**input + 2**other)``, computed stably."""
    ln2 = math.log(2.0)
    a, b = _common_float(input, other)
    return relabel(fnp.logaddexp(a * ln2, b * ln2) / ln2, "Logaddexp2Backward0")


def xlogy(input: Any, other: Any) -> Any:
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN)."""
    from ..scipy import special as fsp      # (imports scipy: not at ``import functrace``)
    out = fsp.xlogy(input, other)
    if not isinstance(input, Tensor):
        return relabel(out, "XlogyBackward1")
    return relabel(out, _name("Xlogy", other, "0", "2"))


def lerp(input: Any, end: Any, weight: Any) -> Any:
    """``input + weight * (end - input)``; ``weight`` a number or a tensor."""
    return relabel(input + weight * (end - input), _name("Lerp", weight), input, end)


def nan_to_num(input: Any, nan: float = 0.0, posinf: Optional[float] = None,
               neginf: Optional[float] = None) -> Any:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's
    largest and lowest values by default); the gradient is zero there."""
    data = data_of(input)
    if np.result_type(data).kind not in "fc":
        return input.clone() if isinstance(input, Tensor) else input
    info = np.finfo(np.result_type(data))
    out = fnp.where(np.isnan(data), nan, input)
    out = fnp.where(np.isposinf(data), info.max if posinf is None else posinf, out)
    out = fnp.where(np.isneginf(data), info.min if neginf is None else neginf, out)
    return relabel(out, "NanToNumBackward0", input)


def hypot(input: Any, other: Any) -> Any:
    return fnp.hypot(input, other)


def atan2(input: Any, other: Any) -> Any:
    return fnp.arctan2(input, other)


# -- clamping ---------------------------------------------------------------------------------

def _no_bound(dtype: np.dtype, low: bool) -> Any:
    """The bound that clips nothing in ``dtype``."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return int(info.min if low else info.max)
    return -math.inf if low else math.inf


def clamp(input: Any, min: Any = None, max: Any = None) -> Any:
    """Clip to ``[min, max]``; at a bound the gradient flows to ``input``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    dtype = result_type_of(input, *(b for b in (min, max) if b is not None))
    lo = _no_bound(dtype, True) if min is None else min
    hi = _no_bound(dtype, False) if max is None else max
    out = fnp.clip(input, lo, hi)
    tensors = isinstance(min, Tensor) or isinstance(max, Tensor)
    return relabel(out, "ClampBackward0") if tensors else out


def clamp_min(input: Any, min: Any) -> Any:
    return relabel(clamp(input, min=min), _name("ClampMin", min))


def clamp_max(input: Any, max: Any) -> Any:
    return relabel(clamp(input, max=max), _name("ClampMax", max))


# -- activations --------------------------------------------------------------------------

def sigmoid(input: Any) -> Any:
    """The logistic function (stable). Example: ``ft.sigmoid(ft.zeros(1))``."""
    return relabel(S.sigmoid(input), "SigmoidBackward0", input)


def relu(input: Any) -> Any:
    """``max(input, 0)`` with derivative 0 at 0."""
    if isinstance(input, Tensor) and input.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return relabel(S.relu(input), "ReluBackward0", input)


def logit(input: Any, eps: Optional[float] = None) -> Any:
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    x = _as_float(input)
    p = x if eps is None else fnp.clip(x, eps, 1.0 - eps)
    return relabel(fnp.log(p) - fnp.log1p(-p), "LogitBackward0")


def erf(input: Any) -> Any:
    return S.erf(input)


def erfc(input: Any) -> Any:
    return _scipy_free.erfc(input)


def erfinv(input: Any) -> Any:
    from ..scipy import special as fsp      # (imports scipy: not at ``import functrace``)
    return fsp.erfinv(input)


def _softmax_axis(input: Any, dim: Any) -> int:
    return dim_index(dim, np.ndim(input))


def softmax(input: Any, dim: int, dtype: Any = None) -> Any:
    """Softmax along ``dim``. Example: ``ft.softmax(x, dim=-1)``."""
    if dtype is not None:
        input = fnp.astype(input, dtype)
    if np.ndim(input) == 0:
        return relabel(fnp.exp(input - input), "SoftmaxBackward0", input)
    return relabel(S.softmax(input, axis=_softmax_axis(input, dim)), "SoftmaxBackward0",
                   input)


def log_softmax(input: Any, dim: int, dtype: Any = None) -> Any:
    """``log(softmax(input))`` along ``dim``, computed stably."""
    if dtype is not None:
        input = fnp.astype(input, dtype)
    if np.ndim(input) == 0:
        return relabel(input - input, "LogSoftmaxBackward0", input)
    return relabel(S.log_softmax(input, axis=_softmax_axis(input, dim)),
                   "LogSoftmaxBackward0", input)
