"""scipy.linalg primitives: triangular and Sylvester solves, the matrix exponential
and square root (values from scipy.linalg; imported by functrace.scipy).

All take stacks of matrices (leading axes broadcast) and every rule is written with
these primitives and matmul, so all orders work:

* ``solve_triangular(a, b)``: ``x = op(a)^-1 b`` with ``op(a) = a`` or ``a^T``; the
  cotangent of ``a`` is ``-op^T(ct_b x^T)`` kept on the triangle that is read (the
  strict triangle with ``unit_diagonal``).
* ``solve_sylvester(a, b, q)``: ``a x + x b = q``; ``ct_q = S(a^T, b^T, ct)``,
  ``ct_a = -ct_q x^T``, ``ct_b = -x^T ct_q``; ``dx = S(a, b, dq - da x - x db)``.
* ``expm``: the Frechet derivative from the block identity
  ``expm([[A, E], [0, A]]) = [[expm A, L(A, E)], [0, expm A]]``; the VJP is
  ``L(A^T, ct)`` (Al-Mohy and Higham 2009).
* ``sqrtm``: ``X = sqrtm(A)`` solves ``X dX + dX X = dA`` (a Sylvester equation);
  its VJP solves ``X^T G + G X^T = ct``. Real results only (a matrix with negative
  eigenvalues has a complex square root: ValueError).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.linalg as sla

from ..core import concrete
from ..registry import defprimitive
from .indexing import concatenate_p, getitem_p
from .linalg import matmul_p, swap_last_two
from .special_functions import float_dtype


def per_matrix(fn: Callable[..., np.ndarray], *arrays: np.ndarray, out_shape: tuple,
               dtype: np.dtype) -> np.ndarray:
    """``fn`` applied to each matrix of broadcast stacks ``arrays``."""
    batch = np.broadcast_shapes(*[a.shape[:-2] for a in arrays])
    arrays = [np.broadcast_to(a, batch + a.shape[-2:]) for a in arrays]
    out = np.empty(batch + out_shape, dtype)
    for idx in np.ndindex(batch):
        out[idx] = fn(*[a[idx] for a in arrays])
    return out


def _floats(*arrays: Any) -> tuple:
    dtype = float_dtype(*arrays)
    return tuple(np.asarray(a, dtype) for a in arrays) + (dtype,)


# -- solve_triangular -------------------------------------------------------------------

def triangle_mask(n: int, lower: bool, unit_diagonal: bool, dtype: Any) -> np.ndarray:
    """Constant 0/1 mask of the entries a triangular solve reads."""
    k = -1 if unit_diagonal else 0
    mask = np.tril(np.ones((n, n)), k) if lower else np.triu(np.ones((n, n)), -k)
    return mask.astype(dtype)


def _solve_triangular_impl(a, b, lower, trans, unit_diagonal):
    a, b, dtype = _floats(a, b)

    def solve(a2, b2):
        return sla.solve_triangular(a2, b2, trans=int(trans), lower=lower,
                                    unit_diagonal=unit_diagonal, check_finite=False)
    return per_matrix(solve, a, b, out_shape=b.shape[-2:], dtype=dtype)


def _op(a, trans):
    return swap_last_two(a) if trans else a


def _masked(g, a, lower, unit_diagonal):
    n = np.shape(a)[-1]
    return g * triangle_mask(n, lower, unit_diagonal, float_dtype(concrete(g)))


def _solve_triangular_vjp_all(ct, ins, out, needed, lower, trans, unit_diagonal):
    """One triangular solve serves both arguments."""
    a = ins[0]
    ct_b = solve_triangular_p.bind(a, ct, lower=lower, trans=not trans,
                                   unit_diagonal=unit_diagonal)
    ct_a = None
    if 0 in needed:
        g = -matmul_p.bind(ct_b, swap_last_two(out))          # cotangent of op(a)
        ct_a = _masked(_op(g, trans), a, lower, unit_diagonal)
    return ct_a, (ct_b if 1 in needed else None)


def _solve_triangular_jvp(primals, tangents, out, lower, trans, unit_diagonal):
    (a, _), (ta, tb) = primals, tangents
    rhs = tb
    if ta is not None:
        da = _op(_masked(ta, a, lower, unit_diagonal), trans)
        rhs = -matmul_p.bind(da, out) if tb is None else tb - matmul_p.bind(da, out)
    return solve_triangular_p.bind(a, rhs, lower=lower, trans=trans,
                                   unit_diagonal=unit_diagonal)


solve_triangular_p = defprimitive("solve_triangular", _solve_triangular_impl,
                                  vjp_all=_solve_triangular_vjp_all, jvp=_solve_triangular_jvp,
                                  saves="both", broadcasts=True, batch="stacked")

# -- solve_sylvester ---------------------------------------------------------------------


def _solve_sylvester_impl(a, b, q):
    a, b, q, dtype = _floats(a, b, q)
    return per_matrix(lambda x, y, z: sla.solve_sylvester(x, y, z), a, b, q,
                      out_shape=q.shape[-2:], dtype=dtype)


def _solve_sylvester_vjp_all(ct, ins, out, needed):
    """One Sylvester solve ``g`` serves all three arguments."""
    a, b, _ = ins
    g = solve_sylvester_p.bind(swap_last_two(a), swap_last_two(b), ct)
    ct_a = -matmul_p.bind(g, swap_last_two(out)) if 0 in needed else None
    ct_b = -matmul_p.bind(swap_last_two(out), g) if 1 in needed else None
    return ct_a, ct_b, (g if 2 in needed else None)


def _solve_sylvester_jvp(primals, tangents, out):
    (a, b, _), (ta, tb, tq) = primals, tangents
    terms = [tq] if tq is not None else []
    if ta is not None:
        terms.append(-matmul_p.bind(ta, out))
    if tb is not None:
        terms.append(-matmul_p.bind(out, tb))
    rhs = terms[0]
    for term in terms[1:]:
        rhs = rhs + term
    return solve_sylvester_p.bind(a, b, rhs)


solve_sylvester_p = defprimitive("solve_sylvester", _solve_sylvester_impl,
                                 vjp_all=_solve_sylvester_vjp_all, jvp=_solve_sylvester_jvp,
                                 saves="both", broadcasts=True, batch="stacked")

# -- expm --------------------------------------------------------------------------------


def _expm_impl(a):
    (a, dtype) = _floats(a)
    return np.asarray(sla.expm(a), dtype)


def frechet_expm(a, e):
    """``L(a, e)``, the derivative of ``expm`` at ``a`` in direction ``e``: the
    top-right block of ``expm([[a, e], [0, a]])`` (differentiable, any order)."""
    shape = np.shape(a)
    nd, n = len(shape), shape[-1]
    zeros = np.zeros(shape, float_dtype(concrete(a), concrete(e)))
    top = concatenate_p.bind(a, e, axis=nd - 1)
    bottom = concatenate_p.bind(zeros, a, axis=nd - 1)
    big = expm_p.bind(concatenate_p.bind(top, bottom, axis=nd - 2))
    corner = (Ellipsis, slice(0, n), slice(n, 2 * n))
    return getitem_p.bind(big, idx=corner)


def _expm_vjp(ct, ins, out, argnum):
    return frechet_expm(swap_last_two(ins[0]), ct)


def _expm_jvp(primals, tangents, out):
    return frechet_expm(primals[0], tangents[0])


expm_p = defprimitive("expm", _expm_impl, _expm_vjp, _expm_jvp, batch="stacked")

# -- sqrtm -------------------------------------------------------------------------------


def _real_sqrtm(a: np.ndarray) -> np.ndarray:
    root = sla.sqrtm(a)
    if np.iscomplexobj(root):
        if np.max(np.abs(root.imag), initial=0.0) > 1e-8 * max(np.max(np.abs(root)), 1.0):
            raise ValueError("sqrtm: this matrix has no real square root (it has negative "
                             "eigenvalues); functrace differentiates real results only")
        root = root.real
    return root


def _sqrtm_impl(a):
    (a, dtype) = _floats(a)
    return per_matrix(_real_sqrtm, a, out_shape=a.shape[-2:], dtype=dtype)


def _sqrtm_vjp(ct, ins, out, argnum):
    out_t = swap_last_two(out)
    return solve_sylvester_p.bind(out_t, out_t, ct)


def _sqrtm_jvp(primals, tangents, out):
    return solve_sylvester_p.bind(out, out, tangents[0])


sqrtm_p = defprimitive("sqrtm", _sqrtm_impl, _sqrtm_vjp, _sqrtm_jvp, saves="out",
                       batch="stacked")
