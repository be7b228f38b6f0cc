"""``functrace.scipy.special``: scipy.special's signatures, differentiable and stable.

Everything works on numpy arrays, Python numbers and tracers, and stays finite
for large inputs (``logsumexp``, ``softmax``, ``log_softmax`` and ``expit`` at
``x = 1000`` included).

>>> import numpy as np, functrace, functrace.scipy.special as fsp
>>> functrace.grad(lambda x: fsp.logsumexp(x))(np.zeros(2))
array([0.5, 0.5])
"""
from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from ..core import concrete, is_tracer
from ..numpy import _ufuncs as U
from ..numpy._keywords import add_keyword_hints as _add_keyword_hints
from ..numpy._reductions import normalize_axes
from ..primitives.erf import erf_p, erfc_p
from ..primitives.reductions import logsumexp_p, max_as_constant
from ..primitives.transcendental import expit_p

Axis = Optional[Union[int, tuple]]

__all__ = ["logsumexp", "expit", "logit", "erf", "erfc", "softmax", "log_softmax"]


def _float(x: Any) -> Any:
    """Python numbers and lists as float64 arrays; tracers and float arrays unchanged."""
    if is_tracer(x):
        return x
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _weighted(a: Any, b: Any) -> Any:
    """``a + log(b)`` for non-negative weights ``b`` (``-inf`` where ``b == 0``)."""
    cb = np.asarray(concrete(b))
    if np.any(cb < 0):
        raise NotImplementedError("functrace logsumexp supports non-negative b only "
                                  "(negative weights would need return_sign arithmetic)")
    if not is_tracer(b):
        with np.errstate(divide="ignore"):
            return a + np.log(cb.astype(np.result_type(concrete(a), np.float32)))
    return a + U.log(b)


def logsumexp(a: Any, axis: Axis = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed without overflow.

    ``b`` (optional weights) must be non-negative; with ``return_sign=True``
    a constant sign array (1, or 0 where the sum is 0) is returned as well.
    Its gradient is the softmax of ``a``. Example:
    ``fsp.logsumexp(np.array([1000.0, 1000.0]))`` is ``1000 + log 2``.
    """
    a = _float(a)
    if b is not None:
        a = _weighted(a, b)
    axes = normalize_axes(axis, np.ndim(a))
    out = logsumexp_p.bind(a, axes=axes, keepdims=bool(keepdims))
    if return_sign:
        cout = np.asarray(concrete(out))
        return out, np.where(np.isneginf(cout), 0.0, 1.0).astype(cout.dtype)[()]
    return out


def expit(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, stable for large ``|x|``.

    Example: ``fsp.expit(0.0) == 0.5``; ``fsp.expit(-1000.0) == 0.0`` without warnings.
    """
    return expit_p.bind(_float(x))


def logit(x: Any) -> Any:
    """The inverse of :func:`expit`: ``log(x / (1 - x))``. Example: ``fsp.logit(0.5) == 0``."""
    x = _float(x)
    return U.log(x) - U.log1p(-x)


def erf(z: Any) -> Any:
    """The error function; its derivative is ``2/sqrt(pi) exp(-z^2)``.

    Example: ``fsp.erf(0.5)`` is ``math.erf(0.5)``.
    """
    return erf_p.bind(_float(z))


def erfc(x: Any) -> Any:
    """``1 - erf(x)``, accurate where it is tiny (``fsp.erfc(10.0)`` is about 2e-45)."""
    return erfc_p.bind(_float(x))


def log_softmax(x: Any, axis: Axis = None) -> Any:
    """``x - logsumexp(x)`` over ``axis`` (all elements when None), stable.

    Example: ``fsp.log_softmax(np.array([0.0, 1000.0]))`` is ``[-1000, 0]``.
    """
    x = _float(x)
    if 0 not in np.shape(x):     # shifted first: x - logsumexp(x) loses ulp(max x)
        x = x - max_as_constant(x, normalize_axes(axis, np.ndim(x)))
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x: Any, axis: Axis = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis`` (all elements when None), stable.

    Example: ``fsp.softmax(np.array([1000.0, 1000.0]))`` is ``[0.5, 0.5]``.
    """
    return U.exp(log_softmax(x, axis=axis))


_add_keyword_hints(globals(), "functrace.scipy.special")   # softmax(x, dim=0) -> use axis=
