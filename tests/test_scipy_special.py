"""functrace.scipy.special beyond the spec table: the optional-dependency contract,
logsumexp with signed weights, gammainc's derivative in ``a``, tails and conventions."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.special as sc

import functrace
import functrace.numpy as fnp
import functrace.scipy.special as fsp
from functrace.testing import check_grads


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_import_functrace_does_not_import_scipy():
    result = _run("import sys, functrace, functrace.activations, functrace.nn\n"
                  "assert 'scipy' not in sys.modules, sorted(m for m in sys.modules "
                  "if m.startswith('scipy'))")
    assert result.returncode == 0, result.stderr


def test_functrace_scipy_without_scipy_names_the_extra():
    result = _run("import sys\nsys.modules['scipy'] = None\n"
                  "import functrace.activations\n"       # the scipy-free functions still work
                  "import functrace.scipy")
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "functrace[scipy]" in result.stderr


def test_submodules_load_on_attribute_access():
    import functrace.scipy
    assert functrace.scipy.special is fsp


# -- logsumexp ------------------------------------------------------------------------

def test_logsumexp_signed_weights_match_scipy():
    a = np.array([[1.0, 2.0, 0.5], [3.0, -1.0, 2.0]])
    b = np.array([1.0, -1.0, 0.5])
    out, sign = fsp.logsumexp(a, axis=1, b=b, return_sign=True)
    ref_out, ref_sign = sc.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(out, ref_out)
    np.testing.assert_array_equal(sign, ref_sign)
    np.testing.assert_array_equal(np.isnan(fsp.logsumexp(a, axis=1, b=b)),
                                  np.isnan(sc.logsumexp(a, axis=1, b=b)))


def test_logsumexp_signed_weights_gradients():
    b = np.array([1.0, -1.0, 0.5])

    def f(a, w):
        out, sign = fsp.logsumexp(a, axis=-1, b=w, return_sign=True)
        return out * sign

    a = np.array([[1.0, 2.0, 0.5], [3.0, -1.0, 2.0]])
    check_grads(f, (a, b), order=2)


def test_logsumexp_return_sign_under_vmap():
    a = np.array([[0.0, 1.0], [-np.inf, -np.inf]])
    out, sign = functrace.vmap(lambda r: fsp.logsumexp(r, return_sign=True))(a)
    np.testing.assert_array_equal(sign, [1.0, 0.0])


# -- gammainc in a --------------------------------------------------------------------

@pytest.mark.parametrize("a, x", [(0.1, 0.01), (0.5, 0.7), (2.5, 3.0), (10.0, 8.0),
                                  (3.0, 40.0), (50.0, 60.0), (0.3, 1.5)])
def test_gammainc_derivative_in_a_matches_finite_differences(a, x):
    h = 1e-6 * max(a, 1.0)
    fd = (sc.gammainc(a + h, x) - sc.gammainc(a - h, x)) / (2 * h)
    g = functrace.grad(fsp.gammainc)(a, x)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(functrace.grad(fsp.gammaincc)(a, x), -g)


def test_gammainc_derivative_in_a_keeps_relative_accuracy_in_the_tail():
    # P(1, x) = 1 - exp(-x): dP/da at a = 1 is -(exp(-x) (log x + euler_gamma) + E1(x)).
    x = np.array([31.0, 100.0])
    exact = -(np.exp(-x) * (np.log(x) + np.euler_gamma) + sc.exp1(x))
    np.testing.assert_allclose(functrace.grad(fsp.gammainc)(1.0, x[0]), exact[0], rtol=1e-12)
    da = functrace.vmap(functrace.grad(fsp.gammainc), in_axes=(None, 0))(1.0, x)
    np.testing.assert_allclose(da, exact, rtol=1e-12)


def test_second_derivative_in_a_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="gammainc"):
        functrace.grad(functrace.grad(fsp.gammainc))(2.0, 1.0)
    with pytest.raises(NotImplementedError, match="betainc"):
        functrace.grad(functrace.grad(fsp.betainc, argnums=1), argnums=0)(2.0, 3.0, 0.5)


@pytest.mark.parametrize("a, b, x", [(0.5, 0.5, 0.3), (2.0, 3.0, 0.5), (10.0, 2.0, 0.95),
                                     (0.2, 15.0, 0.01), (30.0, 40.0, 0.45)])
def test_betainc_derivatives_in_a_and_b_match_finite_differences(a, b, x):
    h = 1e-6 * max(a, b, 1.0)
    fd_a = (sc.betainc(a + h, b, x) - sc.betainc(a - h, b, x)) / (2 * h)
    fd_b = (sc.betainc(a, b + h, x) - sc.betainc(a, b - h, x)) / (2 * h)
    g_a, g_b = functrace.grad(fsp.betainc, argnums=(0, 1))(a, b, x)
    np.testing.assert_allclose([g_a, g_b], [fd_a, fd_b], rtol=1e-6, atol=1e-11)


def test_mixed_second_derivative_of_gammainc():
    check_grads(lambda x: functrace.grad(fsp.gammainc)(2.0, x), (1.5,), order=1)


# -- tails and conventions ---------------------------------------------------------------

def test_log_ndtr_gradient_is_finite_far_in_the_tails():
    x = np.array([-40.0, -10.0, 0.0, 10.0, 40.0])
    g = functrace.vmap(functrace.grad(fsp.log_ndtr))(x)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[0], 40.0 + 1 / 40.0, rtol=1e-3)   # ~ -x - 1/x
    np.testing.assert_allclose(g[2], np.sqrt(2 / np.pi))


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_xlogy_at_zero_follows_jax():
    gx, gy = functrace.grad(fsp.xlogy, argnums=(0, 1))(0.0, 0.0)
    assert gx == -np.inf and gy == 0.0
    assert fsp.xlogy(0.0, 0.0) == 0.0
    assert functrace.grad(fsp.xlog1py, argnums=1)(0.0, -1.0) == 0.0


def test_float32_stays_float32():
    x = np.array([0.5, 1.5], np.float32)
    for f in (fsp.gammaln, fsp.erfinv, fsp.i0e, fsp.log_ndtr):
        assert f(x).dtype == np.float32
        assert functrace.grad(lambda v: fnp.sum(f(v)))(x).dtype == np.float32
    assert fsp.polygamma(1, x).dtype == np.float32
    assert fsp.xlogy(x, 2.0).dtype == np.float32


def test_multigammaln_matches_scipy_and_checks_d():
    np.testing.assert_allclose(fsp.multigammaln(3.5, 4), sc.multigammaln(3.5, 4))
    with pytest.raises(ValueError, match="positive integer"):
        fsp.multigammaln(3.0, 0)


def test_bessel_derivatives_at_zero():
    assert functrace.grad(fsp.i1)(0.0) == 0.5
    assert functrace.grad(fsp.j1)(0.0) == 0.5
    np.testing.assert_allclose(functrace.grad(lambda x: fsp.jn(2, x))(1.3),
                               (sc.jn(1, 1.3) - sc.jn(3, 1.3)) / 2)


@pytest.mark.parametrize("name", [
    "functrace.scipy", "functrace.scipy.special", "functrace.numpy._scipy_special",
    "functrace.scipy.stats", "functrace.scipy.stats._location_scale",
    "functrace.scipy.stats._shape_families", "functrace.scipy.stats._multivariate",
    "functrace.scipy.linalg", "functrace.scipy.signal", "functrace.scipy.integrate"])
def test_docstring_examples_run(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
