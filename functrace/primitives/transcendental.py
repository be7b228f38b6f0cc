"""Elementwise transcendental functions: power, exponentials and logarithms, the
logistic function (``expit``), trigonometric and hyperbolic functions.

Each derivative is written once; the VJP and JVP derive from it. ``logaddexp``
and ``expit`` are stable for large inputs; ``expit`` keeps only its output.

Power takes PyTorch's values where its derivatives are singular (JAX's too,
but for d/dy at x = 0, y < 0, where JAX gives nan):

===========  ===============  ==========================  ==========================
x            y                d(x**y)/dx                  d(x**y)/dy
===========  ===============  ==========================  ==========================
x > 0        any              y x**(y-1)                  x**y log x
x = 0        y > 1 / = 1      0 / 1                       0
x = 0        0 < y < 1        inf                         0
x = 0        y = 0            0                           0
x = 0        y < 0            -inf                        -inf (limit from the right)
x < 0        integer y != 0   y x**(y-1) (finite)         nan (log of a negative)
x < 0        y = 0            0                           nan
x < 0        non-integer y    nan                         nan
===========  ===============  ==========================  ==========================
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import concrete
from ..registry import defelementwise
from . import nondiff as N
from .arithmetic import sqrt_p
from .selection import dtype_of, where_p

# -- power ----------------------------------------------------------------------------


def _power_dx(x, y, out):
    if isinstance(y, (int, float)):
        return y * x ** (y - 1) if y != 0 else 0.0 * x
    return where_p.bind(y == 0, 0.0, y * x ** (y - 1))


def _power_dy(x, y, out):
    """``x**y log x``, with PyTorch's values where that is undefined: at ``x == 0``
    the limit from the right (0 for ``y >= 0``, -inf for ``y < 0``); NaN for ``x < 0``."""
    if isinstance(x, (int, float)):          # a Python-number base: keep out's dtype
        if x > 0:
            return out * math.log(x)
        if x < 0:
            return out * math.nan
        return _power_dy_at_zero_base(y, out)
    zero = N.equal_p.bind(x, 0)              # a primitive, so that it stays batched under vmap
    if not np.any(concrete(zero)):
        return out * log_p.bind(x)
    safe = out * log_p.bind(where_p.bind(zero, 1.0, x))
    return where_p.bind(zero, _power_dy_at_zero_base(y, out), safe)


def _power_dy_at_zero_base(y, out):
    dtype = dtype_of(out)
    return where_p.bind(N.less_p.bind(y, 0), np.array(-np.inf, dtype), np.zeros((), dtype))


power_p = defelementwise("power", np.power, (_power_dx, _power_dy), saves="both")

# -- exponentials and logarithms ------------------------------------------------

_LN2 = math.log(2.0)      # Python floats, so float32 rules stay float32
_LN10 = math.log(10.0)

exp_p = defelementwise("exp", np.exp, (lambda x, out: out,), saves="out")
exp2_p = defelementwise("exp2", np.exp2, (lambda x, out: out * _LN2,), saves="out")
expm1_p = defelementwise("expm1", np.expm1, (lambda x, out: out + 1.0,), saves="out")
log_p = defelementwise("log", np.log, (lambda x, out: 1.0 / x,))
log2_p = defelementwise("log2", np.log2, (lambda x, out: 1.0 / (x * _LN2),))
log10_p = defelementwise("log10", np.log10, (lambda x, out: 1.0 / (x * _LN10),))
log1p_p = defelementwise("log1p", np.log1p, (lambda x, out: 1.0 / (1.0 + x),))


def _expit_impl(x: Any) -> Any:
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))                        # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)[()]


expit_p = defelementwise("expit", _expit_impl, (lambda x, out: out * (1.0 - out),),
                         saves="out")


def _logaddexp_dx(x, y, out):
    """``expit(x - y)``: exact where ``exp(x - out)`` is off by ``ulp(out)`` (it gives
    1, not 1/2, at ``x = y = 1e17``) and defined at ``x = inf, y`` finite."""
    return expit_p.bind(x - y)


logaddexp_p = defelementwise("logaddexp", np.logaddexp, (
    _logaddexp_dx, lambda x, y, out: _logaddexp_dx(y, x, out)))

# -- trigonometric and hyperbolic -----------------------------------------------

sin_p = defelementwise("sin", np.sin, (lambda x, out: cos_p.bind(x),))
cos_p = defelementwise("cos", np.cos, (lambda x, out: -sin_p.bind(x),))
tan_p = defelementwise("tan", np.tan, (lambda x, out: 1.0 + out * out,), saves="out")
arcsin_p = defelementwise("arcsin", np.arcsin,
                          (lambda x, out: 1.0 / sqrt_p.bind(1.0 - x * x),))
arccos_p = defelementwise("arccos", np.arccos,
                          (lambda x, out: -1.0 / sqrt_p.bind(1.0 - x * x),))
arctan_p = defelementwise("arctan", np.arctan, (lambda x, out: 1.0 / (1.0 + x * x),))
arctan2_p = defelementwise("arctan2", np.arctan2, (
    lambda y, x, out: x / (x * x + y * y),
    lambda y, x, out: -y / (x * x + y * y)))
sinh_p = defelementwise("sinh", np.sinh, (lambda x, out: cosh_p.bind(x),))
cosh_p = defelementwise("cosh", np.cosh, (lambda x, out: sinh_p.bind(x),))
tanh_p = defelementwise("tanh", np.tanh, (lambda x, out: 1.0 - out * out,), saves="out")
arcsinh_p = defelementwise("arcsinh", np.arcsinh,
                           (lambda x, out: 1.0 / sqrt_p.bind(x * x + 1.0),))
arccosh_p = defelementwise("arccosh", np.arccosh,
                           (lambda x, out: 1.0 / sqrt_p.bind(x * x - 1.0),))
arctanh_p = defelementwise("arctanh", np.arctanh, (lambda x, out: 1.0 / (1.0 - x * x),))
