"""Product-like primitives: einsum, diagonals, products and cumulative products.

* ``einsum`` takes canonical subscripts (explicit output, no ellipsis, no size-1
  broadcasting; :func:`functrace.numpy.einsum` canonicalises). Its VJP is an
  einsum of the cotangent with the other operands; repeated indices of the
  operand (diagonals, traces) are rebuilt with constant identity matrices and
  indices summed out of that operand alone are restored by ``broadcast_to``.
* ``diagonal`` / ``embed_diagonal`` are each other's transpose.
* ``reduce_prod`` and ``cumprod`` never divide by the input, so their gradients
  are exact when the input contains zeros (one or several): the partials of a
  product are "exclusive" products from the left and right, and the VJP of
  ``cumprod`` is a log-depth affine scan made of differentiable ops.
"""
from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..core import concrete
from ..registry import deflinear, defprimitive
from . import batch_rules as B
from .indexing import concatenate_p, getitem_p
from .reductions import broadcast_to_p, expand_back, reduce_sum_p
from .shape_ops import flip_p, reshape_p, transpose_p


def _dtype(x: Any) -> np.dtype:
    return np.result_type(concrete(x))


# -- einsum ------------------------------------------------------------------------

def split_subscripts(subscripts: str) -> tuple:
    """``"ij,jk->ik"`` -> ``(["ij", "jk"], "ik")``."""
    ins, out = subscripts.split("->")
    return ins.split(","), out


def _einsum_impl(*operands: Any, subscripts: str, optimize: Any) -> Any:
    return np.einsum(subscripts, *operands, optimize=optimize)


def _bind_einsum(ops: list, subs: list, out_sub: str, optimize: Any) -> Any:
    if len(ops) == 1 and subs[0] == out_sub:
        return ops[0]
    return einsum_p.bind(*ops, subscripts=",".join(subs) + "->" + out_sub, optimize=optimize)


def _einsum_vjp(ct, ins, out, argnum, subscripts, optimize):
    in_subs, out_sub = split_subscripts(subscripts)
    target, x_shape = in_subs[argnum], np.shape(ins[argnum])
    ops = [ct] + [x for j, x in enumerate(ins) if j != argnum]
    subs = [out_sub] + [s for j, s in enumerate(in_subs) if j != argnum]
    fresh = iter(c for c in string.ascii_letters if c not in subscripts)
    labels: list = []
    for c, n in zip(target, x_shape):
        if c in labels:             # repeated index: x[i, i] -> delta(i, i')
            f = next(fresh)
            ops.append(np.eye(n, dtype=_dtype(ct)))
            subs.append(c + f)
            c = f
        labels.append(c)
    present = set("".join(subs))
    reduced = "".join(c for c in labels if c in present)
    g = _bind_einsum(ops, subs, reduced, optimize)
    if len(reduced) == len(labels):
        return g
    kept = tuple(n if c in present else 1 for c, n in zip(labels, x_shape))
    return broadcast_to_p.bind(reshape_p.bind(g, shape=kept), shape=x_shape)


def _einsum_jvp(primals, tangents, out, subscripts, optimize):
    t_out = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        args = list(primals)
        args[i] = t
        term = einsum_p.bind(*args, subscripts=subscripts, optimize=optimize)
        t_out = term if t_out is None else t_out + term
    return t_out


def _einsum_batch(args, dims, subscripts, optimize):
    """A fresh label for the batch axis, in place in each batched operand."""
    in_subs, out_sub = split_subscripts(subscripts)
    b = next(c for c in string.ascii_letters if c not in subscripts)
    subs = [s if d is None else s[:d] + b + s[d:] for s, d in zip(in_subs, dims)]
    return einsum_p.bind(*args, subscripts=",".join(subs) + "->" + b + out_sub,
                         optimize=optimize), 0


einsum_p = defprimitive("einsum", _einsum_impl, _einsum_vjp, _einsum_jvp, batch=_einsum_batch)


# -- diagonals ---------------------------------------------------------------------

def _diagonal_vjp(ct, ins, out, argnum, offset, axis1, axis2):
    return embed_diagonal_p.bind(ct, offset=offset, axis1=axis1, axis2=axis2,
                                 shape=np.shape(ins[0]))


def _diagonal_batch(args, dims, offset, axis1, axis2):
    d = dims[0]
    a1, a2 = axis1 + (axis1 >= d), axis2 + (axis2 >= d)
    out = diagonal_p.bind(args[0], offset=offset, axis1=a1, axis2=a2)
    return out, d - (a1 < d) - (a2 < d)     # numpy drops both axes, appends the diagonal


diagonal_p = deflinear(
    "diagonal", lambda x, offset, axis1, axis2: np.diagonal(x, offset, axis1, axis2),
    _diagonal_vjp, batch=_diagonal_batch)


def _embed_diagonal_impl(v, offset, axis1, axis2, shape):
    v = np.asarray(v)
    z = np.zeros(shape, dtype=v.dtype)
    zv = np.moveaxis(z, (axis1, axis2), (-2, -1))
    i = np.arange(v.shape[-1])
    zv[..., i + max(-offset, 0), i + max(offset, 0)] = v
    return z


