"""``functrace.scipy.linalg``: scipy.linalg's signatures, differentiable.

Every function takes stacks of matrices (leading axes) as well as single matrices.
Differences from scipy, all so that results are differentiable functions:

* ``cho_factor`` returns the clean triangular factor (zeros in the other triangle,
  where scipy leaves arbitrary data), as JAX does; ``cho_solve`` reads one triangle.
* ``eigh`` and ``cholesky`` use the symmetric part ``(a + a^T) / 2`` of their input
  (symmetric gradients); ``eigh``'s eigenvector derivatives need distinct eigenvalues.
* ``sqrtm`` handles matrices with a real square root only.
* ``overwrite_*`` and ``check_finite`` are accepted and ignored.

>>> import numpy as np, functrace, functrace.scipy.linalg as fsl
>>> fsl.solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
array([1., 2.])
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence

import numpy as np

from .. import numpy as fnp
from ..core import concrete
from ..primitives import scipy_decompositions as _D
from ..primitives import scipy_linalg as _L
from ..numpy._scipy_special import as_float

__all__ = ["solve_triangular", "cholesky", "cho_factor", "cho_solve", "lu_factor",
           "lu_solve", "expm", "expm_frechet", "sqrtm", "solve_sylvester", "det", "inv",
           "solve", "block_diag", "eigh"]


def _trans(trans: Any) -> bool:
    if trans in (0, "N"):
        return False
    if trans in (1, 2, "T", "C"):
        return True
    raise ValueError(f"trans must be 0/'N', 1/'T' or 2/'C', got {trans!r}")


def _as_matrix_rhs(b: Any) -> tuple:
    """A right-hand side as a matrix, and whether it was a vector."""
    if np.ndim(b) == 1:
        return fnp.reshape(b, (-1, 1)), True
    if np.ndim(b) == 0:
        raise ValueError("the right-hand side b must be at least one-dimensional")
    return b, False


def _restore(x: Any, vector: bool) -> Any:
    return fnp.reshape(x, np.shape(x)[:-1]) if vector else x


def solve_triangular(a: Any, b: Any, trans: Any = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False,
                     check_finite: bool = True) -> Any:
    """Solve ``op(a) x = b`` for a triangular ``a`` (only its ``lower`` or upper
    triangle is read, and not its diagonal with ``unit_diagonal=True``).

    ``trans``: 0/'N' for ``a``, 1/'T' (or 2/'C') for ``a^T``. The gradient with
    respect to ``a`` lies on the triangle that is read.

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> fsl.solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    b, vector = _as_matrix_rhs(as_float(b))
    x = _L.solve_triangular_p.bind(as_float(a), b, lower=bool(lower), trans=_trans(trans),
                                   unit_diagonal=bool(unit_diagonal))
    return _restore(x, vector)


