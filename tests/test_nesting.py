"""Nested transforms: higher order, grad inside differentiated code, no perturbation
confusion."""
from __future__ import annotations

import numpy as np
import pytest

import functrace.numpy as fnp
from functrace import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp


def test_perturbation_confusion_regression():
    """d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (a confused tool gives 2)."""
    def outer(x):
        inner = grad(lambda y: x + y)(1.0)
        return x * inner
    assert grad(outer)(2.0) == 1.0
    assert jvp(outer, (2.0,), (1.0,))[1] == 1.0


def test_perturbation_confusion_forward_over_forward():
    def outer(x):
        _, inner = jvp(lambda y: x + y, (1.0,), (1.0,))
        return x * inner
    assert jvp(outer, (2.0,), (1.0,))[1] == 1.0
    assert grad(outer)(2.0) == 1.0


def test_inner_derivative_depends_on_outer_variable():
    """d/dx [d/dy (x y^2)]|_{y=3} = d/dx [6 x] = 6."""
    def outer(x):
        return grad(lambda y: x * y ** 2)(3.0)
    assert grad(outer)(5.0) == pytest.approx(6.0)
    assert jacfwd(outer)(5.0) == pytest.approx(6.0)


@pytest.mark.parametrize("order, expected", [(1, np.cos), (2, lambda x: -np.sin(x)),
                                             (3, lambda x: -np.cos(x)), (4, np.sin)])
def test_repeated_grad(order, expected):
    f = fnp.sin
    for _ in range(order):
        f = grad(f)
    assert f(0.7) == pytest.approx(expected(0.7), rel=1e-12)


def test_grad_of_grad_of_polynomial():
    f = lambda x: x ** 5 - 3.0 * x ** 2   # noqa: E731
    assert grad(grad(f))(2.0) == pytest.approx(20 * 8 - 6)
    assert grad(grad(grad(f)))(2.0) == pytest.approx(60 * 4)


def test_hessian_vector_products_three_ways():
    A = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])
    x = np.array([0.3, -0.2, 0.5])
    v = np.array([1.0, -1.0, 2.0])

    def f(x):
        return fnp.sum(fnp.tanh(A @ x))

    # closed form: H = A^T diag(-2 tanh sech^2) A
    t = np.tanh(A @ x)
    H = A.T @ np.diag(-2 * t * (1 - t ** 2)) @ A
    np.testing.assert_allclose(hessian(f)(x), H, atol=1e-12)
    _, hvp_fwd_rev = jvp(grad(f), (x,), (v,))          # forward over reverse
    np.testing.assert_allclose(hvp_fwd_rev, H @ v, atol=1e-12)
    hvp_rev_rev = grad(lambda x: fnp.sum(grad(f)(x) * v))(x)   # reverse over reverse
    np.testing.assert_allclose(hvp_rev_rev, H @ v, atol=1e-12)
    hvp_rev_fwd = grad(lambda x: jvp(f, (x,), (v,))[1])(x)     # reverse over forward
    np.testing.assert_allclose(hvp_rev_fwd, H @ v, atol=1e-12)
    np.testing.assert_allclose(jacrev(jacrev(f))(x), H, atol=1e-12)
    np.testing.assert_allclose(jacrev(jacfwd(f))(x), H, atol=1e-12)


def test_grad_inside_function_being_differentiated():
    """An inner optimisation step inside an outer loss (meta-learning style).

    w1 = w - lr * d/dw (w - a)^2 = w - 2 lr (w - a); L = w1^2;
    dL/dw = 2 w1 (1 - 2 lr), dL/da = 2 w1 (2 lr)."""
    lr = 0.1

    def outer(w, a):
        inner_grad = grad(lambda w_: (w_ - a) ** 2)(w)
        w1 = w - lr * inner_grad
        return w1 ** 2

    w, a = 1.5, 0.5
    w1 = w - 2 * lr * (w - a)
    gw, ga = grad(outer, argnums=(0, 1))(w, a)
    assert gw == pytest.approx(2 * w1 * (1 - 2 * lr))
    assert ga == pytest.approx(2 * w1 * 2 * lr)


def test_vjp_inside_grad_and_value_and_grad_inside_jvp():
    def outer(x):
        out, f_vjp = vjp(lambda y: fnp.sin(x * y), 2.0)
        return f_vjp(np.array(1.0))[0] + out        # x cos(2x) + sin(2x)
    x = 0.4
    expected = np.cos(2 * x) - 2 * x * np.sin(2 * x) + 2 * np.cos(2 * x)
    assert grad(outer)(x) == pytest.approx(expected)

    def outer2(x):
        value, g = value_and_grad(lambda y: x * y ** 3)(2.0)   # 8x, 12x
        return value + g
    assert jvp(outer2, (1.0,), (1.0,))[1] == pytest.approx(20.0)


def test_closure_over_outer_tracer_is_constant_to_inner():
    """The inner grad differentiates only its own argument."""
    def outer(x):
        g_inner = grad(lambda y: fnp.sin(x) * y)(0.0)   # = sin(x)
        return g_inner
    assert grad(outer)(0.3) == pytest.approx(np.cos(0.3))


def test_third_order_mixed():
    f = lambda x: fnp.exp(2.0 * x)  # noqa: E731
    d3 = jacfwd(grad(grad(f)))(0.5)
    assert d3 == pytest.approx(8 * np.exp(1.0))


def test_differentiate_vjp_fn_with_respect_to_the_cotangent():
    """vjp_fn is linear in the cotangent: d/dc <J^T c, 1> = J 1, in both modes.
    (Regression: the pullback used to run under the trace current when vjp was
    called, so a traced cotangent recursed forever.)"""
    x = np.array([0.5, 1.0])
    _, f_vjp = vjp(lambda x: fnp.sin(x) * 2.0, x)
    g = grad(lambda c: fnp.sum(f_vjp(c)[0]))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, 2 * np.cos(x))
    _, t = jvp(lambda c: f_vjp(c)[0], (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    np.testing.assert_allclose(t, [2 * np.cos(0.5), 0.0])


def test_vjp_fn_inside_outer_grad_sees_both_variables():
    """vjp taken inside grad; its vjp_fn then called with a cotangent that depends on
    the outer variable: d/dx [ct(x) * d/dy sin(x y)] with ct = x, at y = 1:
    f(x) = x * x cos(x) -> f' = 2x cos x - x^2 sin x."""
    def outer(x):
        _, f_vjp = vjp(lambda y: fnp.sin(x * y), 1.0)
        return f_vjp(x)[0]
    x = 0.7
    assert grad(outer)(x) == pytest.approx(2 * x * np.cos(x) - x * x * np.sin(x))
