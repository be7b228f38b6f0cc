"""custom_vjp, custom_jvp and the primitive-extension API (functrace.extend)."""
import doctest
import sys
from functools import partial

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace import extend
from functrace.scipy.special import expit
from functrace.testing import check_grads

X = np.linspace(-1.0, 1.5, 4)


# -- functions used throughout -----------------------------------------------------------

@ft.custom_vjp
def sin2(x):
    """sin, whose custom VJP is twice the true derivative (to see the rule is used)."""
    return fnp.sin(x)


sin2.defvjp(lambda x: (fnp.sin(x), fnp.cos(x)), lambda cos_x, ct: (2.0 * cos_x * ct,))


@ft.custom_vjp
def xtanh(x):
    """x tanh x with the true derivative as its custom VJP."""
    return x * fnp.tanh(x)


def _xtanh_fwd(x):
    t = fnp.tanh(x)
    return x * t, (x, t)


def _xtanh_bwd(res, ct):
    x, t = res
    return (ct * (t + x * (1.0 - t * t)),)


xtanh.defvjp(_xtanh_fwd, _xtanh_bwd)


@ft.custom_jvp
def softplus(x):
    return fnp.logaddexp(x, 0.0)


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t * expit(x)


@ft.custom_vjp
def clip_gradient(x, lo, hi):
    return x


clip_gradient.defvjp(lambda x, lo, hi: (x, (lo, hi)),
                     lambda res, ct: (fnp.clip(ct, res[0], res[1]), None, None))


# -- custom_vjp --------------------------------------------------------------------------

def test_custom_vjp_rule_is_used():
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(sin2(x)))(X), 2 * np.cos(X))
    np.testing.assert_allclose(sin2(X), np.sin(X))


def test_custom_vjp_higher_order_differentiates_fwd_and_bwd():
    np.testing.assert_allclose(ft.grad(ft.grad(sin2))(0.3), -2 * np.sin(0.3))
    hess = ft.jacrev(ft.grad(lambda x: fnp.sum(xtanh(x))))(X)
    ref = ft.hessian(lambda x: fnp.sum(x * fnp.tanh(x)))(X)
    np.testing.assert_allclose(hess, ref, atol=1e-12)
    check_grads(xtanh, (X,), order=2, modes=("rev",))


def test_custom_vjp_under_jvp_raises_like_jax():
    with pytest.raises(TypeError, match="can't apply forward-mode autodiff"):
        ft.jvp(sin2, (X,), (X,))
    # forward-over-reverse differentiates fwd and bwd: fine while fwd does not
    # call the custom function itself (as in JAX) ...
    np.testing.assert_allclose(ft.hessian(lambda x: fnp.sum(sin2(x)))(X),
                               np.diag(-2 * np.sin(X)), atol=1e-12)
    # ... and an error when it does
    with pytest.raises(TypeError, match="custom_vjp"):
        ft.hessian(lambda x: fnp.sum(polar_like(x)))(X)


@ft.custom_vjp
def polar_like(x):
    return fnp.cos(x)


polar_like.defvjp(lambda x: (polar_like(x), x), lambda x, ct: (-ct * fnp.sin(x),))


def test_gradient_clipping():
    f = lambda x: fnp.sum(10.0 * clip_gradient(x, -1.0, 1.0))
    np.testing.assert_allclose(ft.grad(f)(X), np.ones_like(X))
    g = ft.vmap(ft.grad(lambda x: 0.5 * clip_gradient(x, -1.0, 1.0)))(X)
    np.testing.assert_allclose(g, 0.5 * np.ones_like(X))


