"""Reductions along axes. ``axes`` is always a normalised tuple of non-negative ints.

max/min reductions split the cotangent evenly among tied maxima (minima).
"""
from __future__ import annotations

import numpy as np

from ..core import concrete
from ..registry import deflinear, defprimitive
from .elementwise import absolute_p, exp_p, log_p, where_p
from .nondiff import astype_int_p, equal_p, greater_p, less_p, stop_gradient_p
from .shape_ops import broadcast_to_p, reshape_p, flip_p


def kept_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced ``axes`` kept as size-1 dimensions."""
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _expand_back(ct, x_shape, axes, keepdims):
    """Reshape a reduced cotangent to keepdims form, then broadcast to ``x_shape``."""
    if not keepdims:
        ct = reshape_p.bind(ct, shape=kept_shape(x_shape, axes))
    return broadcast_to_p.bind(ct, shape=x_shape)


def _reduce_sum_impl(x, axes, keepdims):
    if type(x) is np.ndarray:       # skip np.sum's Python-level wrapper (~1 us)
        return np.add.reduce(x, axis=axes, keepdims=keepdims)
    return np.sum(x, axis=axes, keepdims=keepdims)


def _reduce_sum_vjp(ct, ins, out, argnum, axes, keepdims):
    return _expand_back(ct, np.shape(ins[0]), axes, keepdims)


reduce_sum_p = deflinear("reduce_sum", _reduce_sum_impl, _reduce_sum_vjp, batch="reduction")


def _extremum_weights(x, out, axes, keepdims):
    """Constant weights: 1/count on each tied extremum, 0 elsewhere.

    Built from non-differentiable primitives on constants (not numpy on
    ``concrete`` values), so that the weights stay batched under ``vmap``.
    """
    out = stop_gradient_p.bind(out)
    if not keepdims:
        out = reshape_p.bind(out, shape=kept_shape(np.shape(x), axes))
    mask = astype_int_p.bind(equal_p.bind(x, out), dtype=np.result_type(concrete(x)))
    return mask / reduce_sum_p.bind(mask, axes=axes, keepdims=True)


def _reduce_extremum_vjp(ct, ins, out, argnum, axes, keepdims):
    x = ins[0]
    weights = _extremum_weights(x, out, axes, keepdims)
    return _expand_back(ct, np.shape(x), axes, keepdims) * weights


def _reduce_extremum_jvp(primals, tangents, out, axes, keepdims):
    weights = _extremum_weights(primals[0], out, axes, keepdims)
    return reduce_sum_p.bind(tangents[0] * weights, axes=axes, keepdims=keepdims)


reduce_max_p = defprimitive(
    "reduce_max", lambda x, axes, keepdims: np.max(x, axis=axes, keepdims=keepdims),
    _reduce_extremum_vjp, _reduce_extremum_jvp, saves="both", batch="reduction")
reduce_min_p = defprimitive(
    "reduce_min", lambda x, axes, keepdims: np.min(x, axis=axes, keepdims=keepdims),
    _reduce_extremum_vjp, _reduce_extremum_jvp, saves="both", batch="reduction")


def _cumsum_vjp(ct, ins, out, argnum, axis):
    flipped = flip_p.bind(ct, axes=(axis,))
    return flip_p.bind(cumsum_p.bind(flipped, axis=axis), axes=(axis,))


cumsum_p = deflinear("cumsum", lambda x, axis: np.cumsum(x, axis=axis), _cumsum_vjp,
                     saves="none", batch="axis")


# -- logcumsumexp: log(cumsum(exp(x))) along an axis, exactly (no shift to overflow) -------
# The rules split the cotangent (tangent) by sign and stay in log space, as PyTorch's
# (and TensorFlow's) do: d out_k / d x_j = exp(x_j - out_k) for j <= k, summed in log space
# by logcumsumexp itself, so they nest for higher derivatives.

def _logcumsumexp_impl(x, axis):
    x = np.asarray(x)
    return np.logaddexp.accumulate(x, axis=axis) if x.size else x.copy()


def _signed_log(c, positive):
    """``log|c|`` where ``c`` has the given sign, a huge negative number elsewhere (finite,
    so that no inf - inf appears in higher derivatives; a quarter of the dtype's lowest
    number, so that adding an output or input to it does not overflow)."""
    lowest = float(np.finfo(np.result_type(concrete(c))).min) / 4
    mask = greater_p.bind(c, 0.0) if positive else less_p.bind(c, 0.0)
    return where_p.bind(mask, log_p.bind(where_p.bind(mask, absolute_p.bind(c), 1.0)), lowest)


def _signed_scan(c, x, out, axis, reverse):
    """``sum_j c_j exp(x_j - out_k)`` over j <= k (over j >= k with ``reverse``)."""
    def scan(v):
        if not reverse:
            return logcumsumexp_p.bind(v, axis=axis)
        return flip_p.bind(logcumsumexp_p.bind(flip_p.bind(v, axes=(axis,)), axis=axis),
                           axes=(axis,))

    parts = []
    for positive in (True, False):
        log_c = _signed_log(c, positive)
        if reverse:     # the cotangent: sum over k >= j of c_k exp(x_j - out_k)
            parts.append(exp_p.bind(scan(log_c - out) + x))
        else:           # the tangent: sum over j <= k of t_j exp(x_j - out_k)
            parts.append(exp_p.bind(scan(log_c + x) - out))
    return parts[0] - parts[1]


def _logcumsumexp_vjp(ct, ins, out, argnum, axis):
    return _signed_scan(ct, ins[0], out, axis, reverse=True)


def _logcumsumexp_jvp(primals, tangents, out, axis):
    return _signed_scan(tangents[0], primals[0], out, axis, reverse=False)


logcumsumexp_p = defprimitive("logcumsumexp", _logcumsumexp_impl, _logcumsumexp_vjp,
                              _logcumsumexp_jvp, saves="both", batch="axis")
