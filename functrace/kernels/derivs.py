"""Scalar partial derivatives of the elementwise primitives, one table entry each.

Each entry mirrors the primitive's registry declaration: the same arity, the
same saved values (``saves``), and one partial derivative per argument. A
derivative takes exactly the saved values, in order (the inputs, then the
output), as scalars of one float type ``T`` and returns d out / d arg; the
kernels multiply it by the output cotangent. Constants are made with ``T`` so
that float32 kernels stay in float32 (a Python float literal would silently
promote the arithmetic to float64 inside Numba).

This module imports only numpy: the functions here are plain Python, tested
as such, and jitted by :mod:`functrace.kernels.codegen` when a kernel needs them.

>>> d_tanh, = DERIVS["tanh"].make(np.float64)
>>> float(d_tanh(np.float64(0.5)))
0.75
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

Factory = Callable[[type], tuple]


@dataclass(frozen=True)
class ScalarDerivs:
    """The kernel-side description of one elementwise primitive.

    Attributes:
        name: the primitive's registry name.
        nargs: number of array arguments.
        saves: ``"in"``, ``"out"``, ``"both"`` or ``"none"`` (as in the registry).
        make: ``make(T)`` returns one derivative function per argument.
        passes: how many numpy passes the composite rule makes per argument
            (the cost model: fusing pays when a run saves at least one pass).
        pre: optional vectorised numpy pre-pass, ``pre(need, *saved)`` -> a
            tuple of arrays (or scalar placeholders for arguments whose
            ``need`` is False), used for dtypes in ``pre_dtypes`` when
            ``pre_when(*saved)`` (default: always); ``make_pre(T)`` then gives
            the derivatives as functions of the pre-pass outputs. It moves
            transcendental factors (exp, cosh, pow, ...) out of the loop: on
            the reference machine numpy's SIMD ufuncs compute them 5-20× faster
            than Numba's scalar libm calls (no SVML), except float64 sin/cos.
        pre_passes: numpy passes the pre-pass itself makes (for the cost model).
        heavy: dtypes whose in-loop derivative calls libm (float64 sin/cos):
            such compute-bound runs may use parallel kernels on large arrays.
    """

    name: str
    nargs: int
    saves: str
    make: Factory
    passes: int
    pre: Optional[Callable] = None
    make_pre: Optional[Factory] = None
    pre_dtypes: tuple = ()
    pre_when: Optional[Callable] = None
    pre_passes: int = 1
    heavy: tuple = ()


DERIVS: dict[str, ScalarDerivs] = {}


def _entry(name: str, nargs: int, saves: str, passes: int, **kw) -> Callable[[Factory], Factory]:
    def register(make: Factory) -> Factory:
        DERIVS[name] = ScalarDerivs(name, nargs, saves, make, passes, **kw)
        return make
    return register


# -- derivatives of pre-pass outputs (see ``ScalarDerivs.pre``) ----------------------------

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


BOTH = ("float32", "float64")


# -- arithmetic -------------------------------------------------------------------

@_entry("add", 2, "none", 0)
def _add(T):
    one = T(1)

    def add_d(): return one
    return add_d, add_d


@_entry("subtract", 2, "none", 1)
def _subtract(T):
    one, m_one = T(1), T(-1)

    def subtract_d0(): return one

    def subtract_d1(): return m_one
    return subtract_d0, subtract_d1


@_entry("negative", 1, "none", 1)
def _negative(T):
    m_one = T(-1)

    def negative_d(): return m_one
    return (negative_d,)


@_entry("multiply", 2, "in", 1)
def _multiply(T):
    def multiply_d0(x, y): return y

    def multiply_d1(x, y): return x
    return multiply_d0, multiply_d1


@_entry("divide", 2, "both", 2)
def _divide(T):
    one = T(1)

    def divide_d0(x, y, out): return one / y

    def divide_d1(x, y, out): return -out / y
    return divide_d0, divide_d1


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


@_entry("power", 2, "both", 4, pre=_power_pre, make_pre=_identity2, pre_dtypes=BOTH,
        pre_when=_power_needs_pow, pre_passes=8)
def _power(T):
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


@_entry("square", 1, "in", 2)
def _square(T):
    two = T(2)

    def square_d(x): return two * x
    return (square_d,)


@_entry("sqrt", 1, "out", 2)
def _sqrt(T):
    half = T(0.5)

    def sqrt_d(out): return half / out
    return (sqrt_d,)


@_entry("cbrt", 1, "out", 4)
def _cbrt(T):
    one, three = T(1), T(3)

    def cbrt_d(out): return one / (three * out * out)
    return (cbrt_d,)


@_entry("reciprocal", 1, "out", 3)
def _reciprocal(T):
    def reciprocal_d(out): return -(out * out)
    return (reciprocal_d,)


@_entry("absolute", 1, "in", 2)
def _absolute(T):
    zero, one = T(0), T(1)

    def absolute_d(x):
        if x > zero:
            return one
        if x < zero:
            return -one
        return x * zero          # 0 at 0 (the documented kink), nan for nan
    return (absolute_d,)


# -- exponentials and logarithms ---------------------------------------------------------

@_entry("exp", 1, "out", 1)
def _exp(T):
    def exp_d(out): return out
    return (exp_d,)


@_entry("exp2", 1, "out", 2)
def _exp2(T):
    ln2 = T(math.log(2.0))

    def exp2_d(out): return out * ln2
    return (exp2_d,)


@_entry("expm1", 1, "out", 2)
def _expm1(T):
    one = T(1)

    def expm1_d(out): return out + one
    return (expm1_d,)


@_entry("log", 1, "in", 2)
def _log(T):
    one = T(1)

    def log_d(x): return one / x
    return (log_d,)


@_entry("log2", 1, "in", 3)
def _log2(T):
    one, ln2 = T(1), T(math.log(2.0))

    def log2_d(x): return one / (x * ln2)
    return (log2_d,)


@_entry("log10", 1, "in", 3)
def _log10(T):
    one, ln10 = T(1), T(math.log(10.0))

    def log10_d(x): return one / (x * ln10)
    return (log10_d,)


@_entry("log1p", 1, "in", 3)
def _log1p(T):
    one = T(1)

    def log1p_d(x): return one / (one + x)
    return (log1p_d,)


def _logaddexp_pre(need, x, y):
    """``expit(x - y)`` and ``expit(y - x)`` as the composite rule (``expit_p``) has them."""
    z = np.subtract(x, y)
    e = np.exp(-np.abs(z))
    big, small = 1.0 / (1.0 + e), e / (1.0 + e)
    ahead = z >= 0
    return np.where(ahead, big, small), np.where(ahead, small, big)


@_entry("logaddexp", 2, "in", 8, pre=_logaddexp_pre, make_pre=_identity2,
        pre_dtypes=BOTH, pre_passes=8)
def _logaddexp(T):
    one = T(1)

    def expit(z):
        if z >= 0:
            return one / (one + np.exp(-z))
        e = np.exp(z)
        return e / (one + e)

    def logaddexp_d0(x, y): return expit(x - y)

    def logaddexp_d1(x, y): return expit(y - x)
    return logaddexp_d0, logaddexp_d1


# -- trigonometric and hyperbolic -----------------------------------------------------------

@_entry("sin", 1, "in", 2, pre=lambda need, x: (np.cos(x),), make_pre=_identity,
        pre_dtypes=("float32",), heavy=("float64",))
def _sin(T):
    def sin_d(x): return np.cos(x)
    return (sin_d,)


@_entry("cos", 1, "in", 3, pre=lambda need, x: (np.sin(x),), make_pre=_negated,
        pre_dtypes=("float32",), heavy=("float64",))
def _cos(T):
    def cos_d(x): return -np.sin(x)
    return (cos_d,)


@_entry("tan", 1, "out", 3)
def _tan(T):
    one = T(1)

    def tan_d(out): return one + out * out
    return (tan_d,)


@_entry("arcsin", 1, "in", 5)
def _arcsin(T):
    one = T(1)

    def arcsin_d(x): return one / np.sqrt(one - x * x)
    return (arcsin_d,)


@_entry("arccos", 1, "in", 5)
def _arccos(T):
    m_one, one = T(-1), T(1)

    def arccos_d(x): return m_one / np.sqrt(one - x * x)
    return (arccos_d,)


@_entry("arctan", 1, "in", 4)
def _arctan(T):
    one = T(1)

    def arctan_d(x): return one / (one + x * x)
    return (arctan_d,)


@_entry("arctan2", 2, "in", 5)
def _arctan2(T):
    def arctan2_d0(y, x): return x / (x * x + y * y)

    def arctan2_d1(y, x): return -y / (x * x + y * y)
    return arctan2_d0, arctan2_d1


@_entry("sinh", 1, "in", 2, pre=lambda need, x: (np.cosh(x),), make_pre=_identity,
        pre_dtypes=BOTH)
def _sinh(T):
    def sinh_d(x): return np.cosh(x)
    return (sinh_d,)


@_entry("cosh", 1, "in", 2, pre=lambda need, x: (np.sinh(x),), make_pre=_identity,
        pre_dtypes=BOTH)
def _cosh(T):
    def cosh_d(x): return np.sinh(x)
    return (cosh_d,)


@_entry("tanh", 1, "out", 3)
def _tanh(T):
    one = T(1)

    def tanh_d(out): return one - out * out
    return (tanh_d,)


@_entry("arcsinh", 1, "in", 5)
def _arcsinh(T):
    one = T(1)

    def arcsinh_d(x): return one / np.sqrt(x * x + one)
    return (arcsinh_d,)


@_entry("arccosh", 1, "in", 5)
def _arccosh(T):
    one = T(1)

    def arccosh_d(x): return one / np.sqrt(x * x - one)
    return (arccosh_d,)


@_entry("arctanh", 1, "in", 4)
def _arctanh(T):
    one = T(1)

    def arctanh_d(x): return one / (one - x * x)
    return (arctanh_d,)


# -- selection (ties split the gradient evenly, as the composite rules do) ------------------

def _selection(T, greater: bool, nan_aware: bool) -> tuple:
    """Weights of a two-way selection: 1 for the winner, 1/2 each on a tie, 0 else.

    ``greater`` picks maximum-like (else minimum-like) selection; with
    ``nan_aware`` (fmax, fmin) an argument wins when only the other is nan.
    """
    zero, half, one = T(0), T(0.5), T(1)

    def select_d0(x, y):
        if nan_aware and np.isnan(y) and not np.isnan(x):
            return one
        if (x > y) if greater else (x < y):
            return one
        return half if x == y else zero

    def select_d1(x, y):
        if nan_aware and np.isnan(x) and not np.isnan(y):
            return one
        if (y > x) if greater else (y < x):
            return one
        return half if x == y else zero
    return select_d0, select_d1


def _selection_factory(greater: bool, nan_aware: bool) -> Factory:
    return lambda T: _selection(T, greater, nan_aware)


for _name, _greater, _nan_aware in (("maximum", True, False), ("minimum", False, False),
                                    ("fmax", True, True), ("fmin", False, True)):
    DERIVS[_name] = ScalarDerivs(_name, 2, "in", _selection_factory(_greater, _nan_aware), 3)


@_entry("hypot", 2, "both", 4)
def _hypot(T):
    zero = T(0)

    def hypot_d0(x, y, out): return zero if out == zero else x / out

    def hypot_d1(x, y, out): return zero if out == zero else y / out
    return hypot_d0, hypot_d1


@_entry("clip", 3, "in", 3)
def _clip(T):
    zero, one = T(0), T(1)

    def clip_d0(x, lo, hi): return one if lo <= x <= hi else zero

    def clip_d1(x, lo, hi): return one if x < lo else zero

    def clip_d2(x, lo, hi): return one if x > hi else zero
    return clip_d0, clip_d1, clip_d2


# -- special functions and activations ---------------------------------------------------------

@_entry("relu", 1, "out", 2)
def _relu(T):
    zero, one = T(0), T(1)

    def relu_d(out): return one if out > zero else zero
    return (relu_d,)


@_entry("expit", 1, "out", 3)
def _expit(T):
    one = T(1)

    def expit_d(out): return out * (one - out)
    return (expit_d,)


def _gaussian_pre(need, x):
    g = np.square(x)
    np.negative(g, out=g)
    return (np.exp(g, out=g),)


def _scaled(scale: float) -> Factory:
    def make(T):
        c = T(scale)

        def pre_scaled_d(e): return c * e
        return (pre_scaled_d,)
    return make


@_entry("erf", 1, "in", 4, pre=_gaussian_pre, make_pre=_scaled(2.0 / math.sqrt(math.pi)),
        pre_dtypes=BOTH, pre_passes=3)
def _erf(T):
    scale = T(2.0 / math.sqrt(math.pi))

    def erf_d(x): return scale * np.exp(-(x * x))
    return (erf_d,)


@_entry("erfc", 1, "in", 5, pre=_gaussian_pre, make_pre=_scaled(-2.0 / math.sqrt(math.pi)),
        pre_dtypes=BOTH, pre_passes=3)
def _erfc(T):
    scale = T(-2.0 / math.sqrt(math.pi))

    def erfc_d(x): return scale * np.exp(-(x * x))
    return (erfc_d,)
