"""Eigendecompositions: ``eigh``/``eigvalsh`` (symmetric) and ``eig``/``eigvals`` (general,
real or complex).

``eigh`` returns ``w`` and ``v`` packed into one array ``(..., n + 1, n)`` (row 0 the
ascending eigenvalues, rows 1.. the eigenvectors as columns), unpacked by
:func:`split_eigen`; ``eig`` packs the same way. ``eigh`` reads its symmetrised input
``(a + a^T) / 2``, as JAX and :mod:`.decompositions`' Cholesky do. Rules (with
``F_ij = 1 / (w_j - w_i)`` off the diagonal)::

    eigh: dw = diag(V^T dA V),  dV = V (F * (V^T dA V))
          A_bar = V (diag(w_bar) + F * (V^T V_bar)) V^T, symmetrised
    eig:  M = V^-1 dA V,  dw = diag(M),  dV = P(V (F * M))   (P keeps numpy's gauge)
          A_bar = V^-T (diag(w_bar) + F * (V^T P^T(V_bar))) V^T

``eig`` follows numpy's output dtype: complex eigenvalues and eigenvectors when the
matrix is complex or any eigenvalue (of the whole stack) is complex, real otherwise.
Its eigenvectors have unit norm and, when complex, their largest entry real (LAPACK's
``geev``); ``P`` removes the part of ``dV`` that would break either (for real
eigenvectors only the norm, the sign being discrete). The transposes use the pairing
``Re(sum(a * b))`` of :mod:`.complex_parts` (no conjugation).

Degenerate eigenvalues (``w_i == w_j``, i != j) make ``F`` infinite: the eigenvectors
are then not unique and their derivative does not exist (as in JAX and PyTorch). Such a
pair contributes 0 when the part of the cotangent/tangent that would turn the basis of
the eigenspace is exactly 0 (a function that does not look at the eigenvectors, or is
invariant to the choice of basis within the eigenspace), and NaN otherwise: never a
silently finite wrong number. ``eigvalsh`` and
``eigvals`` are their own primitives, so eigenvalue-only gradients never meet ``F``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete
from ..registry import defprimitive
from .complex_parts import as_complex, conj_p, imag_p, is_complex, real_p
from .indexing import concatenate_p, getitem_p
from .linalg import matmul_p, solve_p, swap_last_two
from .nondiff import argmax_p, astype_int_p, equal_p, logical_and_p, not_equal_p
from .reductions import reduce_sum_p
from .selection import dtype_of as float_dtype
from .selection import where_p
from .shape_ops import reshape_p


def check_square(a: np.ndarray, what: str) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{what}: expected a (stack of) square matrices, got shape {a.shape}")


def as_float_matrix(a: Any, what: str, square: bool = True,
                    complex_ok: bool = False) -> np.ndarray:
    """``a`` as a floating (or, with ``complex_ok``, complex) array of at least two
    dimensions, or a clear error."""
    a = np.asarray(a)
    if a.dtype.kind == "c" and not complex_ok:
        raise TypeError(f"{what}: complex matrices are not supported yet (its derivative "
                        "rules are written for real matrices); pass a real matrix")
    if a.ndim < 2:
        raise ValueError(f"{what}: expected a (stack of) matrices of at least 2 dimensions, "
                         f"got shape {a.shape}")
    if square:
        check_square(a, what)
    return a if a.dtype.kind == "c" else a.astype(float_dtype(a), copy=False)


def real_precision(x: Any) -> np.dtype:
    """The real dtype of ``x``'s precision (float64 for integers): constants mixed into
    its rules in it keep float32 and complex64 values in their precision."""
    dt = np.result_type(concrete(x))
    return np.finfo(dt).dtype if dt.kind in "fc" else np.dtype(np.float64)


# -- shared pieces (differentiable) ---------------------------------------------------------

def as_row(v: Any) -> Any:
    """A (stack of) vector(s) ``(..., k)`` as rows ``(..., 1, k)``: ``X * as_row(s)`` is ``X S``."""
    shape = tuple(np.shape(v))
    return reshape_p.bind(v, shape=shape[:-1] + (1, shape[-1]))


def as_column(v: Any) -> Any:
    """A (stack of) vector(s) ``(..., k)`` as columns ``(..., k, 1)``: ``S X``."""
    return reshape_p.bind(v, shape=tuple(np.shape(v)) + (1,))


def diagonal_part(m: Any) -> Any:
    """The diagonal ``(..., k)`` of a (stack of) square matrices."""
    n = np.shape(m)[-1]
    eye = np.eye(n, dtype=real_precision(m))
    return reduce_sum_p.bind(m * eye, axes=(len(np.shape(m)) - 1,), keepdims=False)


def diagonal_matrix(v: Any) -> Any:
    """``diag(v)`` for a (stack of) vector(s)."""
    n = np.shape(v)[-1]
    return as_row(v) * np.eye(n, dtype=real_precision(v))


def gap_inverse(w: Any) -> tuple:
    """``(F, degenerate)``: ``F_ij = 1 / (w_j - w_i)`` off the diagonal and 0 on it and where
    ``w_i == w_j``; ``degenerate`` (a constant mask) marks those equal off-diagonal pairs."""
    n = np.shape(w)[-1]
    row, col = as_row(w), as_column(w)
    off_diagonal = ~np.eye(n, dtype=bool)
    undefined = equal_p.bind(row, col)                  # the diagonal and degenerate pairs
    degenerate = logical_and_p.bind(undefined, off_diagonal)
    gap = where_p.bind(undefined, 1.0, row - col)
    return where_p.bind(undefined, 0.0, 1.0 / gap), degenerate


def gap_product(f_and_mask: tuple, x: Any, symmetrised: bool = False) -> Any:
    """``F * x``, NaN at a degenerate pair where the derivative does not exist, 0 where
    nothing depends on the eigenspace's basis.

    A degenerate pair is undefined where ``x_ij != 0``; with ``symmetrised=True`` (the
    caller uses only ``F * x + (F * x)^T = F * (x - x^T)``, ``F`` being antisymmetric)
    only where ``x_ij != x_ji``.
    """
    f, degenerate = f_and_mask
    varies = not_equal_p.bind(x, swap_last_two(x)) if symmetrised else not_equal_p.bind(x, 0.0)
    undefined = logical_and_p.bind(degenerate, varies)
    nan = np.asarray(np.nan, dtype=real_precision(x))
    return f * x + where_p.bind(undefined, nan, np.zeros((), nan.dtype))


def split_eigen(packed: Any) -> tuple:
    """``(w, v)`` from a packed ``(..., n + 1, n)`` eigendecomposition (differentiable).

    >>> import numpy as np
    >>> w, v = split_eigen(np.array([[1.0, 3.0], [1.0, 0.0], [0.0, 1.0]]))
    >>> w, v
    (array([1., 3.]), array([[1., 0.],
           [0., 1.]]))
    """
    n1 = np.shape(packed)[-2]
    w = getitem_p.bind(packed, idx=(Ellipsis, 0, slice(None)))
    v = getitem_p.bind(packed, idx=(Ellipsis, slice(1, n1), slice(None)))
    return w, v


def pack_eigen(w: Any, v: Any) -> Any:
    return concatenate_p.bind(as_row(w), v, axis=len(np.shape(v)) - 2)


def _sym(x: Any) -> Any:
    return 0.5 * (x + swap_last_two(x))


def _sandwich(left_t: Any, x: Any, right: Any) -> Any:
    """``left_t @ x @ right``."""
    return matmul_p.bind(matmul_p.bind(left_t, x), right)


# -- eigh, eigvalsh -------------------------------------------------------------------------

def _eigh_impl(a):
    a = as_float_matrix(a, "eigh")
    w, v = np.linalg.eigh(0.5 * (a + np.swapaxes(a, -1, -2)))
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_jvp(primals, tangents, out):
    w, v = split_eigen(out)
    m = _sandwich(swap_last_two(v), _sym(tangents[0]), v)               # V^T dA V
    return pack_eigen(diagonal_part(m), matmul_p.bind(v, gap_product(gap_inverse(w), m)))


def _eigh_vjp(ct, ins, out, argnum):
    w, v = split_eigen(out)
    ct_w, ct_v = split_eigen(ct)
    inner = (diagonal_matrix(ct_w) + gap_product(gap_inverse(w), matmul_p.bind(
        swap_last_two(v), ct_v), symmetrised=True))
    return _sym(_sandwich(v, inner, swap_last_two(v)))


eigh_p = defprimitive("eigh", _eigh_impl, _eigh_vjp, _eigh_jvp, saves="out", batch="stacked")


def _eigvalsh_impl(a):
    a = as_float_matrix(a, "eigvalsh")
    return np.linalg.eigvalsh(0.5 * (a + np.swapaxes(a, -1, -2)))


def _eigvalsh_jvp(primals, tangents, out):
    _, v = split_eigen(eigh_p.bind(primals[0]))
    return diagonal_part(_sandwich(swap_last_two(v), _sym(tangents[0]), v))


def _eigvalsh_vjp(ct, ins, out, argnum):
    _, v = split_eigen(eigh_p.bind(ins[0]))
    return _sandwich(v, diagonal_matrix(ct), swap_last_two(v))       # symmetric already


eigvalsh_p = defprimitive("eigvalsh", _eigvalsh_impl, _eigvalsh_vjp, _eigvalsh_jvp,
                          saves="in", batch="stacked")

# -- eig, eigvals ----------------------------------------------------------------------------


def _general_eig(a: Any, what: str) -> tuple:
    return np.linalg.eig(as_float_matrix(a, what, complex_ok=True))


def _eig_impl(a):
    w, v = _general_eig(a, "eig")
    return np.concatenate([w[..., None, :], v], axis=-2)


def _unit_columns(v: Any, x: Any) -> Any:
    """``x_j - v_j (v_j . x_j)`` per column: the part that keeps ``|v_j| = 1``."""
    dots = reduce_sum_p.bind(v * x, axes=(len(np.shape(v)) - 2,), keepdims=True)
    return x - v * dots


def _largest_entries(v: Any) -> tuple:
    """``(mask, v_k)``: a constant 0/1 mask of each column's largest entry (in modulus,
    the first of ties, as LAPACK) and that entry's real value ``(..., 1, n)``."""
    rows = len(np.shape(v)) - 2
    modulus = real_p.bind(v * conj_p.bind(v))
    k = argmax_p.bind(modulus, axis=rows, keepdims=True)
    mask = astype_int_p.bind(equal_p.bind(k, np.arange(np.shape(v)[-2])[:, None]),
                             dtype=real_precision(v))
    return mask, real_p.bind(reduce_sum_p.bind(v * mask, axes=(rows,), keepdims=True))


