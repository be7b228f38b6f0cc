"""torch-named math and reductions, each a thin wrapper over ``functrace.numpy``.

Every function takes ``input`` first, so it serves both as ``ft.name(t, ...)``
and as the method ``t.name(...)`` (installed in :mod:`functrace.tensors`).
Composites get PyTorch's ``grad_fn`` name with :func:`relabel` (``mean`` is a
sum and a division, printed as ``MeanBackward0``). No derivative lives here.
"""
from __future__ import annotations

import math
import warnings
from collections import namedtuple
from typing import Any, Optional, Union

import numpy as np

from .. import numpy as fnp
from .. import activations as S
from ..numpy import _reductions as R
from ..numpy import linalg as fla
from ._graph import relabel
from ._tensor import Tensor, make

Dim = Optional[Union[int, tuple, list]]
values_indices = namedtuple("values_indices", ["values", "indices"])


def _axis(dim: Dim) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


def _const(fn: Any, *args: Any, **kwargs: Any) -> Tensor:
    """A non-differentiable result computed on the data (``any``, ``allclose``, ...)."""
    raw = [a._data if isinstance(a, Tensor) else a for a in args]
    return make(np.asarray(fn(*raw, **kwargs)), None, False)


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


def div(input: Any, other: Any, *, rounding_mode: Optional[str] = None) -> Any:
    """``input / other``; ``rounding_mode`` "floor" or "trunc" gives a constant."""
    if rounding_mode is None:
        return fnp.divide(input, other)
    if rounding_mode == "floor":
        return fnp.floor(fnp.divide(input, other))
    if rounding_mode == "trunc":
        return fnp.trunc(fnp.divide(input, other))
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                     f"but found '{rounding_mode}'")


def floor_divide(input: Any, other: Any) -> Any:
    return div(input, other, rounding_mode="floor")


def _by_other(name: str, other: Any) -> str:
    """torch's node for ``op(tensor, other)``: ``...Backward1`` for a tensor ``other``."""
    return name + ("Backward1" if isinstance(other, Tensor) else "Backward0")


def remainder(input: Any, other: Any) -> Any:
    """Python-style modulus ``input - floor(input / other) * other``."""
    out = fnp.subtract(input, fnp.multiply(floor_divide(input, other), other))
    return relabel(out, _by_other("Remainder", other))


def fmod(input: Any, other: Any) -> Any:
    """C-style modulus ``input - trunc(input / other) * other``."""
    out = fnp.subtract(input, fnp.multiply(div(input, other, rounding_mode="trunc"), other))
    return relabel(out, _by_other("Fmod", other))


def pow(input: Any, exponent: Any) -> Any:
    """``input ** exponent``. Example: ``ft.pow(x, 2)``.

    As in PyTorch the node is ``PowBackward0`` for a number exponent and
    ``PowBackward1`` for a tensor exponent.
    """
    out = fnp.power(input, exponent)
    return relabel(out, "PowBackward1", input, exponent) if isinstance(exponent, Tensor) else out


def rpow(input: Any, other: Any) -> Any:
    """``other ** input`` (``input.__rpow__(other)``)."""
    return relabel(fnp.power(other, input), "PowBackward2", input)


def neg(input: Any) -> Any:
    return fnp.negative(input)


def round(input: Any, decimals: int = 0) -> Any:
    """Round half to even, to ``decimals`` places (a constant: no gradient flows)."""
    return fnp.round(input, decimals)


def rsqrt(input: Any) -> Any:
    return relabel(fnp.reciprocal(fnp.sqrt(input)), "RsqrtBackward0")


def frac(input: Any) -> Any:
    return relabel(fnp.subtract(input, fnp.trunc(input)), "FracBackward0")


def lerp(input: Any, end: Any, weight: Any) -> Any:
    """``input + weight * (end - input)``."""
    return relabel(input + weight * (end - input), "LerpBackward0", input, end)


