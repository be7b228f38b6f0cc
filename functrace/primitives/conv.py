"""Convolution primitives: ``conv`` (cross-correlation, as in PyTorch) and its
transpose in the input, ``conv_transpose``; N-d, with stride, padding, dilation, groups.

* ``conv(x, w)``: ``x`` is ``(N, C, *spatial)``, ``w`` is ``(O, C // groups, *kernel)``,
  the result ``(N, O, *out)``. ``padding`` holds one ``(low, high)`` pair per
  spatial axis (zeros).
* ``conv_transpose(y, w)``: the exact transpose of ``conv`` in ``x`` for the same
  ``w`` and parameters, with ``spatial`` the size of the result (which resolves
  the sizes that strides make ambiguous, i.e. PyTorch's ``output_padding``).

Both are bilinear, and every rule is one of the two primitives again:

* d conv / dx is ``conv_transpose`` of the cotangent; d conv_transpose / dy is ``conv``.
* d / dw of either is a ``conv`` of the input with the cotangent in swapped roles
  (channels become the batch, the batch becomes channels, stride and dilation
  trade places), so derivatives of every order stay convolutions.
* ``vmap`` folds a batched input into ``N`` and a batched weight into ``groups``.

The numpy implementations (im2col + BLAS) are in :mod:`functrace.primitives.windows`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import defprimitive
from . import batch_rules as B
from . import windows as W
from .indexing import getitem_p
from .reductions import batched_front
from .shape_ops import reshape_p, transpose_p


def _shape(x: Any) -> tuple:
    return B.shape_of(x)


def _swap01(x: Any) -> Any:
    """``x`` with its first two axes exchanged."""
    return transpose_p.bind(x, axes=(1, 0) + tuple(range(2, len(_shape(x)))))


def weight_grad(x: Any, ct: Any, kernel: tuple, stride: tuple, padding: tuple,
                dilation: tuple, groups: int) -> Any:
    """``dw[o, c, k] = sum_{n, p} ct[n, o, p] x[n, c, p * stride + k * dilation - low]``,
    the weight cotangent of ``conv(x, w) -> ct`` (and of ``conv_transpose(ct, w) -> x``).

    Computed as ``conv`` of ``x`` arranged ``(C / g, g * N, ...)`` with ``ct``
    arranged ``(O, N, ...)`` in ``groups`` groups, stride and dilation swapped;
    the result can be longer than ``kernel`` when the stride skips the end of
    the padded input, and is cropped.
    """
    n, c = _shape(x)[:2]
    spatial = _shape(x)[2:]
    cg = c // groups
    if groups == 1:
        xs = _swap01(x)
    else:
        xs = reshape_p.bind(x, shape=(n, groups, cg) + spatial)
        xs = transpose_p.bind(xs, axes=(2, 1, 0) + tuple(range(3, 3 + len(spatial))))
        xs = reshape_p.bind(xs, shape=(cg, groups * n) + spatial)
    g = conv_p.bind(xs, _swap01(ct), stride=dilation, padding=padding, dilation=stride,
                    groups=groups)
    g = _swap01(g)                                       # (O, C / g, *K')
    if tuple(_shape(g)[2:]) != tuple(kernel):
        g = getitem_p.bind(g, idx=(slice(None), slice(None)) + tuple(slice(0, k)
                                                                      for k in kernel))
    return g


# -- conv ------------------------------------------------------------------------------

def _conv_impl(x, w, stride, padding, dilation, groups):
    return W.conv(np.asarray(x), np.asarray(w), stride, padding, dilation, groups)


def _conv_vjp(ct, ins, out, argnum, stride, padding, dilation, groups):
    x, w = ins
    if argnum == 0:
        return conv_transpose_p.bind(ct, w, stride=stride, padding=padding, dilation=dilation,
                                     groups=groups, spatial=tuple(_shape(x)[2:]))
    return weight_grad(x, ct, tuple(_shape(w)[2:]), stride, padding, dilation, groups)


def _bilinear_jvp(prim, primals, tangents, params):
    """``prim(tx, w) + prim(x, tw)``: both primitives are bilinear."""
    (x, w), (tx, tw) = primals, tangents
    t_out = None if tx is None else prim.bind(tx, w, **params)
    if tw is not None:
        term = prim.bind(x, tw, **params)
        t_out = term if t_out is None else t_out + term
    return t_out


def _conv_jvp(primals, tangents, out, **params):
    return _bilinear_jvp(conv_p, primals, tangents, params)


def _fold_batch(x: Any, d: Any) -> tuple:
    """A batched ``(B, N, C, ...)`` input (batch axis ``d``) as ``(B * N, C, ...)``."""
    x = B.to_front(x, d)
    shape = _shape(x)
    return reshape_p.bind(x, shape=(shape[0] * shape[1],) + shape[2:]), shape[0]


def _batch_into_groups(x: Any, dx: Any, w: Any, dw: Any, size: int, groups: int) -> tuple:
    """Batched weights ``(B, O, ...)``: the input's channels become ``B * C`` in
    ``B * groups`` groups and the weights ``(B * O, ...)``, so that example ``b``
    meets its own weights (``x`` is broadcast when it is not batched)."""
    x = batched_front(x, dx, size)                    # (B, N, C, ...)
    xs = _shape(x)
    x = B.moveaxis(x, 0, 1)                             # (N, B, C, ...)
    x = reshape_p.bind(x, shape=(xs[1], size * xs[2]) + xs[3:])
    w = B.to_front(w, dw)
    ws = _shape(w)
    w = reshape_p.bind(w, shape=(size * ws[1],) + ws[2:])
    return x, w, size * groups


def _bilinear_batch(prim, args, dims, groups, params):
    """A batched input only: fold the batch into ``N``; batched weights: into groups."""
    (x, w), (dx, dw) = args, dims
    if dw is None:
        x, size = _fold_batch(x, dx)
        out = prim.bind(x, w, groups=groups, **params)
        s = _shape(out)
        return reshape_p.bind(out, shape=(size, s[0] // size) + s[1:]), 0
    size = B.batch_size(args, dims)
    x, w, groups = _batch_into_groups(x, dx, w, dw, size, groups)
    out = prim.bind(x, w, groups=groups, **params)      # (N, B * O, ...)
    s = _shape(out)
    return reshape_p.bind(out, shape=(s[0], size, s[1] // size) + s[2:]), 1


def _conv_batch(args, dims, groups, **params):
    return _bilinear_batch(conv_p, args, dims, groups, params)


conv_p = defprimitive("conv", _conv_impl, _conv_vjp, _conv_jvp, batch=_conv_batch)


# -- conv_transpose --------------------------------------------------------------------

def _conv_transpose_impl(y, w, stride, padding, dilation, groups, spatial):
    return W.conv_transpose(np.asarray(y), np.asarray(w), stride, padding, dilation, groups,
                            spatial)


def _conv_transpose_vjp(ct, ins, out, argnum, stride, padding, dilation, groups, spatial):
    y, w = ins
    if argnum == 0:
        g = conv_p.bind(ct, w, stride=stride, padding=padding, dilation=dilation,
                        groups=groups)
        out_sp = tuple(_shape(y)[2:])
        if tuple(_shape(g)[2:]) != out_sp:   # an output padding of a stride or more
            g = getitem_p.bind(g, idx=(slice(None), slice(None)) + tuple(slice(0, m)
                                                                          for m in out_sp))
        return g
    return weight_grad(ct, y, tuple(_shape(w)[2:]), stride, padding, dilation, groups)


def _conv_transpose_jvp(primals, tangents, out, **params):
    return _bilinear_jvp(conv_transpose_p, primals, tangents, params)


def _conv_transpose_batch(args, dims, groups, **params):
    return _bilinear_batch(conv_transpose_p, args, dims, groups, params)


conv_transpose_p = defprimitive("conv_transpose", _conv_transpose_impl, _conv_transpose_vjp,
                                _conv_transpose_jvp, batch=_conv_transpose_batch)
