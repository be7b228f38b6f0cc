"""Derivatives at kinks are deterministic and documented; finite differences are
invalid here, so every expected value is written out."""
from __future__ import annotations

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import grad, jvp


def both_modes(f, x):
    """The gradient by reverse mode and the same by forward mode (one JVP per element)."""
    g = grad(lambda x: fnp.sum(f(x)))(x)
    J = functrace.jacfwd(lambda x: fnp.sum(f(x)))(x)
    np.testing.assert_array_equal(g, J)
    return g


def test_abs_at_zero():
    assert grad(fnp.abs)(0.0) == 0.0
    assert grad(lambda x: abs(x))(0.0) == 0.0
    assert jvp(fnp.abs, (0.0,), (1.0,))[1] == 0.0
    np.testing.assert_array_equal(both_modes(fnp.abs, np.array([-2.0, 0.0, 3.0])),
                                  [-1.0, 0.0, 1.0])


def test_relu_like_where_at_zero():
    relu = lambda x: fnp.where(x > 0, x, 0.0)  # noqa: E731
    np.testing.assert_array_equal(both_modes(relu, np.array([-1.0, 0.0, 2.0])), [0, 0, 1])
    relu2 = lambda x: fnp.maximum(x, 0.0)  # noqa: E731   ties split: 1/2 at 0
    np.testing.assert_array_equal(both_modes(relu2, np.array([-1.0, 0.0, 2.0])), [0, 0.5, 1])


@pytest.mark.parametrize("op, wx", [(fnp.maximum, [0.0, 0.5, 1.0]),
                                    (fnp.minimum, [1.0, 0.5, 0.0]),
                                    (fnp.fmax, [0.0, 0.5, 1.0]),
                                    (fnp.fmin, [1.0, 0.5, 0.0])])