def cholesky(a: Any, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Any:
    """The Cholesky factor of a symmetric positive-definite ``a``: upper by default
    (``a = U^T U``), as in scipy; ``lower=True`` gives ``L`` with ``a = L L^T``.

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> A = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> U = fsl.cholesky(A)
    >>> U.round(4), bool(np.allclose(U.T @ U, A))
    (array([[2.    , 1.    ],
           [0.    , 1.4142]]), True)
    """
    factor = fnp.linalg.cholesky(as_float(a))
    return factor if lower else fnp.swapaxes(factor, -1, -2)


def cho_factor(a: Any, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple:
    """``(c, lower)`` for :func:`cho_solve`; ``c`` is the triangular factor with zeros
    in its other triangle.

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> A = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> c, lower = fsl.cho_factor(A, lower=True)
    >>> lower, fsl.cho_solve((c, lower), np.array([2.0, 3.0])).round(12)
    (True, array([0., 1.]))
    """
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower: tuple, b: Any, overwrite_b: bool = False,
              check_finite: bool = True) -> Any:
    """Solve ``a x = b`` given ``cho_factor(a)``.

    >>> import numpy as np, functrace.scipy.linalg as fsl
    >>> fsl.cho_solve(fsl.cho_factor(4.0 * np.eye(2)), np.ones(2))
    array([0.25, 0.25])
    """
    c, lower = c_and_lower
    # a = L L^T (lower) or U^T U: solve with the factor, then with its transpose.
    first = solve_triangular(c, b, trans=0 if lower else 1, lower=lower)
    return solve_triangular(c, first, trans=1 if lower else 0, lower=lower)


def lu_factor(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> tuple:
    """``(lu, piv)``: the packed LU factors of ``P a = L U`` and LAPACK's pivot indices
    (a constant). ``lu`` is differentiable in ``a`` (square matrices).

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> lu, piv = fsl.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lu, piv                       # rows swapped: P a = L U
    (array([[3.        , 4.        ],
           [0.33333333, 0.66666667]]), array([1, 1], dtype=int32))
    """
    a = as_float(a)
    return _D.lu_p.bind(a), _D.lu_pivots_p.bind(a)


def lu_solve(lu_and_piv: tuple, b: Any, trans: Any = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Any:
    """Solve ``a x = b`` (``trans=1``: ``a^T x = b``) given ``lu_factor(a)``.

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> A = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> fsl.lu_solve(fsl.lu_factor(A), np.array([2.0, 3.0]))
    array([0., 1.])
    """
    lu, piv = lu_and_piv
    b, vector = _as_matrix_rhs(as_float(b))
    perm = _D.lu_permutation_p.bind(piv)
    if not _trans(trans):                    # L U x = P b
        y = _L.solve_triangular_p.bind(lu, _D.permute_rows(b, perm), lower=True,
                                       trans=False, unit_diagonal=True)
        x = _L.solve_triangular_p.bind(lu, y, lower=False, trans=False, unit_diagonal=False)
    else:                                    # U^T L^T P x = b
        y = _L.solve_triangular_p.bind(lu, b, lower=False, trans=True, unit_diagonal=False)
        z = _L.solve_triangular_p.bind(lu, y, lower=True, trans=True, unit_diagonal=True)
        x = _D.permute_rows(z, _inverse(perm))
    return _restore(x, vector)


def _inverse(perm: Any) -> Any:
    return fnp.argsort(perm, axis=-1)


def expm(A: Any) -> Any:
    """The matrix exponential (scipy's Pade approximant); its derivative is the
    Frechet derivative, to any order.

    >>> import numpy as np, functrace.scipy.linalg as fsl
    >>> fsl.expm(np.zeros((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    return _L.expm_p.bind(as_float(A))


def expm_frechet(A: Any, E: Any, method: Optional[str] = None, compute_expm: bool = True,
                 check_finite: bool = True) -> Any:
    """``(expm(A), L(A, E))`` (or ``L(A, E)`` alone with ``compute_expm=False``), the
    derivative of ``expm`` at ``A`` in the direction ``E``; differentiable in both.

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> expA, L = fsl.expm_frechet(np.zeros((2, 2)), np.array([[0.0, 1.0], [0.0, 0.0]]))
    >>> expA, L                       # at 0: exp is I and its derivative the identity map
    (array([[1., 0.],
           [0., 1.]]), array([[0., 1.],
           [0., 0.]]))
    """
    A, E = as_float(A), as_float(E)
    frechet = _L.frechet_expm(A, E)
    return (expm(A), frechet) if compute_expm else frechet


def sqrtm(A: Any, disp: bool = True, blocksize: int = 64) -> Any:
    """The principal square root ``X`` (``X @ X = A``) of a matrix with a real one;
    its derivative solves the Sylvester equation ``X dX + dX X = dA``.

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> fsl.sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]]))
    array([[2., 0.],
           [0., 3.]])
    >>> float(ft.grad(lambda a: fsl.sqrtm(a * np.eye(2))[0, 0])(4.0))   # d sqrt(a) / da
    0.25
    """
    return _L.sqrtm_p.bind(as_float(A))


def solve_sylvester(a: Any, b: Any, q: Any) -> Any:
    """Solve ``a x + x b = q``, differentiable in ``a``, ``b`` and ``q``.

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> fsl.solve_sylvester(np.eye(2), np.eye(2), np.array([[2.0, 4.0], [6.0, 8.0]]))
    array([[1., 2.],
           [3., 4.]])
    """
    return _L.solve_sylvester_p.bind(as_float(a), as_float(b), as_float(q))


def det(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The determinant (``functrace.numpy.linalg.det``).

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> A = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> round(float(fsl.det(A)), 12), ft.grad(fsl.det)(A)   # det(A) inv(A)^T
    (8.0, array([[ 3., -2.],
           [-2.,  4.]]))
    """
    return fnp.linalg.det(as_float(a))


