"""More numpy elementwise functions, as compositions of differentiable primitives.

Unit conversions are products with constants; ``sinc`` uses its Taylor series
near 0, so every derivative there is exact; ``nan_to_num``, ``heaviside`` and
``copysign`` are ``where`` selections (the gradient flows to the chosen values);
``signbit``, ``isclose`` and the tests of infinities are constants.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> float(functrace.grad(fnp.sinc)(0.0)), round(float(functrace.grad(fnp.deg2rad)(1.0)), 6)
(0.0, 0.017453)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete, is_tracer
from ..primitives import nondiff as N
from ..primitives.nondiff_extra import isclose_p, signbit_p
from ._ufuncs import (absolute, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
                      astype, cos, floor_divide, logaddexp, power, remainder, sin, trunc, where)

__all__ = ["deg2rad", "radians", "rad2deg", "degrees", "fabs", "logaddexp2", "sinc",
           "nan_to_num", "fmod", "copysign", "heaviside", "signbit", "isposinf", "isneginf",
           "fix", "modf", "divmod", "ldexp", "isclose", "allclose", "array_equal",
           "array_equiv", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "pow"]

ArrayLike = Any
_LN2 = float(np.log(2.0))

# numpy 2's array-API spellings
acos, acosh, asin, asinh = arccos, arccosh, arcsin, arcsinh
atan, atan2, atanh, pow = arctan, arctan2, arctanh, power


def _float(x: ArrayLike) -> Any:
    """``x`` as a float array (numpy's float functions turn integers into float64)."""
    return x if np.result_type(concrete(x)).kind in "fc" else astype(x, np.float64)


def deg2rad(x: ArrayLike) -> Any:
    """Degrees to radians. Example: ``fnp.deg2rad(180.0) == np.pi``."""
    return _float(x) * (np.pi / 180.0)


def rad2deg(x: ArrayLike) -> Any:
    """Radians to degrees. Example: ``fnp.rad2deg(np.pi) == 180.0``."""
    return _float(x) * (180.0 / np.pi)


radians, degrees = deg2rad, rad2deg


def fabs(x: ArrayLike) -> Any:
    """``|x|`` as a float; its derivative at 0 is taken as 0 (as ``absolute``'s)."""
    return absolute(_float(x))


def logaddexp2(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``log2(2**x1 + 2**x2)``, without overflow. Example: ``fnp.logaddexp2(1.0, 1.0) == 2``."""
    return logaddexp(_float(x1) * _LN2, _float(x2) * _LN2) / _LN2


def sinc(x: ArrayLike) -> Any:
    """``sin(pi x) / (pi x)``, 1 at 0. Near 0 (``|pi x| < 0.01``) its Taylor polynomial
    ``1 - t**2/6 + t**4/120``, accurate there beyond float64 rounding, so that
    derivatives of every order are right at and around 0.

    Example: ``functrace.grad(fnp.sinc)(0.0) == 0.0``.
    """
    t = _float(x) * np.pi
    small = N.less_p.bind(absolute(t), 0.01)
    safe = where(small, 1.0, t)
    t2 = t * t
    return where(small, 1.0 - t2 / 6.0 + t2 * t2 / 120.0, sin(safe) / safe)


def nan_to_num(x: ArrayLike, copy: bool = True, nan: float = 0.0, posinf: Any = None,
               neginf: Any = None) -> Any:
    """NaN and infinities replaced by finite numbers; the gradient is 1 at finite
    entries and 0 at replaced ones. Example: ``fnp.nan_to_num(x, nan=-1.0)``."""
    if not is_tracer(x):
        return np.nan_to_num(x, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
    dtype = np.result_type(concrete(x))
    if dtype.kind != "f":
        return x
    big = np.finfo(dtype).max
    out = where(N.isnan_p.bind(x), nan, x)
    out = where(isposinf(x), big if posinf is None else posinf, out)
    return where(isneginf(x), -big if neginf is None else neginf, out)


def fmod(x1: ArrayLike, x2: ArrayLike) -> Any:
    """C's remainder, with the sign of ``x1``: ``x1 - trunc(x1 / x2) * x2``.

    Integer arrays stay integer. Example: ``fnp.fmod(-3.0, 2.0) == -1.0``.
    """
    if not (is_tracer(x1) or is_tracer(x2)):
        return np.fmod(x1, x2)
    quotient = trunc(x1 / x2)
    if np.result_type(concrete(x1), concrete(x2)).kind in "iu":
        quotient = astype(quotient, np.result_type(concrete(x1), concrete(x2)))
    return x1 - quotient * x2


def copysign(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``|x1|`` with the sign of ``x2`` (gradient only in ``x1``)."""
    magnitude = absolute(_float(x1))
    return where(signbit_p.bind(x2), -magnitude, magnitude)


def heaviside(x1: ArrayLike, x2: ArrayLike) -> Any:
    """0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0`` (differentiable in ``x2``)."""
    dtype = np.result_type(concrete(x1), concrete(x2), np.float16)
    step = where(N.less_p.bind(x1, 0), np.zeros((), dtype), np.ones((), dtype))
    return where(N.equal_p.bind(x1, 0), astype(x2, dtype), step)


def signbit(x: ArrayLike) -> Any:
    """Whether the sign bit is set (true for -0.0): a constant."""
    return signbit_p.bind(x)


def isposinf(x: ArrayLike, out: None = None) -> Any:
    """Whether ``x`` is +inf: a constant."""
    return N.logical_and_p.bind(N.isinf_p.bind(x), N.greater_p.bind(x, 0))


def isneginf(x: ArrayLike, out: None = None) -> Any:
    """Whether ``x`` is -inf: a constant."""
    return N.logical_and_p.bind(N.isinf_p.bind(x), N.less_p.bind(x, 0))


def fix(x: ArrayLike, out: None = None) -> Any:
    """Rounded towards zero (piecewise constant, no gradient)."""
    return trunc(x)


def modf(x: ArrayLike) -> tuple:
    """``(fractional part, integral part)``; the fractional part has gradient 1."""
    whole = trunc(x)
    return x - whole, whole


def divmod(x1: ArrayLike, x2: ArrayLike) -> tuple:
    """``(x1 // x2, x1 % x2)``, as numpy's ``divmod``."""
    return floor_divide(x1, x2), remainder(x1, x2)


def ldexp(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 * 2**x2`` for integer exponents ``x2`` (a constant)."""
    if np.result_type(concrete(x2)).kind not in "iu":
        raise TypeError("ldexp: the exponent x2 must be an integer array")
    x1 = _float(x1)
    return x1 * np.ldexp(np.ones((), np.result_type(concrete(x1))), np.asarray(concrete(x2)))


def isclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Elementwise ``|a - b| <= atol + rtol * |b|``: a constant boolean array."""
    return isclose_p.bind(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all of ``isclose(a, b)`` hold (a Python bool, as numpy's)."""
    return bool(N.reduce_all_p.bind(isclose(a, b, rtol, atol, equal_nan),
                                    axes=tuple(range(_ndim_b(a, b))), keepdims=False))


def _ndim_b(a: Any, b: Any) -> int:
    return len(np.broadcast_shapes(np.shape(a), np.shape(b)))


def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False) -> bool:
    """Whether both have one shape and equal elements (a Python bool)."""
    if np.shape(a1) != np.shape(a2):
        return False
    if equal_nan:
        return allclose(a1, a2, rtol=0.0, atol=0.0, equal_nan=True)
    return bool(N.reduce_all_p.bind(N.equal_p.bind(a1, a2), axes=tuple(range(np.ndim(a1))),
                                    keepdims=False))


def array_equiv(a1: ArrayLike, a2: ArrayLike) -> bool:
    """Whether ``a1`` and ``a2`` broadcast to one shape with equal elements."""
    try:
        np.broadcast_shapes(np.shape(a1), np.shape(a2))
    except ValueError:
        return False
    return bool(N.reduce_all_p.bind(N.equal_p.bind(a1, a2), axes=tuple(range(_ndim_b(a1, a2))),
                                    keepdims=False))
