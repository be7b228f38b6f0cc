"""Linear-algebra primitives."""
from __future__ import annotations

import numpy as np

from ..registry import defprimitive
from .shape_ops import reshape_p, transpose_p


def swap_last_two(a):
    """``a`` with its last two axes exchanged (differentiable)."""
    nd = np.ndim(a)
    axes = tuple(range(nd - 2)) + (nd - 1, nd - 2)
    return transpose_p.bind(a, axes=axes)


def _matmul_vjp(ct, ins, out, argnum):
    x, y = ins
    xnd, ynd = np.ndim(x), np.ndim(y)
    if xnd == 1 and ynd == 1:
        return ct * (y if argnum == 0 else x)
    ct_shape = np.shape(ct)
    if xnd == 1:                      # out (..., n): restore the row axis
        ct = reshape_p.bind(ct, shape=ct_shape[:-1] + (1, ct_shape[-1]))
    elif ynd == 1:                    # out (..., m): restore the column axis
        ct = reshape_p.bind(ct, shape=ct_shape + (1,))
    if argnum == 0:
        y2 = reshape_p.bind(y, shape=(1, np.shape(y)[0])) if ynd == 1 else swap_last_two(y)
        g = matmul_p.bind(ct, y2)                 # (..., m, k)
        if xnd == 1:
            g = reshape_p.bind(g, shape=np.shape(g)[:-2] + np.shape(g)[-1:])
        return g
    x2 = reshape_p.bind(x, shape=(np.shape(x)[0], 1)) if xnd == 1 else swap_last_two(x)
    g = matmul_p.bind(x2, ct)                     # (..., k, n)
    if ynd == 1:
        g = reshape_p.bind(g, shape=np.shape(g)[:-1])
    return g


def _matmul_jvp(primals, tangents, out):
    (x, y), (tx, ty) = primals, tangents
    if tx is None:
        return matmul_p.bind(x, ty)
    if ty is None:
        return matmul_p.bind(tx, y)
    return matmul_p.bind(tx, y) + matmul_p.bind(x, ty)


matmul_p = defprimitive("matmul", np.matmul, _matmul_vjp, _matmul_jvp, broadcasts=True)