def test_binary_extremum_ties_split_evenly(op, wx):
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([2.0, 2.0, 2.0])
    gx, gy = grad(lambda x, y: fnp.sum(op(x, y)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, wx)
    np.testing.assert_array_equal(gy, 1.0 - np.array(wx))
    _, t = jvp(op, (x, y), (np.ones(3), np.zeros(3)))
    np.testing.assert_array_equal(t, wx)


def test_maximum_tie_with_itself():
    """max(x, x) = x: the two halves add back up to 1."""
    assert grad(lambda x: fnp.maximum(x, x))(1.5) == 1.0
    assert grad(lambda x: fnp.minimum(x, x))(1.5) == 1.0


def test_maximum_tie_broadcast_scalar():
    gx, gy = grad(lambda x, y: fnp.sum(fnp.maximum(x, y)), argnums=(0, 1))(
        np.array([1.0, 2.0, 2.0]), 2.0)
    np.testing.assert_array_equal(gx, [0.0, 0.5, 0.5])
    assert gy == 1.0 + 0.5 + 0.5


def test_fmax_fmin_ignore_nan():
    x = np.array([np.nan, 1.0, 3.0])
    y = np.array([2.0, np.nan, 1.0])
    for op, wx in [(fnp.fmax, [0.0, 1.0, 1.0]), (fnp.fmin, [0.0, 1.0, 0.0])]:
        gx, gy = grad(lambda x, y: fnp.sum(op(x, y)), argnums=(0, 1))(x, y)
        np.testing.assert_array_equal(gx, wx)
        np.testing.assert_array_equal(gy, [1.0, 0.0, 1.0 - wx[2]])


@pytest.mark.parametrize("reduce", [fnp.max, fnp.amax, lambda x, **k: x.max(**k)])
def test_max_reduction_ties_split_evenly(reduce):
    x = np.array([[1.0, 5.0, 5.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(grad(lambda x: reduce(x))(x),
                               [[0, 0.5, 0.5], [0, 0, 0]])
    np.testing.assert_allclose(grad(lambda x: fnp.sum(reduce(x, axis=1)))(x),
                               [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(grad(lambda x: fnp.sum(reduce(x, axis=0, keepdims=True)))(x),
                               [[0, 1, 1], [1, 0, 0]])
    _, t = jvp(lambda x: reduce(x, axis=1), (x,), (np.arange(6.0).reshape(2, 3),))
    np.testing.assert_allclose(t, [(1 + 2) / 2, (3 + 4 + 5) / 3])


def test_min_reduction_ties_split_evenly():
    x = np.array([[1.0, 1.0, 5.0, 1.0]])
    np.testing.assert_allclose(grad(lambda x: fnp.min(x))(x), [[1 / 3, 1 / 3, 0, 1 / 3]])
    np.testing.assert_allclose(grad(lambda x: fnp.sum(fnp.amin(x, axis=0)))(x), [[1, 1, 1, 1]])


def test_max_reduction_tie_second_order_is_zero():
    x = np.array([3.0, 3.0, 1.0])
    H = functrace.hessian(lambda x: fnp.max(x))(x)
    np.testing.assert_array_equal(H, np.zeros((3, 3)))


def test_clip_at_and_beyond_bounds():
    """At a bound the gradient goes to x (like torch.clamp); beyond it, to the bound."""
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(both_modes(lambda x: fnp.clip(x, -1.0, 1.0), x),
                                  [0, 1, 1, 1, 0])
    glo, ghi = grad(lambda lo, hi: fnp.sum(fnp.clip(x, lo, hi)), argnums=(0, 1))(-1.0, 1.0)
    assert glo == 1.0 and ghi == 1.0   # only x=-2 is below lo, only x=2 above hi


def test_hypot_at_origin_is_zero_not_nan():
    gx, gy = grad(fnp.hypot, argnums=(0, 1))(0.0, 0.0)
    assert gx == 0.0 and gy == 0.0
    _, t = jvp(fnp.hypot, (0.0, 0.0), (1.0, 1.0))
    assert t == 0.0
    gx, gy = grad(fnp.hypot, argnums=(0, 1))(3.0, 4.0)
    assert (gx, gy) == (0.6, 0.8)


@pytest.mark.parametrize("n, expected", [(2, 0.0), (3, 0.0), (1, 1.0), (0, 0.0)])
def test_power_with_zero_base(n, expected):
    assert grad(lambda x: x ** n)(0.0) == expected
    assert grad(lambda x: x ** float(n))(0.0) == expected
    assert grad(lambda x: fnp.power(x, np.float64(n)))(0.0) == expected


def test_power_exponent_derivative_at_zero_base():
    """d/dy 0**y = 0 for y > 0 (the limit of x**y log x); no NaN from log 0."""
    assert grad(lambda y: fnp.power(0.0, y))(2.0) == 0.0
    gx, gy = grad(fnp.power, argnums=(0, 1))(0.0, 2.0)
    assert gx == 0.0 and gy == 0.0
    gy = grad(lambda y: fnp.sum(fnp.power(np.array([0.0, 2.0]), y)))(3.0)
    assert gy == pytest.approx(8 * np.log(2.0))


def test_power_negative_base_integer_exponent():
    assert grad(lambda x: x ** 3)(-2.0) == 12.0
    assert grad(lambda x: x ** 2.0)(-2.0) == -4.0
    assert not np.isnan(grad(lambda x: fnp.power(x, np.array(2.0)))(-2.0))


def test_std_at_zero_variance():
    g = grad(fnp.std)(np.full(4, 3.0))
    np.testing.assert_array_equal(g, np.zeros(4))
    g = grad(lambda x: fnp.sum(fnp.std(x, axis=1)))(np.array([[1.0, 1.0], [1.0, 3.0]]))
    np.testing.assert_allclose(g, [[0, 0], [-0.5, 0.5]])


def test_norm_at_zero():
    np.testing.assert_array_equal(grad(fnp.linalg.norm)(np.zeros(3)), np.zeros(3))
    g = grad(lambda x: fnp.sum(fnp.linalg.norm(x, axis=1)))(np.array([[0.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_allclose(g, [[0, 0], [0.6, 0.8]])


def test_sqrt_at_zero_is_infinite_not_nan():
    """Plain sqrt has no kink convention: its derivative at 0 really is +inf."""
    with np.errstate(divide="ignore"):
        assert grad(fnp.sqrt)(0.0) == np.inf


def test_sign_floor_round_have_zero_derivative_everywhere():
    for f in (fnp.sign, fnp.floor, fnp.ceil, fnp.round, fnp.trunc, fnp.rint):
        for x in (0.0, 1.0, -1.5, 2.5):
            assert grad(lambda x: f(x) * 1.0 + 0.0 * x)(x) == 0.0
