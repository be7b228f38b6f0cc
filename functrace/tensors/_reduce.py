"""torch-named reductions: sum, mean, var, max, amax, norm, ... over ``dim``.

``dim`` is None (every dimension), an int, or a tuple or list of ints, negative
ones counting from the end; a 0-d tensor takes ``dim=0`` and ``dim=-1``
(:func:`._args.dims`). ``axis=``/``keepdims=`` are accepted as aliases (the
name table wraps every function). No derivative lives here.
"""
from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple
from typing import Any, Optional, Union

import numpy as np

from .. import numpy as fnp
from .. import activations as S
from ..numpy import _reductions as R
from ..numpy import linalg as fla
from ..primitives.reductions import reduce_mean_p
from ..tape import ndim_of, shape_of
from ._args import dim_index, dims
from ._graph import relabel
from ._ops import constant, data_of, values_indices

Dim = Optional[Union[int, tuple, list]]
aminmax_result = namedtuple("aminmax", ["min", "max"])


def _reduced_shape(input: Any, axes: tuple, keepdim: bool) -> tuple:
    shape = shape_of(input)
    if keepdim:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def sum(input: Any, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Sum over ``dim`` (all elements by default). Example: ``x.sum(dim=1, keepdim=True)``."""
    out = R.sum_over(input, dims(dim, ndim_of(input)), dtype, keepdim)
    return out if dim is None else relabel(out, "SumBackward1", input)


def nansum(input: Any, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Sum treating NaN as zero (their gradient is zero)."""
    clean = fnp.where(np.isnan(data_of(input)), 0, input)
    return relabel(sum(clean, dim, keepdim, dtype=dtype), "NansumBackward0", input)


def _check_float(name: str, input: Any, dtype: Any) -> None:
    kind = np.result_type(dtype if dtype is not None else data_of(input)).kind
    if kind not in "fc":
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: "
                           f"{np.result_type(data_of(input))}")