def _embed_diagonal_vjp(ct, ins, out, argnum, offset, axis1, axis2, shape):
    return diagonal_p.bind(ct, offset=offset, axis1=axis1, axis2=axis2)


def _embed_diagonal_batch(args, dims, offset, axis1, axis2, shape):
    v = B.to_front(args[0], dims[0])
    return embed_diagonal_p.bind(v, offset=offset, axis1=axis1 + 1, axis2=axis2 + 1,
                                 shape=B.shape_of(v)[:1] + tuple(shape)), 0


embed_diagonal_p = deflinear("embed_diagonal", _embed_diagonal_impl, _embed_diagonal_vjp,
                             saves="none", batch=_embed_diagonal_batch)


# -- shifts and scans (helpers for the product rules) --------------------------------

def _shift(v: Any, d: int, axis: int, fill: float, left: bool) -> Any:
    """``v`` shifted by ``d`` along ``axis`` (towards index 0 if ``left``), padded with ``fill``."""
    shape = np.shape(v)
    pad_shape = shape[:axis] + (d,) + shape[axis + 1:]
    pad = np.full(pad_shape, fill, dtype=_dtype(v))
    head = (slice(None),) * axis
    if left:
        return concatenate_p.bind(getitem_p.bind(v, idx=head + (slice(d, None),)), pad, axis=axis)
    return concatenate_p.bind(pad, getitem_p.bind(v, idx=head + (slice(None, -d),)), axis=axis)


def affine_scan(a: Any, b: Any, axis: int, reverse: bool) -> Any:
    """``h[k] = b[k] + a[k] * h[k - 1]`` along ``axis`` (``h[k + 1]`` if ``reverse``).

    Computed in ``ceil(log2 n)`` vectorised doubling steps of differentiable
    ops (Hillis-Steele), with no division: exact when ``a`` has zeros.
    """
    n = np.shape(b)[axis]
    d = 1
    while d < n:
        b = b + a * _shift(b, d, axis, 0.0, reverse)
        if 2 * d < n:
            a = a * _shift(a, d, axis, 0.0, reverse)
        d *= 2
    return b


# -- cumprod -----------------------------------------------------------------------

def _exclusive_cumprod(out: Any, axis: int) -> Any:
    """``prod(x[:k])`` at position k, from the saved ``cumprod`` output."""
    return _shift(out, 1, axis, 1.0, left=False)


def _cumprod_vjp(ct, ins, out, argnum, axis):
    x = ins[0]
    if np.shape(x)[axis] == 0:
        return ct
    h = affine_scan(_shift(x, 1, axis, 0.0, left=True), ct, axis, reverse=True)
    return _exclusive_cumprod(out, axis) * h


def _cumprod_jvp(primals, tangents, out, axis):
    x, t = primals[0], tangents[0]
    if np.shape(x)[axis] == 0:
        return t
    return affine_scan(x, t * _exclusive_cumprod(out, axis), axis, reverse=False)


cumprod_p = defprimitive("cumprod", lambda x, axis: np.cumprod(x, axis=axis),
                         _cumprod_vjp, _cumprod_jvp, saves="both", batch="axis")


# -- reduce_prod -------------------------------------------------------------------

def _prod_partials(x: Any, axes: tuple) -> Any:
    """d prod(x, axes) / dx: the product of all the *other* reduced elements."""
    shape = np.shape(x)
    rest = [i for i in range(len(shape)) if i not in axes]
    perm = tuple(rest) + tuple(axes)
    moved = transpose_p.bind(x, axes=perm) if perm != tuple(range(len(shape))) else x
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    flat_shape = tuple(shape[i] for i in rest) + (n,)
    flat = reshape_p.bind(moved, shape=flat_shape)
    last = len(flat_shape) - 1
    left = cumprod_p.bind(_shift(flat, 1, last, 1.0, left=False), axis=last)
    right_in = flip_p.bind(_shift(flat, 1, last, 1.0, left=True), axes=(last,))
    right = flip_p.bind(cumprod_p.bind(right_in, axis=last), axes=(last,))
    w = reshape_p.bind(left * right, shape=np.shape(moved))
    if moved is x:
        return w
    return transpose_p.bind(w, axes=tuple(np.argsort(perm)))


def _reduce_prod_vjp(ct, ins, out, argnum, axes, keepdims):
    x = ins[0]
    if 0 in np.shape(x):
        return None
    return expand_back(ct, np.shape(x), axes, keepdims) * _prod_partials(x, axes)


def _reduce_prod_jvp(primals, tangents, out, axes, keepdims):
    x, t = primals[0], tangents[0]
    if 0 in np.shape(x):
        return None
    return reduce_sum_p.bind(t * _prod_partials(x, axes), axes=axes, keepdims=keepdims)


reduce_prod_p = defprimitive(
    "reduce_prod", lambda x, axes, keepdims: np.prod(x, axis=axes, keepdims=keepdims),
    _reduce_prod_vjp, _reduce_prod_jvp, batch="reduction")
