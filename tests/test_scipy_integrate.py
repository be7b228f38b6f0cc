"""functrace.scipy.integrate.odeint: values against scipy, adjoint gradients against
closed forms and finite differences of the solver, transforms, and errors."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as si

import functrace
import functrace.numpy as fnp
import functrace.scipy.integrate as fsi
from functrace.testing import check_grads


def decay(y, t, k):
    return -k * y


def oscillator(y, t, omega, damping):
    return fnp.stack([y[1], -omega ** 2 * y[0] - damping * y[1]])


def test_values_match_scipy_lsoda():
    y0, t = np.array([1.0, 0.0]), np.linspace(0.0, 5.0, 11)
    ours = fsi.odeint(oscillator, y0, t, 2.0, 0.3, rtol=1e-11, atol=1e-11)
    ref = si.odeint(lambda y, s: np.asarray(oscillator(y, s, 2.0, 0.3)), y0, t,
                    rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours, ref, atol=1e-9)


def test_gradients_match_the_closed_form():
    # y(t) = y0 exp(-k (t - t0)): d/dy0, d/dt0, d/dt1, d/dk.
    t = np.array([0.5, 2.0])

    def final(y0, t, k):
        return fsi.odeint(decay, y0, t, k, rtol=1e-12, atol=1e-12)[1]

    g_y0, g_t, g_k = functrace.grad(final, argnums=(0, 1, 2))(1.5, t, 0.7)
    e = np.exp(-0.7 * 1.5)
    np.testing.assert_allclose(g_y0, e, rtol=1e-8)
    np.testing.assert_allclose(g_t, [0.7 * 1.5 * e, -0.7 * 1.5 * e], rtol=1e-8)
    np.testing.assert_allclose(g_k, -1.5 * 1.5 * e, rtol=1e-8)
    # forward mode gives the same numbers
    _, tangent = functrace.jvp(lambda k: final(1.5, t, k), (0.7,), (1.0,))
    np.testing.assert_allclose(tangent, g_k, rtol=1e-8)


def test_hessian_and_per_example_gradients():
    t = np.linspace(0.0, 1.0, 4)

    def loss(params):
        ys = fsi.odeint(oscillator, np.array([1.0, 0.0]), t, params[0], params[1],
                        rtol=1e-10, atol=1e-10)
        return fnp.sum(ys[:, 0] ** 2)

    params = np.array([1.5, 0.2])
    h = functrace.hessian(loss)(params)
    np.testing.assert_allclose(h, h.T, atol=1e-6)
    check_grads(loss, (params,), order=2, atol=1e-5, rtol=1e-4)

    batch = np.array([[1.5, 0.2], [2.0, 0.1], [0.5, 0.5]])
    per = functrace.vmap(functrace.grad(loss))(batch)
    np.testing.assert_allclose(per, np.stack([functrace.grad(loss)(p) for p in batch]),
                               rtol=1e-12)


def test_vmap_over_initial_states_matches_a_loop():
    y0s = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    t = np.linspace(0.0, 2.0, 5)
    out = functrace.vmap(lambda y0: fsi.odeint(oscillator, y0, t, 1.0, 0.1))(y0s)
    np.testing.assert_array_equal(out, np.stack([fsi.odeint(oscillator, y, t, 1.0, 0.1)
                                                 for y in y0s]))


def test_matrix_state_and_scalar_state():
    y0 = np.eye(2)
    out = fsi.odeint(lambda y, t, a: a @ y, y0, np.array([0.0, 1.0]), np.array(
        [[0.0, 1.0], [-1.0, 0.0]]), rtol=1e-12, atol=1e-12)
    rotation = np.array([[np.cos(1.0), np.sin(1.0)], [-np.sin(1.0), np.cos(1.0)]])
    np.testing.assert_allclose(out[1], rotation, atol=1e-10)
    assert fsi.odeint(decay, 1.0, np.array([0.0, 1.0]), 1.0).shape == (2,)


def test_pytree_states_and_arguments():
    def dynamics(state, t, params):
        pos, vel = state["pos"], state["vel"]
        return {"pos": vel, "vel": -params["k"] * pos - params["c"][0] * vel}

    state = {"pos": np.array([1.0, 0.5]), "vel": np.zeros(2)}
    t = np.linspace(0.0, 2.0, 5)

    def loss(params):
        ys = fsi.odeint(dynamics, state, t, params, rtol=1e-10, atol=1e-10)
        return fnp.sum(ys["pos"] ** 2) + fnp.sum(ys["vel"])

    params = {"k": np.array(2.0), "c": np.array([0.3])}
    ys = fsi.odeint(dynamics, state, t, params)
    assert ys["pos"].shape == (5, 2) and ys["vel"].shape == (5, 2)
    flat = fsi.odeint(oscillator, np.array([1.0, 0.0]), t, np.sqrt(2.0), 0.3)
    np.testing.assert_allclose(ys["pos"][:, 0], flat[:, 0], rtol=1e-6)
    single = fsi.odeint(lambda s, t: (-s[0],), (np.ones(2),), t)
    assert isinstance(single, tuple) and single[0].shape == (5, 2)
    g = functrace.grad(loss)(params)
    assert set(g) == {"k", "c"} and g["c"].shape == (1,)
    check_grads(loss, (params,), order=1, atol=1e-5, rtol=1e-4)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="strictly increasing"):
        fsi.odeint(decay, 1.0, np.array([1.0, 0.0]), 1.0)
    with pytest.raises(RuntimeError, match="mxstep"):
        fsi.odeint(decay, 1.0, np.array([0.0, 100.0]), 1.0, mxstep=3)
    with pytest.raises(ValueError, match="shape"):
        fsi.odeint(lambda y, t: fnp.stack([y, y]), 1.0, np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="closes over"):
        functrace.grad(lambda k: fsi.odeint(lambda y, t: -k * y, 1.0,
                                            np.array([0.0, 1.0]))[1])(1.0)
