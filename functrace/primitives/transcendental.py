"""Elementwise transcendental functions: power, exponentials and logarithms, the
logistic function (``expit``), trigonometric and hyperbolic functions.

Each derivative is written once; the VJP and JVP derive from it. ``logaddexp``
and ``expit`` are stable for large inputs; ``expit`` keeps only its output. Each
``kernel=`` gives the same derivative as scalar functions for the compiled backward
kernels (see :class:`functrace.registry.KernelSpec`); where a libm call in the loop
is slower than numpy's vectorised one, a numpy pre-pass computes that factor.

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

from ..core import concrete_value
from ..registry import FLOATS, KernelSpec, defelementwise
from . import nondiff as N
from .arithmetic import sqrt_p
from .selection import dtype_of, where_p

# -- derivatives of pre-pass outputs (see KernelSpec.pre) --------------------------------

def _identity(T):
    def pre_d(c): return c
    return (pre_d,)


def _negated(T):
    def pre_neg_d(s): return -s
    return (pre_neg_d,)


def _identity2(T):
    def pre_d0(a, b): return a

    def pre_d1(a, b): return b
    return pre_d0, pre_d1


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
    if not np.any(concrete_value(zero)):
        return out * log_p.bind(x)
    safe = out * log_p.bind(where_p.bind(zero, 1.0, x))
    return where_p.bind(zero, _power_dy_at_zero_base(y, out), safe)


def _power_dy_at_zero_base(y, out):
    dtype = dtype_of(out)
    return where_p.bind(N.less_p.bind(y, 0), np.array(-np.inf, dtype), np.zeros((), dtype))


def _power_pre(need, x, y, out):
    """The two partial derivatives of ``x ** y`` in numpy, as the composite rule has them."""
    d0 = d1 = 0.0
    if need[0]:
        d0 = np.where(np.equal(y, 0), 0, y * x ** (y - 1)).astype(out.dtype, copy=False)
    if need[1]:
        zero = np.equal(x, 0)
        d1 = out * np.log(np.where(zero, 1, x)).astype(out.dtype, copy=False)
        if np.any(zero):               # the limit at x = 0: 0 for y >= 0, -inf for y < 0
            d1 = np.where(zero, np.where(np.less(y, 0), -np.inf, 0), d1).astype(out.dtype)
    return d0, d1


def _power_needs_pow(x, y, out) -> bool:
    """False for ``x**2`` and ``x**3``, which the loop computes without ``pow``."""
    return np.ndim(y) != 0 or float(y) not in (2.0, 3.0)


def _power_kernel(T):
    zero, one, two, three, m_inf = T(0), T(1), T(2), T(3), T(-np.inf)

    def power_d0(x, y, out):
        if y == two:                 # x**2 and x**3 skip the libm pow call
            return two * x
        if y == three:
            return three * (x * x)
        return zero if y == zero else y * x ** (y - one)

    def power_d1(x, y, out):
        if x == zero:
            return m_inf if y < zero else zero
        return out * np.log(x)
    return power_d0, power_d1


def _power_impl(x, y):
    # numpy's ``**`` (x ** 2 is a square, x ** 0.5 a sqrt, ...), not np.power: the rules
    # evaluate ``x ** k`` with the operator on plain arrays, and a jitted replay of the
    # same rule must give the same bits.
    return x ** y if isinstance(x, (np.ndarray, np.generic)) else np.power(x, y)


power_p = defelementwise("power", _power_impl, (_power_dx, _power_dy), saves="both",
                         kernel=KernelSpec(_power_kernel, passes=4, pre=_power_pre,
                                           make_pre=_identity2, pre_dtypes=FLOATS,
                                           pre_when=_power_needs_pow, pre_passes=8))

# -- exponentials and logarithms ------------------------------------------------

_LN2 = math.log(2.0)      # Python floats, so float32 rules stay float32
_LN10 = math.log(10.0)


def _exp_kernel(T):
    def exp_d(out): return out
    return (exp_d,)


def _exp2_kernel(T):
    ln2 = T(_LN2)

    def exp2_d(out): return out * ln2
    return (exp2_d,)


def _expm1_kernel(T):
    one = T(1)

    def expm1_d(out): return out + one
    return (expm1_d,)


exp_p = defelementwise("exp", np.exp, (lambda x, out: out,), saves="out",
                       kernel=KernelSpec(_exp_kernel, passes=1))
exp2_p = defelementwise("exp2", np.exp2, (lambda x, out: out * _LN2,), saves="out",
                        kernel=KernelSpec(_exp2_kernel, passes=2))
expm1_p = defelementwise("expm1", np.expm1, (lambda x, out: out + 1.0,), saves="out",
                         kernel=KernelSpec(_expm1_kernel, passes=2))


def _log_kernel(T):
    one = T(1)

    def log_d(x): return one / x
    return (log_d,)


def _log2_kernel(T):
    one, ln2 = T(1), T(_LN2)

    def log2_d(x): return one / (x * ln2)
    return (log2_d,)


def _log10_kernel(T):
    one, ln10 = T(1), T(_LN10)

    def log10_d(x): return one / (x * ln10)
    return (log10_d,)


def _log1p_kernel(T):
    one = T(1)

    def log1p_d(x): return one / (one + x)
    return (log1p_d,)


log_p = defelementwise("log", np.log, (lambda x, out: 1.0 / x,),
                       kernel=KernelSpec(_log_kernel, passes=2))
log2_p = defelementwise("log2", np.log2, (lambda x, out: 1.0 / (x * _LN2),),
                        kernel=KernelSpec(_log2_kernel, passes=3))
log10_p = defelementwise("log10", np.log10, (lambda x, out: 1.0 / (x * _LN10),),
                         kernel=KernelSpec(_log10_kernel, passes=3))
log1p_p = defelementwise("log1p", np.log1p, (lambda x, out: 1.0 / (1.0 + x),),
                         kernel=KernelSpec(_log1p_kernel, passes=3))


def _expit_impl(x: Any) -> Any:
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))                        # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)[()]


def _expit_kernel(T):
    one = T(1)

    def expit_d(out): return out * (one - out)
    return (expit_d,)


expit_p = defelementwise("expit", _expit_impl, (lambda x, out: out * (1.0 - out),),
                         saves="out", kernel=KernelSpec(_expit_kernel, passes=3))


def _logaddexp_dx(x, y, out):
    """``expit(x - y)``: exact where ``exp(x - out)`` is off by ``ulp(out)`` (it gives
    1, not 1/2, at ``x = y = 1e17``) and defined at ``x = inf, y`` finite."""
    return expit_p.bind(x - y)


def _logaddexp_pre(need, x, y):
    """``expit(x - y)`` and ``expit(y - x)`` as the composite rule (``expit_p``) has them."""
    z = np.subtract(x, y)
    e = np.exp(-np.abs(z))
    big, small = 1.0 / (1.0 + e), e / (1.0 + e)
    ahead = z >= 0
    return np.where(ahead, big, small), np.where(ahead, small, big)


def _logaddexp_kernel(T):
    one = T(1)

    def expit(z):
        if z >= 0:
            return one / (one + np.exp(-z))
        e = np.exp(z)
        return e / (one + e)

    def logaddexp_d0(x, y): return expit(x - y)

    def logaddexp_d1(x, y): return expit(y - x)
    return logaddexp_d0, logaddexp_d1


logaddexp_p = defelementwise("logaddexp", np.logaddexp, (
    _logaddexp_dx, lambda x, y, out: _logaddexp_dx(y, x, out)),
    kernel=KernelSpec(_logaddexp_kernel, passes=8, pre=_logaddexp_pre, make_pre=_identity2,
                      pre_dtypes=FLOATS, pre_passes=8))

# -- trigonometric --------------------------------------------------------------------------


def _sin_kernel(T):
    def sin_d(x): return np.cos(x)
    return (sin_d,)


def _cos_kernel(T):
    def cos_d(x): return -np.sin(x)
    return (cos_d,)


def _tan_kernel(T):
    one = T(1)

    def tan_d(out): return one + out * out
    return (tan_d,)


# float64 sin/cos: Numba's libm call is as fast as numpy's, so no pre-pass ("heavy":
# compute-bound runs may go parallel); float32: numpy's SIMD version is faster.
sin_p = defelementwise("sin", np.sin, (lambda x, out: cos_p.bind(x),),
                       kernel=KernelSpec(_sin_kernel, passes=2,
                                         pre=lambda need, x: (np.cos(x),), make_pre=_identity,
                                         pre_dtypes=("float32",), heavy=("float64",)))
cos_p = defelementwise("cos", np.cos, (lambda x, out: -sin_p.bind(x),),
                       kernel=KernelSpec(_cos_kernel, passes=3,
                                         pre=lambda need, x: (np.sin(x),), make_pre=_negated,
                                         pre_dtypes=("float32",), heavy=("float64",)))
tan_p = defelementwise("tan", np.tan, (lambda x, out: 1.0 + out * out,), saves="out",
                       kernel=KernelSpec(_tan_kernel, passes=3))


def _arcsin_kernel(T):
    one = T(1)

    def arcsin_d(x): return one / np.sqrt(one - x * x)
    return (arcsin_d,)


def _arccos_kernel(T):
    m_one, one = T(-1), T(1)

    def arccos_d(x): return m_one / np.sqrt(one - x * x)
    return (arccos_d,)


def _arctan_kernel(T):
    one = T(1)

    def arctan_d(x): return one / (one + x * x)
    return (arctan_d,)


def _arctan2_kernel(T):
    def arctan2_d0(y, x): return x / (x * x + y * y)

    def arctan2_d1(y, x): return -y / (x * x + y * y)
    return arctan2_d0, arctan2_d1


arcsin_p = defelementwise("arcsin", np.arcsin,
                          (lambda x, out: 1.0 / sqrt_p.bind(1.0 - x * x),),
                          kernel=KernelSpec(_arcsin_kernel, passes=5))
arccos_p = defelementwise("arccos", np.arccos,
                          (lambda x, out: -1.0 / sqrt_p.bind(1.0 - x * x),),
                          kernel=KernelSpec(_arccos_kernel, passes=5))
arctan_p = defelementwise("arctan", np.arctan, (lambda x, out: 1.0 / (1.0 + x * x),),
                          kernel=KernelSpec(_arctan_kernel, passes=4))
arctan2_p = defelementwise("arctan2", np.arctan2, (
    lambda y, x, out: x / (x * x + y * y),
    lambda y, x, out: -y / (x * x + y * y)), kernel=KernelSpec(_arctan2_kernel, passes=5))

# -- hyperbolic -----------------------------------------------------------------------------


def _sinh_kernel(T):
    def sinh_d(x): return np.cosh(x)
    return (sinh_d,)


def _cosh_kernel(T):
    def cosh_d(x): return np.sinh(x)
    return (cosh_d,)


def _tanh_kernel(T):
    one = T(1)

    def tanh_d(out): return one - out * out
    return (tanh_d,)


sinh_p = defelementwise("sinh", np.sinh, (lambda x, out: cosh_p.bind(x),),
                        kernel=KernelSpec(_sinh_kernel, passes=2,
                                          pre=lambda need, x: (np.cosh(x),),
                                          make_pre=_identity, pre_dtypes=FLOATS))
cosh_p = defelementwise("cosh", np.cosh, (lambda x, out: sinh_p.bind(x),),
                        kernel=KernelSpec(_cosh_kernel, passes=2,
                                          pre=lambda need, x: (np.sinh(x),),
                                          make_pre=_identity, pre_dtypes=FLOATS))
tanh_p = defelementwise("tanh", np.tanh, (lambda x, out: 1.0 - out * out,), saves="out",
                        kernel=KernelSpec(_tanh_kernel, passes=3))


def _arcsinh_kernel(T):
    one = T(1)

    def arcsinh_d(x): return one / np.sqrt(x * x + one)
    return (arcsinh_d,)


def _arccosh_kernel(T):
    one = T(1)

    def arccosh_d(x): return one / np.sqrt(x * x - one)
    return (arccosh_d,)


def _arctanh_kernel(T):
    one = T(1)

    def arctanh_d(x): return one / (one - x * x)
    return (arctanh_d,)


arcsinh_p = defelementwise("arcsinh", np.arcsinh,
                           (lambda x, out: 1.0 / sqrt_p.bind(x * x + 1.0),),
                           kernel=KernelSpec(_arcsinh_kernel, passes=5))
arccosh_p = defelementwise("arccosh", np.arccosh,
                           (lambda x, out: 1.0 / sqrt_p.bind(x * x - 1.0),),
                           kernel=KernelSpec(_arccosh_kernel, passes=5))
arctanh_p = defelementwise("arctanh", np.arctanh, (lambda x, out: 1.0 / (1.0 - x * x),),
                           kernel=KernelSpec(_arctanh_kernel, passes=4))
