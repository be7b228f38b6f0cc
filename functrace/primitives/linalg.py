"""Linear-algebra primitives: matmul, inv, det, slogdet, solve.

All accept stacks of matrices (leading batch axes). ``solve`` takes a matrix
right-hand side ``(..., M, K)`` (``functrace.numpy.linalg.solve`` turns a
vector into a column) and broadcasts batch axes; the backward pass reduces them.
The gradient of ``det`` is the cofactor matrix ``det(a) inv(a)^T``, computed
also where ``a`` is singular (as JAX and PyTorch do); ``slogdet``'s is
``inv(a)^T``, which is inf/nan there (no error).
"""
from __future__ import annotations

import numpy as np

from ..core import concrete, concrete_value
from ..registry import defprimitive, zeros_like_value
from . import batch_rules as B
from .arithmetic import multiply_p
from .complex_parts import imag_p, is_complex, real_p, real_part
from .indexing import concatenate_p, getitem_p
from .reductions import broadcast_to_p, reduce_sum_p
from .shape_ops import astype_p, reshape_p, transpose_p


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


def _matmul_batch(args, dims):
    """One GEMM where possible: a batch against an unbatched matrix is flattened
    into the rows (or columns) of one product; otherwise a stacked matmul."""
    (x, y), (dx, dy) = args, dims
    xnd = len(B.shape_of(x)) - (dx is not None)
    ynd = len(B.shape_of(y)) - (dy is not None)
    if dy is None and ynd <= 2:
        x = B.to_front(x, dx)                    # (B, ..., k) @ (k,) or (k, n)
        if ynd == 1:
            return matmul_p.bind(x, y), 0
        xs = B.shape_of(x)
        out = matmul_p.bind(reshape_p.bind(x, shape=(-1, xs[-1])), y)
        return reshape_p.bind(out, shape=xs[:-1] + B.shape_of(y)[-1:]), 0
    if dx is None and xnd <= 2 and ynd == 1:     # (k,) or (m, k) @ a batch of vectors
        y = B.to_front(y, dy)
        return matmul_p.bind(y, x if xnd == 1 else swap_last_two(x)), 0
    if dx is None and xnd == 1:                  # (k,) @ (B, ..., k, n)
        return matmul_p.bind(x, B.to_front(y, dy)), 0
    if dx is None and xnd == 2 and ynd == 2:     # (m, k) @ (B, k, n): (m, B * n) columns
        y = B.moveaxis(y, dy, 1)
        k, size, n = B.shape_of(y)
        out = matmul_p.bind(x, reshape_p.bind(y, shape=(k, size * n)))
        return reshape_p.bind(out, shape=(B.shape_of(x)[0], size, n)), 1
    return _stacked_matmul(x, y, dx, dy, xnd, ynd), 0


def _stacked_matmul(x, y, dx, dy, xnd, ynd):
    """Vectors become matrices, batch axes go first, stacks broadcast."""
    x, y = B.to_front(x, dx), B.to_front(y, dy)
    if xnd == 1:
        x = reshape_p.bind(x, shape=B.shape_of(x)[:-1] + (1,) + B.shape_of(x)[-1:])
    if ynd == 1:
        y = reshape_p.bind(y, shape=B.shape_of(y) + (1,))
    nd = max(xnd, ynd, 2)
    x = x if dx is None else B.pad_after_batch(x, nd)
    y = y if dy is None else B.pad_after_batch(y, nd)
    if B.shape_of(x)[-1] == 1:      # outer products (from VJPs): numpy's stacked matmul
        out = multiply_p.bind(x, y)  # loops over tiny GEMMs; broadcasting is much faster
    else:
        out = matmul_p.bind(x, y)
    shape = B.shape_of(out)
    if xnd == 1 or ynd == 1:
        keep = shape[:-2] + (() if xnd == 1 else shape[-2:-1]) + (() if ynd == 1 else shape[-1:])
        out = reshape_p.bind(out, shape=keep)
    return out


matmul_p = defprimitive("matmul", np.matmul, _matmul_vjp, _matmul_jvp, broadcasts=True,
                        batch=_matmul_batch)


# -- inverse, determinants -------------------------------------------------------------

def _inv_vjp(ct, ins, out, argnum):
    out_t = swap_last_two(out)
    return -matmul_p.bind(matmul_p.bind(out_t, ct), out_t)


def _inv_jvp(primals, tangents, out):
    return -matmul_p.bind(matmul_p.bind(out, tangents[0]), out)


inv_p = defprimitive("inv", np.linalg.inv, _inv_vjp, _inv_jvp, saves="out", batch="stacked")


# -- the cofactor matrix: the gradient of det ------------------------------------------

