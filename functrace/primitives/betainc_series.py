"""``d betainc(a, b, x) / da`` and ``/ db`` (no closed form) by a convergent series.

For ``x < (a + 1) / (a + b + 2)`` (else by ``I_x(a, b) = 1 - I_{1-x}(b, a)``), the
hypergeometric series (DLMF 8.17.8)::

    I_x(a, b) = sum_n T_n,  T_n = x^a (1-x)^b / (a B(a, b)) (a+b)_n / (a+1)_n x^n

has positive terms whose ratio tends to ``x < 1``. Differentiating each term::

    dT_n/da = T_n (log x + digamma(a+b+n) - digamma(a+1+n))
    dT_n/db = T_n (log(1-x) - digamma(b) + digamma(a+b+n))

The terms are computed in the log domain in chunks until they fall below 1e-17 of
the largest; the error is about 1e-15 of ``I`` (checked against 30-digit mpmath).
"""
from __future__ import annotations

import numpy as np
import scipy.special as sc

_CHUNK = 64
_MAX_TERMS = 10_000_000


def betainc_grad_impl(a, b, x, wrt):
    """``d I_x(a, b) / da`` (``wrt=0``) or ``/ db`` (``wrt=1``), elementwise, float64;
    0 at ``x = 0`` and ``x = 1``, nan outside ``a, b > 0``, ``0 <= x <= 1``."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    out = np.full(a.shape, np.nan)
    valid = (a > 0) & (b > 0) & (x >= 0) & (x <= 1) & np.isfinite(a) & np.isfinite(b)
    out[valid & ((x == 0) | (x == 1))] = 0.0
    live = valid & (x > 0) & (x < 1)
    flip = live & (x >= (a + 1.0) / (a + b + 2.0))
    direct = live & ~flip
    if np.any(direct):
        out[direct] = _series(a[direct], b[direct], x[direct])[wrt]
    if np.any(flip):                     # I_x(a, b) = 1 - I_{1-x}(b, a)
        out[flip] = -_series(b[flip], a[flip], 1.0 - x[flip])[1 - wrt]
    return out


def _series(p: np.ndarray, q: np.ndarray, y: np.ndarray) -> tuple:
    """``(dI/dp, dI/dq)`` of ``I_y(p, q)`` by the series (``y`` below the switch)."""
    log_y, log_1my = np.log(y), np.log1p(-y)
    log_t0 = p * log_y + q * log_1my - np.log(p) - sc.betaln(p, q)
    base = log_t0 - sc.gammaln(p + q) + sc.gammaln(p + 1.0)
    d_p, d_q = np.zeros_like(p), np.zeros_like(p)
    largest = np.zeros_like(p)
    n = np.arange(_CHUNK, dtype=np.float64)[:, None]
    psi_q = sc.digamma(q)
    start = 0
    while start < _MAX_TERMS:
        k = n + start
        psi_pqn = sc.digamma(p + q + k)
        terms = np.exp(base + sc.gammaln(p + q + k) - sc.gammaln(p + 1.0 + k) + k * log_y)
        d_p += (terms * (log_y + psi_pqn - sc.digamma(p + 1.0 + k))).sum(axis=0)
        d_q += (terms * (log_1my - psi_q + psi_pqn)).sum(axis=0)
        largest = np.maximum(largest, terms.max(axis=0))
        start += _CHUNK
        if np.all(terms[-1] <= 1e-17 * largest):
            return d_p, d_q
    raise RuntimeError("betainc derivative: the series did not converge")
