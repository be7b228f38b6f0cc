"""The error functions: erf and erfc, primitives with their own numpy implementation.

``erf``/``erfc`` need no scipy: small arrays call :func:`math.erf` per element;
large ones use Chebyshev interpolants of ``erf(x)/x`` for ``|x| < 1`` and of
``erfc(x) exp(x^2)`` on ``[1, 8]`` (fitted once at import time to ``math.erf``
and ``math.erfc``) and the asymptotic series of ``erfc`` beyond 8. Relative
error is about 1e-15 for erf, about 1e-13 for erfc in its far tail (where
``exp(-x^2)`` itself loses digits).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from numpy.polynomial import chebyshev as cheb

from ..registry import FLOATS, KernelSpec, defelementwise
from .transcendental import exp_p

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


# -- kernels: the derivative +-2/sqrt(pi) exp(-x^2); numpy's exp (a pre-pass) is faster
# than Numba's scalar libm call --------------------------------------------------------


def _gaussian_pre(need, x):
    g = np.square(x)
    np.negative(g, out=g)
    return (np.exp(g, out=g),)


def _scaled_kernel(scale: float, passes: int) -> KernelSpec:
    def make(T):
        c = T(scale)

        def gaussian_d(x): return c * np.exp(-(x * x))
        return (gaussian_d,)

    def make_pre(T):
        c = T(scale)

        def pre_scaled_d(e): return c * e
        return (pre_scaled_d,)
    return KernelSpec(make, passes, pre=_gaussian_pre,
                      make_pre=make_pre, pre_dtypes=FLOATS, pre_passes=3)


erf_p = defelementwise("erf", erf_impl, (lambda x, out: _gaussian(x),),
                       kernel=_scaled_kernel(_TWO_OVER_SQRT_PI, passes=4))
erfc_p = defelementwise("erfc", erfc_impl, (lambda x, out: -_gaussian(x),),
                        kernel=_scaled_kernel(-_TWO_OVER_SQRT_PI, passes=5))
