"""SVD (real or complex matrices), QR, the pseudo-inverse and orthogonal complements
(real matrices).

``svd`` returns the reduced decomposition ``a = U diag(s) V^T`` (``k = min(m, n)``)
packed into one array ``(..., m + 1 + n, k)``: rows ``:m`` are ``U``, row ``m`` is
``s`` (descending), rows ``m + 1:`` are ``V`` (not ``V^T``); see :func:`split_svd`. With
``F_ij = 1 / (s_j^2 - s_i^2)`` off the diagonal and ``dS = U^T dA V`` (JAX, Townsend
2016, "Differentiating the singular value decomposition")::

    ds = diag(dS)
    dU = U (F * (dS S + S dS^T)) + (I - U U^T) dA V S^-1       (the last term if m > n)
    dV = V (F * (S dS + dS^T S)) + (I - V V^T) dA^T U S^-1     (the last term if n > m)

and the VJP is its transpose. For a complex matrix (``a = U diag(s) V^H``) the same
formulas hold with ``dS = U^H dA V``, ``^H`` for ``^T`` and ``ds = Re(diag(dS))``; each pair
``(u_j, v_j)`` may turn by a common phase, which numpy does not fix: the rules give that
freedom's part ``i Im(dS_jj) / s_j`` to ``u_j`` (so only phase-free functions such as
``s``, ``u_j v_j^H`` or ``|U|`` have derivatives that agree with numpy's outputs). The
VJP transposes this for ``Re(sum(a * b))``: ``A_bar = conj(U) P_bar V^T + ...``.

Equal singular values leave ``U``, ``V`` undefined: as for ``eigh`` (:func:`.spectral.gap_product`) such a pair gives NaN unless the function
is invariant to the basis of their space (then its part is 0); a zero singular value of
a non-square matrix makes the last terms infinite. ``svdvals`` (``compute_uv=False``) is its own primitive whose VJP
``A_bar = U diag(s_bar) V^T`` never meets ``F``: exact at any multiplicity for functions
symmetric in the equal values (its own derivative, second order, needs them distinct).

``qr`` returns the reduced ``a = Q R`` of a tall or square matrix (``m >= n``, full
column rank) packed as ``(..., m + n, n)``; wide matrices are a composite in
:mod:`functrace.numpy.linalg`. Rules (JAX): ``X = dA R^-1``, ``C = Q^T X``,
``O = L - L^T`` with ``L`` the strict lower triangle of ``C``; ``dQ = Q (O - C) + X``,
``dR = (C - O) R``.

``orthogonal_complement`` extends orthonormal columns ``(..., m, k)`` by ``m - k`` more
(for ``full_matrices=True``/``mode='complete'``). The basis of a complement is not
unique, so it has no derivative: its JVP is NaN, and its VJP is NaN wherever its
cotangent is nonzero (a function that ignores those columns differentiates fine).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete
from ..registry import defprimitive
from .complex_parts import as_complex, conj, imag_p, is_complex, real_part
from .indexing import concatenate_p, getitem_p
from .linalg import matmul_p, solve_p, swap_last_two
from .nondiff import not_equal_p
from .selection import where_p
from .spectral import (as_column, as_float_matrix, as_row, diagonal_matrix, diagonal_part,
                       float_dtype, gap_inverse, gap_product, real_precision)


def _t(x: Any) -> Any:
    return swap_last_two(x)


def _h(x: Any) -> Any:
    """The conjugate transpose (the transpose of a real matrix)."""
    return conj(swap_last_two(x))


def _mm(*xs: Any) -> Any:
    """``xs[0] @ xs[1] @ ...``."""
    out = xs[0]
    for x in xs[1:]:
        out = matmul_p.bind(out, x)
    return out


def _rows(x: Any, start: int, stop: int) -> Any:
    return getitem_p.bind(x, idx=(Ellipsis, slice(start, stop), slice(None)))


def _stack_rows(*parts: Any) -> Any:
    return concatenate_p.bind(*parts, axis=len(np.shape(parts[-1])) - 2)


# -- svd ------------------------------------------------------------------------------------

def _svd_impl(a):
    a = as_float_matrix(a, "svd", square=False, complex_ok=True)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :].astype(u.dtype), np.conj(np.swapaxes(vt, -1, -2))],
                          axis=-2)


def split_svd(packed: Any, m: int) -> tuple:
    """``(U, s, V)`` from the packed output of ``svd_p`` on an ``m``-row matrix (``s``
    real also when the matrix is complex)."""
    rows = np.shape(packed)[-2]
    s = real_part(getitem_p.bind(packed, idx=(Ellipsis, m, slice(None))))
    return _rows(packed, 0, m), s, _rows(packed, m + 1, rows)


def _minus_projection(basis: Any, x: Any) -> Any:
    """``(I - B B^H) x``."""
    return x - _mm(basis, _h(basis), x)


def _phase_part(p: Any, s: Any) -> Any:
    """``diag(i Im(p_jj) / s_j)``: a complex pair ``(u_j, v_j)`` may turn by a common
    phase (numpy fixes none); this part of ``dP`` turns ``u_j`` alone."""
    return diagonal_matrix(1j * imag_p.bind(diagonal_part(p)) / s)


def _svd_jvp(primals, tangents, out):
    a, da = primals[0], tangents[0]
    m, n = np.shape(a)[-2:]
    u, s, v = split_svd(out, m)
    dp = _mm(_h(u), da, v)                                         # dP = U^H dA V
    f = gap_inverse(s * s)
    dps, sdp = dp * as_row(s), as_column(s) * dp
    omega_u = gap_product(f, dps + _h(dps))
    if is_complex(dp):
        omega_u = omega_u + _phase_part(dp, s)
    du = matmul_p.bind(u, omega_u)
    dv = matmul_p.bind(v, gap_product(f, sdp + _h(sdp)))
    if m > n:
        du = du + _minus_projection(u, matmul_p.bind(da, v)) / as_row(s)
    if n > m:
        dv = dv + _minus_projection(v, matmul_p.bind(_h(da), u)) / as_row(s)
    ds = real_part(diagonal_part(dp))
    return _stack_rows(du, as_row(as_complex(ds) if is_complex(du) else ds), dv)


def _svd_vjp(ct, ins, out, argnum):
    """The transpose of :func:`_svd_jvp` for ``Re(sum(a * b))``:
    ``A_bar = conj(U) P_bar V^T`` plus the complements' parts."""
    m, n = np.shape(ins[0])[-2:]
    u, s, v = split_svd(out, m)
    ct_u, ct_s, ct_v = split_svd(ct, m)
    f = gap_inverse(s * s)
    ju, jv = matmul_p.bind(_t(u), ct_u), matmul_p.bind(_t(v), ct_v)
    inner = (diagonal_matrix(ct_s) + gap_product(f, ju - _h(ju)) * as_row(s)
             + as_column(s) * gap_product(f, jv - _h(jv)))
    if is_complex(ju):
        inner = inner + _phase_part(ju, s)
    u_bar = conj(u)
    g = _mm(u_bar, inner, _t(v))
    if m > n:
        g = g + matmul_p.bind((ct_u - _mm(u_bar, ju)) / as_row(s), _t(v))
    if n > m:
        g = g + matmul_p.bind(u_bar, _h((ct_v - _mm(conj(v), jv)) / as_row(s)))
    return g


