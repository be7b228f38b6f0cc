"""Numerics at the edges, where the peers (JAX, PyTorch) give values and we must too:
power at zero or negative bases, logsumexp/softmax/logaddexp at large inputs, det
at singular matrices. Expected values are exact or from finite differences."""
from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import functrace as ft
import functrace.kernels as K
import functrace.numpy as fnp
import functrace.scipy.special as fsp
from functrace.numerics import zero_guard
from functrace.testing import check_grads

from specs.linalg import cofactor_by_minors, singular

INF, NAN = math.inf, math.nan


def quiet(f, *args):
    """``f(*args)`` with numpy's divide/invalid warnings silenced (inf/nan expected)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return f(*args)


# -- power -----------------------------------------------------------------------------

# (x, y, d/dx x**y, d/dy x**y): PyTorch's values (JAX's too, except d/dy at x = 0, y < 0,
# where JAX gives NaN and PyTorch -inf, the limit from the right of x**y log x).
POWER_TABLE = [
    (2.0, 3.0, 12.0, 8.0 * math.log(2.0)),
    (0.0, 2.0, 0.0, 0.0),
    (0.0, 1.0, 1.0, 0.0),
    (0.0, 0.5, INF, 0.0),
    (0.0, 0.0, 0.0, 0.0),
    (0.0, -1.0, -INF, -INF),
    (0.0, -1.5, -INF, -INF),
    (-2.0, 3.0, 12.0, NAN),
    (-2.0, 0.0, 0.0, NAN),
    (-2.0, 0.5, NAN, NAN),
]
_XS, _YS, _DX, _DY = (np.array(c) for c in zip(*POWER_TABLE))


def test_power_python_negative_base_is_nan_not_an_error():
    assert math.isnan(ft.grad(lambda y: (-2.0) ** y)(3.0))
    g = ft.grad(lambda y: fnp.sum((-2.0) ** y))(np.array([3.0, 2.0], np.float32))
    assert g.dtype == np.float32 and np.isnan(g).all()


@pytest.mark.parametrize("x, y, dx, dy", POWER_TABLE)
def test_power_derivatives_scalar(x, y, dx, dy):
    gx, gy = quiet(ft.grad(fnp.power, argnums=(0, 1)), x, y)
    np.testing.assert_array_equal([gx, gy], [dx, dy])
    _, tx = quiet(ft.jvp, lambda x: fnp.power(x, y), (x,), (1.0,))
    _, ty = quiet(ft.jvp, lambda y: fnp.power(x, y), (y,), (1.0,))
    np.testing.assert_array_equal([tx, ty], [dx, dy])
    if x == 0.0:      # a Python-number base takes its own branch
        np.testing.assert_array_equal(quiet(ft.grad(lambda y: 0.0 ** y), y), dy)


def test_power_derivatives_arrays_and_facade():
    gx, gy = quiet(ft.grad(lambda x, y: fnp.sum(fnp.power(x, y)), argnums=(0, 1)), _XS, _YS)
    np.testing.assert_array_equal(gx, _DX)
    np.testing.assert_array_equal(gy, _DY)
    x, y = ft.tensor(_XS, requires_grad=True), ft.tensor(_YS, requires_grad=True)
    quiet(lambda: (x ** y).sum().backward())
    np.testing.assert_array_equal(x.grad.numpy(), _DX)
    np.testing.assert_array_equal(y.grad.numpy(), _DY)
    y0 = ft.tensor([2.0, -1.0], requires_grad=True)       # Tensor.__rpow__, Python base
    quiet(lambda: (0.0 ** y0).sum().backward())
    np.testing.assert_array_equal(y0.grad.numpy(), [0.0, -INF])


def test_power_kernel_derivatives_at_the_edges():
    """The kernel table's in-loop and pre-pass derivatives (plain Python, no Numba)."""
    spec = ft.PRIMITIVES["power"].kernel
    for dtype in ("float64", "float32"):
        T = np.dtype(dtype).type
        x, y = _XS.astype(dtype), _YS.astype(dtype)
        out = quiet(np.power, x, y)
        in_loop = [[quiet(d, T(a), T(b), T(o)) for a, b, o in zip(x, y, out, strict=True)]
                   for d in spec.make(T)]
        pre = quiet(spec.pre, (True, True), x, y, out)
        for expected, loop, via_pre in zip((_DX, _DY), in_loop, pre, strict=True):
            np.testing.assert_array_equal(loop, expected.astype(dtype))
            np.testing.assert_array_equal(via_pre, expected.astype(dtype))
            assert via_pre.dtype == dtype


@pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_power_kernel_agrees_with_rule_at_the_edges(dtype):
    x, y, w = _XS.astype(dtype), _YS.astype(dtype), np.full(len(_XS), 1.5, dtype)
    f = ft.grad(lambda x, y, w: fnp.sum(fnp.power(x, y) * w), argnums=(0, 1, 2))
    previous = K.set_thresholds(min_size=0, min_work=0)
    try:
        calls = K.kernel_calls()
        fast = quiet(f, x, y, w)
        assert K.kernel_calls() > calls
    finally:
        K.set_thresholds(**previous)
    with K.enabled(False):
        slow = quiet(f, x, y, w)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fast[0], 1.5 * _DX.astype(dtype))
    np.testing.assert_array_equal(fast[1], 1.5 * _DY.astype(dtype))


# -- logsumexp, softmax, logaddexp -------------------------------------------------------

def test_logsumexp_gradient_at_huge_equal_inputs():
    x = np.array([1e17, 1e17])
    np.testing.assert_array_equal(ft.grad(fsp.logsumexp)(x), [0.5, 0.5])
    np.testing.assert_array_equal(ft.jvp(fsp.logsumexp, (x,), (np.array([1.0, 0.0]),))[1], 0.5)
    np.testing.assert_allclose(ft.hessian(fsp.logsumexp)(x), [[0.25, -0.25], [-0.25, 0.25]])
    np.testing.assert_array_equal(fsp.softmax(x), [0.5, 0.5])
    np.testing.assert_allclose(fsp.log_softmax(x), [-math.log(2.0)] * 2, rtol=1e-15)
    np.testing.assert_array_equal(ft.grad(lambda v: fsp.log_softmax(v)[0])(x), [0.5, -0.5])


@pytest.mark.parametrize("offset", [1e4, -1e4, 3e6])
def test_logsumexp_gradient_float32_large_logits(offset):
    x = (offset + np.linspace(-3.0, 3.0, 7)).astype(np.float32)
    shifted = x.astype(np.float64) - np.float64(x.max())      # exact: float32 spacing
    exact = np.exp(shifted) / np.exp(shifted).sum()
    for value in (ft.grad(fsp.logsumexp)(x), fsp.softmax(x), np.exp(fsp.log_softmax(x))):
        assert value.dtype == np.float32
        np.testing.assert_allclose(value, exact, rtol=2e-6)


def test_softmax_gradient_matches_finite_differences_at_large_offsets():
    x = 1e3 + np.random.default_rng(0).uniform(-2, 2, (2, 4))
    check_grads(lambda v: fsp.softmax(v, axis=1), (x,), order=2)
    check_grads(lambda v: fsp.logsumexp(v, axis=0), (x,), order=2)


def test_logaddexp_gradient_at_huge_and_infinite_inputs():
    g = ft.grad(fnp.logaddexp, argnums=(0, 1))
    assert g(1e17, 1e17) == (0.5, 0.5)
    assert g(np.inf, 0.0) == (1.0, 0.0)
    a, b = g(np.float32(1e4), np.float32(1e4 + 1))
    assert a.dtype == np.float32
    np.testing.assert_allclose([a, b], [1 / (1 + math.e), 1 / (1 + 1 / math.e)], rtol=1e-6)
    t = ft.tensor([1e17, 0.0], requires_grad=True)
    ft.nn.functional.softplus(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [1.0, 0.5])


@pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_logaddexp_kernel_agrees_with_rule_at_large_inputs(dtype):
    x = np.array([1e17, 1e4, -1e4, np.inf, 0.0, 3.0], dtype)
    y = np.array([1e17, 1e4 + 1, 1e4, 0.0, -np.inf, 3.0], dtype)
    f = ft.grad(lambda x, y: fnp.sum(fnp.logaddexp(x, y) * 2.0), argnums=(0, 1))
    previous = K.set_thresholds(min_size=0, min_work=0)
    try:
        fast = f(x, y)
    finally:
        K.set_thresholds(**previous)
    with K.enabled(False):
        slow = f(x, y)
    np.testing.assert_allclose(fast, slow, rtol=1e-6)
    np.testing.assert_array_equal(fast[0][[0, 3, 4, 5]], [1.0, 2.0, 2.0, 1.0])


# -- det and slogdet at singular matrices ----------------------------------------------

def _singular(n, deficiency, stack=(), seed=0):
    return singular(deficiency)(np.random.default_rng(seed), stack + (n, n), "float64")


@pytest.mark.parametrize("n, deficiency", [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3),
                                           (4, 1), (4, 2), (5, 3)])
def test_det_gradient_at_singular_matrix_is_the_cofactor_matrix(n, deficiency):
    a = _singular(n, deficiency)
    assert np.linalg.matrix_rank(a) == n - deficiency
    expected = cofactor_by_minors(a)
    np.testing.assert_allclose(ft.grad(fnp.linalg.det)(a), expected, atol=1e-12)
    e = np.random.default_rng(1).standard_normal((n, n))
    np.testing.assert_allclose(ft.jvp(fnp.linalg.det, (a,), (e,))[1], np.sum(expected * e),
                               atol=1e-12)


@pytest.mark.parametrize("n, deficiency", [(2, 1), (2, 2), (3, 1), (3, 2), (4, 2)])
def test_det_hessian_at_singular_matrix(n, deficiency):
    """The Hessian of det is the derivative of the (polynomial) cofactor matrix."""
    a = _singular(n, deficiency)
    h = 1e-5
    fd = np.empty((n, n, n, n))
    for k in range(n):
        for m in range(n):
            e = np.zeros((n, n))
            e[k, m] = h
            fd[:, :, k, m] = (cofactor_by_minors(a + e) - cofactor_by_minors(a - e)) / (2 * h)
    np.testing.assert_allclose(ft.hessian(fnp.linalg.det)(a), fd, atol=1e-8)
    np.testing.assert_allclose(ft.jacrev(ft.grad(fnp.linalg.det))(a), fd, atol=1e-8)


def test_det_third_derivative_is_the_same_at_singular_and_regular_matrices():
    """det of a 3x3 matrix is cubic: its third derivative is a constant."""
    rng = np.random.default_rng(2)
    e, f, g = (rng.standard_normal((3, 3)) for _ in range(3))

    def d1(a):
        return ft.jvp(fnp.linalg.det, (a,), (e,))[1]

    def d3(a):      # forward over reverse over forward
        return np.sum(ft.vjp(ft.grad(d1), a)[1](f)[0] * g)

    def d3_rev(a):  # reverse over reverse over reverse
        d2 = lambda a: ft.vjp(ft.grad(fnp.linalg.det), a)[1](e)[0]    # noqa: E731
        return np.sum(ft.vjp(d2, a)[1](f)[0] * g)
    points = (_singular(3, 1), _singular(3, 2), np.zeros((3, 3)), rng.standard_normal((3, 3)))
    values = [d(a) for a in points for d in (d3, d3_rev)]
    assert abs(values[-1]) > 0.1
    np.testing.assert_allclose(values, values[-1], rtol=1e-12)