def _cofactor_impl(a):
    """``det(a) inv(a)^T`` for each matrix of a stack, by LU where ``det(a) != 0`` and
    by the SVD elsewhere: for ``a = U diag(s) V^T``, ``det(U) det(V) U diag(p) V^T``
    with ``p_i`` the product of all singular values but ``s_i`` (no division)."""
    a = np.asarray(a)
    if a.dtype.kind not in "fc":
        a = a.astype(np.float64)
    det = np.linalg.det(a)
    regular = np.isfinite(det) & (det != 0)
    if np.all(regular):
        return det[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)
    out = np.empty_like(a)
    if np.any(regular):
        out[regular] = _cofactor_impl(a[regular])
    u, s, vt = np.linalg.svd(a[~regular])
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.sign(np.linalg.det(u) * np.linalg.det(vt))
    if a.dtype.kind == "c":       # a^-T = conj(U) S^-1 conj(V^H) for a = U S V^H
        u, vt = u.conj(), vt.conj()
    out[~regular] = sign[..., None, None] * ((u * (before * after)[..., None, :]) @ vt)
    return out


def _cofactor_vjp(ct, ins, out, argnum):
    return _cofactor_hessian_product(ins[0], out, ct)


def _cofactor_jvp(primals, tangents, out):
    # The Jacobian of the cofactor map is the Hessian of det: symmetric, so the
    # JVP is the VJP applied to the tangent.
    return _cofactor_hessian_product(primals[0], out, tangents[0])


def _cofactor_hessian_product(a, cof, g):
    """``grad_a <g, cofactor(a)>``, written with differentiable primitives.

    Where every matrix of the stack is well-conditioned: ``<g, inv(a)^T> C - C g^T
    inv(a)^T`` (``C = cofactor(a)``); its two terms cancel near a singular matrix.
    Otherwise, for each column ``k``, ``-grad det`` of the bordered matrix
    ``[[a, g[:, k]], [e_k^T, 0]]`` (whose determinant is ``-e_k^T adj(a) g[:, k]``),
    summed over ``k``: no division, exact at any rank, n times the work.
    """
    if _well_conditioned(concrete_value(a)):
        inv_t = swap_last_two(inv_p.bind(a))
        return (_add_matrix_axes(_inner_of_matrices(g, inv_t)) * cof
                - matmul_p.bind(matmul_p.bind(cof, swap_last_two(g)), inv_t))
    shape = np.shape(a)
    nd, n = len(shape), shape[-1]
    stack = shape[:-2] + (n,)                         # one bordered matrix per column k
    a_k = broadcast_to_p.bind(reshape_p.bind(a, shape=shape[:-2] + (1, n, n)),
                              shape=stack + (n, n))
    g_k = reshape_p.bind(swap_last_two(g), shape=stack + (n, 1))    # g[..., :, k]
    e_k = np.concatenate([np.eye(n), np.zeros((n, 1))], axis=1).reshape(n, 1, n + 1)
    e_k = np.broadcast_to(e_k.astype(np.result_type(concrete(a))), stack + (1, n + 1))
    top = concatenate_p.bind(a_k, g_k, axis=nd)
    bordered = concatenate_p.bind(top, e_k, axis=nd - 1)
    corner = (slice(None),) * (nd - 1) + (slice(0, n), slice(0, n))
    grads = getitem_p.bind(cofactor_p.bind(bordered), idx=corner)
    return -reduce_sum_p.bind(grads, axes=(nd - 2,), keepdims=False)


def _well_conditioned(a) -> bool:
    """Whether each matrix has a 1-norm condition number below ``1/sqrt(eps)``, so that
    cancellation against ``inv(a)`` loses at most half the digits."""
    a = np.asarray(a)
    eps = np.finfo(a.dtype if a.dtype.kind in "fc" else np.float64).eps
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return False
    norm_a = np.max(np.sum(np.abs(a), axis=-2), axis=-1)
    norm_inv = np.max(np.sum(np.abs(inv), axis=-2), axis=-1)
    return bool(np.all(norm_a * norm_inv * np.sqrt(eps) < 1))


cofactor_p = defprimitive("cofactor", _cofactor_impl, _cofactor_vjp, _cofactor_jvp,
                          saves="both", batch="stacked")


def _add_matrix_axes(s):
    """A (stack of) scalar(s) ``(...)`` reshaped to ``(..., 1, 1)``."""
    return reshape_p.bind(s, shape=np.shape(s) + (1, 1))


def _det_vjp(ct, ins, out, argnum):
    return _add_matrix_axes(ct) * cofactor_p.bind(ins[0])


def _det_jvp(primals, tangents, out):
    return _inner_of_matrices(cofactor_p.bind(primals[0]), tangents[0])


