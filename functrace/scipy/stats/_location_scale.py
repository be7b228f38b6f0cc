"""Location-scale families: norm, laplace, logistic, cauchy, expon, uniform, t.

Every method takes scipy's arguments (``loc=0, scale=1`` and shape parameters) and is
differentiable in the data and in every parameter, to any order (``t.cdf`` in ``df``:
to first order, see ``functrace.scipy.special.betainc``).
"""
from __future__ import annotations

import math
from typing import Any

from ... import numpy as fnp
from .. import special as fsp
from ._common import (LOG_2PI, Distribution, arg, log_scale, of_params, on_support,
                      standardize, valid_scale)

_LOG2 = math.log(2.0)


class _Norm(Distribution):
    """The normal distribution ``N(loc, scale^2)``.

    >>> import functrace.scipy.stats as fst
    >>> float(fst.norm.logpdf(0.0))
    -0.9189385332046727
    """

    def logpdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        return valid_scale(-0.5 * (z * z) - log_scale(scale) - 0.5 * LOG_2PI, scale)

    def cdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fsp.ndtr(standardize(x, loc, scale)), scale)

    def logcdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fsp.log_ndtr(standardize(x, loc, scale)), scale)

    def sf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fsp.ndtr(-standardize(x, loc, scale)), scale)

    def logsf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fsp.log_ndtr(-standardize(x, loc, scale)), scale)

    def ppf(self, q: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(arg(loc) + arg(scale) * fsp.ndtri(arg(q)), scale)


class _Laplace(Distribution):
    """The Laplace distribution ``exp(-|x - loc| / scale) / (2 scale)``.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [-1.0, 0.5, 2.0]
    >>> ours = fst.laplace.logpdf(x, loc=0.5, scale=2.0)
    >>> bool(np.allclose(ours, scipy.stats.laplace.logpdf(x, loc=0.5, scale=2.0)))
    True
    >>> float(ft.grad(lambda s: fst.laplace.logpdf(2.0, scale=s))(1.0))   # 2 / s^2 - 1 / s
    1.0
    """

    def logpdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        return valid_scale(-fnp.abs(z) - log_scale(scale) - _LOG2, scale)

    def cdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        half_tail = 0.5 * fnp.exp(-fnp.abs(z))
        return valid_scale(fnp.where(fnp.less(z, 0), half_tail, 1.0 - half_tail), scale)

    def sf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return self.cdf(-arg(x), -arg(loc), scale)

    def logcdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        neg_abs = -fnp.abs(z)
        lower = neg_abs - _LOG2                                   # z < 0: log(exp(z) / 2)
        upper = fnp.log1p(-0.5 * fnp.exp(neg_abs))
        return valid_scale(fnp.where(fnp.less(z, 0), lower, upper), scale)


class _Logistic(Distribution):
    """The logistic distribution: ``cdf = expit((x - loc) / scale)``.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [-1.0, 0.5, 2.0]
    >>> ours = fst.logistic.cdf(x, loc=0.5, scale=2.0)
    >>> bool(np.allclose(ours, scipy.stats.logistic.cdf(x, loc=0.5, scale=2.0)))
    True
    >>> float(ft.grad(lambda x: fst.logistic.cdf(x))(0.0))                # the density at 0
    0.25
    """

    def logpdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        a = fnp.abs(standardize(x, loc, scale))                  # symmetric: no overflow
        return valid_scale(-a - 2.0 * fnp.log1p(fnp.exp(-a)) - log_scale(scale), scale)

    def cdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fsp.expit(standardize(x, loc, scale)), scale)

    def sf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fsp.expit(-standardize(x, loc, scale)), scale)

    def logcdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(-fnp.logaddexp(0.0, -standardize(x, loc, scale)), scale)

    def logsf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(-fnp.logaddexp(0.0, standardize(x, loc, scale)), scale)