svd_p = defprimitive("svd", _svd_impl, _svd_vjp, _svd_jvp, saves="both", batch="stacked")


def _svdvals_impl(a):
    a = as_float_matrix(a, "svd", square=False, complex_ok=True)
    return np.linalg.svd(a, compute_uv=False)


def _svdvals_jvp(primals, tangents, out):
    u, _, v = split_svd(svd_p.bind(primals[0]), np.shape(primals[0])[-2])
    return real_part(diagonal_part(_mm(_h(u), tangents[0], v)))


def _svdvals_vjp(ct, ins, out, argnum):
    u, _, v = split_svd(svd_p.bind(ins[0]), np.shape(ins[0])[-2])
    return _mm(conj(u) * as_row(ct), _t(v))


svdvals_p = defprimitive("svdvals", _svdvals_impl, _svdvals_vjp, _svdvals_jvp, saves="in",
                         batch="stacked")

# -- orthogonal complement --------------------------------------------------------------------


def _complement_impl(q):
    q = np.asarray(q)
    m, k = q.shape[-2:]
    if k > m:
        raise ValueError(f"orthogonal_complement: {k} columns in {m} dimensions")
    return np.linalg.qr(q, mode="complete")[0][..., k:]


def _nan_where_nonzero(x: Any) -> Any:
    nan = np.asarray(np.nan, dtype=real_precision(x))
    return where_p.bind(not_equal_p.bind(x, 0.0), nan, np.zeros((), nan.dtype))


