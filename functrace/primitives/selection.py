"""Elementwise selection: where, maximum, minimum, fmax, fmin, clip, relu.

Kinks are deterministic: ties in maximum/minimum (and fmax, fmin) split the
gradient evenly; fmax/fmin give the whole gradient to the argument that is not
NaN; clip passes the gradient at its bounds to ``x`` (as PyTorch's clamp does);
``relu'(0) = 0``. The derivatives are constant 0/1 (1/2) weights built from the
non-differentiable comparison primitives, so that they stay batched under
``vmap``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete
from ..registry import defelementwise, defprimitive
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


maximum_p = defelementwise("maximum", np.maximum, (
    _max_weight, lambda x, y, out: _max_weight(y, x, out)))
minimum_p = defelementwise("minimum", np.minimum, (
    _min_weight, lambda x, y, out: _min_weight(y, x, out)))
fmax_p = defelementwise("fmax", np.fmax, (
    _fmax_weight, lambda x, y, out: _fmax_weight(y, x, out)))
fmin_p = defelementwise("fmin", np.fmin, (
    _fmin_weight, lambda x, y, out: _fmin_weight(y, x, out)))

# -- clip, relu -----------------------------------------------------------------------


def _clip_dx(x, lo, hi, out):
    inside = N.logical_and_p.bind(N.greater_equal_p.bind(x, lo), N.less_equal_p.bind(x, hi))
    return _weights(inside, x)


def _clip_dlo(x, lo, hi, out):
    return _weights(N.less_p.bind(x, lo), x, lo)


def _clip_dhi(x, lo, hi, out):
    return _weights(N.greater_p.bind(x, hi), x, hi)


clip_p = defelementwise("clip", np.clip, (_clip_dx, _clip_dlo, _clip_dhi))


def _relu_impl(x: Any) -> Any:
    return np.maximum(x, 0)


def _relu_deriv(x: Any, out: Any) -> Any:
    # relu'(0) = 0. A non-differentiable primitive, not numpy on concrete(out), so
    # that the mask stays batched under vmap.
    return N.astype_int_p.bind(N.greater_p.bind(out, 0), dtype=np.result_type(concrete(out)))


relu_p = defelementwise("relu", _relu_impl, (_relu_deriv,), saves="out")
