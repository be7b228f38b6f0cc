"""Elementwise primitives. Each derivative is written once; VJP and JVP derive from it.

Kinks are deterministic: d|x|/dx = 0 at 0; ties in maximum/minimum (and fmax,
fmin) split the gradient evenly; clip passes the gradient at its bounds to ``x``
(as PyTorch's clamp does). Under the zero guard (:mod:`functrace.numerics`)
multiply and divide, like every derived rule, keep exact zero cotangents zero.

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

from ..core import concrete, concrete_value
from ..numerics import GUARD, keep_zeros
from ..registry import defelementwise, defprimitive
from . import nondiff as N


def _dtype_of(*xs: Any) -> np.dtype:
    dt = np.result_type(*[concrete(x) for x in xs])
    return dt if dt.kind == "f" else np.dtype(np.float64)


def _weights(mask: Any, *like: Any) -> Any:
    """A constant 0/1 weight array in the floating dtype of ``like``.

    Masks are computed with the non-differentiable primitives rather than with
    numpy on ``concrete`` values, so they stay batched under ``vmap``.
    """
    return N.astype_int_p.bind(mask, dtype=_dtype_of(*like))


def _tie_weights(wins: Any, ties: Any, *like: Any) -> Any:
    """``wins + 0.5 * ties`` as a constant weight array (ties split the gradient)."""
    return _weights(wins, *like) + 0.5 * _weights(ties, *like)


# -- arithmetic ---------------------------------------------------------------

def _add_vjp(ct, ins, out, argnum):
    return ct


def _add_jvp(primals, tangents, out):
    tx, ty = tangents
    return ty if tx is None else tx if ty is None else tx + ty


add_p = defprimitive("add", np.add, _add_vjp, _add_jvp, saves="none", broadcasts=True,
                     batch="elementwise")


def _subtract_vjp(ct, ins, out, argnum):
    return ct if argnum == 0 else -ct


def _subtract_jvp(primals, tangents, out):
    tx, ty = tangents
    return -ty if tx is None else tx if ty is None else tx - ty


subtract_p = defprimitive("subtract", np.subtract, _subtract_vjp, _subtract_jvp,
                          saves="none", broadcasts=True, batch="elementwise")


def _multiply_vjp(ct, ins, out, argnum):
    g = ct * ins[1 - argnum]
    return keep_zeros(ct, g) if GUARD[0] else g


def _multiply_jvp(primals, tangents, out):
    (x, y), (tx, ty) = primals, tangents
    if tx is None:
        return _guarded(ty, x * ty)
    return _guarded(tx, tx * y) if ty is None else _guarded(tx, tx * y) + _guarded(ty, x * ty)


def _guarded(c, g):
    """``g``, a product or quotient of ``c``, under the zero guard (functrace.numerics)."""
    return keep_zeros(c, g) if GUARD[0] else g


multiply_p = defprimitive("multiply", np.multiply, _multiply_vjp, _multiply_jvp,
                          broadcasts=True, batch="elementwise")


def _divide_vjp(ct, ins, out, argnum):
    return _guarded(ct, ct / ins[1] if argnum == 0 else -ct * out / ins[1])


def _divide_jvp(primals, tangents, out):
    (x, y), (tx, ty) = primals, tangents
    if ty is None:
        return _guarded(tx, tx / y)
    t = _guarded(ty, -ty * out / y)
    return t if tx is None else _guarded(tx, tx / y) + t


divide_p = defprimitive("divide", np.divide, _divide_vjp, _divide_jvp, saves="both",
                        broadcasts=True, batch="elementwise")


def _negative_vjp(ct, ins, out, argnum):
    return -ct


def _negative_jvp(primals, tangents, out):
    return -tangents[0]


negative_p = defprimitive("negative", np.negative, _negative_vjp, _negative_jvp, saves="none",
                          batch="elementwise")


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
    dtype = _dtype_of(out)
    return where_p.bind(N.less_p.bind(y, 0), np.array(-np.inf, dtype), np.zeros((), dtype))


def _power_impl(x, y):
    # numpy's ``**`` (x ** 2 is a square, x ** 0.5 a sqrt, ...), not np.power: the rules
    # evaluate ``x ** k`` with the operator on plain arrays, and a jitted replay of the
    # same rule must give the same bits.
    return x ** y if isinstance(x, (np.ndarray, np.generic)) else np.power(x, y)


power_p = defelementwise("power", _power_impl, (_power_dx, _power_dy), saves="both")
square_p = defelementwise("square", np.square, (lambda x, out: 2.0 * x,))
sqrt_p = defelementwise("sqrt", np.sqrt, (lambda x, out: 0.5 / out,), saves="out")
cbrt_p = defelementwise("cbrt", np.cbrt, (lambda x, out: 1.0 / (3.0 * out * out),), saves="out")
reciprocal_p = defelementwise("reciprocal", np.reciprocal, (lambda x, out: -(out * out),),
                              saves="out")
absolute_p = defelementwise("absolute", np.absolute, (lambda x, out: _sign(x),))


def _sign(x):
    from .nondiff import sign_p
    return sign_p.bind(x)


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


def _logaddexp_dx(x, y, out):
    """``expit(x - y)``: exact where ``exp(x - out)`` is off by ``ulp(out)`` (it gives
    1, not 1/2, at ``x = y = 1e17``) and defined at ``x = inf, y`` finite."""
    from .special import expit_p     # special.py imports this module
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

# -- selection ----------------------------------------------------------------------


def _max_weight(x, y, out):
    return _tie_weights(N.greater_p.bind(x, y), N.equal_p.bind(x, y), x, y)


def _min_weight(x, y, out):
    return _tie_weights(N.less_p.bind(x, y), N.equal_p.bind(x, y), x, y)


def _nan_only_in(y, x):
    """Where ``y`` is NaN and ``x`` is not: fmax/fmin pick ``x`` there."""
    return N.logical_and_p.bind(N.isnan_p.bind(y), N.logical_not_p.bind(N.isnan_p.bind(x)))


def _fmax_weight(x, y, out):
    wins = N.logical_or_p.bind(N.greater_p.bind(x, y), _nan_only_in(y, x))
    return _tie_weights(wins, N.equal_p.bind(x, y), x, y)


def _fmin_weight(x, y, out):
    wins = N.logical_or_p.bind(N.less_p.bind(x, y), _nan_only_in(y, x))
    return _tie_weights(wins, N.equal_p.bind(x, y), x, y)


maximum_p = defelementwise("maximum", np.maximum, (
    _max_weight, lambda x, y, out: _max_weight(y, x, out)))
minimum_p = defelementwise("minimum", np.minimum, (
    _min_weight, lambda x, y, out: _min_weight(y, x, out)))
fmax_p = defelementwise("fmax", np.fmax, (
    _fmax_weight, lambda x, y, out: _fmax_weight(y, x, out)))
fmin_p = defelementwise("fmin", np.fmin, (
    _fmin_weight, lambda x, y, out: _fmin_weight(y, x, out)))


def _safe_ratio(a, out):
    """a / out, taken as 0 where out == 0 (the kink of hypot at the origin)."""
    zero = N.equal_p.bind(out, 0.0)
    return where_p.bind(zero, 0.0, a / where_p.bind(zero, 1.0, out))


hypot_p = defelementwise("hypot", np.hypot, (
    lambda x, y, out: _safe_ratio(x, out),
    lambda x, y, out: _safe_ratio(y, out)), saves="both")


def _clip_dx(x, lo, hi, out):
    inside = N.logical_and_p.bind(N.greater_equal_p.bind(x, lo), N.less_equal_p.bind(x, hi))
    return _weights(inside, x)


def _clip_dlo(x, lo, hi, out):
    return _weights(N.less_p.bind(x, lo), x, lo)


def _clip_dhi(x, lo, hi, out):
    return _weights(N.greater_p.bind(x, hi), x, hi)


clip_p = defelementwise("clip", np.clip, (_clip_dx, _clip_dlo, _clip_dhi))


def _where_vjp(ct, ins, out, argnum):
    if argnum == 0:
        return None
    cond = ins[0]     # not concrete(): under vmap the condition is batched
    zero = np.zeros((), dtype=np.result_type(concrete(ct)))
    return where_p.bind(cond, ct, zero) if argnum == 1 else where_p.bind(cond, zero, ct)


def _where_jvp(primals, tangents, out):
    _, tx, ty = tangents
    if tx is None and ty is None:
        return None
    cond, x, y = primals
    tx = np.zeros((), dtype=_dtype_of(out)) if tx is None else tx
    ty = np.zeros((), dtype=_dtype_of(out)) if ty is None else ty
    return where_p.bind(cond, tx, ty)


where_p = defprimitive("where", np.where, _where_vjp, _where_jvp, broadcasts=True,
                       batch="elementwise")