def _complement_jvp(primals, tangents, out):
    return out * np.asarray(np.nan, dtype=real_precision(out))


def _complement_vjp(ct, ins, out, argnum):
    # (m, m - k) @ (m - k, k) zeros: NaN in a row wherever the cotangent is nonzero.
    m, k = np.shape(ins[0])[-2:]
    zeros = np.zeros((m - k, k), dtype=real_precision(ct))
    return matmul_p.bind(_nan_where_nonzero(ct), zeros)


orthogonal_complement_p = defprimitive("orthogonal_complement", _complement_impl,
                                       _complement_vjp, _complement_jvp, saves="in",
                                       batch="stacked")

# -- qr -----------------------------------------------------------------------------------------


def _qr_impl(a):
    a = as_float_matrix(a, "qr", square=False)
    m, n = a.shape[-2:]
    if m < n:
        raise ValueError(f"qr_p: expected a tall or square matrix (m >= n), got {m} x {n}")
    q, r = np.linalg.qr(a, mode="reduced")
    return np.concatenate([q, r], axis=-2)


def split_qr(packed: Any, m: int) -> tuple:
    """``(Q, R)`` from the packed output of ``qr_p`` on an ``m``-row matrix."""
    return _rows(packed, 0, m), _rows(packed, m, np.shape(packed)[-2])


def _strict_lower(x: Any) -> Any:
    n = np.shape(x)[-1]
    return x * np.tril(np.ones((n, n), dtype=float_dtype(concrete(x))), -1)


def _times_r_inverse(x: Any, r: Any) -> Any:
    """``x R^-1``."""
    return _t(solve_p.bind(_t(r), _t(x)))


def _qr_jvp(primals, tangents, out):
    q, r = split_qr(out, np.shape(primals[0])[-2])
    x = _times_r_inverse(tangents[0], r)
    c = matmul_p.bind(_t(q), x)
    lower = _strict_lower(c)
    skew = lower - _t(lower)
    return _stack_rows(matmul_p.bind(q, skew - c) + x, matmul_p.bind(c - skew, r))


def _qr_vjp(ct, ins, out, argnum):
    m = np.shape(ins[0])[-2]
    q, r = split_qr(out, m)
    ct_q, ct_r = split_qr(ct, m)
    b = matmul_p.bind(_t(q), ct_q) - matmul_p.bind(ct_r, _t(r))
    g_c = _strict_lower(b - _t(b)) - b
    g_x = ct_q + matmul_p.bind(q, g_c)
    return _t(solve_p.bind(r, _t(g_x)))                              # g_x R^-T


qr_p = defprimitive("qr", _qr_impl, _qr_vjp, _qr_jvp, saves="both", batch="stacked")

# -- pinv ---------------------------------------------------------------------------------------


def _pinv_impl(a, rcond):
    a = as_float_matrix(a, "pinv", square=False)
    return np.linalg.pinv(a, rcond=rcond).astype(a.dtype, copy=False)


def _identity_minus(x: Any) -> Any:
    n = np.shape(x)[-1]
    return np.eye(n, dtype=float_dtype(concrete(x))) - x


def _pinv_jvp(primals, tangents, out, rcond):
    # Golub and Pereyra (1973); valid where the rank does not change.
    a, da, p = primals[0], tangents[0], out
    return (-_mm(p, da, p) + _mm(p, _t(p), _t(da), _identity_minus(_mm(a, p)))
            + _mm(_identity_minus(_mm(p, a)), _t(da), _t(p), p))


def _pinv_vjp(ct, ins, out, argnum, rcond):
    a, p = ins[0], out
    return (-_mm(_t(p), ct, _t(p)) + _mm(_identity_minus(_mm(a, p)), _t(ct), p, _t(p))
            + _mm(_t(p), p, _t(ct), _identity_minus(_mm(p, a))))


pinv_p = defprimitive("pinv", _pinv_impl, _pinv_vjp, _pinv_jvp, saves="both",
                      batch="stacked")
