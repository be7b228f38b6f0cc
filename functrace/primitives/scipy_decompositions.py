"""LU with partial pivoting (scipy.linalg values), and the symmetric eigendecomposition.

``lu`` returns scipy's packed factor ``lu`` (``L`` below the diagonal with a unit
diagonal left implicit, ``U`` on and above it) of ``P a = L U``; the pivots, a
constant, come from the non-differentiable ``lu_pivots`` and ``lu_permutation``
(``a[perm] = L U``). With the pivots fixed (they are piecewise constant),
``M = L^-1 P da U^-1`` gives ``dL = L strict_lower(M)``, ``dU = upper(M) U``; the VJP
is the transpose, ``P^T L^-T (strict_lower(L^T ct_L) + upper(ct_U U^T)) U^-T``.

``eigh`` (re-exported here for :mod:`functrace.scipy.linalg`) lives in :mod:`.spectral`.
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
from .spectral import check_square as _check_square
from .spectral import eigh_p, split_eigen

__all__ = ["lu_p", "lu_pivots_p", "lu_permutation_p", "permute_rows", "unpack_lu", "eigh_p",
           "split_eigh"]

# -- LU ----------------------------------------------------------------------------------


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
    leading axes of ``x`` and ``perm`` broadcast.

    >>> import numpy as np
    >>> permute_rows(np.arange(6.0).reshape(3, 2), np.array([2, 0, 1]))
    array([[4., 5.],
           [0., 1.],
           [2., 3.]])
    """
    x_shape, p_shape = tuple(np.shape(x)), tuple(np.shape(perm))
    batch = np.broadcast_shapes(x_shape[:-2], p_shape[:-1])
    if x_shape[:-2] != batch:
        x = broadcast_to_p.bind(x, shape=batch + x_shape[-2:])
    idx = reshape_p.bind(perm, shape=(1,) * (len(batch) + 1 - len(p_shape)) + p_shape + (1,))
    return take_along(x, idx, len(batch))


def unpack_lu(lu):
    """``(L, U)`` from the packed factor (differentiable).

    >>> import numpy as np
    >>> L, U = unpack_lu(np.array([[3.0, 4.0], [0.5, 2.0]]))
    >>> L, U
    (array([[1. , 0. ],
           [0.5, 1. ]]), array([[3., 4.],
           [0., 2.]]))
    """
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

# -- eigh: in .spectral (numpy's and scipy's eigh share it) --------------------------------

split_eigh = split_eigen