def clamp(input: Any, min: Any = None, max: Any = None) -> Any:
    """Clip to ``[min, max]``; at a bound the gradient flows to ``input``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    out = fnp.clip(input, min, max)
    tensors = isinstance(min, Tensor) or isinstance(max, Tensor)
    return relabel(out, "ClampBackward0") if tensors else out


def clamp_min(input: Any, min: Any) -> Any:
    return relabel(clamp(input, min=min), "ClampMinBackward0")


def clamp_max(input: Any, max: Any) -> Any:
    return relabel(clamp(input, max=max), "ClampMaxBackward0")


def sigmoid(input: Any) -> Any:
    """The logistic function (stable). Example: ``ft.sigmoid(ft.zeros(1))``."""
    return relabel(S.sigmoid(input), "SigmoidBackward0", input)


def relu(input: Any) -> Any:
    """``max(input, 0)`` with derivative 0 at 0."""
    return relabel(S.relu(input), "ReluBackward0", input)


def logit(input: Any) -> Any:
    return relabel(fnp.log(input) - fnp.log1p(-input), "LogitBackward0")


def erf(input: Any) -> Any:
    return S.erf(input)


def softmax(input: Any, dim: Optional[int] = None, dtype: Any = None) -> Any:
    """Softmax along ``dim``. Example: ``ft.softmax(x, dim=-1)``."""
    if dtype is not None:
        input = fnp.astype(input, dtype)
    return relabel(S.softmax(input, axis=-1 if dim is None else dim), "SoftmaxBackward0",
                   input)


def log_softmax(input: Any, dim: Optional[int] = None, dtype: Any = None) -> Any:
    """``log(softmax(input))`` along ``dim``, computed stably."""
    if dtype is not None:
        input = fnp.astype(input, dtype)
    return relabel(S.log_softmax(input, axis=-1 if dim is None else dim),
                   "LogSoftmaxBackward0", input)


def logsumexp(input: Any, dim: Dim = None, keepdim: bool = False) -> Any:
    """``log(sum(exp(input)))`` along ``dim``, computed stably."""
    return S.logsumexp(input, axis=_axis(dim), keepdims=keepdim)


def matmul(input: Any, other: Any) -> Any:
    """Matrix product with ``@`` semantics (1-D, 2-D and batched)."""
    return fnp.matmul(input, other)


def mm(input: Any, mat2: Any) -> Any:
    if np.ndim(input) != 2 or np.ndim(mat2) != 2:
        raise RuntimeError("mm: both arguments must be 2-D matrices")
    return fnp.matmul(input, mat2)


def bmm(input: Any, mat2: Any) -> Any:
    if np.ndim(input) != 3 or np.ndim(mat2) != 3:
        raise RuntimeError("bmm: both arguments must be 3-D tensors")
    return relabel(fnp.matmul(input, mat2), "BmmBackward0")


def mv(input: Any, vec: Any) -> Any:
    return relabel(fnp.matmul(input, vec), "MvBackward0")


def dot(input: Any, other: Any) -> Any:
    """Inner product of two 1-D tensors."""
    if np.ndim(input) != 1 or np.ndim(other) != 1:
        raise RuntimeError("1D tensors expected, but got other shapes")
    return relabel(fnp.matmul(input, other), "DotBackward0")


def outer(input: Any, vec2: Any) -> Any:
    return fnp.outer(input, vec2)


def einsum(equation: str, *operands: Any) -> Any:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return fnp.einsum(equation, *operands)


# -- reductions -------------------------------------------------------------------------

def sum(input: Any, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Sum over ``dim`` (all elements by default). Example: ``x.sum(dim=1, keepdim=True)``."""
    out = fnp.sum(input, axis=_axis(dim), keepdims=keepdim, dtype=dtype)
    return out if dim is None else relabel(out, "SumBackward1", input)


