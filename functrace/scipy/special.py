"""``functrace.scipy.special``: scipy.special's signatures, differentiable.

Each function works on numpy arrays, Python numbers and traced values (``grad``,
``jvp``, ``vmap``, any order), with scipy's values. Derivatives:

* gamma family, error functions, ``ndtr``/``ndtri``/``log_ndtr``, ``xlogy``,
  ``xlog1py``, ``entr``, ``rel_entr``, Bessel functions: in every real argument but
  the integer or real *order* (``polygamma``'s ``n``, ``iv``'s ``v``, ...), which is
  not differentiable;
* ``gammainc(a, x)`` / ``gammaincc(a, x)``: in ``x`` (closed form, all orders) and in
  ``a`` (first order, by a convergent series or quadrature, about 1e-13 relative;
  a second derivative in ``a`` raises NotImplementedError, as JAX and HIPS autograd
  have none either);
* ``betainc(a, b, x)``: in ``x`` (all orders) and in ``a``, ``b`` (first order, by a
  convergent series, about 1e-14 relative; second derivatives in ``a``/``b`` raise
  NotImplementedError);
* ``xlogy(0, y) = 0`` with ``d/dy = 0`` there; ``d/dx = log(y)`` (as in JAX).

>>> import numpy as np, functrace, functrace.scipy.special as fsp
>>> float(functrace.grad(fsp.gammaln)(3.0))          # digamma(3)
0.9227843350984671
>>> functrace.grad(lambda x: fsp.logsumexp(x))(np.zeros(2))
array([0.5, 0.5])
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..numpy import _scipy_special as _base
from ..core import is_tracer
from ..numpy._keywords import add_keyword_hints as _add_keyword_hints
from ..primitives import bessel as _B
from ..primitives import special_functions as _P
from ..numpy._scipy_special import (erf, erfc, expit, log_softmax, logit,  # noqa: F401
                                     logsumexp, softmax)

__all__ = ["gammaln", "digamma", "psi", "polygamma", "gamma", "rgamma", "beta", "betaln",
           "gammainc", "gammaincc", "betainc", "erf", "erfc", "erfinv", "erfcinv", "expit",
           "logit", "log_ndtr", "ndtr", "ndtri", "xlogy", "xlog1py", "i0", "i1", "i0e",
           "i1e", "iv", "ive", "j0", "j1", "jn", "jv", "y0", "y1", "yn", "yv",
           "multigammaln", "logsumexp", "softmax", "log_softmax", "entr", "rel_entr"]


def _value(x: Any) -> Any:
    """A differentiable argument: tracers and Python floats as they are (a Python
    float does not promote float32, as in numpy), other values as float arrays."""
    if is_tracer(x) or isinstance(x, float):
        return x
    if isinstance(x, (int, bool)):
        return float(x)
    return _base.as_float(x)


def _order(n: Any) -> Any:
    """A non-differentiable order argument (``polygamma``'s ``n``, ``iv``'s ``v``)."""
    return n if is_tracer(n) or isinstance(n, (int, float)) else np.asarray(n)


# -- gamma family ----------------------------------------------------------------------

def gammaln(x: Any) -> Any:
    """``log|Gamma(x)|``; derivative ``digamma(x)``. Example: ``gammaln(4.0) = log 6``."""
    return _P.gammaln_p.bind(_value(x))


def digamma(x: Any) -> Any:
    """``Gamma'(x) / Gamma(x)``; derivative ``polygamma(1, x)``.

    Example: ``digamma(1.0)`` is ``-0.5772...`` (minus Euler's constant).
    """
    return _P.digamma_p.bind(_value(x))


psi = digamma


def polygamma(n: Any, x: Any) -> Any:
    """The ``n``-th derivative of ``digamma`` (``n`` not differentiable).

    Example: ``polygamma(1, 1.0)`` is ``pi**2 / 6``.
    """
    return _P.polygamma_p.bind(_order(n), _value(x))


def gamma(x: Any) -> Any:
    """The gamma function; derivative ``gamma(x) digamma(x)``. Example: ``gamma(5.0) = 24``."""
    return _P.gamma_p.bind(_value(x))


def rgamma(x: Any) -> Any:
    """``1 / gamma(x)`` (0 at the poles). Example: ``rgamma(3.0) = 0.5``."""
    return _P.rgamma_p.bind(_value(x))


def beta(a: Any, b: Any) -> Any:
    """``Gamma(a) Gamma(b) / Gamma(a + b)``. Example: ``beta(2.0, 3.0) = 1/12``."""
    return _P.beta_p.bind(_value(a), _value(b))


def betaln(a: Any, b: Any) -> Any:
    """``log|beta(a, b)|``; ``d/da = digamma(a) - digamma(a + b)``.

    Example: ``betaln(1.0, 1.0) = 0``.
    """
    return _P.betaln_p.bind(_value(a), _value(b))


def gammainc(a: Any, x: Any) -> Any:
    """Regularised lower incomplete gamma ``P(a, x)``; differentiable in ``x`` and
    (to first order) in ``a``. Example: ``gammainc(1.0, x) = 1 - exp(-x)``."""
    return _P.gammainc_p.bind(_value(a), _value(x))


def gammaincc(a: Any, x: Any) -> Any:
    """Regularised upper incomplete gamma ``Q(a, x) = 1 - P(a, x)``, accurate where it
    is tiny. Example: ``gammaincc(1.0, x) = exp(-x)``."""
    return _P.gammaincc_p.bind(_value(a), _value(x))


def betainc(a: Any, b: Any, x: Any) -> Any:
    """Regularised incomplete beta ``I_x(a, b)``; differentiable in ``x`` and (to first
    order) in ``a`` and ``b``.

    Example: ``betainc(1.0, 1.0, 0.3) = 0.3``.
    """
    return _P.betainc_p.bind(_value(a), _value(b), _value(x))


def multigammaln(a: Any, d: int) -> Any:
    """Log of the multivariate gamma function of dimension ``d``:
    ``d (d-1) / 4 log(pi) + sum_j gammaln(a - j / 2)`` for ``j = 0 .. d-1``.

    Example: ``multigammaln(3.0, 1) == gammaln(3.0)``.
    """
    d = int(d)
    if d < 1:
        raise ValueError(f"multigammaln: the dimension d must be a positive integer, got {d}")
    a = _value(a)
    terms = [gammaln(a - 0.5 * j) for j in range(d)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total + 0.25 * d * (d - 1) * math.log(math.pi)


# -- error functions and the normal distribution ---------------------------------------

def erfinv(y: Any) -> Any:
    """Inverse of ``erf`` on ``(-1, 1)``; derivative ``sqrt(pi)/2 exp(erfinv(y)^2)``.

    Example: ``erfinv(0.0) = 0``.
    """
    return _P.erfinv_p.bind(_value(y))


def erfcinv(y: Any) -> Any:
    """Inverse of ``erfc`` on ``(0, 2)``. Example: ``erfcinv(1.0) = 0``."""
    return _P.erfcinv_p.bind(_value(y))


def ndtr(x: Any) -> Any:
    """The standard normal CDF ``Phi(x)``. Example: ``ndtr(0.0) = 0.5``."""
    return _P.ndtr_p.bind(_value(x))


def ndtri(p: Any) -> Any:
    """The inverse of ``ndtr`` (the normal quantile). Example: ``ndtri(0.5) = 0``."""
    return _P.ndtri_p.bind(_value(p))


def log_ndtr(x: Any) -> Any:
    """``log(ndtr(x))``, accurate in both tails (``log_ndtr(-40.0)`` is about -804.6),
    with a derivative that stays finite there too."""
    return _P.log_ndtr_p.bind(_value(x))


# -- x log y and entropies -------------------------------------------------------------

def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, 0 where ``x == 0``. Example: ``xlogy(0.0, 0.0) = 0``."""
    return _P.xlogy_p.bind(_value(x), _value(y))


def xlog1py(x: Any, y: Any) -> Any:
    """``x * log1p(y)``, 0 where ``x == 0``. Example: ``xlog1py(0.0, -1.0) = 0``."""
    return _P.xlog1py_p.bind(_value(x), _value(y))


def entr(x: Any) -> Any:
    """``-x log(x)`` (0 at 0, ``-inf`` for ``x < 0``). Example: ``entr(1.0) = 0``."""
    return _P.entr_p.bind(_value(x))


def rel_entr(x: Any, y: Any) -> Any:
    """``x log(x / y)`` for ``x, y > 0``; 0 at ``x = 0, y >= 0``; ``inf`` otherwise.

    Example: ``rel_entr(1.0, 1.0) = 0``.
    """
    return _P.rel_entr_p.bind(_value(x), _value(y))


# -- Bessel functions ------------------------------------------------------------------

def j0(x: Any) -> Any:
    """Bessel function of the first kind of order 0. Example: ``j0(0.0) = 1``."""
    return _B.j0_p.bind(_value(x))


def j1(x: Any) -> Any:
    """Bessel function of the first kind of order 1. Example: ``j1(0.0) = 0``."""
    return _B.j1_p.bind(_value(x))


def jv(v: Any, z: Any) -> Any:
    """Bessel function of the first kind of real order ``v`` (not differentiable).

    Example: ``jv(0, 0.0) = 1``.
    """
    return _B.jv_p.bind(_order(v), _value(z))


jn = jv


def y0(x: Any) -> Any:
    """Bessel function of the second kind of order 0 (``-inf`` at 0)."""
    return _B.y0_p.bind(_value(x))


def y1(x: Any) -> Any:
    """Bessel function of the second kind of order 1 (``-inf`` at 0)."""
    return _B.y1_p.bind(_value(x))


def yv(v: Any, z: Any) -> Any:
    """Bessel function of the second kind of real order ``v`` (not differentiable)."""
    return _B.yv_p.bind(_order(v), _value(z))


def yn(n: Any, x: Any) -> Any:
    """Bessel function of the second kind of integer order ``n``."""
    return yv(n, x)


def i0(x: Any) -> Any:
    """Modified Bessel function of order 0. Example: ``i0(0.0) = 1``."""
    return _B.i0_p.bind(_value(x))


def i1(x: Any) -> Any:
    """Modified Bessel function of order 1. Example: ``i1(0.0) = 0``."""
    return _B.i1_p.bind(_value(x))


def i0e(x: Any) -> Any:
    """``i0(x) exp(-|x|)``, finite for large ``|x|``. Example: ``i0e(0.0) = 1``."""
    return _B.i0e_p.bind(_value(x))


def i1e(x: Any) -> Any:
    """``i1(x) exp(-|x|)``, finite for large ``|x|``. Example: ``i1e(0.0) = 0``."""
    return _B.i1e_p.bind(_value(x))


def iv(v: Any, z: Any) -> Any:
    """Modified Bessel function of real order ``v`` (not differentiable).

    Example: ``iv(0, 0.0) = 1``.
    """
    return _B.iv_p.bind(_order(v), _value(z))


def ive(v: Any, z: Any) -> Any:
    """``iv(v, z) exp(-|z|)``, finite for large ``|z|``."""
    return _B.ive_p.bind(_order(v), _value(z))


_add_keyword_hints(globals(), "functrace.scipy.special")   # softmax(x, dim=0) -> use axis=

from ..numpy._example_tables import attach as _attach  # noqa: E402  (docstring examples)
from ._special_examples import EXAMPLES as _EXAMPLES  # noqa: E402
_attach(globals(), _EXAMPLES)
