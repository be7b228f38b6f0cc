"""Elementwise arithmetic: add, subtract, multiply, divide, negative, square, sqrt,
cbrt, reciprocal, absolute, hypot.

Each derivative is written once; the VJP and JVP derive from it (add, subtract,
multiply, divide and negative spell their rules out: they are the hottest ops
and need no multiplication by a derivative of 1). Kinks are deterministic:
d|x|/dx = 0 at 0, and hypot's gradient at the origin is 0. Under the zero guard
(:mod:`functrace.numerics`) multiply and divide, like every derived rule, keep
exact zero cotangents zero.
"""
from __future__ import annotations

import numpy as np

from ..numerics import GUARD, keep_zeros
from ..registry import defelementwise, defprimitive
from .nondiff import equal_p, sign_p
from .selection import where_p


def _guarded(c, g):
    """``g``, a product or quotient of ``c``, under the zero guard (functrace.numerics)."""
    return keep_zeros(c, g) if GUARD[0] else g


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

square_p = defelementwise("square", np.square, (lambda x, out: 2.0 * x,))
sqrt_p = defelementwise("sqrt", np.sqrt, (lambda x, out: 0.5 / out,), saves="out")
cbrt_p = defelementwise("cbrt", np.cbrt, (lambda x, out: 1.0 / (3.0 * out * out),), saves="out")
reciprocal_p = defelementwise("reciprocal", np.reciprocal, (lambda x, out: -(out * out),),
                              saves="out")
absolute_p = defelementwise("absolute", np.absolute, (lambda x, out: sign_p.bind(x),))


def _safe_ratio(a, out):
    """a / out, taken as 0 where out == 0 (the kink of hypot at the origin)."""
    zero = equal_p.bind(out, 0.0)
    return where_p.bind(zero, 0.0, a / where_p.bind(zero, 1.0, out))


hypot_p = defelementwise("hypot", np.hypot, (
    lambda x, y, out: _safe_ratio(x, out),
    lambda x, y, out: _safe_ratio(y, out)), saves="both")
