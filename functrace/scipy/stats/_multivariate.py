"""multivariate_normal and dirichlet, differentiable in the data and the parameters."""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from ... import numpy as fnp
from .. import special as fsp
from ..linalg import solve_triangular
from ._common import LOG_2PI, arg


class _MultivariateNormal:
    """The multivariate normal distribution ``N(mean, cov)``.

    ``cov`` is a matrix, a vector (a diagonal covariance) or a scalar, as in scipy;
    ``x`` has the dimension on its last axis and the result one value per row.
    The matrix case goes through the Cholesky factor (``cov`` must be positive
    definite; ``allow_singular=True`` is not supported).

    >>> import numpy as np, functrace.scipy.stats as fst
    >>> round(float(fst.multivariate_normal.logpdf(np.zeros(2), cov=np.eye(2))), 6)
    -1.837877
    """

    def logpdf(self, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False
               ) -> Any:
        if allow_singular:
            raise NotImplementedError("multivariate_normal: allow_singular=True is not "
                                      "supported (a singular cov has no density to "
                                      "differentiate); pass a positive-definite cov")
        x, cov = arg(x), arg(cov)
        dim = self._dim(mean, cov)
        x = self._rows(x, dim)
        diff = x if mean is None else x - arg(mean)
        if np.ndim(cov) == 2:
            chol = fnp.linalg.cholesky(cov)
            white = solve_triangular(chol, fnp.swapaxes(diff, -1, -2), lower=True)
            maha = fnp.sum(white * white, axis=-2)
            log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(chol)))
        else:
            variances = cov * fnp.ones(dim) if np.ndim(cov) == 0 else cov
            maha = fnp.sum(diff * diff / variances, axis=-1)
            log_det = fnp.sum(fnp.log(variances))
        out = -0.5 * (dim * LOG_2PI + log_det + maha)
        return fnp.squeeze(out) if np.ndim(out) and 1 in np.shape(out) else out

    def pdf(self, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False
            ) -> Any:
        return fnp.exp(self.logpdf(x, mean, cov, allow_singular))

    @staticmethod
    def _dim(mean: Optional[Any], cov: Any) -> int:
        if np.ndim(cov) >= 1:
            return np.shape(cov)[-1]
        return 1 if mean is None or np.ndim(mean) == 0 else np.shape(mean)[-1]

    @staticmethod
    def _rows(x: Any, dim: int) -> Any:
        """``x`` as a stack of rows ``(..., n, dim)``, following scipy's reading of 0-d
        and 1-d quantiles."""
        if np.ndim(x) == 0:
            return fnp.reshape(x, (1, 1))
        if np.ndim(x) == 1:
            return fnp.reshape(x, (-1, 1) if dim == 1 else (1, -1))
        return x

    def __repr__(self) -> str:
        return "functrace.scipy.stats.multivariate_normal"


class _Dirichlet:
    """The Dirichlet distribution; as in scipy, the components are on the first axis
    of ``x`` (shape ``(K,)`` or ``(K, N)``) and ``alpha`` has shape ``(K,)``.

    >>> import numpy as np, functrace.scipy.stats as fst
    >>> round(float(fst.dirichlet.logpdf(np.array([0.2, 0.8]), np.ones(2))), 6)
    0.0
    """

    def logpdf(self, x: Any, alpha: Any) -> Any:
        x, alpha = arg(x), arg(alpha)
        if np.ndim(alpha) != 1:
            raise ValueError("dirichlet: alpha must be a vector of K concentrations")
        if np.shape(x)[0] != np.shape(alpha)[0]:
            raise ValueError(f"dirichlet: x has {np.shape(x)[0]} components on its first "
                             f"axis but alpha has {np.shape(alpha)[0]}")
        a = alpha if np.ndim(x) == 1 else fnp.reshape(alpha, (-1,) + (1,) * (np.ndim(x) - 1))
        norm = fsp.gammaln(fnp.sum(alpha)) - fnp.sum(fsp.gammaln(alpha))
        return norm + fnp.sum(fsp.xlogy(a - 1.0, x), axis=0)

    def pdf(self, x: Any, alpha: Any) -> Any:
        return fnp.exp(self.logpdf(x, alpha))

    def __repr__(self) -> str:
        return "functrace.scipy.stats.dirichlet"


multivariate_normal = _MultivariateNormal()
dirichlet = _Dirichlet()