def mean(input: Any, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Mean over ``dim`` (all elements by default); floating-point input only."""
    kind = np.result_type(dtype if dtype is not None else input).kind
    if kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: {np.result_type(input)}")
    out = fnp.mean(input, axis=_axis(dim), keepdims=keepdim, dtype=dtype)
    return relabel(out, "MeanBackward0" if dim is None else "MeanBackward1", input)


def prod(input: Any, dim: Optional[int] = None, keepdim: bool = False, *,
         dtype: Any = None) -> Any:
    out = fnp.prod(input, axis=dim, keepdims=keepdim, dtype=dtype)
    return out if dim is None else relabel(out, "ProdBackward1", input)


def _correction(unbiased: Optional[bool], correction: Optional[int]) -> int:
    if correction is not None:
        return int(correction)
    return 0 if unbiased is False else 1


def _variance(name: str, input: Any, dim: Dim, unbiased: Optional[bool], keepdim: bool,
              correction: Optional[int], root: bool = False) -> Any:
    """``fnp.var`` with PyTorch's warning (not numpy's) when no degrees of freedom remain."""
    ddof = _correction(unbiased, correction)
    axes = R.normalize_axes(_axis(dim), np.ndim(input))
    if int(np.prod([np.shape(input)[a] for a in axes])) - ddof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return R.variance(input, axes, None, ddof, keepdim, root)


def var(input: Any, dim: Dim = None, unbiased: Optional[bool] = None, keepdim: bool = False,
        *, correction: Optional[int] = None) -> Any:
    """Variance with Bessel's correction by default (``correction=1``), as in PyTorch."""
    out = _variance("var", input, dim, unbiased, keepdim, correction)
    return relabel(out, "VarBackward0", input)


def std(input: Any, dim: Dim = None, unbiased: Optional[bool] = None, keepdim: bool = False,
        *, correction: Optional[int] = None) -> Any:
    """Standard deviation with ``correction=1`` by default, as in PyTorch."""
    out = _variance("std", input, dim, unbiased, keepdim, correction, root=True)
    return relabel(out, "StdBackward0", input)


def _extremum(input: Any, dim: Any, keepdim: bool, reduce: Any, arg: Any, pair: Any,
              name: str) -> Any:
    if isinstance(dim, Tensor):                     # torch.max(a, b)
        return pair(input, dim)
    if dim is None:
        return reduce(input)
    idx = arg(input, axis=dim, keepdims=True)
    values = fnp.take_along_axis(input, idx, axis=dim)
    if not keepdim:
        values = fnp.squeeze(values, axis=dim)
        idx = fnp.squeeze(idx, axis=dim)
    return values_indices(relabel(values, name, input), idx)


