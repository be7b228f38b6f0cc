"""The rest of ``numpy.linalg`` for :mod:`functrace.numpy.linalg`, as composites:
matrix_transpose, vecdot, matrix_rank (a constant), tensorinv, tensorsolve."""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from ..core import concrete
from ..primitives import factorizations as _F
from ..primitives import linalg as _L
from ..primitives.spectral import float_dtype
from . import _reductions as _R
from . import _shape as _S
from . import _ufuncs as _U


def matrix_transpose(x: Any) -> Any:
    """The last two axes exchanged (``numpy.linalg.matrix_transpose``).

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.matrix_transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    if np.ndim(x) < 2:
        raise ValueError("matrix_transpose: input array must be at least 2-dimensional")
    return _S.swapaxes(x, -1, -2)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Dot products of vectors along ``axis``, broadcasting the others
    (``numpy.linalg.vecdot``, real arrays).

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.vecdot(np.ones((2, 3)), np.arange(3.0))
    array([3., 3.])
    """
    return _R.sum(x1 * x2, axis=axis)


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *,
                rtol: Any = None) -> Any:
    """Numerical rank (``numpy.linalg.matrix_rank``): the number of singular values above
    the tolerance. An integer constant (no gradient), batched under ``vmap``.

    >>> import numpy as np, functrace.numpy as fnp
    >>> int(fnp.linalg.matrix_rank(np.diag([1.0, 0.0, 2.0])))
    2
    """
    if np.ndim(A) < 2:
        return _U.astype(_R.any(_U.not_equal(A, 0)), np.intp)
    s = _F.svdvals_p.bind(A)
    biggest = _R.amax(s, axis=-1, keepdims=True)
    if tol is None:
        if rtol is None:
            rtol = max(np.shape(A)[-2:]) * np.finfo(float_dtype(concrete(A))).eps
        tol = biggest * _S.expand_dims(np.asarray(rtol), -1)
    else:
        tol = _S.expand_dims(np.asarray(tol), -1)
    return _R.sum(_U.astype(_U.greater(s, tol), np.intp), axis=-1)


def tensorinv(a: Any, ind: int = 2) -> Any:
    """The inverse with respect to ``tensordot(.., ind)`` (``numpy.linalg.tensorinv``).

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    shape = tuple(np.shape(a))
    rows = math.prod(shape[:ind])
    inverse = _L.inv_p.bind(_S.reshape(a, (rows, -1)))
    return _S.reshape(inverse, shape[ind:] + shape[:ind])


def tensorsolve(a: Any, b: Any, axes: Optional[Sequence[int]] = None) -> Any:
    """Solve ``tensordot(a, x, axes=x.ndim) = b`` for ``x`` (``numpy.linalg.tensorsolve``).

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.linalg.tensorsolve(2.0 * np.eye(4).reshape(2, 2, 4), np.ones((2, 2))).shape
    (4,)
    """
    if axes is not None:
        nd = np.ndim(a)
        moved = [ax % nd for ax in axes]
        order = [k for k in range(nd) if k not in moved] + moved
        a = _S.transpose(a, order)
    shape = tuple(np.shape(a))
    unknown = shape[np.ndim(b):]
    size = math.prod(unknown)
    if math.prod(shape[:np.ndim(b)]) != size:
        raise np.linalg.LinAlgError("Input arrays must satisfy the requirement "
                                    "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    x = _L.solve_p.bind(_S.reshape(a, (size, size)), _S.reshape(b, (size, 1)))
    return _S.reshape(x, unknown)
