"""vmap composed with grad, vjp, jvp, itself and the Jacobians, against Python loops and
finite differences; the vectorized jacrev/jacfwd against the loop semantics they
replaced (one pullback per row, one push-forward per column)."""
from __future__ import annotations

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import grad, hessian, jacfwd, jacrev, jvp, vjp, vmap
from functrace.scipy.special import logsumexp
from functrace.testing import check_grads

from specs import ALL_SPECS

RNG = np.random.default_rng(1)


# -- per-example gradients ----------------------------------------------------------------

def _mlp_loss(params, x, y):
    h = fnp.tanh(params["W1"] @ x + params["b1"])
    logits = params["W2"] @ fnp.maximum(h, 0.1 * h) + params["b2"]
    return logsumexp(logits) - logits[y]


PARAMS = {"W1": RNG.standard_normal((5, 4)), "b1": RNG.standard_normal(5),
          "W2": RNG.standard_normal((3, 5)), "b2": RNG.standard_normal(3)}
XS = RNG.standard_normal((6, 4))
YS = RNG.integers(0, 3, size=6)


def test_per_example_gradients_of_an_mlp():
    per_example = vmap(grad(_mlp_loss), in_axes=(None, 0, 0))(PARAMS, XS, YS)
    for i in range(len(XS)):
        g = grad(_mlp_loss)(PARAMS, XS[i], YS[i])
        for k in PARAMS:
            np.testing.assert_allclose(per_example[k][i], g[k], rtol=1e-12, atol=1e-14)


def test_grad_of_a_vmapped_loss_matches_the_sum_of_gradients():
    def total(params):
        return fnp.sum(vmap(_mlp_loss, in_axes=(None, 0, 0))(params, XS, YS))
    g = grad(total)(PARAMS)
    for k in PARAMS:
        want = sum(grad(_mlp_loss)(PARAMS, XS[i], YS[i])[k] for i in range(len(XS)))
        np.testing.assert_allclose(g[k], want, rtol=1e-12, atol=1e-13)


def test_vmapped_function_against_finite_differences():
    """Second order, both modes: vmap's values are differentiable like any function."""
    f = vmap(lambda w, x: fnp.sin(fnp.sum(w * x) + x ** 2), in_axes=(None, 0))
    check_grads(f, (RNG.standard_normal(3), RNG.standard_normal((4, 3))), order=2)
    check_grads(vmap(grad(lambda x: fnp.sum(fnp.tanh(x) ** 3))), (XS,), order=1)


def test_logistic_regression_per_example_gradient_closed_form():
    w = RNG.standard_normal(4)
    y = (RNG.random(6) > 0.5).astype(float)

    def nll(w, x, t):
        z = fnp.dot(w, x)
        return fnp.logaddexp(0.0, z) - t * z

    g = vmap(grad(nll), in_axes=(None, 0, 0))(w, XS, y)
    p = 1.0 / (1.0 + np.exp(-(XS @ w)))
    np.testing.assert_allclose(g, (p - y)[:, None] * XS, rtol=1e-12)


# -- composition in both orders -----------------------------------------------------------

def f_vec(x):
    return fnp.sin(x) * fnp.sum(x ** 2) + fnp.cumsum(x)[::-1]


def test_jvp_of_vmap_equals_vmap_of_jvp():
    t = RNG.standard_normal(XS.shape)
    out1, t1 = jvp(vmap(f_vec), (XS,), (t,))
    out2, t2 = vmap(lambda x, v: jvp(f_vec, (x,), (v,)))(XS, t)
    np.testing.assert_allclose(out1, out2)
    np.testing.assert_allclose(t1, t2, rtol=1e-12)
    by_rows = [jacfwd(f_vec)(x) @ v for x, v in zip(XS, t, strict=True)]
    np.testing.assert_allclose(t1, np.stack(by_rows), rtol=1e-12)