def _gauge_tangent(v: Any, x: Any) -> Any:
    """The part of ``x`` that keeps each column of ``v`` of unit norm and, when complex,
    its largest entry real: ``x_j - v_j (Re(v_j^H x_j) + i Im(x_kj) / v_kj)``."""
    if not is_complex(v):
        return _unit_columns(v, x)
    rows = len(np.shape(v)) - 2
    mask, v_k = _largest_entries(v)
    norm = real_p.bind(reduce_sum_p.bind(conj_p.bind(v) * x, axes=(rows,), keepdims=True))
    phase = imag_p.bind(reduce_sum_p.bind(as_complex(x) * mask, axes=(rows,),
                                          keepdims=True)) / v_k
    return x - v * (norm + 1j * phase)


def _gauge_cotangent(v: Any, ct: Any) -> Any:
    """The transpose of :func:`_gauge_tangent` for ``Re(sum(a * b))``."""
    if not is_complex(v):
        return _unit_columns(v, ct)
    rows = len(np.shape(v)) - 2
    mask, v_k = _largest_entries(v)
    s = reduce_sum_p.bind(as_complex(ct) * v, axes=(rows,), keepdims=True)
    return (ct - conj_p.bind(v) * real_p.bind(s)
            - mask * (1j * imag_p.bind(s) / v_k))