def test_nondiff_argnums_and_pytrees():
    @partial(ft.custom_vjp, nondiff_argnums=(0,))
    def apply(fn, x, params):
        return {"y": fn(x) * params["w"], "n": x.shape[0]}

    def fwd(fn, x, params):
        return apply(fn, x, params), (x, params["w"])

    def bwd(fn, res, ct):
        x, w = res
        return ct["y"] * fnp.cos(x) * w, {"w": fnp.sum(ct["y"] * fnp.sin(x))}

    apply.defvjp(fwd, bwd)
    f = lambda x, w: fnp.sum(apply(fnp.sin, x, {"w": w})["y"] ** 2)
    ref = lambda x, w: fnp.sum((fnp.sin(x) * w) ** 2)
    got = ft.grad(f, argnums=(0, 1))(X, 2.0)
    want = ft.grad(ref, argnums=(0, 1))(X, 2.0)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert apply(fnp.sin, X, {"w": 1.0})["n"] == 4


def test_multiple_outputs_and_float32():
    @ft.custom_vjp
    def polar(x):
        return fnp.cos(x), fnp.sin(x)

    polar.defvjp(lambda x: (polar(x), x),
                 lambda x, ct: (-ct[0] * fnp.sin(x) + ct[1] * fnp.cos(x),))
    x32 = X.astype(np.float32)
    f = lambda x: fnp.sum(polar(x)[0] * 3.0 + polar(x)[1] ** 2)
    g = ft.grad(f)(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, -3 * np.sin(x32) + 2 * np.sin(x32) * np.cos(x32),
                               rtol=1e-5)
    only_second = ft.grad(lambda x: fnp.sum(polar(x)[1]))(X)
    np.testing.assert_allclose(only_second, np.cos(X))


def test_keyword_arguments_are_resolved():
    @ft.custom_vjp
    def scale(x, factor=2.0):
        return x * factor

    scale.defvjp(lambda x, factor=2.0: (x * factor, factor),
                 lambda factor, ct: (ct * factor, None))
    assert float(ft.grad(lambda x: scale(x, factor=3.0))(1.0)) == 3.0


def test_vjp_fn_called_twice_with_the_same_cotangent():
    out, pull = ft.vjp(lambda x, y: xtanh(x) * y, X, 2.0)
    ct = np.ones_like(out)
    first, second = pull(ct), pull(ct)
    np.testing.assert_allclose(first[0], second[0])
    np.testing.assert_allclose(first[1], second[1])


def test_tape_shows_one_equation():
    text = str(ft.make_tape(lambda x: fnp.sum(xtanh(x)))(X))
    assert "custom_vjp[fun=xtanh] a" in text
    assert "tanh" not in text.replace("xtanh", "")


def test_custom_vjp_errors():
    @ft.custom_vjp
    def undefined(x):
        return x

    with pytest.raises(AttributeError, match="No VJP defined"):
        undefined(1.0)

    @ft.custom_vjp
    def bad_arity(x, y):
        return x * y

    bad_arity.defvjp(lambda x, y: (x * y, None), lambda res, ct: (ct,))
    with pytest.raises(TypeError, match="one cotangent per differentiable argument"):
        ft.grad(bad_arity)(1.0, 2.0)

    @ft.custom_vjp
    def bad_shape(x):
        return x

    bad_shape.defvjp(lambda x: (x, None), lambda res, ct: (fnp.sum(ct),))
    with pytest.raises(ValueError, match="shape"):
        ft.grad(lambda x: fnp.sum(bad_shape(x)))(X)
    static_first = ft.custom_vjp(lambda k, x: k * x, nondiff_argnums=(0,))
    static_first.defvjp(lambda k, x: (k * x, None), lambda k, res, ct: (k * ct,))
    assert float(ft.grad(lambda x: static_first(3.0, x))(1.0)) == 3.0
    with pytest.raises(TypeError, match="nondiff_argnums"):
        ft.grad(lambda x: static_first(x, 1.0))(1.0)


# -- custom_jvp --------------------------------------------------------------------------