class _Cauchy(Distribution):
    """The Cauchy distribution ``1 / (pi scale (1 + z^2))``.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [-1.0, 0.5, 2.0]
    >>> ours = fst.cauchy.logpdf(x, loc=0.5, scale=2.0)
    >>> bool(np.allclose(ours, scipy.stats.cauchy.logpdf(x, loc=0.5, scale=2.0)))
    True
    >>> float(ft.grad(lambda x: fst.cauchy.logpdf(x))(1.0))               # -2x / (1 + x^2)
    -1.0
    """

    def logpdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        return valid_scale(-fnp.log1p(z * z) - log_scale(scale) - math.log(math.pi), scale)

    def cdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(0.5 + fnp.arctan(standardize(x, loc, scale)) / math.pi, scale)

    def sf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(0.5 - fnp.arctan(standardize(x, loc, scale)) / math.pi, scale)


class _Expon(Distribution):
    """The exponential distribution on ``x >= loc`` with mean ``scale``.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [0.5, 1.0, 2.0]
    >>> ours = fst.expon.logpdf(x, scale=2.0)
    >>> bool(np.allclose(ours, scipy.stats.expon.logpdf(x, scale=2.0)))
    True
    >>> float(ft.grad(lambda s: fst.expon.logpdf(2.0, scale=s))(1.0))     # 2 / s^2 - 1 / s
    1.0
    """

    def logpdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        inside = fnp.greater_equal(z, 0)
        return valid_scale(on_support(inside, z, lambda s: -s, -math.inf, 1.0)
                           - log_scale(scale), scale)

    def cdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        inside = fnp.greater_equal(z, 0)
        return valid_scale(on_support(inside, z, lambda s: -fnp.expm1(-s), 0.0, 1.0), scale)

    def sf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fnp.exp(self.logsf(x, loc, scale)), scale)

    def logcdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        inside = fnp.greater(z, 0)
        return valid_scale(on_support(inside, z, lambda s: fnp.log(-fnp.expm1(-s)),
                                      -math.inf, 1.0), scale)

    def logsf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        return valid_scale(-fnp.maximum(z, 0.0), scale)


class _Uniform(Distribution):
    """The uniform distribution on ``[loc, loc + scale]``.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [0.5, 1.0, 2.0]
    >>> ours = fst.uniform.cdf(x, loc=0.0, scale=4.0)
    >>> bool(np.allclose(ours, scipy.stats.uniform.cdf(x, loc=0.0, scale=4.0)))
    True
    >>> float(ft.grad(lambda x: fst.uniform.cdf(x, scale=4.0))(1.0))      # 1 / scale
    0.25
    """

    def logpdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z = standardize(x, loc, scale)
        inside = fnp.logical_and(fnp.greater_equal(z, 0), fnp.less_equal(z, 1))
        return valid_scale(fnp.where(inside, -log_scale(scale), -math.inf), scale)

    def cdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fnp.clip(standardize(x, loc, scale), 0.0, 1.0), scale)

    def sf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return valid_scale(fnp.clip(1.0 - standardize(x, loc, scale), 0.0, 1.0), scale)


class _T(Distribution):
    """Student's t distribution with ``df`` degrees of freedom.

    >>> import numpy as np, scipy.stats, functrace as ft, functrace.scipy.stats as fst
    >>> x = [-1.0, 0.5, 2.0]
    >>> ours = fst.t.logpdf(x, 3.0)
    >>> bool(np.allclose(ours, scipy.stats.t.logpdf(x, 3.0)))
    True
    >>> float(ft.grad(lambda x: fst.t.logpdf(x, 3.0))(1.0))     # -(df + 1) x / (df + x^2)
    -1.0
    """

    def logpdf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z, df = standardize(x, loc, scale), arg(df)
        half = 0.5 * (df + 1.0)
        norm = of_params(lambda d: fsp.gammaln(0.5 * (d + 1.0)) - fsp.gammaln(0.5 * d)
                         - 0.5 * fnp.log(d * math.pi), df)
        return valid_scale(norm - half * fnp.log1p(z * z / df) - log_scale(scale), scale)

    def cdf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        z, df = standardize(x, loc, scale), arg(df)
        tail = 0.5 * fsp.betainc(0.5 * df, 0.5, df / (df + z * z))   # P(T < -|z|)
        return valid_scale(fnp.where(fnp.less(z, 0), tail, 1.0 - tail), scale)

    def sf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        return self.cdf(-arg(x), df, -arg(loc), scale)


norm = _Norm()
laplace = _Laplace()
logistic = _Logistic()
cauchy = _Cauchy()
expon = _Expon()
uniform = _Uniform()
t = _T()