def test_det_gradient_batched_mixed_and_vmapped():
    a = np.stack([_singular(3, 1, seed=3), np.eye(3) * 2.0, _singular(3, 3),
                  _singular(3, 2, seed=4)])
    g = ft.grad(lambda a: fnp.sum(fnp.linalg.det(a)))(a)
    np.testing.assert_allclose(g, cofactor_by_minors(a), atol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(fnp.linalg.det))(a), g, atol=1e-12)
    h = ft.vmap(ft.hessian(fnp.linalg.det))(a)
    for i in range(len(a)):
        np.testing.assert_allclose(h[i], ft.hessian(fnp.linalg.det)(a[i]), atol=1e-12)
    g32 = ft.grad(lambda a: fnp.sum(fnp.linalg.det(a)))(a.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g, atol=1e-5)


def test_det_gradient_near_singular_is_accurate():
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0 + 1e-13]])
    np.testing.assert_allclose(ft.grad(fnp.linalg.det)(a), cofactor_by_minors(a), atol=1e-12)


def test_det_facade_backward_at_singular_matrix():
    a = _singular(3, 1)
    t = ft.tensor(a, requires_grad=True)
    fnp.linalg.det(t).backward()
    np.testing.assert_allclose(t.grad.numpy(), cofactor_by_minors(a), atol=1e-12)
    t = ft.tensor(a, requires_grad=True)
    (g,) = ft.autograd.grad(fnp.linalg.det(t), t, create_graph=True)
    (g * 1.0).sum().backward()
    expected = ft.grad(lambda m: fnp.sum(ft.grad(fnp.linalg.det)(m)))(a)
    np.testing.assert_allclose(t.grad.numpy(), expected, atol=1e-12)


def test_slogdet_gradient_at_singular_matrix_is_inf_or_nan():
    for deficiency in (1, 2):
        a = _singular(3, deficiency)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sign, logabsdet = fnp.linalg.slogdet(a)
            g = ft.grad(lambda m: fnp.linalg.slogdet(m).logabsdet)(a)
            _, t = ft.jvp(lambda m: fnp.linalg.slogdet(m).logabsdet, (a,), (np.eye(3),))
        assert sign == 0.0 and logabsdet == -np.inf
        assert np.linalg.det(a) == 0.0
        assert not np.isfinite(g).any()            # cofactor / 0: +-inf, or nan for 0/0
        assert not np.isfinite(t)


# -- var and std without degrees of freedom ----------------------------------------------

NO_DOF = [  # (x, axis, ddof): N - ddof <= 0
    (np.array([1.0]), None, 1), (np.array([1.0, 2.0]), None, 2),
    (np.array([1.0, 2.0]), None, 3), (np.array([[1.0], [2.0]]), 1, 1),
    (np.array([3.0, 3.0]), 0, 2), (np.zeros(0), None, 0)]


@pytest.mark.parametrize("x, axis, ddof", NO_DOF)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_without_dof_match_numpy_and_warn(name, x, axis, ddof):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = getattr(np, name)(x, axis=axis, ddof=ddof)
    f = getattr(fnp, name)
    with pytest.warns(RuntimeWarning, match="Degrees of freedom <= 0 for slice"):
        value = quiet(f, x, axis, None, ddof)
    np.testing.assert_array_equal(value, expected)
    with pytest.warns(RuntimeWarning, match="Degrees of freedom <= 0 for slice"):
        g = quiet(ft.grad(lambda v: fnp.sum(f(v, axis=axis, ddof=ddof))), x)
    assert g.shape == x.shape and np.isnan(g).all()
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"), zero_guard(False):
        _, t = quiet(ft.jvp, lambda v: f(v, axis=axis, ddof=ddof), (x,), (np.ones_like(x),))
    assert np.isnan(t).all()    # (along ones, a shift, the zero guard would give 0)


def test_var_std_without_dof_float32_and_second_order():
    x = np.array([1.0, 2.0], np.float32)
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        h = quiet(ft.hessian(lambda v: fnp.std(v, ddof=2)), x)
    assert h.dtype == np.float32 and np.isnan(h).all()
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        value = quiet(fnp.var, x, None, None, 2)
    assert value.dtype == np.float32 and value == np.inf