def test_custom_jvp_forward_reverse_and_stability():
    assert float(ft.grad(softplus)(1000.0)) == 1.0
    assert float(ft.jvp(softplus, (-1000.0,), (1.0,))[1]) == 0.0
    check_grads(softplus, (X,), order=2)
    np.testing.assert_allclose(ft.hessian(lambda x: fnp.sum(softplus(x)))(X),
                               np.diag(expit(X) * (1 - expit(X))), atol=1e-12)


def test_custom_jvp_rule_is_used_in_every_mode():
    @ft.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        return f(primals[0]), 3.0 * tangents[0]       # not the true derivative

    for g in (ft.grad(f), ft.jacfwd(f), ft.jacrev(f), ft.grad(ft.checkpoint(f))):
        assert float(g(0.5)) == 3.0
    assert float(ft.grad(ft.grad(f))(0.5)) == 0.0     # the rule's derivative is constant


def test_custom_jvp_pytrees_and_nondiff():
    @partial(ft.custom_jvp, nondiff_argnums=(1,))
    def weighted(d, k):
        return {"s": fnp.sum(d["a"] * d["b"]) * k}

    @weighted.defjvp
    def weighted_jvp(k, primals, tangents):
        (d,), (t,) = primals, tangents
        out = weighted(d, k)
        return out, {"s": k * fnp.sum(t["a"] * d["b"] + d["a"] * t["b"])}

    d = {"a": X, "b": X[::-1].copy()}
    g = ft.grad(lambda d: weighted(d, 2.0)["s"])(d)
    np.testing.assert_allclose(g["a"], 2 * d["b"])
    np.testing.assert_allclose(g["b"], 2 * d["a"])
    check_grads(lambda a: weighted({"a": a, "b": X}, 3.0)["s"], (X,), order=2)


def test_custom_jvp_rule_output_checked():
    @ft.custom_jvp
    def f(x):
        return x

    f.defjvp(lambda p, t: (p[0], fnp.sum(t[0])))
    with pytest.raises(ValueError, match="tangent of shape"):
        ft.jvp(f, (X,), (X,))


# -- vmap ------------------------------------------------------------------------------

def test_vmap_of_custom_functions():
    xs = np.stack([X, 2 * X])
    for f in (sin2, xtanh, softplus):
        np.testing.assert_allclose(ft.vmap(f)(xs), np.stack([f(xs[0]), f(xs[1])]))
        per_example = ft.vmap(ft.grad(lambda x: fnp.sum(f(x))))(xs)
        loop = np.stack([ft.grad(lambda x: fnp.sum(f(x)))(x) for x in xs])
        np.testing.assert_allclose(per_example, loop)
        outer = ft.grad(lambda xs: fnp.sum(ft.vmap(f)(xs)))(xs)
        np.testing.assert_allclose(outer, loop)


def test_vmap_with_unbatched_argument_sums_cotangents():
    f = lambda w, x: fnp.sum(xtanh(w * x))
    xs = np.stack([X, X + 1, X - 1])
    got = ft.grad(lambda w: fnp.sum(ft.vmap(f, in_axes=(None, 0))(w, xs)))(X)
    want = sum(ft.grad(f)(X, x) for x in xs)
    np.testing.assert_allclose(got, want)
    jv = ft.jvp(lambda w: ft.vmap(lambda x: softplus(w * x))(xs), (X,), (np.ones(4),))[1]
    np.testing.assert_allclose(jv, xs * expit(X * xs))


# -- the Tensor facade --------------------------------------------------------------------

def test_tensor_backward_through_custom_vjp_and_jvp():
    for f, d in ((xtanh, lambda x: np.tanh(x) + x * (1 - np.tanh(x) ** 2)),
                 (softplus, expit)):
        t = ft.tensor(X, requires_grad=True)
        y = f(t)
        assert type(y).__name__ == "Tensor" and y.grad_fn is not None
        y.sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), d(X))


