"""``functrace.numpy.linalg``: differentiable linear algebra with numpy's signatures.

Every function accepts stacks of matrices (leading batch axes). ``cholesky``
assumes a symmetric input: it factorises ``(a + a^T) / 2`` (see
:mod:`functrace.primitives.decompositions`). The gradient of ``det`` is the
cofactor matrix, also at singular matrices (as in JAX and PyTorch), to any
order; ``slogdet``'s gradient ``inv(a)^T`` is inf/nan at a singular matrix.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Union

import numpy as np

from ..core import concrete, concrete_value
from ..primitives import complex_parts as _cp
from ..primitives import decompositions as _D
from ..primitives import linalg as _L
from ..primitives import nondiff as _N
from . import _products as _ops
from . import _reductions as _R
from . import _shape as _S
from . import _ufuncs as _U
from ._keywords import add_keyword_hints as _add_keyword_hints
# Explicit re-exports (``name as name``): type checkers see them as public.
from ._linalg_decomp import (EigResult as EigResult, EighResult as EighResult,
                             QRResult as QRResult, SVDResult as SVDResult, eig as eig,
                             eigh as eigh, eigvals as eigvals, eigvalsh as eigvalsh,
                             lstsq as lstsq, matrix_power as matrix_power,
                             multi_dot as multi_dot, pinv as pinv, qr as qr, svd as svd,
                             svdvals as svdvals)
from ._linalg_extra import (matrix_rank as matrix_rank,
                            matrix_transpose as matrix_transpose, tensorinv as tensorinv,
                            tensorsolve as tensorsolve, vecdot as vecdot)

Ord = Optional[Union[int, float, str]]


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)``; ``sign`` is a constant (no gradient)."""

    sign: Any
    logabsdet: Any