@pytest.mark.parametrize("name", ["var", "std"])
def test_facade_var_std_without_dof_warn_like_pytorch(name):
    message = rf"{name}\(\): degrees of freedom is <= 0\. Correction should be strictly less"
    for data, kw, expected in (([1.0], {}, NAN), ([1.0, 2.0], {"correction": 2}, INF),
                               ([[1.0], [2.0]], {"dim": 1}, [NAN, NAN])):
        t = ft.tensor(data, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = quiet(lambda: getattr(t, name)(**kw))
        messages = [str(w.message) for w in caught]
        assert any(w.category is UserWarning and re.match(message, str(w.message))
                   for w in caught), messages
        assert not any("Degrees of freedom" in m for m in messages)   # not numpy's too
        np.testing.assert_array_equal(out.detach().numpy(), expected)
        quiet(out.sum().backward)
        assert np.isnan(t.grad.numpy()).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                # enough degrees of freedom: silent
        getattr(ft.tensor([1.0, 2.0]), name)()


# -- the zero guard (functrace.numerics) ------------------------------------------------

def masked_sqrt(x):
    return fnp.sum(fnp.where(x > 0, fnp.sqrt(x), 0.0))


def masked_xlogx(x):
    return fnp.sum(fnp.where(x > 0, x * fnp.log(x), 0.0))


def masked_reciprocal(x):
    return fnp.sum(fnp.where(x != 0, 1.0 / x, 0.0))


def masked_nan_loss(x, y):
    """Squared error with NaN (missing) targets masked out."""
    return fnp.sum(fnp.where(fnp.isnan(y), 0.0, (x - y) ** 2))


def test_without_zero_guard_masked_branches_give_nan_as_in_jax_and_pytorch():
    with zero_guard(False):
        g = quiet(ft.grad(masked_sqrt), np.array([-1.0, 0.0, 4.0]))
    np.testing.assert_array_equal(g, [NAN, NAN, 0.25])


@pytest.mark.parametrize("f, x, grad, hess_diag", [
    (masked_sqrt, [-1.0, 0.0, 4.0], [0.0, 0.0, 0.25], [0.0, 0.0, -1 / 32]),
    (masked_xlogx, [0.0, 1.0, math.e], [0.0, 1.0, 2.0], [0.0, 1.0, 1 / math.e]),
    (masked_reciprocal, [0.0, 2.0], [0.0, -0.25], [0.0, 0.25]),
])
def test_zero_guard_masked_branches(f, x, grad, hess_diag):
    x = np.array(x)
    with zero_guard(True):
        g = quiet(ft.grad(f), x)
        h = quiet(ft.hessian(f), x)
        h_rev = quiet(ft.jacrev(ft.grad(f)), x)
        j = quiet(ft.jacfwd(f), x)
        gv = quiet(ft.vmap(ft.grad(f)), x[None])
    np.testing.assert_allclose(g, grad, rtol=1e-15)
    np.testing.assert_allclose(j, grad, rtol=1e-15)
    np.testing.assert_allclose(gv[0], grad, rtol=1e-15)
    np.testing.assert_allclose(h, np.diag(hess_diag), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(h_rev, np.diag(hess_diag), rtol=1e-15, atol=1e-300)


def test_zero_guard_nan_targets_masked_out_of_a_loss():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.5, NAN, 1.0])
    with zero_guard(True):
        g = quiet(ft.grad(masked_nan_loss), x, y)
    np.testing.assert_array_equal(g, [1.0, 0.0, 4.0])
    with zero_guard(False):
        assert np.isnan(quiet(ft.grad(masked_nan_loss), x, y)[1])


