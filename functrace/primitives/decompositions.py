"""Matrix decompositions: Cholesky.

``cholesky`` symmetrises its input, ``L = chol((A + A^T) / 2)``, as JAX does:
the input is assumed symmetric (for a symmetric ``A`` this is bit-for-bit
numpy's result; numpy itself reads only the lower triangle). The function is
then differentiable in all entries of ``A`` with a symmetric gradient, and
finite differences in any direction agree with it.

Rules (Murray 2016, "Differentiation of the Cholesky decomposition"; JAX):
``Phi(X)`` keeps the lower triangle of ``X`` and halves its diagonal.

* JVP:  ``dL = L Phi(L^-1 dA_sym L^-T)``
* VJP:  ``A_bar = sym(L^-T Phi(L^T L_bar) L^-1)``

For complex (Hermitian) ``A``: ``sym`` is ``(A + A^H) / 2``, the JVP's ``L^-T``
is ``L^-H`` and the VJP's last ``L^-1`` is ``conj(L)^-1`` (the transpose of the
JVP for the pairing ``Re(sum a * b)``: see :mod:`.complex_parts`).

Triangular solves are done with the general ``solve`` primitive (numpy has no
triangular solver), so they cost an LU factorisation each.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete
from ..registry import defprimitive
from .complex_parts import conj
from .linalg import matmul_p, solve_p, swap_last_two


def _sym(x: Any) -> Any:
    """``(x + x^H) / 2``: symmetric, Hermitian for complex ``x``."""
    return 0.5 * (x + conj(swap_last_two(x)))


def _phi_mask(L: Any) -> np.ndarray:
    """Constant: 1 below the diagonal, 1/2 on it, 0 above."""
    n = np.shape(L)[-1]       # the tracer's own shape (under vmap, without the batch axis)
    return (np.tril(np.ones((n, n))) - 0.5 * np.eye(n)).astype(np.result_type(concrete(L)))


def _cholesky_impl(x: Any) -> np.ndarray:
    x = np.asarray(x)
    return np.linalg.cholesky(0.5 * (x + np.swapaxes(x, -1, -2).conj()))


def _cholesky_vjp(ct, ins, out, argnum):
    L = out
    L_t = swap_last_two(L)
    p = matmul_p.bind(L_t, ct) * _phi_mask(L)           # Phi(L^T L_bar)
    s = solve_p.bind(L_t, p)                             # L^-T P
    s = swap_last_two(solve_p.bind(conj(L_t), swap_last_two(s)))  # (L^-T P) conj(L)^-1
    return _sym(s)


def _cholesky_jvp(primals, tangents, out):
    L = out
    m = solve_p.bind(L, _sym(tangents[0]))               # L^-1 dA
    m = swap_last_two(solve_p.bind(conj(L), swap_last_two(m)))   # L^-1 dA L^-H
    return matmul_p.bind(L, m * _phi_mask(L))


cholesky_p = defprimitive("cholesky", _cholesky_impl, _cholesky_vjp, _cholesky_jvp,
                          saves="out", batch="stacked")
