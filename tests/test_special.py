"""Special functions: accuracy against ``math.erf`` and stable reference formulas,
stability for large inputs, kinks, dtypes and argument handling.

Second-order gradient checks of every primitive and composite live in the spec table
(``tests/specs/special.py``)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
import functrace.scipy.special as fsp
import functrace.activations as fs
from functrace.primitives import erf as P
from functrace.primitives.transcendental import expit_p
from functrace.testing import check_grads

BIG = np.array([1000.0, -1000.0, 0.0, 30.0])


def _rel_err(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    scale = np.where(expected == 0, 1.0, np.abs(expected))
    return np.max(np.abs(actual - expected) / scale)


# -- erf / erfc accuracy, both code paths --------------------------------------------
GRID = np.concatenate([np.linspace(-9.0, 9.0, 20001), np.linspace(-1.01, 1.01, 2001),
                       np.geomspace(1e-300, 30.0, 3000), -np.geomspace(1e-300, 30.0, 3000),
                       [0.0, 1.0, 2.0, 4.0, 8.0, 26.0, -26.0]])


@pytest.mark.parametrize("impl, ref, tol", [
    (P.erf_impl, math.erf, 5e-15), (P.erfc_impl, math.erfc, 2e-13)])
def test_erf_matches_math_on_both_paths(impl, ref, tol):
    expected = np.array([ref(v) for v in GRID])
    assert GRID.size > P._SMALL_SIZE                       # vectorised numpy path
    assert _rel_err(impl(GRID), expected) < tol
    small = GRID[::97]
    assert small.size < P._SMALL_SIZE                      # per-element math path
    assert _rel_err(impl(small), expected[::97]) < tol


def test_erf_special_values_and_dtypes():
    specials = np.array([np.nan, np.inf, -np.inf, -0.0])
    for x in (specials, np.resize(specials, 5000)):
        np.testing.assert_array_equal(P.erf_impl(x)[:4], [np.nan, 1.0, -1.0, -0.0])
        np.testing.assert_array_equal(P.erfc_impl(x)[:4], [np.nan, 0.0, 2.0, 1.0])
    assert fsp.erf(np.ones(3, np.float32)).dtype == np.float32
    assert fsp.erfc(np.ones(5000, np.float32)).dtype == np.float32
    assert isinstance(fsp.erf(0.5), np.float64) and fsp.erf(0.5) == math.erf(0.5)
    assert fsp.erf(np.array(2)) == math.erf(2.0)           # integers become float64


def test_erfc_tail_is_accurate():
    assert abs(fsp.erfc(10.0) / math.erfc(10.0) - 1) < 1e-13
    assert fsp.erfc(-10.0) == 2.0


def test_erf_derivative():
    x = np.linspace(-3, 3, 7)
    g = functrace.grad(lambda a: fnp.sum(fsp.erf(a)))(x)
    np.testing.assert_allclose(g, 2 / np.sqrt(np.pi) * np.exp(-x ** 2), rtol=1e-14)
    gc = functrace.grad(lambda a: fnp.sum(fsp.erfc(a)))(x)
    np.testing.assert_allclose(gc, -g, rtol=1e-14)


# -- relu and sigmoid -----------------------------------------------------------------
def test_relu_kink_is_zero():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(functrace.grad(lambda a: fnp.sum(fs.relu(a)))(x), [0, 0, 1])
    _, t = functrace.jvp(fs.relu, (x,), (np.ones(3),))
    np.testing.assert_array_equal(t, [0, 0, 1])
    assert fs.relu(np.float32(-2.0)).dtype == np.float32


def test_expit_is_stable_and_saves_only_its_output():
    with np.errstate(all="raise", under="ignore"):
        out = fsp.expit(BIG)
        g = functrace.grad(lambda a: fnp.sum(fsp.expit(a)))(BIG)
    np.testing.assert_allclose(out, [1.0, 0.0, 0.5, 1 / (1 + math.exp(-30))], rtol=1e-15)
    np.testing.assert_allclose(g, out * (1 - out))
    assert fsp.expit(-40.0) > 0 and abs(fsp.expit(-40.0) / math.exp(-40) - 1) < 1e-12
    assert expit_p.saves_out and not expit_p.saves_in
    assert fs.sigmoid(np.float32(3.0)).dtype == np.float32


def test_logit_inverts_expit():
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(fsp.logit(fsp.expit(x)), x, atol=1e-12)
    check_grads(fsp.logit, (np.array([0.2, 0.7]),), order=2)


# -- logsumexp, softmax, log_softmax --------------------------------------------------
def test_logsumexp_large_inputs():
    with np.errstate(all="raise", under="ignore"):
        assert fsp.logsumexp([1000.0, 1000.0]) == pytest.approx(1000 + math.log(2))
        assert fsp.logsumexp([-1000.0, -1000.0]) == pytest.approx(-1000 + math.log(2))
        g = functrace.grad(fsp.logsumexp)(np.array([1000.0, 1000.0, 0.0]))
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])


def test_logsumexp_infinities_and_empty():
    with np.errstate(all="raise"):
        assert fsp.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
        assert fsp.logsumexp(np.array([np.inf, 0.0])) == np.inf
        assert fsp.logsumexp(np.zeros((0, 3)), axis=0).tolist() == [-np.inf] * 3
        assert fsp.logsumexp(np.array([-np.inf, 0.0])) == 0.0


def test_logsumexp_arguments():
    x = np.arange(6.0).reshape(2, 3)
    assert fsp.logsumexp(x, axis=1, keepdims=True).shape == (2, 1)
    np.testing.assert_allclose(fsp.logsumexp(x, axis=(0, 1)), np.log(np.exp(x).sum()))
    w = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(fsp.logsumexp(x, axis=1, b=w),
                               np.log((w * np.exp(x)).sum(axis=1)))
    value, sign = fsp.logsumexp(np.array([-np.inf, 1.0]), return_sign=True)
    assert value == 1.0 and sign == 1.0
    assert fsp.logsumexp([1, 2]) == pytest.approx(np.log(np.exp(1) + np.exp(2)))
    assert np.isnan(fsp.logsumexp(x, b=-np.ones(3)))    # a negative sum, as in scipy
    assert fsp.logsumexp(np.ones(3, np.float32)).dtype == np.float32


def test_logsumexp_weight_gradients():
    x = np.array([0.3, -1.0, 2.0])
    w = np.array([0.5, 1.5, 2.0])
    gx, gw = functrace.grad(lambda a, b: fsp.logsumexp(a, b=b), argnums=(0, 1))(x, w)
    total = np.sum(w * np.exp(x))
    np.testing.assert_allclose(gx, w * np.exp(x) / total)
    np.testing.assert_allclose(gw, np.exp(x) / total)
    g_zero = functrace.grad(lambda a: fsp.logsumexp(a, b=np.array([1.0, 0.0, 1.0])))(x)
    assert g_zero[1] == 0.0 and np.all(np.isfinite(g_zero))


@pytest.mark.parametrize("softmax, log_softmax", [
    (fsp.softmax, fsp.log_softmax), (fs.softmax, fs.log_softmax)])
def test_softmax_large_inputs(softmax, log_softmax):
    x = np.array([[1000.0, 1000.0, -1000.0], [0.0, 1.0, 2.0]])
    with np.errstate(all="raise", under="ignore"):
        s = softmax(x, axis=-1)
        ls = log_softmax(x, axis=-1)
        g = functrace.grad(lambda a: fnp.sum(log_softmax(a, axis=-1)[:, 0]))(x)
    np.testing.assert_allclose(s[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(ls[0], [-math.log(2), -math.log(2), -2000 - math.log(2)])
    np.testing.assert_allclose(s.sum(axis=-1), 1.0)
    np.testing.assert_allclose(g, np.array([[1, 0, 0], [1, 0, 0]]) - s)


def test_softmax_axis_defaults():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(fsp.softmax(x).sum(), 1.0)             # scipy: all elements
    np.testing.assert_allclose(fs.softmax(x).sum(axis=-1), [1.0, 1.0])  # nn: last axis
    np.testing.assert_allclose(fsp.softmax(x, axis=0).sum(axis=0), 1.0)


# -- softplus, log_sigmoid, gelu --------------------------------------------------------
def test_softplus_and_log_sigmoid_large_inputs():
    with np.errstate(all="raise", under="ignore"):
        sp = fs.softplus(BIG)
        ls = fs.log_sigmoid(BIG)
        g = functrace.grad(lambda a: fnp.sum(fs.softplus(a)))(BIG)
    np.testing.assert_allclose(sp, [1000.0, 0.0, math.log(2), math.log1p(math.exp(30))])
    np.testing.assert_allclose(ls, [0.0, -1000.0, -math.log(2), -math.log1p(math.exp(-30))])
    np.testing.assert_allclose(g, fsp.expit(BIG))
    assert fs.softplus(np.float32(2.0)).dtype == np.float32


def test_gelu_forms():
    x = np.linspace(-4, 4, 9)
    exact = 0.5 * x * (1 + np.array([math.erf(v / math.sqrt(2)) for v in x]))
    np.testing.assert_allclose(fs.gelu(x), exact, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(fs.gelu(x, approximate="tanh"), exact, atol=1e-3)
    with np.errstate(all="raise", under="ignore"):
        assert fs.gelu(-1000.0) == 0.0 and fs.gelu(1000.0) == 1000.0
        g = functrace.grad(lambda a: fnp.sum(fs.gelu(a)))(BIG)
    np.testing.assert_allclose(g[:3], [1.0, 0.0, 0.5])
    with pytest.raises(ValueError, match="approximate"):
        fs.gelu(x, approximate="cubic")


def test_old_module_name_functrace_special_still_works_and_warns():
    """``functrace.special`` (the activations' name up to 54ad03b) re-exports them."""
    import importlib
    import sys

    sys.modules.pop("functrace.special", None)
    with pytest.warns(DeprecationWarning, match="functrace.activations"):
        old = importlib.import_module("functrace.special")
    for name in old.__all__:
        assert getattr(old, name) is getattr(fs, name)
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(functrace.grad(lambda v: old.relu(v).sum())(x), [0, 0, 1])