def test_vmap_of_a_vjp_function():
    out, f_vjp = vjp(f_vec, XS[0])
    cts = RNG.standard_normal((5, 4))
    rows = vmap(f_vjp)(cts)[0]
    np.testing.assert_allclose(rows, np.stack([f_vjp(c)[0] for c in cts]), rtol=1e-12)


def test_nested_vmap_is_a_matrix_product():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 5))
    mm = vmap(vmap(fnp.dot, in_axes=(None, 1)), in_axes=(0, None))
    np.testing.assert_allclose(mm(a, b), a @ b, rtol=1e-12)
    g = grad(lambda a: fnp.sum(fnp.sin(mm(a, b))))(a)
    np.testing.assert_allclose(g, np.cos(a @ b) @ b.T, rtol=1e-12)


def test_vmap_inside_grad_inside_vmap():
    def inner(w, xs):
        return fnp.sum(vmap(lambda r: fnp.tanh(w * r))(xs))
    got = vmap(grad(inner), in_axes=(0, None))(XS, XS)
    np.testing.assert_allclose(got, np.stack([grad(inner)(w, XS) for w in XS]), rtol=1e-12)


def test_perturbation_confusion_under_vmap():
    """d/dx [x * d/dy (x + y)] = 1 for every batch element."""
    f = grad(lambda x: x * grad(lambda y: x + y)(1.0))
    np.testing.assert_array_equal(vmap(f)(np.arange(3.0)), np.ones(3))


def test_vmap_of_hessian_and_hessian_of_vmap():
    def f(x):
        return fnp.sum(fnp.sin(x) * x ** 2)
    per_example = vmap(hessian(f))(XS)
    np.testing.assert_allclose(per_example, np.stack([hessian(f)(x) for x in XS]), rtol=1e-12)
    H = hessian(lambda xs: fnp.sum(vmap(f)(xs)))(XS[:2])
    np.testing.assert_allclose(H[0, :, 0, :], per_example[0], rtol=1e-12)
    np.testing.assert_allclose(H[0, :, 1, :], 0.0)


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in ALL_SPECS
                                  if s.order > 0])
