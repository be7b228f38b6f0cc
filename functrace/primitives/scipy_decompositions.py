"""LU with partial pivoting and the symmetric eigendecomposition (scipy.linalg values).

``lu`` returns scipy's packed factor ``lu`` (``L`` below the diagonal with a unit
diagonal left implicit, ``U`` on and above it) of ``P a = L U``; the pivots, a
constant, come from the non-differentiable ``lu_pivots`` and ``lu_permutation``
(``a[perm] = L U``). With the pivots fixed (they are piecewise constant),
``M = L^-1 P da U^-1`` gives ``dL = L strict_lower(M)``, ``dU = upper(M) U``; the VJP
is the transpose, ``P^T L^-T (strict_lower(L^T ct_L) + upper(ct_U U^T)) U^-T``.

``eigh`` returns ``w`` and ``v`` packed into one array ``(..., n + 1, n)`` (row 0 the
ascending eigenvalues, rows 1.. the eigenvectors as columns), unpacked by
:func:`functrace.scipy.linalg.eigh`. It reads the lower triangle of its symmetrised
input, like Cholesky here. Rules (with ``F_ij = 1 / (w_j - w_i)`` off the diagonal)::

    dw = diag(V^T dA V),  dV = V (F * (V^T dA V))
    A_bar = V (diag(w_bar) + F * (V^T V_bar)) V^T, symmetrised

Degenerate eigenvalues make ``F`` infinite: the eigenvectors are then not unique and
their derivative does not exist (as in JAX and PyTorch); ``w`` alone is fine.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..core import concrete
from ..registry import defnondiff, defprimitive
from .indexing import concatenate_p, getitem_p, take_along
from .linalg import matmul_p, swap_last_two
from .nondiff import argsort_p
from .reductions import broadcast_to_p, reduce_sum_p
from .scipy_linalg import per_matrix, solve_triangular_p, triangle_mask
from .selection import where_p
from .shape_ops import reshape_p
from .special_functions import float_dtype

# -- LU ----------------------------------------------------------------------------------


def _check_square(a: np.ndarray, what: str) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{what}: expected a (stack of) square matrices, got shape {a.shape}")


def _lu_impl(a):
    a = np.asarray(a)
    _check_square(a, "lu_factor")
    dtype = float_dtype(a)
    return per_matrix(lambda m: sla.lu_factor(m, check_finite=False)[0], a.astype(dtype),
                      out_shape=a.shape[-2:], dtype=dtype)


def _pivots_impl(a):
    a = np.asarray(a)
    _check_square(a, "lu_factor")
    return per_matrix(lambda m: sla.lu_factor(m, check_finite=False)[1][:, None],
                      a.astype(float_dtype(a)), out_shape=(a.shape[-1], 1),
                      dtype=np.int32)[..., 0]


def _permutation_impl(piv):
    """LAPACK's row interchanges (row i swapped with row piv[i], in order) as the
    permutation ``perm`` with ``a[perm] = L U``."""
    piv = np.asarray(piv)
    perm = np.empty(piv.shape, np.intp)
    for idx in np.ndindex(piv.shape[:-1]):
        rows = np.arange(piv.shape[-1])
        for i, j in enumerate(piv[idx]):
            rows[i], rows[j] = rows[j], rows[i]
        perm[idx] = rows
    return perm


lu_pivots_p = defnondiff("lu_pivots", _pivots_impl, batch="stacked")
lu_permutation_p = defnondiff("lu_permutation", _permutation_impl, batch="stacked")


def permute_rows(x, perm):
    """``x[..., perm, :]`` for a (stack of) permutation(s), batched under vmap; the
    leading axes of ``x`` and ``perm`` broadcast."""
    x_shape, p_shape = tuple(np.shape(x)), tuple(np.shape(perm))
    batch = np.broadcast_shapes(x_shape[:-2], p_shape[:-1])
    if x_shape[:-2] != batch:
        x = broadcast_to_p.bind(x, shape=batch + x_shape[-2:])
    idx = reshape_p.bind(perm, shape=(1,) * (len(batch) + 1 - len(p_shape)) + p_shape + (1,))
    return take_along(x, idx, len(batch))


def unpack_lu(lu):
    """``(L, U)`` from the packed factor (differentiable)."""
    n = np.shape(lu)[-1]
    dtype = float_dtype(concrete(lu))
    strict = triangle_mask(n, lower=True, unit_diagonal=True, dtype=dtype)
    upper = triangle_mask(n, lower=False, unit_diagonal=False, dtype=dtype)
    return lu * strict + np.eye(n, dtype=dtype), lu * upper


def _lu_jvp(primals, tangents, out):
    a, ta = primals[0], tangents[0]
    L, U = unpack_lu(out)
    perm = lu_permutation_p.bind(lu_pivots_p.bind(a))
    m = solve_triangular_p.bind(L, permute_rows(ta, perm), lower=True, trans=False,
                                unit_diagonal=True)
    m = swap_last_two(solve_triangular_p.bind(U, swap_last_two(m), lower=False, trans=True,
                                              unit_diagonal=False))        # L^-1 P da U^-1
    n, dtype = np.shape(a)[-1], float_dtype(concrete(out))
    strict = triangle_mask(n, True, True, dtype)
    upper = triangle_mask(n, False, False, dtype)
    return matmul_p.bind(L, m * strict) + matmul_p.bind(m * upper, U)


def _lu_vjp(ct, ins, out, argnum):
    a = ins[0]
    L, U = unpack_lu(out)
    n, dtype = np.shape(a)[-1], float_dtype(concrete(out))
    strict = triangle_mask(n, True, True, dtype)
    upper = triangle_mask(n, False, False, dtype)
    g = (matmul_p.bind(swap_last_two(L), ct * strict) * strict
         + matmul_p.bind(ct * upper, swap_last_two(U)) * upper)
    g = swap_last_two(solve_triangular_p.bind(U, swap_last_two(g), lower=False, trans=False,
                                              unit_diagonal=False))          # G U^-T
    g = solve_triangular_p.bind(L, g, lower=True, trans=True, unit_diagonal=True)
    perm = lu_permutation_p.bind(lu_pivots_p.bind(a))
    inverse = _inverse_permutation(perm)
    return permute_rows(g, inverse)                                          # P^T g


def _inverse_permutation(perm):
    return argsort_p.bind(perm, axis=-1)


lu_p = defprimitive("lu", _lu_impl, _lu_vjp, _lu_jvp, saves="both", batch="stacked")

# -- eigh --------------------------------------------------------------------------------


def _eigh_impl(a):
    a = np.asarray(a)
    _check_square(a, "eigh")
    dtype = float_dtype(a)
    sym = (0.5 * (a + np.swapaxes(a, -1, -2))).astype(dtype)

    def packed(m):
        w, v = np.linalg.eigh(m)
        return np.concatenate([w[None, :], v], axis=0)
    n = a.shape[-1]
    return per_matrix(packed, sym, out_shape=(n + 1, n), dtype=dtype)


def split_eigh(packed):
    """``(w, v)`` from the packed output (differentiable)."""
    n1 = np.shape(packed)[-2]
    w = getitem_p.bind(packed, idx=(Ellipsis, 0, slice(None)))
    v = getitem_p.bind(packed, idx=(Ellipsis, slice(1, n1), slice(None)))
    return w, v


def _gap_inverse(w):
    """``F_ij = 1 / (w_j - w_i)`` off the diagonal, 0 on it (differentiable in ``w``)."""
    n = np.shape(w)[-1]
    shape = tuple(np.shape(w))
    row = reshape_p.bind(w, shape=shape[:-1] + (1, n))
    col = reshape_p.bind(w, shape=shape[:-1] + (n, 1))
    eye = np.eye(n, dtype=bool)
    gap = where_p.bind(eye, 1.0, row - col)
    return where_p.bind(eye, 0.0, 1.0 / gap)


def _eigh_jvp(primals, tangents, out):
    w, v = split_eigh(out)
    ta = tangents[0]
    ta = 0.5 * (ta + swap_last_two(ta))
    m = matmul_p.bind(matmul_p.bind(swap_last_two(v), ta), v)              # V^T dA V
    n = np.shape(w)[-1]
    eye = np.eye(n, dtype=float_dtype(concrete(w)))
    dw = reduce_sum_p.bind(m * eye, axes=(len(np.shape(m)) - 1,), keepdims=False)
    dv = matmul_p.bind(v, _gap_inverse(w) * m)
    dw = reshape_p.bind(dw, shape=tuple(np.shape(dw))[:-1] + (1, n))
    return concatenate_p.bind(dw, dv, axis=len(np.shape(dv)) - 2)


def _eigh_vjp(ct, ins, out, argnum):
    w, v = split_eigh(out)
    ct_w, ct_v = split_eigh(ct)
    n = np.shape(w)[-1]
    eye = np.eye(n, dtype=float_dtype(concrete(w)))
    diag_w = reshape_p.bind(ct_w, shape=tuple(np.shape(ct_w))[:-1] + (1, n)) * eye
    inner = diag_w + _gap_inverse(w) * matmul_p.bind(swap_last_two(v), ct_v)
    g = matmul_p.bind(matmul_p.bind(v, inner), swap_last_two(v))
    return 0.5 * (g + swap_last_two(g))


eigh_p = defprimitive("eigh", _eigh_impl, _eigh_vjp, _eigh_jvp, saves="out", batch="stacked")
