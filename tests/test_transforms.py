"""The functional transforms against closed-form derivatives."""
from __future__ import annotations

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import (elementwise_grad, grad, hessian, jacfwd, jacobian, jacrev, jvp,
                       stop_gradient, value_and_grad, vjp)

X = np.array([0.3, -1.2, 2.0])


def f_vec(x):
    """R^3 -> R^2: (sum sin(x) * x, prod-ish)."""
    return fnp.stack([fnp.sum(fnp.sin(x) * x), x[0] * x[1] * fnp.exp(x[2])])


def f_vec_jacobian(x):
    s = np.sin(x) + x * np.cos(x)
    e = np.exp(x[2])
    return np.array([s, [x[1] * e, x[0] * e, x[0] * x[1] * e]])


# -- grad / value_and_grad -------------------------------------------------------------

def test_grad_closed_form():
    g = grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(X)
    np.testing.assert_allclose(g, 2 * np.tanh(X) * (1 - np.tanh(X) ** 2), rtol=1e-12)


def test_grad_of_python_float_returns_numpy_scalar():
    g = grad(lambda x: x ** 3)(2.0)
    assert isinstance(g, np.floating) and g.dtype == np.float64
    assert g == 12.0


def test_grad_argnums_tuple_and_negative():
    def f(x, y, z):
        return fnp.sum(x * y) + fnp.sum(z ** 2)
    x, y, z = np.ones(2), np.array([2.0, 3.0]), np.array([1.0, -1.0])
    gx, gz = grad(f, argnums=(0, 2))(x, y, z)
    np.testing.assert_array_equal(gx, y)
    np.testing.assert_array_equal(gz, 2 * z)
    np.testing.assert_array_equal(grad(f, argnums=-2)(x, y, z), x)
    (gy,) = grad(f, argnums=(1,))(x, y, z)
    np.testing.assert_array_equal(gy, x)


def test_grad_non_differentiated_args_may_be_anything():
    def f(x, n, label):
        assert label == "tag"
        return x ** n
    assert grad(f)(2.0, 3, "tag") == 12.0


def test_grad_kwargs_are_constants():
    def f(x, *, scale):
        return fnp.sum(x) * scale
    np.testing.assert_array_equal(grad(f)(np.ones(2), scale=3.0), [3.0, 3.0])


def test_value_and_grad():
    value, g = value_and_grad(lambda x: fnp.sum(fnp.exp(x)))(X)
    assert value == pytest.approx(np.exp(X).sum())
    assert isinstance(value, (np.ndarray, np.generic)) and np.shape(value) == ()
    np.testing.assert_allclose(g, np.exp(X))


def test_value_and_grad_has_aux():
    def f(x):
        y = fnp.sin(x)
        return fnp.sum(y), {"y": y, "n": 3}
    (value, aux), g = value_and_grad(f, has_aux=True)(X)
    np.testing.assert_allclose(value, np.sin(X).sum())
    np.testing.assert_allclose(aux["y"], np.sin(X))
    assert isinstance(aux["y"], np.ndarray) and aux["n"] == 3
    np.testing.assert_allclose(g, np.cos(X))


def test_grad_has_aux_returns_gradient_and_aux():
    g, aux = grad(lambda x: (fnp.sum(x ** 2), x * 2.0), has_aux=True)(X)
    np.testing.assert_allclose(g, 2 * X)
    np.testing.assert_allclose(aux, 2 * X)
    assert not isinstance(aux, functrace.core.Tracer)


def test_output_independent_of_input_gives_zero_gradient():
    g = grad(lambda x: fnp.sum(np.ones(3)) * 1.0)(X)
    np.testing.assert_array_equal(g, np.zeros(3))
    assert g.dtype == X.dtype
    g = grad(lambda x, y: y * 2.0)(1.0, 3.0)
    assert isinstance(g, np.float64) and g == 0.0       # a scalar, like other gradients


def test_input_used_twice_accumulates():
    np.testing.assert_allclose(grad(lambda x: fnp.sum(x * x + x))(X), 2 * X + 1)


def test_grad_through_intermediate_reused_many_times():
    def f(x):
        y = fnp.sin(x)
        return fnp.sum(y * y * y + y)
    np.testing.assert_allclose(grad(f)(X), (3 * np.sin(X) ** 2 + 1) * np.cos(X), rtol=1e-12)


def test_grad_works_on_plain_numpy_function():
    """The same function runs on numpy arrays and is differentiable."""
    def f(x):
        return np.sum(np.sin(x) * x)
    assert f(X) == pytest.approx(np.sum(np.sin(X) * X))
    np.testing.assert_allclose(grad(f)(X), np.sin(X) + X * np.cos(X))


# -- vjp / jvp -----------------------------------------------------------------------------

def test_vjp_matches_jacobian_transpose():
    out, f_vjp = vjp(f_vec, X)
    np.testing.assert_allclose(out, [np.sum(np.sin(X) * X), X[0] * X[1] * np.exp(X[2])])
    u = np.array([0.7, -2.0])
    (ct,) = f_vjp(u)
    np.testing.assert_allclose(ct, f_vec_jacobian(X).T @ u, rtol=1e-12)
    # vjp_fn may be called again with another cotangent
    (ct2,) = f_vjp(np.array([1.0, 0.0]))
    np.testing.assert_allclose(ct2, f_vec_jacobian(X)[0], rtol=1e-12)


