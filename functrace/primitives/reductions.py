"""Reductions along axes, and broadcasting (their transpose).

``axes`` is always a normalised tuple of non-negative ints. ``broadcast_to`` and
:func:`sum_to_shape` are each other's transposes; :func:`sum_to_shape` is the one
function that undoes broadcasting, called by the backward pass after every rule of
a broadcasting primitive.

max/min reductions split the cotangent evenly among tied maxima (minima).
``logsumexp`` is stable for any finite input and for infinities.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import concrete
from ..registry import deflinear, defprimitive, zeros_like_value
from ..tape import shape_of as _shape
from .arithmetic import absolute_p
from .batch_rules import pad_after_batch, shape_of, to_front
from .nondiff import astype_int_p, equal_p, greater_p, isfinite_p, less_p, stop_gradient_p
from .selection import where_p
from .shape_ops import flip_p, reshape_p
from .transcendental import exp_p, log_p


def kept_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced ``axes`` kept as size-1 dimensions."""
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


# -- broadcasting and its transpose ---------------------------------------------------

def _broadcast_to_vjp(ct, ins, out, argnum, shape):
    return sum_to_shape(ct, np.shape(ins[0]))


def _broadcast_to_batch(args, dims, shape):
    x = pad_after_batch(to_front(args[0], dims[0]), len(shape))
    return broadcast_to_p.bind(x, shape=shape_of(x)[:1] + tuple(shape)), 0


def _broadcast_to_impl(x, shape):
    """A read-only broadcast view, built directly when that is easy (np.broadcast_to
    costs ~2.5 us of Python per call, the direct view ~0.5 us)."""
    if isinstance(x, np.generic):        # a 0-d result of numpy arithmetic (a cotangent)
        x = np.asarray(x)
    if type(x) is np.ndarray and x.flags.c_contiguous and x.ndim <= len(shape):
        lead = len(shape) - x.ndim
        if all(d == t or d == 1 for d, t in zip(x.shape, shape[lead:])):
            strides = (0,) * lead + tuple(
                st if d == t else 0 for st, d, t in zip(x.strides, x.shape, shape[lead:]))
            view = np.ndarray(shape, x.dtype, x, 0, strides)
            view.flags.writeable = False
            return view
    return np.broadcast_to(x, shape)


broadcast_to_p = deflinear("broadcast_to", _broadcast_to_impl,
                           _broadcast_to_vjp, batch=_broadcast_to_batch)


def sum_to_shape(x: Any, shape: tuple) -> Any:
    """Sum ``x`` over the axes that broadcasting added to reach ``shape``.

    The single place where broadcasting is undone; built from differentiable
    primitives. A cotangent smaller than its input is broadcast up instead.
    """
    xshape = _shape(x)
    if xshape == shape:
        return x
    lead = len(xshape) - len(shape)
    if lead < 0 or any(d != 1 and d != xd for d, xd in zip(shape, xshape[lead:])):
        return broadcast_to_p.bind(x, shape=shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and xshape[lead + i] != 1)
    x = reduce_sum_p.bind(x, axes=axes, keepdims=False)
    if _shape(x) != shape:
        x = reshape_p.bind(x, shape=shape)
    return x


def batched_front(x: Any, d: Any, size: int) -> Any:
    """For batching rules: ``x`` batched along axis 0; an unbatched ``x`` is
    broadcast to the batch."""
    if d is None:
        return broadcast_to_p.bind(x, shape=(size,) + shape_of(x))
    return to_front(x, d)


def expand_back(ct, x_shape, axes, keepdims):
    """Reshape a reduced cotangent to keepdims form, then broadcast to ``x_shape`` (no
    reshape when only leading axes were reduced: broadcasting adds them back)."""
    if not keepdims and axes != tuple(range(len(axes))):
        ct = reshape_p.bind(ct, shape=kept_shape(x_shape, axes))
    return broadcast_to_p.bind(ct, shape=x_shape)


# -- sums, extrema, cumulative sums ---------------------------------------------------

def _reduce_sum_impl(x, axes, keepdims):
    if type(x) is np.ndarray:       # skip np.sum's Python-level wrapper (~1 us)
        return np.add.reduce(x, axis=axes, keepdims=keepdims)
    return np.sum(x, axis=axes, keepdims=keepdims)


def _reduce_sum_vjp(ct, ins, out, argnum, axes, keepdims):
    return expand_back(ct, np.shape(ins[0]), axes, keepdims)


reduce_sum_p = deflinear("reduce_sum", _reduce_sum_impl, _reduce_sum_vjp, batch="reduction")


# The mean as one primitive: the Tensor facade's ``mean`` (one node, as torch's
# MeanBackward0); the sum in the input's dtype, divided by the count.

def _count(shape: tuple, axes: tuple) -> int:
    return math.prod([shape[i] for i in axes])


def _reduce_mean_impl(x, axes, keepdims):
    return _reduce_sum_impl(x, axes, keepdims) / _count(np.shape(x), axes)


def _reduce_mean_vjp(ct, ins, out, argnum, axes, keepdims):
    shape = np.shape(ins[0])
    return expand_back(ct / _count(shape, axes), shape, axes, keepdims)


reduce_mean_p = deflinear("reduce_mean", _reduce_mean_impl, _reduce_mean_vjp,
                          batch="reduction")


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
    return expand_back(ct, np.shape(x), axes, keepdims) * weights


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


# -- logsumexp ----------------------------------------------------------------------------


def _logsumexp_impl(x: Any, axes: tuple, keepdims: bool) -> Any:
    x = np.asarray(x)
    m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros(kept_shape(x.shape, axes))
    if x.size and np.isfinite(m).all():   # fast path: the sum is >= 1, its log is finite
        out = np.log(np.add.reduce(np.exp(x - m), axis=axes, keepdims=True)) + m
    else:
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axes)


def max_as_constant(x: Any, axes: tuple) -> Any:
    """``max(x)`` over ``axes`` (kept as size-1 axes) as a constant, 0 where it is not
    finite: the shift that makes ``exp(x - m)`` overflow-free and keeps its largest
    entry exactly 1. Built from non-differentiable primitives (batched under vmap)."""
    m = reduce_max_p.bind(stop_gradient_p.bind(x), axes=axes, keepdims=True)
    return where_p.bind(isfinite_p.bind(m), m, np.zeros((), np.result_type(concrete(m))))


def _softmax_weights(x: Any, axes: tuple) -> Any:
    """The softmax of ``x`` over ``axes``, differentiable, from the shifted inputs.

    Not ``exp(x - logsumexp(x))``: ``logsumexp(x)`` is rounded to the precision of
    ``max(x)``, so that form is off by ``ulp(max x)`` in the exponent (weights
    ``[1, 1]`` at ``[1e17, 1e17]``; 2e-4 relative error at float32 logits near 1e4).
    """
    if 0 in np.shape(x):
        return zeros_like_value(x)
    e = exp_p.bind(x - max_as_constant(x, axes))
    return e / reduce_sum_p.bind(e, axes=axes, keepdims=True)


def _logsumexp_vjp(ct, ins, out, argnum, axes, keepdims):
    x = ins[0]
    return expand_back(ct, np.shape(x), axes, keepdims) * _softmax_weights(x, axes)


def _logsumexp_jvp(primals, tangents, out, axes, keepdims):
    weighted = tangents[0] * _softmax_weights(primals[0], axes)
    return reduce_sum_p.bind(weighted, axes=axes, keepdims=keepdims)


logsumexp_p = defprimitive("logsumexp", _logsumexp_impl, _logsumexp_vjp, _logsumexp_jvp,
                           batch="reduction")