def test_spec_row_compositions(spec):
    """For every differentiable row: vmap(grad), grad(vmap) and vmap(jvp) = loops (in
    the row's first dtype; complex values enter the loss by their real parts)."""
    n = len(spec.shapes)
    per = [spec.make_args(spec.dtypes[0], seed=b) for b in range(3)]
    args = [np.stack([p[k] for p in per]) for k in range(n)]
    nums = tuple(range(n))

    def loss(*a):
        return sum(fnp.sum(fnp.real(fnp.sin(o))) for o in functrace.tree_leaves(spec.fn(*a))
                   if o.dtype.kind in "fc")

    want = [grad(loss, argnums=nums)(*p) for p in per]
    got = vmap(grad(loss, argnums=nums))(*args)
    got2 = grad(lambda *a: fnp.sum(vmap(loss)(*a)), argnums=nums)(*args)
    for k in range(n):
        w = np.stack([g[k] for g in want])
        np.testing.assert_allclose(got[k], w, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(got2[k], w, rtol=1e-9, atol=1e-11)
    ts = [RNG.standard_normal(np.shape(a)) + (1j * RNG.standard_normal(np.shape(a))
                                              if a.dtype.kind == "c" else 0) for a in args]
    _, t_out = vmap(lambda a, t: jvp(loss, tuple(a), tuple(t)))(tuple(args), tuple(ts))
    want_t = [sum(np.real(np.sum(g[k] * ts[k][b])) for k in range(n))    # Re(grad . t)
              for b, g in enumerate(want)]
    tol = 1e-9 if t_out.dtype == np.float64 else 1e-5     # rows that cast to float32
    tol = max(tol, spec.extra.get("jvp_vjp_rtol", 0.0))  # modes computed by different solves
    np.testing.assert_allclose(t_out, want_t, rtol=tol, atol=tol * 1e-2)


# -- vectorized Jacobians against the loops they replaced --------------------------------

def loop_jacrev(f, x):
    """One pullback per output element (the semantics of the old jacrev)."""
    out, f_vjp = vjp(f, x)
    rows = [f_vjp(np.eye(out.size)[k].reshape(out.shape))[0] for k in range(out.size)]
    return np.stack(rows).reshape(out.shape + np.shape(x))


def loop_jacfwd(f, x):
    """One push-forward per input element (the semantics of the old jacfwd)."""
    cols = [jvp(f, (x,), (np.eye(x.size)[k].reshape(x.shape),))[1] for k in range(x.size)]
    out = f(x)
    return np.stack(cols, axis=-1).reshape(np.shape(out) + np.shape(x))


JAC_FUNCS = [
    ("elementwise", lambda x: fnp.tanh(x) * 2.0, (3, 2)),
    ("matrix", lambda x: fnp.linalg.inv(x + 3.0 * np.eye(3)) @ x, (3, 3)),
    ("reduction-index", lambda x: fnp.cumprod(x[::-1, 1:], axis=0) + fnp.max(x), (3, 3)),
    ("scalar-out", lambda x: fnp.sum(fnp.sort(x) * np.arange(4.0)), (4,)),
]


@pytest.mark.parametrize("name, f, shape", JAC_FUNCS, ids=[c[0] for c in JAC_FUNCS])
def test_jacobians_match_the_loops(name, f, shape):
    x = RNG.standard_normal(shape)
    want = loop_jacrev(f, x)
    np.testing.assert_allclose(loop_jacfwd(f, x), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jacrev(f)(x), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jacfwd(f)(x), want, rtol=1e-12, atol=1e-14)


def test_jacobian_pytrees_and_argnums_match_the_loops():
    def f(a, b):
        return {"p": fnp.sin(a) * b[0], "q": (fnp.sum(a * b[1]), b[0] ** 2)}
    a, b = RNG.standard_normal(3), (RNG.standard_normal(3), RNG.standard_normal((2, 3)))
    for jac in (jacrev, jacfwd):
        J = jac(f, argnums=(0, 1))(a, b)
        np.testing.assert_allclose(J["p"][0], loop_jacrev(lambda a_: f(a_, b)["p"], a))
        np.testing.assert_allclose(J["p"][1][0], loop_jacrev(lambda b0: f(a, (b0, b[1]))["p"],
                                                             b[0]))
        np.testing.assert_allclose(J["q"][0][1][1],
                                   loop_jacrev(lambda b1: f(a, (b[0], b1))["q"][0], b[1]))
        assert J["q"][1][1][1].shape == (3, 2, 3) and not np.any(J["q"][1][1][1])


def test_jacobians_trace_once():
    """jacrev runs the function once and one (vmapped) backward pass; jacfwd one pass."""
    calls = []

    def f(x):
        calls.append(1)
        return fnp.tanh(x) @ np.ones((5, 5))
    jacrev(f)(np.ones(5))
    jacfwd(f)(np.ones(5))
    assert len(calls) == 2


def test_hessian_against_finite_differences():
    def f(x):
        return fnp.sum(fnp.exp(fnp.sin(x) * x[::-1]))
    x = RNG.standard_normal(4)
    H = hessian(f)(x)
    eps = 1e-5
    fd = np.stack([(grad(f)(x + eps * e) - grad(f)(x - eps * e)) / (2 * eps)
                   for e in np.eye(4)])
    np.testing.assert_allclose(H, fd, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)


def test_jacobians_of_vmapped_functions_are_block_diagonal():
    f = vmap(lambda x: fnp.sin(x) * fnp.sum(x))
    xs = RNG.standard_normal((3, 2))
    J = jacrev(f)(xs)
    assert J.shape == (3, 2, 3, 2)
    for i in range(3):
        np.testing.assert_allclose(J[i, :, i, :], jacfwd(lambda x: fnp.sin(x) * fnp.sum(x))(
            xs[i]), rtol=1e-12)
        for j in range(3):
            if j != i:
                assert not np.any(J[i, :, j, :])
    np.testing.assert_allclose(jacfwd(f)(xs), J, rtol=1e-12)