def inv(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The inverse (``functrace.numpy.linalg.inv``).

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> fsl.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return fnp.linalg.inv(as_float(a))


def solve(a: Any, b: Any, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, check_finite: bool = True, assume_a: Optional[str] = None,
          transposed: bool = False) -> Any:
    """Solve ``a x = b`` (``a^T x = b`` with ``transposed=True``); ``assume_a`` only
    selects scipy's algorithm there, the solution (and its derivative) is the same.

    >>> import numpy as np, functrace as ft, functrace.scipy.linalg as fsl
    >>> A = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> fsl.solve(A, np.array([2.0, 3.0]), assume_a="pos")
    array([0., 1.])
    """
    a = as_float(a)
    if transposed:
        a = fnp.swapaxes(a, -1, -2)
    b, vector = _as_matrix_rhs(as_float(b))
    return _restore(fnp.linalg.solve(a, b), vector)


def block_diag(*arrs: Any) -> Any:
    """A block-diagonal matrix from the given blocks (0-d and 1-d ones count as rows).

    >>> import numpy as np, functrace.scipy.linalg as fsl
    >>> fsl.block_diag(np.ones((1, 1)), 2.0 * np.ones((1, 2)))
    array([[1., 0., 0.],
           [0., 2., 2.]])
    """
    if not arrs:
        return np.zeros((1, 0))
    blocks = [fnp.reshape(a, (1, -1)) if np.ndim(a) < 2 else a for a in arrs]
    if any(np.ndim(b) != 2 for b in blocks):
        raise ValueError("block_diag: arguments must have 2 or fewer dimensions")
    widths = [np.shape(b)[1] for b in blocks]
    dtype = np.result_type(*[concrete(b) for b in blocks])
    rows = []
    for k, block in enumerate(blocks):
        height = np.shape(block)[0]
        left = np.zeros((height, sum(widths[:k])), dtype)
        right = np.zeros((height, sum(widths[k + 1:])), dtype)
        rows.append(fnp.concatenate([left, block, right], axis=1))
    return fnp.concatenate(rows, axis=0)


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)``, the eigenvectors as columns."""

    eigenvalues: Any
    eigenvectors: Any


def eigh(a: Any, b: Any = None, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1,
         check_finite: bool = True, subset_by_index: Optional[Sequence[int]] = None,
         subset_by_value: Any = None, driver: Optional[str] = None) -> Any:
    """Eigenvalues (ascending) and eigenvectors of a symmetric ``a``; with ``b``
    (positive definite), of the generalised problem ``a v = w b v`` (``type=1``).

    The symmetric part of ``a`` is used (``lower`` is accepted for scipy's signature).
    Eigenvector derivatives require distinct eigenvalues.

    >>> import numpy as np, functrace.scipy.linalg as fsl
    >>> fsl.eigh(np.diag([2.0, 1.0]), eigvals_only=True)
    array([1., 2.])
    """
    if type != 1 or subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError("eigh: only type=1 and the full spectrum are supported; "
                                  "slice the result for a subset")
    a = as_float(a)
    if b is None:
        w, v = _D.split_eigh(_D.eigh_p.bind(a))
    else:
        chol = fnp.linalg.cholesky(as_float(b))                 # b = L L^T
        c = solve_triangular(chol, fnp.swapaxes(solve_triangular(chol, a, lower=True),
                                                -1, -2), lower=True)   # L^-1 a L^-T
        w, u = _D.split_eigh(_D.eigh_p.bind(c))
        v = solve_triangular(chol, u, trans=1, lower=True)       # L^-T u
    return w if eigvals_only else EighResult(w, v)
