"""Elementwise selection: where, maximum, minimum, fmax, fmin, clip, relu.

Kinks are deterministic: ties in maximum/minimum (and fmax, fmin) split the
gradient evenly; fmax/fmin give the whole gradient to the argument that is not
NaN; clip passes the gradient at its bounds to ``x`` (as PyTorch's clamp does);
``relu'(0) = 0``. The derivatives are constant 0/1 (1/2) weights built from the
non-differentiable comparison primitives, so that they stay batched under
``vmap``. Each ``kernel=`` gives the same weights as scalar functions for the
compiled backward kernels (see :class:`functrace.registry.KernelSpec`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete
from ..numerics import MASK_PRIMITIVES
from ..registry import KernelSpec, defelementwise, defprimitive
from . import nondiff as N


def dtype_of(*xs: Any) -> np.dtype:
    """The floating dtype of ``xs`` together (float64 for integers and bools)."""
    dt = np.result_type(*[concrete(x) for x in xs])
    return dt if dt.kind == "f" else np.dtype(np.float64)


def _weights(mask: Any, *like: Any) -> Any:
    """A constant 0/1 weight array in the floating dtype of ``like``.

    Masks are computed with the non-differentiable primitives rather than with
    numpy on ``concrete`` values, so they stay batched under ``vmap``.
    """
    return N.astype_int_p.bind(mask, dtype=dtype_of(*like))


def _tie_weights(wins: Any, ties: Any, *like: Any) -> Any:
    """``wins + 0.5 * ties`` as a constant weight array (ties split the gradient)."""
    return _weights(wins, *like) + 0.5 * _weights(ties, *like)


# -- where -------------------------------------------------------------------------

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
    tx = np.zeros((), dtype=dtype_of(out)) if tx is None else tx
    ty = np.zeros((), dtype=dtype_of(out)) if ty is None else ty
    return where_p.bind(cond, tx, ty)


where_p = defprimitive("where", np.where, _where_vjp, _where_jvp, broadcasts=True,
                       batch="elementwise")
MASK_PRIMITIVES.set(where_p, N.equal_p)     # the zero guard binds them (numerics)

# -- maximum, minimum, fmax, fmin ---------------------------------------------------


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


def _selection_kernel(greater: bool, nan_aware: bool) -> KernelSpec:
    """The scalar weights of a two-way selection: 1 for the winner, 1/2 each on a
    tie, 0 else; ``greater`` picks maximum-like (else minimum-like) selection, and
    with ``nan_aware`` (fmax, fmin) an argument wins when only the other is NaN."""
    def make(T):
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
    return KernelSpec(make, passes=3)


maximum_p = defelementwise("maximum", np.maximum, (
    _max_weight, lambda x, y, out: _max_weight(y, x, out)),
    kernel=_selection_kernel(greater=True, nan_aware=False))
minimum_p = defelementwise("minimum", np.minimum, (
    _min_weight, lambda x, y, out: _min_weight(y, x, out)),
    kernel=_selection_kernel(greater=False, nan_aware=False))
fmax_p = defelementwise("fmax", np.fmax, (
    _fmax_weight, lambda x, y, out: _fmax_weight(y, x, out)),
    kernel=_selection_kernel(greater=True, nan_aware=True))
fmin_p = defelementwise("fmin", np.fmin, (
    _fmin_weight, lambda x, y, out: _fmin_weight(y, x, out)),
    kernel=_selection_kernel(greater=False, nan_aware=True))

# -- clip, relu -----------------------------------------------------------------------


def _clip_dx(x, lo, hi, out):
    inside = N.logical_and_p.bind(N.greater_equal_p.bind(x, lo), N.less_equal_p.bind(x, hi))
    return _weights(inside, x)


def _clip_dlo(x, lo, hi, out):
    return _weights(N.less_p.bind(x, lo), x, lo)


def _clip_dhi(x, lo, hi, out):
    return _weights(N.greater_p.bind(x, hi), x, hi)


def _clip_kernel(T):
    zero, one = T(0), T(1)

    def clip_d0(x, lo, hi): return one if lo <= x <= hi else zero

    def clip_d1(x, lo, hi): return one if x < lo else zero

    def clip_d2(x, lo, hi): return one if x > hi else zero
    return clip_d0, clip_d1, clip_d2


clip_p = defelementwise("clip", np.clip, (_clip_dx, _clip_dlo, _clip_dhi),
                        kernel=KernelSpec(_clip_kernel, passes=3))


def _relu_impl(x: Any) -> Any:
    return np.maximum(x, 0)


def _relu_deriv(x: Any, out: Any) -> Any:
    # relu'(0) = 0. A non-differentiable primitive, not numpy on concrete(out), so
    # that the mask stays batched under vmap.
    return N.astype_int_p.bind(N.greater_p.bind(out, 0), dtype=np.result_type(concrete(out)))


def _relu_kernel(T):
    zero, one = T(0), T(1)

    def relu_d(out): return one if out > zero else zero
    return (relu_d,)


relu_p = defelementwise("relu", _relu_impl, (_relu_deriv,), saves="out",
                        kernel=KernelSpec(_relu_kernel, passes=2))
