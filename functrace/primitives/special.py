"""Special-function primitives: erf, erfc, relu, expit and a stable logsumexp.

``erf``/``erfc`` need no scipy: small arrays call :func:`math.erf` per element;
large ones use Chebyshev interpolants of ``erf(x)/x`` for ``|x| < 1`` and of
``erfc(x) exp(x^2)`` on ``[1, 8]`` (fitted once at import time to ``math.erf``
and ``math.erfc``) and the asymptotic series of ``erfc`` beyond 8. Relative
error is about 1e-15 for erf, about 1e-13 for erfc in its far tail (where
``exp(-x^2)`` itself loses digits).

Kinks are deterministic: ``relu'(0) = 0``. ``expit`` keeps only its output.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from numpy.polynomial import chebyshev as cheb

from ..core import concrete
from ..registry import defelementwise, defprimitive, zeros_like_value
from .elementwise import exp_p, where_p
from .nondiff import astype_int_p, greater_p, isfinite_p, stop_gradient_p
from .reductions import kept_shape, reduce_max_p, reduce_sum_p
from .shape_ops import broadcast_to_p, reshape_p

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# -- pure-numpy erf / erfc ----------------------------------------------------------------


def _fit(fn: Callable[[float], float], lo: float, hi: float, deg: int) -> tuple:
    """Chebyshev interpolant of ``fn`` on ``[lo, hi]``: (coefficients, lo, hi)."""
    def mapped(t: np.ndarray) -> np.ndarray:
        return np.array([fn(lo + (ti + 1.0) * (hi - lo) / 2.0) for ti in t])
    return cheb.chebinterpolate(mapped, deg), lo, hi


def _erf_over_x(u: float) -> float:
    s = math.sqrt(u)
    return _TWO_OVER_SQRT_PI if s == 0.0 else math.erf(s) / s


def _scaled_erfc(inv_x: float) -> float:
    x = 1.0 / inv_x
    return math.erfc(x) * math.exp(x * x)


_SMALL = _fit(_erf_over_x, 0.0, 1.0, 12)                     # erf(x)/x in u = x^2, |x| < 1
_PIECES = ((1.0, 2.0), (2.0, 4.0), (4.0, 8.0))
_MIDDLE = [_fit(_scaled_erfc, 1.0 / b, 1.0 / a, 16) for a, b in _PIECES]   # in t = 1/x
_ASYMPTOTIC_TERMS = 24                                        # for x >= 8
_SMALL_SIZE = 4096         # below this many elements, math.erf per element is faster
_CHUNK = 32768             # large arrays are processed in cache-sized chunks


def _chebval(fit: tuple, t: np.ndarray) -> np.ndarray:
    """Clenshaw's recurrence, in place (no temporaries per step)."""
    coef, lo, hi = fit
    s = (2.0 * t - (lo + hi)) / (hi - lo)
    two_s = 2.0 * s
    b1, b2, tmp = np.zeros_like(s), np.zeros_like(s), np.empty_like(s)
    for c in coef[:0:-1]:        # b_k = c_k + 2 s b_{k+1} - b_{k+2}
        np.multiply(two_s, b1, out=tmp)
        tmp -= b2
        tmp += c
        b1, b2, tmp = tmp, b1, b2
    b1 *= s
    b1 -= b2
    b1 += coef[0]
    return b1


def _erfc_positive(x: np.ndarray) -> np.ndarray:
    """erfc(x) for x >= 1 (float64 array), as exp(-x^2) times a smooth factor."""
    scaled = np.empty_like(x)
    for fit, (a, b) in zip(_MIDDLE, _PIECES):
        piece = (x >= a) & (x < b)
        scaled[piece] = _chebval(fit, 1.0 / x[piece])
    far = x >= 8.0
    if np.any(far):
        xf = x[far]
        with np.errstate(under="ignore", over="ignore"):
            z = 1.0 / (2.0 * xf * xf)
        series = np.ones_like(xf)
        for n in range(_ASYMPTOTIC_TERMS, 0, -1):    # 1 - z + 1*3 z^2 - 1*3*5 z^3 ...
            series = 1.0 - (2 * n - 1) * z * series
        scaled[far] = series / (xf * math.sqrt(math.pi))
    with np.errstate(under="ignore", over="ignore"):
        return np.exp(-(x * x)) * scaled


def _as_float(x: Any) -> tuple:
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    return x.astype(np.float64), dtype