def _inner_of_matrices(a, b):
    """``sum(a * b)`` over the last two axes (stacks of matrices)."""
    nd = max(np.ndim(a), np.ndim(b))
    return reduce_sum_p.bind(a * b, axes=(nd - 2, nd - 1), keepdims=False)


det_p = defprimitive("det", np.linalg.det, _det_vjp, _det_jvp, batch="stacked")


def _inverse_transpose(a):
    """``inv(a)^T``, differentiable; ``cofactor(a) / det(a)`` (inf/nan, no error) when a
    matrix of the stack is exactly singular, as JAX's slogdet gradient there."""
    try:
        return swap_last_two(inv_p.bind(a))
    except np.linalg.LinAlgError:
        return cofactor_p.bind(a) / _add_matrix_axes(det_p.bind(a))


def _slogdet_vjp(ct, ins, out, argnum):
    ct_logabsdet = getitem_p.bind(ct, idx=(1,))
    if is_complex(ins[0]):
        # d log|det| = Re(s), d sign = i Im(s) sign, s = <inv(a)^T, da>: the pairing
        # Re(c0 d sign + c1 d log|det|) = Re((Re(c1) + i Im(c0 sign)) s)
        sign = getitem_p.bind(out, idx=(0,))
        w = real_part(ct_logabsdet) + 1j * imag_p.bind(getitem_p.bind(ct, idx=(0,)) * sign)
        return _add_matrix_axes(w) * _inverse_transpose(ins[0])
    return _add_matrix_axes(ct_logabsdet) * _inverse_transpose(ins[0])  # sign: constant


def _slogdet_jvp(primals, tangents, out):
    t = _inner_of_matrices(_inverse_transpose(primals[0]), tangents[0])
    if is_complex(t):
        sign = getitem_p.bind(out, idx=(0,))
        t_sign = sign * (1j * imag_p.bind(t))
        t_log = astype_p.bind(real_p.bind(t), dtype=np.result_type(concrete(t)))
        return concatenate_p.bind(reshape_p.bind(t_sign, shape=(1,) + np.shape(t)),
                                  reshape_p.bind(t_log, shape=(1,) + np.shape(t)), axis=0)
    t = reshape_p.bind(t, shape=(1,) + np.shape(t))
    return concatenate_p.bind(zeros_like_value(t), t, axis=0)


# One factorisation for both results: out[0] is the sign (a constant), out[1] log|det x|.
def _slogdet_batch(args, dims):
    return slogdet_p.bind(B.to_front(args[0], dims[0])), 1     # (2, B, ...)


slogdet_p = defprimitive("slogdet", lambda x: np.stack(np.linalg.slogdet(x)),
                         _slogdet_vjp, _slogdet_jvp, saves="both", batch=_slogdet_batch)


# -- solve -------------------------------------------------------------------------------

def _solve_impl(a, b):
    if np.ndim(b) < 2:
        raise ValueError("solve_p expects a matrix right-hand side (..., M, K)")
    return np.linalg.solve(a, b)


def _solve_vjp_all(ct, ins, out, needed):
    """One solve with ``a^T`` serves both arguments: ``ct_b = a^-T ct``, ``ct_a = -ct_b x^T``."""
    ct_b = solve_p.bind(swap_last_two(ins[0]), ct)
    ct_a = -matmul_p.bind(ct_b, swap_last_two(out)) if 0 in needed else None
    return ct_a, (ct_b if 1 in needed else None)


def _solve_jvp(primals, tangents, out):
    (a, _), (ta, tb) = primals, tangents
    rhs = tb
    if ta is not None:
        rhs = -matmul_p.bind(ta, out) if tb is None else tb - matmul_p.bind(ta, out)
    return solve_p.bind(a, rhs)


def _solve_batch(args, dims):
    """An unbatched matrix against a batch of right-hand sides: one factorisation,
    the batch moved into the columns. Otherwise a stacked (broadcast) solve."""
    (a, b), (da, db) = args, dims
    if da is None and len(B.shape_of(a)) == 2:
        b = B.moveaxis(B.to_front(b, db), -2, 0)           # (M, B, ..., K)
        shape = B.shape_of(b)
        x = solve_p.bind(a, reshape_p.bind(b, shape=(shape[0], -1)))
        return B.moveaxis(reshape_p.bind(x, shape=shape), 0, -2), 0
    nd = max(len(B.shape_of(a)) - (da is not None), len(B.shape_of(b)) - (db is not None))
    a = a if da is None else B.pad_after_batch(B.to_front(a, da), nd)
    b = b if db is None else B.pad_after_batch(B.to_front(b, db), nd)
    return solve_p.bind(a, b), 0


solve_p = defprimitive("solve", _solve_impl, vjp_all=_solve_vjp_all, jvp=_solve_jvp,
                       saves="both", broadcasts=True, batch=_solve_batch)