def _eig_jvp(primals, tangents, out):
    w, v = split_eigen(out)
    m = solve_p.bind(v, matmul_p.bind(tangents[0], v))                  # V^-1 dA V
    dv = _gauge_tangent(v, matmul_p.bind(v, gap_product(gap_inverse(w), m)))
    return pack_eigen(diagonal_part(m), dv)


def _eig_vjp(ct, ins, out, argnum):
    w, v = split_eigen(out)
    ct_w, ct_v = split_eigen(ct)
    projected = matmul_p.bind(swap_last_two(v), _gauge_cotangent(v, ct_v))
    inner = diagonal_matrix(ct_w) + gap_product(gap_inverse(w), projected)
    return solve_p.bind(swap_last_two(v), matmul_p.bind(inner, swap_last_two(v)))


eig_p = defprimitive("eig", _eig_impl, _eig_vjp, _eig_jvp, saves="both", batch="stacked")


def _eigvals_impl(a):
    return _general_eig(a, "eigvals")[0]


def _eigvals_jvp(primals, tangents, out):
    _, v = split_eigen(eig_p.bind(primals[0]))
    return diagonal_part(solve_p.bind(v, matmul_p.bind(tangents[0], v)))


def _eigvals_vjp(ct, ins, out, argnum):
    _, v = split_eigen(eig_p.bind(ins[0]))
    v_t = swap_last_two(v)
    return solve_p.bind(v_t, matmul_p.bind(diagonal_matrix(ct), v_t))


eigvals_p = defprimitive("eigvals", _eigvals_impl, _eigvals_vjp, _eigvals_jvp,
                         saves="in", batch="stacked")
