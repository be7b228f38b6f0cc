"""Decompositions and their composites for :mod:`functrace.numpy.linalg`: svd, svdvals,
eigh, eigvalsh, eig, eigvals, qr, pinv, lstsq, matrix_power, multi_dot.

Results are numpy's namedtuples (``SVDResult``, ``EighResult``, ``EigResult``,
``QRResult``), which unpack as plain tuples (``u, s, vh = svd(a)``). Every function
takes stacks of matrices where numpy does, and works under ``vmap``. The derivative
caveats (equal singular values or eigenvalues, the non-unique extra columns of
``full_matrices=True``/``mode='complete'``) are described in
:mod:`functrace.primitives.factorizations` and :mod:`functrace.primitives.spectral`:
where a derivative does not exist the result is NaN, never a finite wrong number.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence

import numpy as np

from ..core import Tracer, concrete, concrete_value
from ..primitives import factorizations as _F
from ..primitives import spectral as _E
from ..primitives.complex_parts import conj
from ..primitives.linalg import inv_p
from ..primitives.spectral import float_dtype
from . import _products as _ops
from . import _reductions as _R
from . import _shape as _S
from . import _ufuncs as _U


class SVDResult(NamedTuple):
    """``(U, S, Vh)`` with ``a = U @ (S[..., None] * Vh)``."""

    U: Any
    S: Any
    Vh: Any


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)``: ascending eigenvalues, eigenvectors as columns."""

    eigenvalues: Any
    eigenvectors: Any


class EigResult(NamedTuple):
    """``(eigenvalues, eigenvectors)``: eigenvectors as unit-norm columns."""

    eigenvalues: Any
    eigenvectors: Any


class QRResult(NamedTuple):
    """``(Q, R)`` with ``a = Q @ R``."""

    Q: Any
    R: Any


def _matrix_shape(a: Any, what: str) -> tuple:
    shape = np.shape(a)
    if len(shape) < 2:
        raise ValueError(f"{what}: expected a (stack of) matrices of at least 2 dimensions, "
                         f"got shape {shape}")
    return shape[-2], shape[-1]


def _extend_columns(q: Any) -> Any:
    """Orthonormal columns ``(..., m, k)`` completed to an orthogonal ``(..., m, m)``."""
    return _S.concatenate([q, _F.orthogonal_complement_p.bind(q)], axis=-1)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Any:
    """Singular value decomposition, as ``numpy.linalg.svd`` (real or complex matrices).

    The singular values' gradient ``U diag(s_bar) V^T`` is computed at any multiplicity:
    exact for functions symmetric in equal values (sums, norms), while a single repeated
    value has no derivative (the result follows numpy's choice of basis). ``U``/``Vh``
    are differentiable where the singular values are distinct and (for non-square ``a``)
    nonzero; second derivatives of the values need them distinct too. With ``full_matrices=True`` and non-square ``a`` the extra columns of ``U``
    (or rows of ``Vh``) are an orthonormal basis of the complement, which is not unique
    (it may differ from numpy's): derivatives through them are NaN.
    ``hermitian=True`` is accepted and computes the general SVD. For a complex matrix
    each pair ``(U[:, j], Vh[j])`` is defined up to a common phase (numpy fixes none):
    differentiate functions that do not depend on it (``s``, ``U * conj(U[:1])``,
    ``U diag(s) Vh``, ...); the rules turn ``U`` alone by that phase.

    >>> import numpy as np, functrace, functrace.numpy as fnp
    >>> a = np.array([[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> fnp.linalg.svd(a, compute_uv=False)
    array([3., 2.])
    >>> functrace.grad(lambda a: fnp.linalg.svd(a, compute_uv=False)[0])(a)
    array([[1., 0.],
           [0., 0.],
           [0., 0.]])
    """
    m, n = _matrix_shape(a, "svd")
    if not compute_uv:
        return _F.svdvals_p.bind(a)
    u, s, v = _F.split_svd(_F.svd_p.bind(a), m)
    if full_matrices and m > n:
        u = _extend_columns(u)
    if full_matrices and n > m:
        v = _extend_columns(v)
    return SVDResult(u, s, conj(_S.swapaxes(v, -1, -2)))


