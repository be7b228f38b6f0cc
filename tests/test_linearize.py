"""linearize and hvp."""
import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp

RNG = np.random.default_rng(3)
X = RNG.standard_normal(4)
V = RNG.standard_normal(4)
A = RNG.standard_normal((3, 4))


def f(x):
    return fnp.tanh(A @ x) * fnp.sum(fnp.sin(x))


def test_linearize_matches_jvp_for_many_tangents():
    out, f_jvp = ft.linearize(f, X)
    np.testing.assert_allclose(out, f(X))
    for _ in range(3):
        v = RNG.standard_normal(4)
        np.testing.assert_allclose(f_jvp(v), ft.jvp(f, (X,), (v,))[1], atol=1e-14)


def test_linearize_does_not_rerun_the_function():
    calls = []

    def counted(x):
        calls.append(1)
        return fnp.sin(x) * x

    _, f_jvp = ft.linearize(counted, X)
    f_jvp(V)
    f_jvp(2 * V)
    assert len(calls) == 1


def test_linearize_pytrees_several_args_and_constant_outputs():
    def g(p, y):
        return {"a": p["w"] * y, "b": fnp.sum(p["w"] ** 2), "c": np.ones(2)}

    p, y = {"w": X}, 2.0
    out, g_jvp = ft.linearize(g, p, y)
    t = g_jvp({"w": V}, 1.0)
    ref = ft.jvp(g, (p, y), ({"w": V}, 1.0))[1]
    for k in "abc":
        np.testing.assert_allclose(t[k], ref[k])
    assert out["b"] == pytest.approx(float(np.sum(X ** 2)))


def test_f_jvp_is_linear_and_differentiable():
    _, f_jvp = ft.linearize(f, X)
    np.testing.assert_allclose(f_jvp(2 * V + X), 2 * f_jvp(V) + f_jvp(X), atol=1e-12)
    jac = ft.jacrev(f_jvp)(V)           # the Jacobian of a linear map is J itself
    np.testing.assert_allclose(jac, ft.jacfwd(f)(X), atol=1e-12)
    np.testing.assert_allclose(ft.vmap(f_jvp)(np.eye(4)).T, ft.jacfwd(f)(X), atol=1e-12)
    # d/dx of linearize(f, x)(v): the residuals stay connected to x
    g = lambda x: fnp.sum(ft.linearize(f, x)[1](V))
    np.testing.assert_allclose(ft.grad(g)(X),
                               ft.grad(lambda x: fnp.sum(ft.jvp(f, (x,), (V,))[1]))(X))


def test_linearize_errors_and_dtypes():
    _, f_jvp = ft.linearize(f, X)
    with pytest.raises(ValueError, match="shape"):
        f_jvp(np.ones(3))
    with pytest.raises(TypeError, match="floating-point"):
        ft.linearize(f, np.arange(4))
    _, g_jvp = ft.linearize(lambda x: x * 2, X.astype(np.float32))
    assert g_jvp(V).dtype == np.float32


def test_hvp_matches_hessian_both_modes():
    loss = lambda x: fnp.sum(f(x) ** 2)
    H = ft.hessian(loss)(X)
    for mode in ("fwd-rev", "rev-rev"):
        value, hv = ft.hvp(loss, (X,), (V,), mode=mode)
        np.testing.assert_allclose(value, np.sum(f(X) ** 2), atol=1e-12)
        np.testing.assert_allclose(hv, H @ V, atol=1e-12)


def test_hvp_several_arguments():
    loss = lambda x, y: fnp.sum(fnp.sin(x) * y ** 2)
    y = np.array([0.5, -1.0, 2.0, 1.5])
    H = ft.hessian(lambda z: loss(z[:4], z[4:]))(np.concatenate([X, y]))
    for mode in ("fwd-rev", "rev-rev"):
        value, hv = ft.hvp(loss, (X, y), (V, np.ones(4)), mode=mode)
        np.testing.assert_allclose(value, loss(X, y), atol=1e-12)
        assert isinstance(hv, tuple) and len(hv) == 2
        np.testing.assert_allclose(np.concatenate(hv), H @ np.concatenate([V, np.ones(4)]),
                                   atol=1e-12)


def test_hvp_with_custom_rules_and_checkpoint():
    @ft.custom_vjp
    def sq(x):
        return x * x

    sq.defvjp(lambda x: (sq(x), x), lambda x, ct: (2 * x * ct,))
    loss = lambda x: fnp.sum(sq(fnp.sin(x)))
    ref = lambda x: fnp.sum(fnp.sin(x) ** 2)
    _, hv = ft.hvp(loss, (X,), (V,), mode="rev-rev")
    np.testing.assert_allclose(hv, ft.hessian(ref)(X) @ V, atol=1e-12)
    with pytest.raises(TypeError, match="custom_vjp"):
        ft.hvp(loss, (X,), (V,))                     # fwd calls sq itself
    _, hv = ft.hvp(ft.checkpoint(ref), (X,), (V,))
    np.testing.assert_allclose(hv, ft.hessian(ref)(X) @ V, atol=1e-12)
    with pytest.raises(ValueError, match="mode"):
        ft.hvp(ref, (X,), (V,), mode="fwd-fwd")