def _erf_numpy(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    out = x * _chebval(_SMALL, np.minimum(ax, 1.0) ** 2)   # right where |x| < 1; NaN kept
    big = ax >= 1.0
    out[big] = np.copysign(1.0 - _erfc_positive(ax[big]), x[big])
    return out


def _erfc_numpy(x: np.ndarray) -> np.ndarray:
    out = 1.0 - x * _chebval(_SMALL, np.minimum(np.abs(x), 1.0) ** 2)
    pos, neg = x >= 1.0, x <= -1.0
    out[pos] = _erfc_positive(x[pos])
    out[neg] = 2.0 - _erfc_positive(-x[neg])
    return out


def _elementwise_math(fn: Callable, numpy_fn: Callable, x: Any) -> Any:
    x, dtype = _as_float(x)
    flat = x.ravel()
    if flat.size < _SMALL_SIZE:
        out = np.array([fn(v) for v in flat.tolist()], dtype=np.float64)
    else:
        out = np.empty_like(flat)
        for i in range(0, flat.size, _CHUNK):
            out[i:i + _CHUNK] = numpy_fn(flat[i:i + _CHUNK])
    return out.reshape(x.shape).astype(dtype, copy=False)[()]


def erf_impl(x: Any) -> Any:
    """The error function, elementwise, in numpy (float32 stays float32)."""
    return _elementwise_math(math.erf, _erf_numpy, x)


def erfc_impl(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``, accurate for large ``x``."""
    return _elementwise_math(math.erfc, _erfc_numpy, x)


def _gaussian(x: Any) -> Any:
    return _TWO_OVER_SQRT_PI * exp_p.bind(-(x * x))


erf_p = defelementwise("erf", erf_impl, (lambda x, out: _gaussian(x),))
erfc_p = defelementwise("erfc", erfc_impl, (lambda x, out: -_gaussian(x),))

# -- activations --------------------------------------------------------------------------


def _relu_impl(x: Any) -> Any:
    return np.maximum(x, 0)


def _relu_deriv(x: Any, out: Any) -> Any:
    # relu'(0) = 0. A non-differentiable primitive, not numpy on concrete(out), so
    # that the mask stays batched under vmap.
    return astype_int_p.bind(greater_p.bind(out, 0), dtype=np.result_type(concrete(out)))


relu_p = defelementwise("relu", _relu_impl, (_relu_deriv,), saves="out")


def _expit_impl(x: Any) -> Any:
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))                        # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)[()]


expit_p = defelementwise("expit", _expit_impl, (lambda x, out: out * (1.0 - out),),
                         saves="out")

# -- logsumexp ----------------------------------------------------------------------------


def _logsumexp_impl(x: Any, axes: tuple, keepdims: bool) -> Any:
    x = np.asarray(x)
    m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros(kept_shape(x.shape, axes))
    if x.size and np.isfinite(m).all():   # fast path: the sum is >= 1, its log is finite
        out = np.log(np.add.reduce(np.exp(x - m), axis=axes, keepdims=True)) + m
    else:
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axes)


def _expand(y: Any, x_shape: tuple, axes: tuple, keepdims: bool) -> Any:
    """A reduced value reshaped to keepdims form and broadcast back to ``x_shape``."""
    if not keepdims:
        y = reshape_p.bind(y, shape=kept_shape(x_shape, axes))
    return broadcast_to_p.bind(y, shape=x_shape)


def max_as_constant(x: Any, axes: tuple) -> Any:
    """``max(x)`` over ``axes`` (kept as size-1 axes) as a constant, 0 where it is not
    finite: the shift that makes ``exp(x - m)`` overflow-free and keeps its largest
    entry exactly 1. Built from non-differentiable primitives (batched under vmap)."""
    m = reduce_max_p.bind(stop_gradient_p.bind(x), axes=axes, keepdims=True)
    return where_p.bind(isfinite_p.bind(m), m, np.zeros((), np.result_type(concrete(m))))


def _softmax_weights(x: Any, axes: tuple) -> Any:
    """The softmax of ``x`` over ``axes``, differentiable, from the shifted inputs.

    Not ``exp(x - logsumexp(x))``: ``logsumexp(x)`` is rounded to the precision of
    ``max(x)``, so that form is off by ``ulp(max x)`` in the exponent (weights
    ``[1, 1]`` at ``[1e17, 1e17]``; 2e-4 relative error at float32 logits near 1e4).
    """
    if 0 in np.shape(x):
        return zeros_like_value(x)
    e = exp_p.bind(x - max_as_constant(x, axes))
    return e / reduce_sum_p.bind(e, axes=axes, keepdims=True)


def _logsumexp_vjp(ct, ins, out, argnum, axes, keepdims):
    x = ins[0]
    return _expand(ct, np.shape(x), axes, keepdims) * _softmax_weights(x, axes)


def _logsumexp_jvp(primals, tangents, out, axes, keepdims):
    weighted = tangents[0] * _softmax_weights(primals[0], axes)
    return reduce_sum_p.bind(weighted, axes=axes, keepdims=keepdims)


logsumexp_p = defprimitive("logsumexp", _logsumexp_impl, _logsumexp_vjp, _logsumexp_jvp,
                           batch="reduction")
