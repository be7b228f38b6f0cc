"""functrace.scipy.stats: values against scipy.stats, gradients in the data and in the
parameters against finite differences (to second order), supports and transforms."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import functrace
import functrace.numpy as fnp
import functrace.scipy.stats as fst
from functrace.testing import check_grads

X = np.array([-1.3, 0.2, 0.7, 2.5])
POSITIVE = np.array([0.2, 0.7, 1.5, 3.0])
UNIT = np.array([0.1, 0.3, 0.6, 0.9])

# name, data, parameters (after the data), methods, parameters differentiable to order 2
CONTINUOUS = [
    ("norm", X, (0.3, 1.7), ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")),
    ("laplace", X, (0.3, 1.7), ("logpdf", "pdf", "cdf", "logcdf", "sf")),
    ("logistic", X, (0.3, 1.7), ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")),
    ("cauchy", X, (0.3, 1.7), ("logpdf", "pdf", "cdf", "logcdf", "sf")),
    ("expon", POSITIVE, (0.1, 1.7), ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")),
    ("uniform", POSITIVE, (0.1, 3.7), ("logpdf", "pdf", "cdf", "logcdf", "sf")),
    ("t", X, (3.5, 0.3, 1.7), ("logpdf", "pdf", "cdf", "logcdf", "sf")),
    ("gamma", POSITIVE, (2.5, 0.1, 1.7), ("logpdf", "pdf", "cdf", "logcdf", "sf")),
    ("chi2", POSITIVE, (3.5, 0.1, 0.7), ("logpdf", "pdf", "cdf", "logcdf", "sf")),
    ("beta", UNIT, (2.5, 1.5), ("logpdf", "pdf", "cdf", "logcdf", "sf")),
]
CASES = [pytest.param(name, data, params, method, id=f"{name}.{method}")
         for name, data, params, methods in CONTINUOUS for method in methods]

# The cdfs are differentiable in their shape parameters to first order only (series for
# betainc in a, b and gammainc in a; see functrace.scipy.special).
_CDFS = ("cdf", "logcdf", "sf")


def _differentiable(name: str, method: str, n_params: int) -> tuple:
    """(indices of the parameters checked to order 2, to order 1 only)."""
    everything = tuple(range(n_params))
    if method in _CDFS and name == "beta":
        return (), everything
    if method in _CDFS and name in ("gamma", "chi2", "t"):
        return everything[1:], everything[:1]
    return everything, ()


@pytest.mark.parametrize("name, data, params, method", CASES)
def test_matches_scipy_and_finite_differences(name, data, params, method):
    ours = getattr(getattr(fst, name), method)
    ref = getattr(getattr(st, name), method)(data, *params)
    np.testing.assert_allclose(ours(data, *params), ref, rtol=1e-10, atol=1e-12)
    second, first = _differentiable(name, method, len(params))

    def fn(data, *chosen, which):
        full = list(params)
        for i, value in zip(which, chosen):
            full[i] = value
        return ours(data, *full)

    check_grads(lambda d, *p: fn(d, *p, which=second), (data,) + tuple(
        np.float64(params[i]) for i in second), order=2)
    if first:
        check_grads(lambda d, *p: fn(d, *p, which=first), (data,) + tuple(
            np.float64(params[i]) for i in first), order=1)


@pytest.mark.parametrize("method", ["logpmf", "pmf", "cdf", "sf"])
def test_discrete_distributions(method):
    k = np.array([0.0, 1.0, 3.0, 7.0, 2.5, -1.0, 9.0])
    np.testing.assert_allclose(getattr(fst.poisson, method)(k, 2.5),
                               getattr(st.poisson, method)(k, 2.5), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(getattr(fst.binom, method)(k, 8, 0.3),
                               getattr(st.binom, method)(k, 8, 0.3), rtol=1e-10, atol=1e-300)
    inside = k[:4]
    check_grads(lambda mu: getattr(fst.poisson, method)(inside, mu), (2.5,), order=2)
    check_grads(lambda p: getattr(fst.binom, method)(inside, 8, p), (0.3,), order=2)


def test_multivariate_normal():
    rng = np.random.default_rng(0)
    x, mean = rng.normal(size=(5, 3)), np.array([0.1, 0.2, -0.3])
    m = rng.normal(size=(3, 3))
    cov = m @ m.T + np.eye(3)
    mvn = fst.multivariate_normal
    for c in (cov, np.array([1.0, 2.0, 3.0]), 2.0):
        np.testing.assert_allclose(mvn.logpdf(x, mean, c), st.multivariate_normal.logpdf(
            x, mean, np.diag(c) if np.ndim(c) == 1 else c))
    np.testing.assert_allclose(mvn.pdf(x[0], mean, cov), st.multivariate_normal.pdf(x[0], mean,
                                                                                     cov))
    check_grads(lambda x, m, c: mvn.logpdf(x, m, c), (x, mean, cov), order=2)
    with pytest.raises(NotImplementedError, match="allow_singular"):
        mvn.logpdf(x, mean, cov, allow_singular=True)


def test_dirichlet():
    x = np.array([[0.2, 0.3], [0.3, 0.3], [0.5, 0.4]])
    alpha = np.array([1.5, 2.0, 3.0])
    np.testing.assert_allclose(fst.dirichlet.logpdf(x, alpha), st.dirichlet.logpdf(x, alpha))
    np.testing.assert_allclose(fst.dirichlet.pdf(x[:, 0], alpha),
                               st.dirichlet.pdf(x[:, 0], alpha))
    check_grads(fst.dirichlet.logpdf, (x, alpha), order=2)
    with pytest.raises(ValueError, match="components"):
        fst.dirichlet.logpdf(x[:2], alpha)


def test_outside_the_support_and_invalid_parameters():
    assert fst.gamma.logpdf(-1.0, 2.0) == -np.inf
    assert fst.expon.cdf(-1.0) == 0.0 and fst.expon.logcdf(0.0) == -np.inf
    assert fst.uniform.logpdf(1.5) == -np.inf
    assert np.isnan(fst.norm.logpdf(0.0, scale=-1.0))
    assert fst.poisson.logpmf(2.5, 3.0) == -np.inf
    # no nan leaks from the unused branch into the gradient
    g = functrace.grad(lambda x: fnp.sum(fnp.exp(fst.gamma.logpdf(x, 0.5))))(
        np.array([-1.0, 1.0]))
    assert g[0] == 0.0 and np.isfinite(g[1])


def test_per_example_gradients_and_float32():
    mus = np.array([0.0, 1.0, 2.0])
    g = functrace.vmap(functrace.grad(lambda mu: fst.norm.logpdf(1.0, loc=mu)))(mus)
    np.testing.assert_allclose(g, 1.0 - mus)
    x32 = np.array([0.5, 1.5], np.float32)
    for dist in (fst.norm, fst.logistic, fst.cauchy):
        assert dist.logpdf(x32).dtype == np.float32
    assert fst.gamma.logpdf(x32, 2.0).dtype == np.float32