def test_vjp_several_primals_returns_tuple():
    out, f_vjp = vjp(lambda a, b: a * b, 2.0, 5.0)
    assert out == 10.0
    assert f_vjp(np.array(1.0)) == (5.0, 2.0)


def test_vjp_has_aux():
    out, f_vjp, aux = vjp(lambda x: (x ** 2, "info"), X, has_aux=True)
    assert aux == "info"
    np.testing.assert_allclose(f_vjp(np.ones(3))[0], 2 * X)


def test_jvp_matches_jacobian():
    v = np.array([1.0, 0.5, -0.25])
    out, t = jvp(f_vec, (X,), (v,))
    np.testing.assert_allclose(t, f_vec_jacobian(X) @ v, rtol=1e-12)
    np.testing.assert_allclose(out, np.asarray(f_vec(X)))


def test_jvp_is_forward_mode_not_finite_differences():
    """Exact to rounding: a finite difference could not be this accurate for exp(10 x)."""
    _, t = jvp(lambda x: fnp.exp(10.0 * x), (1.0,), (1.0,))
    assert t == 10 * np.exp(10.0)


def test_jvp_several_primals_and_constant_output():
    out, t = jvp(lambda a, b: a * b + fnp.sin(b), (2.0, 0.5), (1.0, 0.0))
    assert t == pytest.approx(0.5)
    out, t = jvp(lambda a: np.ones(2), (2.0,), (1.0,))
    np.testing.assert_array_equal(t, np.zeros(2))


# -- jacobians, hessians ------------------------------------------------------------------

@pytest.mark.parametrize("jac", [jacobian, jacrev, jacfwd])
def test_jacobians(jac):
    J = jac(f_vec)(X)
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J, f_vec_jacobian(X), rtol=1e-12)


def test_jacobian_alias():
    assert jacobian is jacrev


@pytest.mark.parametrize("jac", [jacrev, jacfwd])
def test_jacobian_shape_is_out_shape_plus_in_shape(jac):
    A = np.arange(6.0).reshape(2, 3)
    x = np.ones((3, 2))
    J = jac(lambda x: fnp.tanh(x) * 2.0)(x)  # elementwise: J[i,j,k,l] = delta * 2 sech^2
    assert J.shape == (3, 2, 3, 2)
    delta = np.einsum("ik,jl->ijkl", np.eye(3), np.eye(2))
    expected = delta * 2 / np.cosh(x)[..., None, None] ** 2
    np.testing.assert_allclose(J, expected, rtol=1e-12)
    J = jac(lambda x: A @ x)(np.ones(3))
    np.testing.assert_allclose(J, A)


@pytest.mark.parametrize("jac", [jacrev, jacfwd])
def test_jacobian_argnums_tuple(jac):
    Jx, Jy = jac(lambda x, y: x * y, argnums=(0, 1))(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_allclose(Jx, np.diag([3.0, 4.0]))
    np.testing.assert_allclose(Jy, np.diag([1.0, 2.0]))


def test_hessian_closed_form():
    # f = sum(x^3) + x0 x1 x2 ; H = diag(6x) + off-diagonal products
    def f(x):
        return fnp.sum(x ** 3) + x[0] * x[1] * x[2]
    H = hessian(f)(X)
    x0, x1, x2 = X
    expected = np.diag(6 * X) + np.array([[0, x2, x1], [x2, 0, x0], [x1, x0, 0]])
    np.testing.assert_allclose(H, expected, rtol=1e-12)


def test_hessian_of_quadratic_form():
    A = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, -1.0], [0.0, 2.0, 1.0]])
    H = hessian(lambda x: x @ (A @ x))(X)
    np.testing.assert_allclose(H, A + A.T, atol=1e-12)


def test_elementwise_grad():
    np.testing.assert_allclose(elementwise_grad(fnp.sin)(X), np.cos(X))
    g = elementwise_grad(lambda x: x ** 2 * fnp.exp(x))(X)
    np.testing.assert_allclose(g, (2 * X + X ** 2) * np.exp(X), rtol=1e-12)


def test_stop_gradient():
    assert grad(lambda x: x * stop_gradient(x))(3.0) == 3.0
    assert grad(lambda x: stop_gradient(x ** 2) + x)(3.0) == 1.0
    tree = stop_gradient({"a": np.ones(2), "b": (3.0,)})
    np.testing.assert_array_equal(tree["a"], np.ones(2))
    _, t = jvp(lambda x: stop_gradient(x) * 5.0, (1.0,), (1.0,))
    assert t == 0.0


def test_transformed_functions_keep_name_and_doc():
    def loss(x):
        """My loss."""
        return x
    for transform in (grad, value_and_grad, jacrev, jacfwd):
        g = transform(loss)
        assert g.__name__ == "loss" and g.__doc__ == "My loss."
