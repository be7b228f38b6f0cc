"""``functrace.scipy.stats``: scipy.stats distributions as differentiable functions.

Each distribution is an object with scipy's methods and argument names
(``logpdf``/``pdf``/``cdf``/``logcdf``/``sf``/``logsf``, ``logpmf``/``pmf`` for the
discrete ones, ``ppf`` for ``norm``), ``loc``/``scale`` included, differentiable in
the data and in the parameters (exceptions: see the modules' notes). float32
inputs give float32 results (scipy.stats itself computes in float64).

>>> import numpy as np, functrace, functrace.scipy.stats as fst
>>> float(functrace.grad(lambda mu: fst.norm.logpdf(1.0, loc=mu))(0.0))
1.0
"""
from ._location_scale import cauchy, expon, laplace, logistic, norm, t, uniform
from ._multivariate import dirichlet, multivariate_normal
from ._shape_families import beta, binom, chi2, gamma, poisson

__all__ = ["norm", "t", "multivariate_normal", "dirichlet", "gamma", "beta", "poisson",
           "binom", "chi2", "laplace", "logistic", "expon", "cauchy", "uniform"]