def inv(a: Any) -> Any:
    """Inverse of a (stack of) square matrices.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.inv(2.0 * np.eye(2))
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    return _L.inv_p.bind(a)


def det(a: Any) -> Any:
    """Determinant of a (stack of) square matrices; its gradient is the cofactor matrix.

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.linalg.det(2.0 * np.eye(2)))
    4.0
    """
    return _L.det_p.bind(a)


def slogdet(a: Any) -> SlogdetResult:
    """``(sign, log|det a|)`` like numpy; the sign is a constant.

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.linalg.slogdet(-np.eye(3)).sign)
    -1.0
    """
    both = _L.slogdet_p.bind(a)
    if _cp.is_complex(both):      # a complex sign varies with a (|sign| = 1); log|det| is real
        return SlogdetResult(_S.getitem(both, 0), _cp.real_part(_S.getitem(both, 1)))
    sign = _S.getitem(_N.stop_gradient_p.bind(both), 0)   # a constant (batched under vmap)
    return SlogdetResult(sign, _S.getitem(both, 1))


def solve(a: Any, b: Any) -> Any:
    """Solve ``a @ x = b`` (numpy 2 rules: ``b`` is a vector only if it is 1-D).

    Batch axes of ``a`` and of a matrix ``b`` broadcast.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.solve(2.0 * np.eye(2), np.ones(2))
    array([0.5, 0.5])
    """
    if np.ndim(b) == 1:
        x = _L.solve_p.bind(a, _S.reshape(b, (-1, 1)))
        return _S.reshape(x, np.shape(x)[:-1])
    if np.ndim(b) == 0:
        raise ValueError("solve: b must be at least one-dimensional")
    return _L.solve_p.bind(a, b)


def cholesky(a: Any) -> Any:
    """Lower Cholesky factor of a (stack of) symmetric positive-definite matrices.

    The input is symmetrised, ``(a + a^T) / 2``, so the gradient is symmetric.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.cholesky(4.0 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return _D.cholesky_p.bind(a)


# -- norms ------------------------------------------------------------------------------

def _as_float(x: Any) -> Any:
    """Non-float inputs become float64, as in numpy's norms."""
    if isinstance(x, (list, tuple, int, float)):
        x = np.asarray(x)
    if np.asarray(concrete(x)).dtype.kind not in "fc":
        x = _U.astype(x, np.float64)
    return x


def _abs_squared(x: Any) -> Any:
    """``|x|^2``, real (``x * conj(x)`` for complex ``x``)."""
    return x * x if not _cp.is_complex(x) else _cp.real_part(x * _cp.conj(x))


def _safe_power(a: Any, p: float) -> Any:
    """``a ** p`` for ``a >= 0`` with the derivative at ``a == 0`` taken as 0."""
    zero = _U.equal(a, 0)           # a primitive, so that it stays batched under vmap
    if not np.any(concrete_value(zero)):
        return a ** p
    return _U.where(zero, 0.0, _U.where(zero, 1.0, a) ** p)


def _vector_norm(x: Any, ord: Ord, axis: tuple, keepdims: bool) -> Any:
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord is None or ord == 2:
        return _R.safe_sqrt(_R.sum(_abs_squared(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return _R.amax(_U.absolute(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _R.amin(_U.absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        nonzero = _U.astype(_U.not_equal(x, 0), concrete(x).dtype)
        return _R.sum(nonzero, axis=axis, keepdims=keepdims)
    if ord == 1:
        return _R.sum(_U.absolute(x), axis=axis, keepdims=keepdims)
    p = float(ord)
    if p < 0:       # zeros make the sum infinite and the norm 0, as in numpy
        return _R.sum(_U.absolute(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)
    total = _R.sum(_safe_power(_U.absolute(x), p), axis=axis, keepdims=keepdims)
    return _safe_power(total, 1.0 / p)


def _matrix_norm(x: Any, ord: Ord, axes: tuple, keepdims: bool) -> Any:
    row, col = axes
    if row == col:
        raise ValueError("Duplicate axes given.")
    if ord is None or ord == "fro":
        return _R.safe_sqrt(_R.sum(_abs_squared(x), axis=axes, keepdims=keepdims))
    if ord in (2, -2, "nuc"):
        return _singular_value_norm(x, ord, axes, keepdims)
    if ord in (1, -1):
        inner_axis, outer_axis = row, col
    elif ord in (np.inf, -np.inf):
        inner_axis, outer_axis = col, row
    else:
        raise ValueError("Invalid norm order for matrices.")
    sums = _R.sum(_U.absolute(x), axis=inner_axis, keepdims=True)
    pick = _R.amax if ord > 0 else _R.amin
    result = pick(sums, axis=outer_axis, keepdims=True)
    return result if keepdims else _S.squeeze(result, axis=axes)


def _singular_value_norm(x: Any, ord: Ord, axes: tuple, keepdims: bool) -> Any:
    """2 (largest singular value), -2 (smallest), 'nuc' (their sum) over ``axes``."""
    s = svdvals(_S.moveaxis(x, axes, (-2, -1)))
    if ord == "nuc":
        result = _R.sum(s, axis=-1)
    else:
        result = (_R.amax if ord == 2 else _R.amin)(s, axis=-1)
    if keepdims:
        result = _S.expand_dims(result, tuple(sorted(axes)))
    return result


def norm(x: Any, ord: Ord = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector or matrix norm with numpy's ``ord``/``axis``/``keepdims`` rules.

    Vectors: ``ord`` None/2, 1, inf, -inf, 0 and any other p. Matrices: None,
    ``'fro'``, 1, -1, inf, -inf, and from the singular values 2, -2, ``'nuc'``. The
    gradient at a zero vector is taken as 0 (never NaN); that of 2/-2 needs the
    largest/smallest singular value to be simple.

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.linalg.norm(np.array([3.0, 4.0])))
    5.0
    """
    x = _as_float(x)
    nd = np.ndim(x)
    if axis is None:
        if ord is None:
            return _R.safe_sqrt(_R.sum(_abs_squared(x), keepdims=keepdims))
        if nd not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = tuple(range(nd))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(int(a) % max(nd, 1) for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def cond(x: Any, p: Ord = None) -> Any:
    """Condition number, as ``numpy.linalg.cond``: ``s_max / s_min`` for ``p`` None, 2
    (``s_min / s_max`` for -2), else ``norm(x, p) * norm(inv(x), p)``.

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.linalg.cond(np.diag([4.0, 2.0])))
    2.0
    """
    x = _as_float(x)
    if p is None or p in (2, -2):
        s = svdvals(x)
        big, small = _R.amax(s, axis=-1), _R.amin(s, axis=-1)
        return small / big if p == -2 else big / small
    if np.ndim(x) < 2 or np.shape(x)[-1] != np.shape(x)[-2]:
        raise ValueError(f"cond: p={p!r} needs square matrices, got shape {np.shape(x)}")
    return (norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1)))


# -- numpy 2 array-API names (dispatch from np.linalg.*) ----------------------------------

def matmul(x1: Any, x2: Any) -> Any:
    """``x1 @ x2`` (numpy.linalg.matmul)."""
    return _ops.matmul(x1, x2)


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Any:
    """numpy.linalg.tensordot: same as ``functrace.numpy.tensordot``."""
    return _ops.tensordot(x1, x2, axes=axes)


def outer(x1: Any, x2: Any) -> Any:
    """Outer product of two vectors (numpy.linalg.outer)."""
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise ValueError("Input arrays must be one-dimensional")
    return _ops.outer(x1, x2)


def diagonal(x: Any, offset: int = 0) -> Any:
    """Diagonals of the last two axes (numpy.linalg.diagonal)."""
    return _ops.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x: Any, offset: int = 0, dtype: Any = None) -> Any:
    """Traces over the last two axes (numpy.linalg.trace)."""
    return _ops.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


def vector_norm(x: Any, axis: Any = None, keepdims: bool = False, ord: Ord = 2) -> Any:
    """numpy.linalg.vector_norm: a vector norm over ``axis`` (all axes if None)."""
    x = _as_float(x)
    return _vector_norm(x, ord, _R.normalize_axes(axis, np.ndim(x)), keepdims)


def matrix_norm(x: Any, keepdims: bool = False, ord: Ord = "fro") -> Any:
    """numpy.linalg.matrix_norm over the last two axes."""
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


_add_keyword_hints(globals(), "functrace.numpy.linalg")   # norm(x, dim=0) -> use axis=