def svdvals(x: Any) -> Any:
    """Singular values, descending (``numpy.linalg.svdvals``); see :func:`svd` for
    repeated values.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.svdvals(np.diag([1.0, 4.0]))
    array([4., 1.])
    """
    _matrix_shape(x, "svdvals")
    return _F.svdvals_p.bind(x)


def _check_uplo(uplo: str) -> None:
    if uplo not in ("L", "U"):
        raise ValueError(f"UPLO argument must be 'L' or 'U', got {uplo!r}")


def _from_triangle(a: Any, uplo: str) -> Any:
    """The symmetric matrix whose ``uplo`` triangle is that of ``a`` (numpy reads only it)."""
    n = np.shape(a)[-1]
    dtype = float_dtype(concrete(a))
    take = np.tril if uplo == "L" else np.triu
    k = -1 if uplo == "L" else 1
    return (a * take(np.ones((n, n), dtype))
            + _S.swapaxes(a * take(np.ones((n, n), dtype), k), -1, -2))


def _symmetric_input(a: Any, uplo: str, symmetrize_input: bool) -> Any:
    _check_uplo(uplo)
    _matrix_shape(a, "eigh")
    return a if symmetrize_input else _from_triangle(a, uplo)


def eigh(a: Any, UPLO: str = "L", symmetrize_input: bool = True) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a (stack of) symmetric matrices.

    As in JAX, ``symmetrize_input=True`` decomposes ``(a + a^T) / 2`` (the same as numpy
    for a symmetric ``a``; the gradient is symmetric); ``symmetrize_input=False`` reads
    only the ``UPLO`` triangle, as numpy does. Eigenvector derivatives need distinct
    eigenvalues (NaN otherwise).

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.eigh(np.diag([2.0, 1.0])).eigenvalues
    array([1., 2.])
    """
    w, v = _E.split_eigen(_E.eigh_p.bind(_symmetric_input(a, UPLO, symmetrize_input)))
    return EighResult(w, v)


def eigvalsh(a: Any, UPLO: str = "L", symmetrize_input: bool = True) -> Any:
    """Ascending eigenvalues of a (stack of) symmetric matrices (see :func:`eigh`). The
    gradient ``V diag(w_bar) V^T`` is computed at any multiplicity: exact for functions
    symmetric in equal eigenvalues (trace, sums, ``log det``), while a single repeated
    eigenvalue has no derivative; second derivatives need distinct eigenvalues.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    return _E.eigvalsh_p.bind(_symmetric_input(a, UPLO, symmetrize_input))


def eig(a: Any) -> EigResult:
    """Eigenvalues and unit-norm eigenvectors of a (stack of) real or complex square
    matrices, as numpy returns them: complex when the matrix is complex or any eigenvalue
    is, and complex eigenvectors with their largest entry real (LAPACK's gauge, which the
    derivatives keep). Eigenvector derivatives need distinct eigenvalues (NaN otherwise).

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.eig(np.array([[2.0, 1.0], [0.0, 3.0]])).eigenvalues
    array([2., 3.])
    >>> fnp.linalg.eig(np.array([[0.0, -1.0], [1.0, 0.0]])).eigenvalues
    array([0.+1.j, 0.-1.j])
    """
    _matrix_shape(a, "eig")
    w, v = _E.split_eigen(_E.eig_p.bind(a))
    return EigResult(w, v)


def eigvals(a: Any) -> Any:
    """Eigenvalues of a (stack of) real or complex square matrices (see :func:`eig`), in
    numpy's order and dtype.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.eigvals(np.array([[2.0, 1.0], [0.0, 3.0]]))
    array([2., 3.])
    """
    _matrix_shape(a, "eigvals")
    return _E.eigvals_p.bind(a)


