"""scipy.special primitives: gamma family, error-function inverses, normal CDF,
entropies and ``xlogy`` (the Bessel functions are in :mod:`.bessel`).

Values come from scipy.special (this module is imported only by
:mod:`functrace.scipy`, which requires scipy); every derivative is written with
functrace primitives, so all orders work:

* ``gammaln' = digamma``, ``digamma' = polygamma(1, .)``,
  ``polygamma(n, .)' = polygamma(n + 1, .)`` (the order ``n`` is not differentiable);
* ``gammainc``/``gammaincc`` in ``x``: the gamma density; in ``a``: the series
  :func:`functrace.primitives.gammainc_series.gammainc_da_impl` (first order; its own
  derivative in ``a`` raises NotImplementedError);
* ``betainc`` in ``x``: the beta density; in ``a``/``b``: the series of
  :mod:`functrace.primitives.betainc_series` (first order; second derivatives in
  ``a``/``b`` raise NotImplementedError);
* ``erfinv' = sqrt(pi)/2 exp(erfinv^2)``, ``ndtri' = sqrt(2 pi) exp(ndtri^2 / 2)``,
  ``log_ndtr' = phi(x) / Phi(x)`` computed as ``exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi)``
  (finite far in both tails);
* ``xlogy(x, y)``: ``d/dx = log(y)`` and ``d/dy = x / y`` as in JAX, but 0 (not nan)
  at ``x = y = 0``, where the function is identically 0 in ``y``; ``xlog1py`` likewise.

float32 inputs give float32 values and derivatives.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
import scipy.special as sc

from ..registry import defelementwise
from . import nondiff as N
from .selection import where_p
from .transcendental import exp_p, log1p_p, log_p
from .betainc_series import betainc_grad_impl
from .gammainc_series import gammainc_da_impl

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def float_dtype(*values: Any) -> np.dtype:
    """The floating dtype numpy gives these values (float64 for integers); a
    ``TypeError`` for complex values, which the scipy-backed primitives do not
    implement (a cast would silently drop their imaginary parts)."""
    dt = np.result_type(*values)
    if dt.kind == "c":
        raise TypeError(f"functrace.scipy does not support complex values ({dt}) here yet: "
                        "pass real arrays (e.g. the real and imaginary parts separately)")
    return dt if dt.kind == "f" else np.dtype(np.float64)


def scipy_ufunc(fn: Callable[..., Any], value_args: Sequence[int] = ()) -> Callable[..., Any]:
    """An impl calling ``fn`` whose result has the floating dtype of the arguments at
    ``value_args`` (all by default): integer orders (``polygamma(n, x)``) do not
    promote float32 values, and float32 stays float32 where scipy computes in float64."""
    def impl(*args: Any) -> Any:
        picked = [args[i] for i in value_args] if value_args else list(args)
        dtype = float_dtype(*picked)
        with np.errstate(all="ignore"):
            out = fn(*args)
        return np.asarray(out).astype(dtype, copy=False)[()]
    impl.__name__ = f"_{fn.__name__}_impl"
    return impl


def ratio_zero_at_origin(x: Any, y: Any) -> Any:
    """``x / y``, 0 where ``x == y == 0`` (differentiable: its derivative in ``x`` is
    still ``1 / y`` wherever ``y != 0``)."""
    origin = N.logical_and_p.bind(N.equal_p.bind(x, 0), N.equal_p.bind(y, 0))
    return x / where_p.bind(origin, 1.0, y)


def _not_implemented(what: str) -> Callable[..., Any]:
    def deriv(*args: Any) -> Any:
        raise NotImplementedError(
            f"functrace: the derivative of {what} is not implemented (no closed form; "
            "see functrace.scipy.special). Differentiate with respect to the other "
            "arguments only, e.g. by passing this one as a constant "
            "(functrace.stop_gradient) or leaving it out of argnums.")
    deriv.__name__ = "_not_implemented"
    return deriv


# -- gamma family -------------------------------------------------------------------------

polygamma_p = defelementwise("polygamma", scipy_ufunc(sc.polygamma, (1,)), (
    None, lambda n, x, out: polygamma_p.bind(n + 1, x)))
digamma_p = defelementwise("digamma", scipy_ufunc(sc.digamma),
                           (lambda x, out: polygamma_p.bind(1, x),))
gammaln_p = defelementwise("gammaln", scipy_ufunc(sc.gammaln),
                           (lambda x, out: digamma_p.bind(x),))
gamma_p = defelementwise("gamma", scipy_ufunc(sc.gamma),
                         (lambda x, out: out * digamma_p.bind(x),), saves="both")
rgamma_p = defelementwise("rgamma", scipy_ufunc(sc.rgamma),
                          (lambda x, out: -out * digamma_p.bind(x),), saves="both")


def _digamma_difference(a: Any, b: Any) -> Any:
    """``digamma(a) - digamma(a + b)``: d betaln(a, b) / da."""
    return digamma_p.bind(a) - digamma_p.bind(a + b)


betaln_p = defelementwise("betaln", scipy_ufunc(sc.betaln), (
    lambda a, b, out: _digamma_difference(a, b),
    lambda a, b, out: _digamma_difference(b, a)))
beta_p = defelementwise("beta", scipy_ufunc(sc.beta), (
    lambda a, b, out: out * _digamma_difference(a, b),
    lambda a, b, out: out * _digamma_difference(b, a)), saves="both")


def gamma_density(a: Any, x: Any) -> Any:
    """``x^(a-1) exp(-x) / Gamma(a)``: d gammainc(a, x) / dx (right at ``x = 0``)."""
    return exp_p.bind(xlogy_p.bind(a - 1.0, x) - x - gammaln_p.bind(a))


gammainc_da_p = defelementwise("gammainc_da", scipy_ufunc(gammainc_da_impl), (
    _not_implemented("gammainc's first derivative in a (that is, its second derivative "
                     "in a)"),
    lambda a, x, out: gamma_density(a, x) * (log_p.bind(x) - digamma_p.bind(a))))
gammainc_p = defelementwise("gammainc", scipy_ufunc(sc.gammainc), (
    lambda a, x, out: gammainc_da_p.bind(a, x),
    lambda a, x, out: gamma_density(a, x)))
gammaincc_p = defelementwise("gammaincc", scipy_ufunc(sc.gammaincc), (
    lambda a, x, out: -gammainc_da_p.bind(a, x),
    lambda a, x, out: -gamma_density(a, x)))


def beta_density(a: Any, b: Any, x: Any) -> Any:
    """``x^(a-1) (1-x)^(b-1) / B(a, b)``: d betainc(a, b, x) / dx."""
    return exp_p.bind(xlogy_p.bind(a - 1.0, x) + xlog1py_p.bind(b - 1.0, -x)
                      - betaln_p.bind(a, b))


_SECOND_IN_AB = _not_implemented("betainc's first derivative in a or b (that is, its "
                                 "second derivative in the shape parameters)")


def _betainc_da(a: Any, b: Any, x: Any) -> Any:
    return betainc_grad_impl(a, b, x, 0)


def _betainc_db(a: Any, b: Any, x: Any) -> Any:
    return betainc_grad_impl(a, b, x, 1)


betainc_da_p = defelementwise("betainc_da", scipy_ufunc(_betainc_da), (
    _SECOND_IN_AB, _SECOND_IN_AB,
    lambda a, b, x, out: beta_density(a, b, x) * (log_p.bind(x) - _digamma_difference(a, b))))
betainc_db_p = defelementwise("betainc_db", scipy_ufunc(_betainc_db), (
    _SECOND_IN_AB, _SECOND_IN_AB,
    lambda a, b, x, out: beta_density(a, b, x) * (log1p_p.bind(-x)
                                                  - _digamma_difference(b, a))))
betainc_p = defelementwise("betainc", scipy_ufunc(sc.betainc), (
    lambda a, b, x, out: betainc_da_p.bind(a, b, x),
    lambda a, b, x, out: betainc_db_p.bind(a, b, x),
    lambda a, b, x, out: beta_density(a, b, x)))

# -- error function inverses and the normal distribution ---------------------------------

erfinv_p = defelementwise("erfinv", scipy_ufunc(sc.erfinv),
                          (lambda x, out: _SQRT_PI_OVER_2 * exp_p.bind(out * out),),
                          saves="out")
erfcinv_p = defelementwise("erfcinv", scipy_ufunc(sc.erfcinv),
                           (lambda x, out: -_SQRT_PI_OVER_2 * exp_p.bind(out * out),),
                           saves="out")
ndtr_p = defelementwise("ndtr", scipy_ufunc(sc.ndtr),
                        (lambda x, out: exp_p.bind(-0.5 * (x * x)) / _SQRT_2PI,))
ndtri_p = defelementwise("ndtri", scipy_ufunc(sc.ndtri),
                         (lambda p, out: _SQRT_2PI * exp_p.bind(0.5 * (out * out)),),
                         saves="out")
log_ndtr_p = defelementwise("log_ndtr", scipy_ufunc(sc.log_ndtr),
                            (lambda x, out: exp_p.bind(-0.5 * (x * x) - out) / _SQRT_2PI,),
                            saves="both")

# -- x log y and entropies ------------------------------------------------------------

xlogy_p = defelementwise("xlogy", scipy_ufunc(sc.xlogy), (
    lambda x, y, out: log_p.bind(y),
    lambda x, y, out: ratio_zero_at_origin(x, y)))
xlog1py_p = defelementwise("xlog1py", scipy_ufunc(sc.xlog1py), (
    lambda x, y, out: log1p_p.bind(y),
    lambda x, y, out: ratio_zero_at_origin(x, 1.0 + y)))
entr_p = defelementwise("entr", scipy_ufunc(sc.entr),
                        (lambda x, out: -(log_p.bind(x) + 1.0),))
rel_entr_p = defelementwise("rel_entr", scipy_ufunc(sc.rel_entr), (
    lambda x, y, out: log_p.bind(x / y) + 1.0,
    lambda x, y, out: -(x / y)))