def test_zero_guard_forward_mode_zero_tangent_times_infinite_derivative():
    with zero_guard(True):
        _, t = quiet(ft.jvp, fnp.power, (0.0, 0.5), (0.0, 1.0))   # 0 * inf + 1 * 0
        _, t2 = quiet(ft.jvp, fnp.multiply, (np.inf, 2.0), (1.0, 0.0))
        _, t3 = quiet(ft.jvp, fnp.divide, (1.0, 0.0), (0.0, 1.0))  # -1 * inf / 0
    assert t == 0.0 and t2 == 2.0 and t3 == -INF
    with zero_guard(False):
        assert math.isnan(quiet(ft.jvp, fnp.power, (0.0, 0.5), (0.0, 1.0))[1])


def test_zero_guard_trades_nan_for_zero_in_removable_singularities():
    """The documented price: sqrt(x)**2 = x, but 2 sqrt(0) * inf -> 0, not 1."""
    with zero_guard(True):
        assert quiet(ft.grad(lambda x: fnp.sqrt(x) ** 2), 0.0) == 0.0
    with zero_guard(False):
        assert math.isnan(quiet(ft.grad(lambda x: fnp.sqrt(x) ** 2), 0.0))


def test_zero_guard_changes_nothing_where_no_nan_arises():
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0.5, 2, (3, 4)), rng.uniform(0.5, 2, (4,))

    def f(x, y):
        z = fnp.tanh(x * y) / (x + 1.0) + fnp.log(x) * fnp.power(x, y) - fnp.where(x > 1, x, 0.0)
        return fnp.sum(z * z)
    with zero_guard(False):
        expected = ft.hessian(f, argnums=(0, 1))(x, y)
    with zero_guard(True):
        actual = ft.hessian(f, argnums=(0, 1))(x, y)
        check_grads(f, (x, y), order=2)
    for a, e in zip(ft.tree_leaves(actual), ft.tree_leaves(expected), strict=True):
        np.testing.assert_array_equal(a, e)


def test_zero_guard_in_the_facade():
    t = ft.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with zero_guard(True):
        quiet(lambda: ft.where(t > 0, t.sqrt(), 0.0).sum().backward())
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 0.0, 0.25])


@pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_zero_guard_kernels_agree_with_rules(dtype):
    rng = np.random.default_rng(8)
    x = rng.uniform(-2, 2, 300).astype(dtype)
    x[::7] = 0.0
    y = rng.uniform(-2, 2, 300).astype(dtype)

    def f(x, y):
        r = fnp.sqrt(x) * fnp.log(x) + fnp.power(x, y) / x + fnp.tanh(y) * fnp.arccosh(x + 0.5)
        return fnp.sum(fnp.where(x > 0.5, r, 0.0))
    grad = ft.grad(f, argnums=(0, 1))
    previous = K.set_thresholds(min_size=0, min_work=0, max_run=10_000)
    try:
        for guard in (True, False):
            with zero_guard(guard):
                calls = K.kernel_calls()
                fast = quiet(grad, x, y)
                assert K.kernel_calls() > calls
                with K.enabled(False):
                    slow = quiet(grad, x, y)
            for a, b in zip(fast, slow, strict=True):
                assert a.dtype == dtype
                np.testing.assert_allclose(a, b, rtol=1e-5 if dtype == "float32" else 1e-12)
                assert np.isnan(a).any() != guard
    finally:
        K.set_thresholds(**previous)


def test_zero_guard_environment_variable(tmp_path):
    import subprocess
    import sys
    code = ("import numpy as np, functrace as ft, functrace.numpy as fnp, functrace.numerics as n;"
            "np.seterr(all='ignore');"
            "print(n.zero_guard_enabled(), "
            "ft.grad(lambda x: fnp.where(x > 0, fnp.sqrt(x), 0.0))(-1.0))")
    for value, expected in (("1", "True 0.0"), ("0", "False nan")):
        env = dict(__import__("os").environ, FUNCTRACE_ZERO_GUARD=value)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout.split()
        assert " ".join(out) == expected


def test_numerics_docstring_examples():
    import doctest
    import functrace.numerics
    result = doctest.testmod(functrace.numerics)
    assert result.failed == 0 and result.attempted > 0