def _qr_any_shape(a: Any) -> tuple:
    """Reduced ``(Q, R)``; a wide ``a = [X Y]`` is ``Q [R1, Q^T Y]`` with ``X = Q R1``."""
    m, n = _matrix_shape(a, "qr")
    if m >= n:
        return _F.split_qr(_F.qr_p.bind(a), m)
    q, r1 = _F.split_qr(_F.qr_p.bind(_S.getitem(a, (Ellipsis, slice(None), slice(0, m)))), m)
    rest = _ops.matmul(_S.swapaxes(q, -1, -2),
                       _S.getitem(a, (Ellipsis, slice(None), slice(m, n))))
    return q, _S.concatenate([r1, rest], axis=-1)


def qr(a: Any, mode: str = "reduced") -> Any:
    """QR decomposition as ``numpy.linalg.qr`` (modes ``'reduced'``, ``'complete'``,
    ``'r'``; not ``'raw'``, LAPACK's Householder form). Differentiable where the
    leading square block has full rank; with ``mode='complete'`` and ``m > n`` the extra
    columns of ``Q`` are a non-unique basis of the complement (NaN derivatives).

    >>> import numpy as np, functrace.numpy as fnp
    >>> q, r = fnp.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> bool(np.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]]))
    True
    """
    if mode == "raw":
        raise NotImplementedError("qr(mode='raw') (LAPACK's Householder reflectors) is not "
                                  "supported: use mode='reduced', 'complete' or 'r'")
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"Unrecognized mode {mode!r}: use 'reduced', 'complete' or 'r'")
    q, r = _qr_any_shape(a)
    if mode == "r":
        return r
    m, n = _matrix_shape(a, "qr")
    if mode == "complete" and m > n:
        q = _extend_columns(q)
        zeros = np.zeros(tuple(np.shape(r))[:-2] + (m - n, n), float_dtype(concrete(r)))
        r = _S.concatenate([r, zeros], axis=-2)
    return QRResult(q, r)


_UNSET: Any = object()


def _rcond(a: Any, rcond: Any, rtol: Any) -> float:
    """numpy's cutoff rule, as a number (a per-matrix array of cutoffs is not supported)."""
    if rcond is not None and rtol is not _UNSET:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if rcond is None and rtol is _UNSET:
        rcond = 1e-15
    elif rcond is None and rtol is None:
        rcond = max(np.shape(a)[-2:]) * np.finfo(float_dtype(concrete(a))).eps
    elif rcond is None:
        rcond = rtol
    if np.ndim(rcond) != 0:
        raise NotImplementedError("pinv: give rcond/rtol as one number")
    return float(rcond)


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _UNSET) -> Any:
    """Moore-Penrose pseudo-inverse with ``numpy.linalg.pinv``'s cutoff rules (one number
    for the whole stack). Differentiable where the rank after the cutoff is locally
    constant (Golub and Pereyra); ``hermitian`` is accepted and ignored.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.pinv(np.array([[2.0], [0.0]]))
    array([[0.5, 0. ]])
    """
    _matrix_shape(a, "pinv")
    return _F.pinv_p.bind(a, rcond=_rcond(a, rcond, rtol))


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """Least squares ``(x, residuals, rank, s)`` as ``numpy.linalg.lstsq`` (one matrix
    ``a``, ``b`` 1-D or 2-D). ``x``, ``residuals`` and ``s`` are differentiable where the
    rank is locally constant; ``rank`` is an int (batched under ``vmap``, where the
    residuals of the members without full column rank are NaN if others have it).

    >>> import numpy as np, functrace.numpy as fnp
    >>> a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> fnp.linalg.lstsq(a, np.array([1.0, 1.0, 2.0]))[0]
    array([1., 1.])
    """
    if np.ndim(a) != 2 or np.ndim(b) not in (1, 2):
        raise ValueError(f"lstsq: a must be 2-D and b 1-D or 2-D, got shapes {np.shape(a)} "
                         f"and {np.shape(b)}")
    m, n = np.shape(a)
    if np.shape(b)[0] != m:
        raise ValueError(f"lstsq: incompatible dimensions {np.shape(a)} and {np.shape(b)}")
    dtype = float_dtype(concrete(a), concrete(b))
    if rcond is None:
        rcond = np.finfo(dtype).eps * max(m, n)
    x = _ops.matmul(_F.pinv_p.bind(a, rcond=float(rcond)), b)
    s = _F.svdvals_p.bind(a)
    rank = _rank(s, float(rcond))
    ranks = np.asarray(concrete_value(rank))        # observed: jit re-checks it
    if m > n and np.any(ranks == n):     # under vmap, NaN for members without full rank
        squares = _sum_of_squares(_ops.matmul(a, x) - b)
        if not np.all(ranks == n):
            squares = _U.where(_U.equal(rank, n), squares, np.nan)
        residuals = _S.reshape(squares, (-1,))
    else:
        residuals = np.empty((0,), dtype)
    return x, residuals, (rank if isinstance(rank, Tracer) else int(rank)), s