def test_tensor_double_backward_through_custom_rules():
    for f in (xtanh, softplus):
        t = ft.tensor(X, requires_grad=True)
        (g,) = ft.autograd.grad(f(t).sum(), t, create_graph=True)
        (gg,) = ft.autograd.grad(g.sum(), t)
        want = np.diag(ft.hessian(lambda x: fnp.sum(f(x)))(X))
        np.testing.assert_allclose(gg.numpy(), want, atol=1e-12)


def test_tensor_without_grad_just_runs():
    t = ft.tensor(X)
    np.testing.assert_allclose(np.asarray(xtanh(t).numpy()), X * np.tanh(X))
    with ft.no_grad():
        assert xtanh(ft.tensor(X, requires_grad=True)).grad_fn is None


# -- the extension API ------------------------------------------------------------------

@pytest.fixture
def log1pexp():
    def vjp(ct, ins, out, argnum):
        return ct * expit(ins[0])

    def jvp(primals, tangents, out):
        return tangents[0] * expit(primals[0])

    p = extend.defprimitive("test_log1pexp", lambda x: np.logaddexp(0.0, x), vjp=vjp,
                            jvp=jvp, batch="elementwise")
    yield lambda x: p.bind(x)
    extend.unregister("test_log1pexp")


def test_user_primitive_all_transforms(log1pexp):
    assert float(log1pexp(1000.0)) == 1000.0
    assert float(ft.grad(log1pexp)(1000.0)) == 1.0
    check_grads(log1pexp, (X,), order=2)
    np.testing.assert_allclose(ft.vmap(ft.grad(log1pexp))(X), expit(X))
    np.testing.assert_allclose(ft.linearize(log1pexp, X)[1](np.ones(4)), expit(X))
    t = ft.tensor(X, requires_grad=True)
    log1pexp(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), expit(X))
    assert "test_log1pexp a" in str(ft.make_tape(log1pexp)(X))


def test_user_primitive_from_derivative_and_errors():
    p = extend.defprimitive("test_cube", lambda x: x ** 3, derivs=[lambda x, out: 3 * x * x])
    try:
        check_grads(lambda x: p.bind(x), (X,), order=2)
        np.testing.assert_allclose(ft.vmap(ft.grad(lambda x: p.bind(x)))(X), 3 * X ** 2)
        with pytest.raises(ValueError, match="already registered"):
            extend.defprimitive("test_cube", np.cbrt, derivs=[None])
    finally:
        extend.unregister("test_cube")
    with pytest.raises(ValueError, match="exactly one"):
        extend.defprimitive("test_bad", np.sin)
    with pytest.raises(ValueError, match="both vjp= and jvp="):
        extend.defprimitive("test_bad", np.sin, vjp=lambda *a: None)
    with pytest.raises(KeyError):
        extend.unregister("sin")


def test_one_defprimitive_for_functrace_and_users():
    """extend.defprimitive is the registry's; its shorthand forms set what they imply."""
    from functrace import registry
    assert extend.defprimitive is registry.defprimitive
    p = extend.defprimitive("test_scale", lambda x: 2.0 * x,
                            transpose=lambda ct, ins, out, argnum: 2.0 * ct)
    try:
        assert p.linear and not ft.PRIMITIVES["test_scale"].saves_out
        check_grads(lambda x: p.bind(x), (X,), order=2)
    finally:
        extend.unregister("test_scale")
    assert ft.PRIMITIVES["reshape"].linear and not ft.PRIMITIVES["sin"].linear
    with pytest.raises(KeyError, match="own primitives"):
        extend.unregister("reshape")
    with pytest.raises(KeyError, match="no primitive named"):
        extend.unregister("test_never_registered")


# -- documentation examples ---------------------------------------------------------------

@pytest.mark.parametrize("module", ["functrace.calls.custom", "functrace.calls.checkpointing",
                                    "functrace.linearization", "functrace.extend",
                                    "functrace.calls.record", "functrace.argnums"])
def test_docstring_examples(module):
    result = doctest.testmod(sys.modules[module], optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