def max(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """``max(x)``: largest value (ties share the gradient); ``max(x, dim)``:
    ``(values, indices)`` (the gradient goes to the index); ``max(x, y)``: ``maximum``."""
    return _extremum(input, dim, keepdim, fnp.max, fnp.argmax, fnp.maximum, "MaxBackward0")


def min(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """Like :func:`max` for the smallest values."""
    return _extremum(input, dim, keepdim, fnp.min, fnp.argmin, fnp.minimum, "MinBackward0")


def amax(input: Any, dim: Dim = (), keepdim: bool = False) -> Any:
    """Largest values over ``dim`` (all by default); ties share the gradient."""
    return relabel(fnp.max(input, axis=_axis(dim) or None, keepdims=keepdim),
                   "AmaxBackward0", input)


def amin(input: Any, dim: Dim = (), keepdim: bool = False) -> Any:
    return relabel(fnp.min(input, axis=_axis(dim) or None, keepdims=keepdim),
                   "AminBackward0", input)


def argmax(input: Any, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    return fnp.argmax(input, axis=dim, keepdims=keepdim)


def argmin(input: Any, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    return fnp.argmin(input, axis=dim, keepdims=keepdim)


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Any:
    return fnp.cumsum(input, axis=dim, dtype=dtype)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Any:
    if dtype is not None:
        input = fnp.astype(input, dtype)
    return fnp.cumprod(input, axis=dim)


def norm(input: Any, p: Any = "fro", dim: Dim = None, keepdim: bool = False) -> Any:
    """Vector/Frobenius norms: ``p`` = 2/"fro" (default), 1, inf, or any positive number."""
    axis = _axis(dim)
    if p in ("fro", 2, 2.0, None):
        return relabel(fla.norm(input, axis=axis, keepdims=keepdim),
                       "LinalgVectorNormBackward0", input)
    a = fnp.abs(input)
    if p == 1:
        return fnp.sum(a, axis=axis, keepdims=keepdim)
    if p == math.inf:
        return fnp.max(a, axis=axis, keepdims=keepdim)
    return fnp.sum(a ** p, axis=axis, keepdims=keepdim) ** (1.0 / p)


def dist(input: Any, other: Any, p: float = 2) -> Any:
    return relabel(norm(input - other, p=p), "DistBackward0")


def trace(input: Any) -> Any:
    return relabel(fnp.trace(input), "TraceBackward0")


# -- constants: comparisons and tests ---------------------------------------------------

def eq(input: Any, other: Any) -> Any:
    return fnp.equal(input, other)


def ne(input: Any, other: Any) -> Any:
    return fnp.not_equal(input, other)


def lt(input: Any, other: Any) -> Any:
    return fnp.less(input, other)


def le(input: Any, other: Any) -> Any:
    return fnp.less_equal(input, other)


def gt(input: Any, other: Any) -> Any:
    return fnp.greater(input, other)


def ge(input: Any, other: Any) -> Any:
    return fnp.greater_equal(input, other)


def _bitwise(logical: Any, bitwise: Any) -> Any:
    def op(input: Tensor, other: Any) -> Tensor:
        if input.dtype == np.bool_ and getattr(other, "dtype", np.bool_) == np.bool_:
            return logical(input, other)
        return _const(bitwise, input, other)
    op.__name__ = bitwise.__name__
    op.__doc__ = f"``{bitwise.__name__}``; on two bool tensors the same as ``{logical.__name__}``."
    return op


bitwise_and = _bitwise(fnp.logical_and, np.bitwise_and)
bitwise_or = _bitwise(fnp.logical_or, np.bitwise_or)
bitwise_xor = _bitwise(fnp.logical_xor, np.bitwise_xor)


def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: logical not of a bool tensor, bitwise not of an integer one."""
    return fnp.logical_not(input) if input.dtype == np.bool_ else _const(np.invert, input)


def all(input: Any, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    return _const(np.all, input, axis=dim, keepdims=keepdim)


def any(input: Any, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    return _const(np.any, input, axis=dim, keepdims=keepdim)


def count_nonzero(input: Any, dim: Optional[int] = None) -> Tensor:
    return _const(np.count_nonzero, input, axis=dim)


def nonzero(input: Any, as_tuple: bool = False) -> Any:
    idx = np.nonzero(input._data)
    if as_tuple:
        return tuple(make(i, None, False) for i in idx)
    return make(np.stack(idx, axis=-1), None, False)


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    return _const(np.isclose, input, other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close (a Python bool)."""
    return bool(_const(np.allclose, input, other, rtol=rtol, atol=atol,
                       equal_nan=equal_nan)._data)


def equal(input: Any, other: Any) -> bool:
    """Same shape and same values (a Python bool)."""
    return bool(_const(np.array_equal, input, other)._data)


def numel(input: Tensor) -> int:
    """The number of elements."""
    return input.numel()


def is_tensor(obj: object) -> bool:
    """Whether ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)


def sort(input: Any, dim: int = -1, descending: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim``; the gradient follows the permutation."""
    idx = fnp.argsort(input, axis=dim)
    if descending:
        idx = fnp.flip(idx, axis=dim)
    values = relabel(fnp.take_along_axis(input, idx, axis=dim), "SortBackward0", input)
    return values_indices(values, idx)


def argsort(input: Any, dim: int = -1, descending: bool = False) -> Any:
    return sort(input, dim, descending).indices


def topk(input: Any, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> Any:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    values, idx = sort(input, dim, descending=largest)
    sl = (slice(None),) * (dim % np.ndim(input)) + (slice(0, k),)
    return values_indices(relabel(values[sl], "TopkBackward0", values), idx[sl])