def _rank(s: Any, rcond: float) -> Any:
    """How many singular values exceed ``rcond`` times the largest (a constant)."""
    if np.shape(s)[-1] == 0:
        return np.intp(0)
    big = _U.greater(s, rcond * _R.amax(s, axis=-1, keepdims=True))
    return _R.sum(_U.astype(big, np.intp), axis=-1)


def _sum_of_squares(r: Any) -> Any:
    return _R.sum(r * r, axis=0)


def matrix_power(a: Any, n: int) -> Any:
    """``a`` raised to an integer power by repeated squaring (negative: of ``inv(a)``).

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power: exponent must be an integer, got {n!r}")
    rows, cols = _matrix_shape(a, "matrix_power")
    if rows != cols:
        raise ValueError(f"matrix_power: expected square matrices, got shape {np.shape(a)}")
    if n == 0:
        return np.broadcast_to(np.eye(rows, dtype=np.result_type(concrete(a))),
                               np.shape(a)).copy()
    if n < 0:
        a, n = inv_p.bind(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else _ops.matmul(result, a)
        n >>= 1
        if n:
            a = _ops.matmul(a, a)
    return result


def _chain_order(shapes: Sequence[tuple]) -> list:
    """numpy's dynamic programme for the cheapest parenthesisation: ``split[i][j]``."""
    dims = [s[0] for s in shapes] + [shapes[-1][1]]
    count = len(shapes)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = np.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays: Sequence[Any], *, out: Optional[Any] = None) -> Any:
    """``numpy.linalg.multi_dot``: a chain of matrix products in the cheapest order; the
    first and last arrays may be vectors.

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.linalg.multi_dot([np.ones(2), np.eye(2), np.ones(2)]))
    2.0
    """
    if out is not None:
        raise TypeError("multi_dot: out= is not supported (results are new arrays)")
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    first_vector, last_vector = np.ndim(arrays[0]) == 1, np.ndim(arrays[-1]) == 1
    if first_vector:
        arrays[0] = _S.reshape(arrays[0], (1, -1))
    if last_vector:
        arrays[-1] = _S.reshape(arrays[-1], (-1, 1))
    if any(np.ndim(x) != 2 for x in arrays):
        raise ValueError("multi_dot: all arrays but the first and last must be 2-D")
    split = _chain_order([np.shape(x) for x in arrays])
    stack = [(0, len(arrays) - 1)]
    done: dict = {}
    while stack:                                  # iterative post-order over the splits
        i, j = stack.pop()
        if i == j:
            done[(i, j)] = arrays[i]
            continue
        k = split[i][j]
        if (i, k) in done and (k + 1, j) in done:
            done[(i, j)] = _ops.matmul(done[(i, k)], done[(k + 1, j)])
        else:
            stack.extend([(i, j), (i, k), (k + 1, j)])
    result = done[(0, len(arrays) - 1)]
    if first_vector and last_vector:
        return _S.reshape(result, ())
    if first_vector or last_vector:
        return _S.reshape(result, (-1,))
    return result