def mean(input: Any, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Mean over ``dim`` (all elements by default); floating-point input only."""
    _check_float("mean", input, dtype)
    if dtype is not None:
        input = fnp.astype(input, dtype)
    out = reduce_mean_p.bind(input, axes=dims(dim, ndim_of(input)), keepdims=bool(keepdim))
    return out if dim is None else relabel(out, "MeanBackward1", input)


def nanmean(input: Any, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Mean of the values that are not NaN."""
    _check_float("nanmean", input, dtype)
    count = (~np.isnan(data_of(input))).sum(axis=dims(dim, ndim_of(input)), keepdims=keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


def prod(input: Any, dim: Optional[int] = None, keepdim: bool = False, *,
         dtype: Any = None) -> Any:
    """Product of all elements, or along the int ``dim``."""
    if dim is None:
        if dtype is not None:
            input = fnp.astype(input, dtype)
        return fnp.prod(input)
    axis = dims(dim_index(dim, ndim_of(input)), ndim_of(input))
    if dtype is not None:
        input = fnp.astype(input, dtype)
    return relabel(fnp.prod(input, axis=axis, keepdims=keepdim), "ProdBackward1", input)


def _correction(unbiased: Optional[bool], correction: Optional[float]) -> float:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _variance(name: str, input: Any, dim: Any, unbiased: Optional[bool], keepdim: bool,
              correction: Optional[float], root: bool) -> Any:
    """``fnp.var`` with PyTorch's warning (not numpy's) when no degrees of freedom remain."""
    if isinstance(dim, bool):                      # the legacy x.var(False): unbiased
        dim, unbiased = None, dim
    ddof = _correction(unbiased, correction)
    axes = dims(dim, ndim_of(input))
    _check_float(name, input, None)
    if int(np.prod([shape_of(input)[a] for a in axes], dtype=np.int64)) - ddof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)
    return R.variance(input, axes, None, ddof, keepdim, root)


def var(input: Any, dim: Any = None, unbiased: Optional[bool] = None, keepdim: bool = False,
        *, correction: Optional[float] = None) -> Any:
    """Variance with Bessel's correction by default (``correction=1``), as in PyTorch."""
    out = _variance("var", input, dim, unbiased, keepdim, correction, root=False)
    return relabel(out, "VarBackward0", input)


def std(input: Any, dim: Any = None, unbiased: Optional[bool] = None, keepdim: bool = False,
        *, correction: Optional[float] = None) -> Any:
    """Standard deviation with ``correction=1`` by default, as in PyTorch."""
    out = _variance("std", input, dim, unbiased, keepdim, correction, root=True)
    return relabel(out, "StdBackward0", input)


def var_mean(input: Any, dim: Any = None, unbiased: Optional[bool] = None,
             keepdim: bool = False, *, correction: Optional[float] = None) -> tuple:
    """``(var, mean)`` over ``dim``."""
    v = var(input, dim, unbiased, keepdim, correction=correction)
    m = mean(input, None if isinstance(dim, bool) else dim, keepdim)
    return relabel(v, "VarMeanBackward0", input), m


def std_mean(input: Any, dim: Any = None, unbiased: Optional[bool] = None,
             keepdim: bool = False, *, correction: Optional[float] = None) -> tuple:
    """``(std, mean)`` over ``dim``."""
    s = std(input, dim, unbiased, keepdim, correction=correction)
    m = mean(input, None if isinstance(dim, bool) else dim, keepdim)
    return relabel(s, "StdMeanBackward0", input), m


# -- extrema ------------------------------------------------------------------------------

def _extremum(input: Any, dim: Any, keepdim: bool, which: str) -> Any:
    reduce, arg, pair = ((fnp.max, fnp.argmax, fnp.maximum) if which == "max"
                         else (fnp.min, fnp.argmin, fnp.minimum))
    if hasattr(dim, "_data"):                                  # torch.max(a, b)
        return pair(input, dim)
    if dim is None:
        if np.size(data_of(input)) == 0:
            raise RuntimeError(f"{which}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return reduce(input)
    d = dim_index(dim, ndim_of(input))
    if ndim_of(input) == 0:
        return values_indices(relabel(input * 1, f"{which.capitalize()}Backward0", input),
                              constant(np.int64(0)))
    if shape_of(input)[d] == 0:
        raise IndexError(f"{which}(): Expected reduction dim {d} to have non-zero size.")
    idx = arg(input, axis=d, keepdims=True)
    values = fnp.take_along_axis(input, idx, axis=d)
    if not keepdim:
        values = fnp.squeeze(values, axis=d)
        idx = fnp.squeeze(idx, axis=d)
    return values_indices(relabel(values, f"{which.capitalize()}Backward0", input), idx)


def max(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """``max(x)``: largest value (ties share the gradient); ``max(x, dim)``:
    ``(values, indices)`` (the gradient goes to the index); ``max(x, y)``: ``maximum``."""
    return _extremum(input, dim, keepdim, "max")


def min(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """Like :func:`max` for the smallest values."""
    return _extremum(input, dim, keepdim, "min")


def _amax_amin(name: str, reduce: Any, input: Any, dim: Dim, keepdim: bool) -> Any:
    axes = dims(dim, ndim_of(input))
    shape = shape_of(input)
    if builtins.any(shape[a] == 0 for a in axes) or (not axes and np.size(data_of(input)) == 0):
        raise IndexError(f"{name}(): Expected reduction dim {axes[0] if axes else 0} to have "
                         "non-zero size.")
    return relabel(reduce(input, axis=axes, keepdims=keepdim), name.capitalize() + "Backward0",
                   input)


def amax(input: Any, dim: Dim = (), keepdim: bool = False) -> Any:
    """Largest values over ``dim`` (all by default); ties share the gradient."""
    return _amax_amin("amax", fnp.max, input, dim, keepdim)


def amin(input: Any, dim: Dim = (), keepdim: bool = False) -> Any:
    """Smallest values over ``dim`` (all by default); ties share the gradient."""
    return _amax_amin("amin", fnp.min, input, dim, keepdim)


def aminmax(input: Any, *, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    """``(min, max)`` over the int ``dim`` (all elements by default)."""
    axis = None if dim is None else dim_index(dim, ndim_of(input))
    lo, hi = amin(input, axis, keepdim), amax(input, axis, keepdim)
    return aminmax_result(relabel(lo, "AminmaxBackward0", input),
                          relabel(hi, "AminmaxBackward0", input))


def _arg(fn: Any, input: Any, dim: Optional[int], keepdim: bool) -> Any:
    if dim is None:
        out = fn(input)
        return fnp.reshape(out, (1,) * ndim_of(input)) if keepdim else out
    d = dim_index(dim, ndim_of(input))
    if ndim_of(input) == 0:
        return constant(np.int64(0))
    return fn(input, axis=d, keepdims=keepdim)


def argmax(input: Any, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    """The index of the largest value (of the flattened tensor when ``dim`` is None)."""
    return _arg(fnp.argmax, input, dim, keepdim)


def argmin(input: Any, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    """The index of the smallest value (of the flattened tensor when ``dim`` is None)."""
    return _arg(fnp.argmin, input, dim, keepdim)


def logsumexp(input: Any, dim: Dim, keepdim: bool = False) -> Any:
    """``log(sum(exp(input)))`` along ``dim``, computed stably."""
    axes = dims(dim, ndim_of(input))
    return S.logsumexp(input, axis=axes, keepdims=keepdim) if axes or ndim_of(input) \
        else relabel(input * 1.0, "LogsumexpBackward0", input)


# -- norms ----------------------------------------------------------------------------------

def norm(input: Any, p: Any = "fro", dim: Dim = None, keepdim: bool = False,
         dtype: Any = None) -> Any:
    """Vector norms over ``dim`` (all elements by default): ``p`` = 2 or "fro" (the
    default), 1, inf, -inf, 0 (the count of non-zeros) or any other number."""
    if dtype is not None:
        input = fnp.astype(input, dtype)
    if p == "nuc":
        raise NotImplementedError("norm(p='nuc'): the nuclear norm needs singular values, "
                                  "which functrace does not differentiate yet")
    axes = dims(dim, ndim_of(input))
    if p in ("fro", 2, 2.0, None):
        out = fla.norm(input, axis=axes, keepdims=keepdim) if ndim_of(input) \
            else fnp.abs(input)
    else:
        out = _p_norm(fnp.abs(input), float(p), axes, keepdim)
    return relabel(out, "LinalgVectorNormBackward0", input)


def _p_norm(a: Any, p: float, axes: tuple, keepdim: bool) -> Any:
    if p == math.inf:
        return fnp.max(a, axis=axes, keepdims=keepdim)
    if p == -math.inf:
        return fnp.min(a, axis=axes, keepdims=keepdim)
    if p == 0:
        return fnp.sum(fnp.astype(data_of(a) != 0, a.dtype) + a * 0, axis=axes,
                       keepdims=keepdim)
    if p == 1:
        return fnp.sum(a, axis=axes, keepdims=keepdim)
    return fnp.sum(a ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)


def dist(input: Any, other: Any, p: float = 2) -> Any:
    """``norm(input - other, p)``."""
    return relabel(norm(input - other, p=p), "DistBackward0")


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Any:
    """Each slice along ``dim`` scaled down to a ``p``-norm of at most ``maxnorm``."""
    d = dim_index(dim, ndim_of(input))
    others = tuple(i for i in range(ndim_of(input)) if i != d)
    norms = norm(input, p, others, keepdim=True)
    scale = fnp.where(data_of(norms) > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return relabel(input * scale, "RenormBackward0", input)


# -- constants: tests over elements ----------------------------------------------------------

def all(input: Any, dim: Dim = None, keepdim: bool = False) -> Any:
    axes = dims(dim, ndim_of(input))
    return constant(np.all(data_of(input), axis=axes, keepdims=keepdim))


def any(input: Any, dim: Dim = None, keepdim: bool = False) -> Any:
    axes = dims(dim, ndim_of(input))
    return constant(np.any(data_of(input), axis=axes, keepdims=keepdim))


def count_nonzero(input: Any, dim: Dim = None) -> Any:
    axes = dims(dim, ndim_of(input))
    return constant(np.asarray(np.count_nonzero(data_of(input), axis=axes), dtype=np.int64))
