"""Primitives whose outputs are constants, and the piecewise-constant ones.

Comparisons, tests and ``argmax`` give constants: no gradient flows through
them. They are still primitives (not plain numpy calls) so that every
transform sees them, e.g. a batching trace can move their ``axis``.

Rounding (``sign``, ``floor``, ``ceil``, ``trunc``, ``rint``, ``round``) is
piecewise constant: its derivative is 0 wherever it exists, and its rules say
so with zeros (not ``None``), as JAX and PyTorch do. So a Tensor that requires
grad gets a node (``FloorBackward0``) whose gradient is zero, rather than a
constant that refuses ``backward()``.
"""
from __future__ import annotations

import operator

import numpy as np

from ..registry import defnondiff, defprimitive
from .batch_rules import shape_of, to_front
from .shape_ops import reshape_p

EW = "elementwise"   # the generic broadcasting batching rule (see .batch_rules)


def _zero_vjp(ct, ins, out, argnum, **params):
    return zeros_like_p.bind(ct)


def _zero_jvp(primals, tangents, out, **params):
    return zeros_like_p.bind(tangents[0])


def _piecewise_constant(name, impl):
    return defprimitive(name, impl, _zero_vjp, _zero_jvp, saves="none", batch=EW)


sign_p = _piecewise_constant("sign", np.sign)
floor_p = _piecewise_constant("floor", np.floor)
ceil_p = _piecewise_constant("ceil", np.ceil)
trunc_p = _piecewise_constant("trunc", np.trunc)
rint_p = _piecewise_constant("rint", np.rint)
round_p = _piecewise_constant("round", lambda x, decimals=0: np.round(x, decimals))

equal_p = defnondiff("equal", np.equal, batch=EW)
not_equal_p = defnondiff("not_equal", np.not_equal, batch=EW)
less_p = defnondiff("less", np.less, batch=EW)
less_equal_p = defnondiff("less_equal", np.less_equal, batch=EW)
greater_p = defnondiff("greater", np.greater, batch=EW)
greater_equal_p = defnondiff("greater_equal", np.greater_equal, batch=EW)
logical_and_p = defnondiff("logical_and", np.logical_and, batch=EW)
logical_or_p = defnondiff("logical_or", np.logical_or, batch=EW)
logical_xor_p = defnondiff("logical_xor", np.logical_xor, batch=EW)
logical_not_p = defnondiff("logical_not", np.logical_not, batch=EW)
isnan_p = defnondiff("isnan", np.isnan, batch=EW)
isfinite_p = defnondiff("isfinite", np.isfinite, batch=EW)
isinf_p = defnondiff("isinf", np.isinf, batch=EW)


def _arg_batch(p):
    """Batching rule of argmax/argmin/argsort: ``axis=None`` (the flattened array)
    flattens each example; an int axis is shifted past the batch axis."""
    def rule(args, dims, axis=Ellipsis, **params):
        if axis is Ellipsis:     # not given: the impl's default
            axis = -1 if p is argsort_p else None
        x, d = args[0], dims[0]
        shape = shape_of(x)
        if axis is None:
            x = to_front(x, d)
            flat = reshape_p.bind(x, shape=(shape[d], -1 if shape[d] else 0))
            if p is argsort_p:
                return p.bind(flat, axis=1, **params), 0
            keepdims = params.pop("keepdims", False)
            out = p.bind(flat, axis=1, keepdims=False, **params)
            if keepdims:   # numpy keeps every axis, as size 1
                out = reshape_p.bind(out, shape=(shape[d],) + (1,) * (len(shape) - 1))
            return out, 0
        a = operator.index(axis) % max(len(shape) - 1, 1)
        a += a >= d
        out_d = d if params.get("keepdims") or p is argsort_p or a > d else d - 1
        return p.bind(x, axis=a, **params), out_d
    rule.__name__ = f"_{p.name}_batch"
    return rule


argmax_p = defnondiff("argmax", lambda x, axis=None, keepdims=False:
                      np.argmax(x, axis=axis, keepdims=keepdims))
argmin_p = defnondiff("argmin", lambda x, axis=None, keepdims=False:
                      np.argmin(x, axis=axis, keepdims=keepdims))
argsort_p = defnondiff("argsort", lambda x, axis=-1, kind=None:
                       np.argsort(x, axis=axis, kind=kind))
argmax_p.batch = _arg_batch(argmax_p)
argmin_p.batch = _arg_batch(argmin_p)
argsort_p.batch = _arg_batch(argsort_p)
zeros_like_p = defnondiff("zeros_like", lambda x, dtype=None: np.zeros_like(x, dtype=dtype),
                          batch=EW)
ones_like_p = defnondiff("ones_like", lambda x, dtype=None: np.ones_like(x, dtype=dtype),
                         batch=EW)
full_like_p = defnondiff("full_like", lambda x, fill_value, dtype=None:
                         np.full_like(x, fill_value, dtype=dtype), batch=EW)
stop_gradient_p = defnondiff("stop_gradient", lambda x: x, batch=EW)
astype_int_p = defnondiff("astype_nonfloat", lambda x, dtype: np.asarray(x).astype(dtype),
                          batch=EW)

reduce_any_p = defnondiff("reduce_any", lambda x, axes, keepdims:
                          np.any(x, axis=axes, keepdims=keepdims), batch="reduction")
reduce_all_p = defnondiff("reduce_all", lambda x, axes, keepdims:
                          np.all(x, axis=axes, keepdims=keepdims), batch="reduction")
