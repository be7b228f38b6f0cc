"""The scipy.special functions written with functrace.numpy alone, without scipy:
logsumexp, expit, logit, erf, erfc, softmax, log_softmax (scipy's signatures,
differentiable and stable), and :func:`as_float`, the argument conversion they
share with functrace.scipy.

:mod:`functrace.activations` (no scipy) builds on them; :mod:`functrace.scipy.special`
re-exports them beside the functions that do need scipy.
Everything works on numpy arrays, Python numbers and tracers, and stays finite
for large inputs (``logsumexp``, ``softmax``, ``log_softmax`` and ``expit`` at
``x = 1000`` included).

>>> import numpy as np, functrace
>>> from functrace.numpy._scipy_special import logsumexp
>>> functrace.grad(lambda x: logsumexp(x))(np.zeros(2))
array([0.5, 0.5])
"""
from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from ..core import concrete, concrete_value, is_tracer
from . import _reductions as _R
from . import _shape as _S
from . import _ufuncs as U
from ._reductions import normalize_axes
from ..primitives.erf import erf_p, erfc_p
from ..primitives.reductions import logsumexp_p, max_as_constant
from ..primitives.transcendental import expit_p

Axis = Optional[Union[int, tuple]]

__all__ = ["logsumexp", "expit", "logit", "erf", "erfc", "softmax", "log_softmax"]


def as_float(x: Any) -> Any:
    """Python numbers and lists as float64 arrays; tracers and float arrays unchanged."""
    if is_tracer(x):
        return x
    x = np.asarray(x)
    if x.dtype.kind == "c":      # (a cast would drop the imaginary part silently)
        raise TypeError(f"complex values ({x.dtype}) are not supported here yet: pass real "
                        "arrays (e.g. the real and imaginary parts separately)")
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _weighted(a: Any, b: Any) -> Any:
    """``a + log(b)`` for non-negative weights ``b`` (``-inf`` where ``b == 0``)."""
    if not is_tracer(b):
        with np.errstate(divide="ignore"):
            return a + np.log(np.asarray(b).astype(np.result_type(concrete(a), np.float32)))
    return a + U.log(b)


def _constant(value: float, like: Any) -> np.ndarray:
    return np.array(value, dtype=np.result_type(concrete(like)))


def _signed_logsumexp(a: Any, b: Any, axes: tuple, keepdims: bool) -> tuple:
    """``(log|s|, sign(s))`` for ``s = sum(b * exp(a))`` with weights of any sign.

    The shift ``m`` (the largest ``a`` with a non-zero weight) is a constant: the
    value does not depend on it, so neither does the derivative.
    """
    b = as_float(b)
    inf = _constant(-np.inf, a)
    m = max_as_constant(U.where(U.not_equal(b, 0), a, inf), axes)
    s = _R.sum(b * U.exp(a - m), axis=axes, keepdims=True)
    out = U.log(U.absolute(s)) + m
    sign = U.sign(s)
    if not keepdims:
        out, sign = _S.squeeze(out, axis=axes), _S.squeeze(sign, axis=axes)
    return out, sign


def logsumexp(a: Any, axis: Axis = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed without overflow.

    ``b`` (optional weights, broadcast against ``a``) may be negative: the sum is
    then signed, and ``return_sign=True`` returns ``(log|sum|, sign)`` with a constant
    sign (1, -1, or 0 where the sum is 0); without it a negative sum gives ``nan``,
    as in scipy. Its gradient is the (weighted) softmax of ``a``.

    >>> import numpy as np
    >>> round(float(logsumexp(np.array([1000.0, 1000.0])) - 1000.0), 6)   # log 2: no overflow
    0.693147
    """
    a = as_float(a)
    if b is not None:
        ndim = len(np.broadcast_shapes(np.shape(a), np.shape(b)))   # logical shapes
        axes = normalize_axes(axis, ndim)
        if np.any(np.asarray(concrete_value(b)) < 0):
            out, sign = _signed_logsumexp(a, b, axes, bool(keepdims))
            if return_sign:
                return out, sign
            return U.where(U.less(sign, 0), _constant(np.nan, out), out)
        a = _weighted(a, b)
    axes = normalize_axes(axis, np.ndim(a))
    out = logsumexp_p.bind(a, axes=axes, keepdims=bool(keepdims))
    if return_sign:        # 1, or 0 where the sum is 0 (a constant, batched under vmap)
        return out, U.where(U.equal(out, -np.inf), _constant(0.0, out), _constant(1.0, out))
    return out


def expit(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, stable for large ``|x|``.

    Example: ``fsp.expit(0.0) == 0.5``; ``fsp.expit(-1000.0) == 0.0`` without warnings.
    """
    return expit_p.bind(as_float(x))


def logit(x: Any) -> Any:
    """The inverse of :func:`expit`: ``log(x / (1 - x))``. Example: ``fsp.logit(0.5) == 0``."""
    x = as_float(x)
    return U.log(x) - U.log1p(-x)


def erf(z: Any) -> Any:
    """The error function; its derivative is ``2/sqrt(pi) exp(-z^2)``.

    >>> import math
    >>> float(erf(0.5)) == math.erf(0.5)
    True
    """
    return erf_p.bind(as_float(z))


def erfc(x: Any) -> Any:
    """``1 - erf(x)``, accurate where it is tiny (``fsp.erfc(10.0)`` is about 2e-45)."""
    return erfc_p.bind(as_float(x))


def log_softmax(x: Any, axis: Axis = None) -> Any:
    """``x - logsumexp(x)`` over ``axis`` (all elements when None), stable.

    Example: ``fsp.log_softmax(np.array([0.0, 1000.0]))`` is ``[-1000, 0]``.
    """
    x = as_float(x)
    if 0 not in np.shape(x):     # shifted first: x - logsumexp(x) loses ulp(max x)
        x = x - max_as_constant(x, normalize_axes(axis, np.ndim(x)))
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x: Any, axis: Axis = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis`` (all elements when None), stable.

    Example: ``fsp.softmax(np.array([1000.0, 1000.0]))`` is ``[0.5, 0.5]``.
    """
    return U.exp(log_softmax(x, axis=axis))
