"""Elementwise arithmetic: add, subtract, multiply, divide, negative, square, sqrt,
cbrt, reciprocal, absolute, hypot.

Each derivative is written once; the VJP and JVP derive from it (add, subtract,
multiply, divide and negative spell their rules out: they are the hottest ops
and need no multiplication by a derivative of 1). Kinks are deterministic:
d|x|/dx = 0 at 0 (and at complex 0), and hypot's gradient at the origin is 0. Under the zero guard
(:mod:`functrace.numerics`) multiply and divide, like every derived rule, keep
exact zero cotangents zero.

Each registry block's ``kernel=`` gives the same derivatives as scalar functions
of a float type ``T`` for the compiled backward kernels (see
:class:`functrace.registry.KernelSpec`).
"""
from __future__ import annotations

import numpy as np

from ..numerics import GUARD, keep_zeros
from ..registry import KernelSpec, defelementwise, defprimitive
from .complex_parts import conj, is_complex
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


def _add_kernel(T):
    one = T(1)

    def add_d(): return one
    return add_d, add_d


add_p = defprimitive("add", np.add, _add_vjp, _add_jvp, saves="none", broadcasts=True,
                     batch="elementwise", kernel=KernelSpec(_add_kernel, passes=0))


def _subtract_vjp(ct, ins, out, argnum):
    return ct if argnum == 0 else -ct


def _subtract_jvp(primals, tangents, out):
    tx, ty = tangents
    return -ty if tx is None else tx if ty is None else tx - ty


def _subtract_kernel(T):
    one, m_one = T(1), T(-1)

    def subtract_d0(): return one

    def subtract_d1(): return m_one
    return subtract_d0, subtract_d1


subtract_p = defprimitive("subtract", np.subtract, _subtract_vjp, _subtract_jvp,
                          saves="none", broadcasts=True, batch="elementwise",
                          kernel=KernelSpec(_subtract_kernel, passes=1))


def _multiply_vjp(ct, ins, out, argnum):
    g = ct * ins[1 - argnum]
    return keep_zeros(ct, g) if GUARD[0] else g


def _multiply_jvp(primals, tangents, out):
    (x, y), (tx, ty) = primals, tangents
    if tx is None:
        return _guarded(ty, x * ty)
    return _guarded(tx, tx * y) if ty is None else _guarded(tx, tx * y) + _guarded(ty, x * ty)


def _multiply_kernel(T):
    def multiply_d0(x, y): return y

    def multiply_d1(x, y): return x
    return multiply_d0, multiply_d1


multiply_p = defprimitive("multiply", np.multiply, _multiply_vjp, _multiply_jvp,
                          broadcasts=True, batch="elementwise",
                          kernel=KernelSpec(_multiply_kernel, passes=1))


def _divide_vjp(ct, ins, out, argnum):
    return _guarded(ct, ct / ins[1] if argnum == 0 else -ct * out / ins[1])


def _divide_jvp(primals, tangents, out):
    (_, y), (tx, ty) = primals, tangents
    if ty is None:
        return _guarded(tx, tx / y)
    t = _guarded(ty, -ty * out / y)
    return t if tx is None else _guarded(tx, tx / y) + t


def _divide_kernel(T):
    one = T(1)

    def divide_d0(x, y, out): return one / y

    def divide_d1(x, y, out): return -out / y
    return divide_d0, divide_d1


divide_p = defprimitive("divide", np.divide, _divide_vjp, _divide_jvp, saves="both",
                        broadcasts=True, batch="elementwise",
                        kernel=KernelSpec(_divide_kernel, passes=2))


def _negative_vjp(ct, ins, out, argnum):
    return -ct


def _negative_jvp(primals, tangents, out):
    return -tangents[0]


def _negative_kernel(T):
    m_one = T(-1)

    def negative_d(): return m_one
    return (negative_d,)


negative_p = defprimitive("negative", np.negative, _negative_vjp, _negative_jvp, saves="none",
                          batch="elementwise", kernel=KernelSpec(_negative_kernel, passes=1))

# -- powers and roots ------------------------------------------------------------------


def _square_kernel(T):
    two = T(2)

    def square_d(x): return two * x
    return (square_d,)


square_p = defelementwise("square", np.square, (lambda x, out: 2.0 * x,),
                          kernel=KernelSpec(_square_kernel, passes=2))


def _sqrt_kernel(T):
    half = T(0.5)

    def sqrt_d(out): return half / out
    return (sqrt_d,)


sqrt_p = defelementwise("sqrt", np.sqrt, (lambda x, out: 0.5 / out,), saves="out",
                        kernel=KernelSpec(_sqrt_kernel, passes=2))


def _cbrt_kernel(T):
    one, three = T(1), T(3)

    def cbrt_d(out): return one / (three * out * out)
    return (cbrt_d,)


cbrt_p = defelementwise("cbrt", np.cbrt, (lambda x, out: 1.0 / (3.0 * out * out),),
                        saves="out", kernel=KernelSpec(_cbrt_kernel, passes=4))


def _reciprocal_kernel(T):
    def reciprocal_d(out): return -(out * out)
    return (reciprocal_d,)


reciprocal_p = defelementwise("reciprocal", np.reciprocal, (lambda x, out: -(out * out),),
                              saves="out", kernel=KernelSpec(_reciprocal_kernel, passes=3))


def _absolute_kernel(T):
    zero, one = T(0), T(1)

    def absolute_d(x):
        if x > zero:
            return one
        if x < zero:
            return -one
        return x * zero          # 0 at 0 (the documented kink), nan for nan
    return (absolute_d,)


def _absolute_d(x, out):
    """sign(x); for complex z, conj(z) / |z| (df/dx - i df/dy, |z| being real-valued),
    0 at 0, differentiable (sign is a constant only for real x)."""
    if not is_complex(x):
        return sign_p.bind(x)
    r = absolute_p.bind(x)
    zero = equal_p.bind(r, 0.0)
    return conj(x) / where_p.bind(zero, 1.0, r)


absolute_p = defelementwise("absolute", np.absolute, (_absolute_d,),
                            kernel=KernelSpec(_absolute_kernel, passes=2))


def _safe_ratio(a, out):
    """a / out, taken as 0 where out == 0 (the kink of hypot at the origin)."""
    zero = equal_p.bind(out, 0.0)
    return where_p.bind(zero, 0.0, a / where_p.bind(zero, 1.0, out))


def _hypot_kernel(T):
    zero = T(0)

    def hypot_d0(x, y, out): return zero if out == zero else x / out

    def hypot_d1(x, y, out): return zero if out == zero else y / out
    return hypot_d0, hypot_d1


hypot_p = defelementwise("hypot", np.hypot, (
    lambda x, y, out: _safe_ratio(x, out),
    lambda x, y, out: _safe_ratio(y, out)), saves="both",
    kernel=KernelSpec(_hypot_kernel, passes=4))
