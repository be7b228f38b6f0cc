"""gamma, chi2 and beta (continuous, with shape parameters), poisson and binom.

Differentiable in the data and every parameter; the cdfs (``betainc``, ``gammainc``)
only to first order in the shape parameters (a second derivative there raises
NotImplementedError, see ``functrace.scipy.special``). The
discrete distributions' ``k`` and ``binom``'s ``n`` enter the cdf through ``floor``,
a constant; ``logpmf`` is differentiable in ``k`` as the continuous formula.
"""
from __future__ import annotations

import math
from typing import Any

from ... import numpy as fnp
from .. import special as fsp
from ._common import (Distribution, arg, log_scale, of_params, on_support, standardize,
                      valid_scale)


class _Gamma(Distribution):
    """The gamma distribution with shape ``a``: ``z^(a-1) exp(-z) / Gamma(a)``.

    >>> import functrace.scipy.stats as fst
    >>> float(fst.gamma.cdf(1.0, 1.0))      # 1 - exp(-1)
    0.6321205588285577
    """

    def logpdf(self, x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z, a = standardize(x, loc, scale), arg(a)
        inside = fnp.greater_equal(z, 0)
        value = on_support(inside, z, lambda s: fsp.xlogy(a - 1.0, s) - s, -math.inf, 1.0)
        return valid_scale(value - of_params(fsp.gammaln, a) - log_scale(scale), scale)

    def cdf(self, x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = fnp.maximum(standardize(x, loc, scale), 0.0)
        return valid_scale(fsp.gammainc(arg(a), z), scale)

    def sf(self, x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = fnp.maximum(standardize(x, loc, scale), 0.0)
        return valid_scale(fsp.gammaincc(arg(a), z), scale)


class _Chi2(Distribution):
    """The chi-squared distribution: ``gamma(df / 2, scale=2 scale)``.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [0.5, 1.0, 2.0]
    >>> ours = fst.chi2.logpdf(x, 3.0)
    >>> bool(np.allclose(ours, scipy.stats.chi2.logpdf(x, 3.0)))
    True
    >>> float(ft.grad(lambda x: fst.chi2.logpdf(x, 3.0))(1.0))   # (df / 2 - 1) / x - 1 / 2
    0.0
    """

    def logpdf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return gamma.logpdf(x, 0.5 * arg(df), loc, 2.0 * arg(scale))

    def cdf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return gamma.cdf(x, 0.5 * arg(df), loc, 2.0 * arg(scale))

    def sf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return gamma.sf(x, 0.5 * arg(df), loc, 2.0 * arg(scale))


class _Beta(Distribution):
    """The beta distribution on ``[loc, loc + scale]``.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [0.25, 0.5]
    >>> ours = fst.beta.logpdf(x, 2.0, 3.0)
    >>> bool(np.allclose(ours, scipy.stats.beta.logpdf(x, 2.0, 3.0)))
    True
    >>> float(ft.grad(lambda x: fst.beta.logpdf(x, 2.0, 3.0))(0.5))  # (a-1)/x - (b-1)/(1-x)
    -2.0
    """

    def logpdf(self, x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z, a, b = standardize(x, loc, scale), arg(a), arg(b)
        inside = fnp.logical_and(fnp.greater_equal(z, 0), fnp.less_equal(z, 1))
        value = on_support(inside, z, lambda s: fsp.xlogy(a - 1.0, s)
                           + fsp.xlog1py(b - 1.0, -s), -math.inf, 0.5)
        return valid_scale(value - of_params(fsp.betaln, a, b) - log_scale(scale), scale)

    def cdf(self, x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = fnp.clip(standardize(x, loc, scale), 0.0, 1.0)
        return valid_scale(fsp.betainc(arg(a), arg(b), z), scale)


def _count(k: Any, loc: Any) -> Any:
    """``k - loc`` and whether it is a non-negative integer."""
    k = arg(k) - arg(loc)
    return k, fnp.logical_and(fnp.greater_equal(k, 0), fnp.equal(fnp.floor(k), k))


class _Poisson(Distribution):
    """The Poisson distribution with mean ``mu``.

    >>> import functrace.scipy.stats as fst
    >>> round(float(fst.poisson.pmf(0, 2.0)), 6)        # exp(-2)
    0.135335
    """

    def logpmf(self, k: Any, mu: Any, loc: Any = 0) -> Any:
        k, valid = _count(k, loc)
        mu = arg(mu)
        value = on_support(valid, k, lambda s: fsp.xlogy(s, mu) - fsp.gammaln(s + 1.0),
                           -math.inf, 0.0)
        return value - mu

    def pmf(self, k: Any, mu: Any, loc: Any = 0) -> Any:
        return fnp.exp(self.logpmf(k, mu, loc))

    def cdf(self, k: Any, mu: Any, loc: Any = 0) -> Any:
        k = fnp.floor(arg(k) - arg(loc))
        inside = fnp.greater_equal(k, 0)
        return fnp.where(inside, fsp.gammaincc(fnp.maximum(k, 0.0) + 1.0, arg(mu)), 0.0)

    def sf(self, k: Any, mu: Any, loc: Any = 0) -> Any:
        k = fnp.floor(arg(k) - arg(loc))
        inside = fnp.greater_equal(k, 0)
        return fnp.where(inside, fsp.gammainc(fnp.maximum(k, 0.0) + 1.0, arg(mu)), 1.0)


class _Binom(Distribution):
    """The binomial distribution: ``k`` successes in ``n`` trials of probability ``p``.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [0, 3, 5]
    >>> ours = fst.binom.logpmf(x, 5, 0.3)
    >>> bool(np.allclose(ours, scipy.stats.binom.logpmf(x, 5, 0.3)))
    True
    >>> float(ft.grad(lambda p: fst.binom.logpmf(3, 5, p))(0.5))     # 3 / p - 2 / (1 - p)
    2.0
    """

    def logpmf(self, k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
        k, valid = _count(k, loc)
        n, p = arg(n), arg(p)
        valid = fnp.logical_and(valid, fnp.less_equal(k, n))

        def log_pmf(s):
            comb = (of_params(lambda m: fsp.gammaln(m + 1.0), n) - fsp.gammaln(s + 1.0)
                    - fsp.gammaln(n - s + 1.0))
            return comb + fsp.xlogy(s, p) + fsp.xlog1py(n - s, -p)
        return on_support(valid, k, log_pmf, -math.inf, 0.0)

    def pmf(self, k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
        return fnp.exp(self.logpmf(k, n, p, loc))

    def cdf(self, k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
        return self._tail(k, n, p, loc, lower=True)

    def sf(self, k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
        return self._tail(k, n, p, loc, lower=False)

    @staticmethod
    def _tail(k: Any, n: Any, p: Any, loc: Any, lower: bool) -> Any:
        """``P(K <= k) = I_{1-p}(n - k, k + 1)`` for ``0 <= k < n`` (0 below, 1 above);
        the survival function is its complement ``I_p(k + 1, n - k)``."""
        k, n, p = fnp.floor(arg(k) - arg(loc)), fnp.floor(arg(n)), arg(p)
        inside = fnp.logical_and(fnp.greater_equal(k, 0), fnp.less(k, n))
        k_safe = fnp.where(inside, k, 0.0)
        n_safe = fnp.where(inside, n, 1.0)
        if lower:
            value = fsp.betainc(n_safe - k_safe, k_safe + 1.0, 1.0 - p)
        else:
            value = fsp.betainc(k_safe + 1.0, n_safe - k_safe, p)
        above = 1.0 if lower else 0.0
        return fnp.where(inside, value, fnp.where(fnp.less(k, 0), 1.0 - above, above))


gamma = _Gamma()
chi2 = _Chi2()
beta = _Beta()
poisson = _Poisson()
binom = _Binom()
