"""The compositionality stress test: every ordered pair of transforms on a table of
functions, against an independent oracle (finite differences, a Python loop for
vmap, the identity for checkpoint and jit).

Each transform maps a function ``x -> array`` (``x`` of shape (3,)) to another
such function, so any two compose. The autodiff result ``A(B(f))(x)`` is
compared with ``A_ref(B_ref(f))(x)``, where the references use no functrace
transform at all (nested central differences in float64).
"""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrace as ft
import functrace.numpy as fnp
from functrace import extend
from functrace.scipy.special import expit
from functrace.testing import check_grads, numerical_jvp

X = np.array([0.3, -0.7, 1.1])
EPS = 1e-4


def weights(shape):
    """A fixed, non-symmetric array of the given shape (cotangents, reductions)."""
    n = int(np.prod(shape, dtype=np.int64))
    return np.linspace(0.5, 1.5, n).reshape(shape) if n > 1 else np.full(shape, 0.75)


def batch_of(x):
    """The batch ``vmap`` maps over, built from ``x`` (so it stays differentiable)."""
    return fnp.stack([x, 0.5 * x + 0.1])


# -- transforms (x -> array) -> (x -> array), and their references -------------------------

def t_grad(f):
    def g(x):
        return ft.grad(lambda y: fnp.sum(f(y) * weights(np.shape(f(X)))))(x)
    return g


def t_jvp(f):
    return lambda x: ft.jvp(f, (x,), (weights((3,)),))[1]


def t_vjp(f):
    def g(x):
        out, pull = ft.vjp(f, x)
        return pull(weights(np.shape(out)))[0]
    return g


def t_jit(f):
    """``jit(f)``, called first on other values (it records) and then on ``x`` (at
    the root it replays; inside another transform it runs ``f``, traced by it)."""
    jitted = ft.jit(f)

    def g(x):
        jitted(x * 0.5 + 0.25)
        return jitted(x)
    return g


TRANSFORMS = {
    "grad": t_grad, "jvp": t_jvp, "vjp": t_vjp,
    "vmap": lambda f: lambda x: ft.vmap(f)(batch_of(x)),
    "jacfwd": lambda f: lambda x: ft.jacfwd(f)(x),
    "jacrev": lambda f: lambda x: ft.jacrev(f)(x),
    "checkpoint": lambda f: lambda x: ft.checkpoint(f)(x),
    "jit": t_jit,
}


def fd_jacobian(f, x):
    cols = [(np.asarray(f(x + EPS * e)) - np.asarray(f(x - EPS * e))) / (2 * EPS)
            for e in np.eye(len(x))]
    return np.stack(cols, axis=-1)


REFERENCES = {
    "grad": lambda f: lambda x: fd_jacobian(
        lambda y: np.sum(np.asarray(f(y)) * weights(np.shape(f(X)))), x),
    "jvp": lambda f: lambda x: numerical_jvp(f, (x,), (weights((3,)),), EPS),
    "vjp": lambda f: lambda x: np.tensordot(weights(np.shape(f(X))), fd_jacobian(f, x),
                                            axes=np.ndim(f(X))),
    "vmap": lambda f: lambda x: np.stack([np.asarray(f(x)), np.asarray(f(0.5 * x + 0.1))]),
    "jacfwd": lambda f: lambda x: fd_jacobian(f, x),
    "jacrev": lambda f: lambda x: fd_jacobian(f, x),
    "checkpoint": lambda f: f,
    "jit": lambda f: f,
}
FORWARD = {"jvp", "jacfwd"}


def _forward_reaches_call(outer, inner):
    """Whether forward mode meets a custom_vjp call itself (a TypeError, as in JAX):
    when it is the innermost differentiating transform. Over a reverse transform
    it differentiates ``fwd`` and ``bwd`` instead, which works."""
    return inner in FORWARD or (outer in FORWARD and inner in {"vmap", "checkpoint", "jit"})


# -- the table of functions -----------------------------------------------------------------

M = np.array([[1.0, -0.5, 0.3], [0.2, 0.8, -1.0], [0.5, 0.5, 0.5], [-0.3, 0.1, 0.9]])


@ft.custom_jvp
def softplus(x):
    return fnp.logaddexp(x, 0.0)


softplus.defjvp(lambda p, t: (softplus(p[0]), t[0] * expit(p[0])))


@ft.custom_vjp
def xtanh(x):
    return x * fnp.tanh(x)


def _xtanh_bwd(res, ct):
    x, t = res
    return (ct * (t + x * (1.0 - t * t)),)


xtanh.defvjp(lambda x: (x * fnp.tanh(x), (x, fnp.tanh(x))), _xtanh_bwd)


def _log1pexp_vjp(ct, ins, out, argnum):
    return ct * expit(ins[0])


def _log1pexp_jvp(primals, tangents, out):
    return tangents[0] * expit(primals[0])


@pytest.fixture(scope="module", autouse=True)
def log1pexp_primitive():
    p = extend.defprimitive("compose_log1pexp", lambda x: np.logaddexp(0.0, x),
                            vjp=_log1pexp_vjp, jvp=_log1pexp_jvp, batch="elementwise")
    FUNCTIONS["user primitive"] = lambda x: p.bind(x) * fnp.cos(x)
    yield
    del FUNCTIONS["user primitive"]
    extend.unregister("compose_log1pexp")


FUNCTIONS = {
    "elementwise": lambda x: fnp.sin(x) * x ** 2,
    "matvec": lambda x: fnp.tanh(M @ x),
    "reductions": lambda x: fnp.stack([fnp.sum(fnp.exp(x)), fnp.prod(fnp.cos(x))]),
    "custom_jvp": lambda x: softplus(x) * x,
    "custom_vjp": lambda x: xtanh(x) + fnp.sin(x),
    "checkpoint inside": lambda x: ft.checkpoint(lambda y: fnp.sin(fnp.cos(y)))(x) * x,
}
NAMES = ["elementwise", "matvec", "reductions", "custom_jvp", "custom_vjp",
         "checkpoint inside", "user primitive"]
PAIRS = list(itertools.product(TRANSFORMS, repeat=2))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("outer,inner", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_pair(outer, inner, name):
    f = FUNCTIONS[name]
    composed = TRANSFORMS[outer](TRANSFORMS[inner](f))
    if name == "custom_vjp" and _forward_reaches_call(outer, inner):
        with pytest.raises(TypeError, match="custom_vjp"):     # as in JAX
            composed(X)
    else:
        expected = REFERENCES[outer](REFERENCES[inner](f))(X)
        np.testing.assert_allclose(composed(X), expected, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("inner", list(TRANSFORMS))
def test_check_grads_of_each_transform(inner, name):
    """First-order derivatives of every transformed function, both modes (reverse
    mode only for custom_vjp, which forward mode cannot differentiate: there, the
    forward transforms themselves must raise JAX's TypeError)."""
    transformed = TRANSFORMS[inner](FUNCTIONS[name])
    if name == "custom_vjp" and inner in FORWARD:
        with pytest.raises(TypeError, match="custom_vjp"):
            check_grads(transformed, (X,), order=1, modes=("rev",))
    else:
        modes = ("rev",) if name == "custom_vjp" else ("rev", "fwd")
        check_grads(transformed, (X,), order=1, modes=modes)


# -- hypothesis: shapes and in_axes ------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), batch=st.integers(1, 4), axis=st.sampled_from([0, 1, None]),
       fn=st.sampled_from(["custom_jvp", "custom_vjp", "checkpoint inside"]),
       seed=st.integers(0, 2 ** 16))
def test_vmap_of_grad_matches_loop(n, batch, axis, fn, seed):
    """Per-example gradients of ``sum(f(w * x))`` with ``w`` shared (in_axes None)
    or mapped; ``xs`` mapped along ``axis`` (or not at all)."""
    rng = np.random.default_rng(seed)
    f = FUNCTIONS[fn]
    loss = lambda w, x: fnp.sum(f(w * x))
    w = rng.uniform(-1, 1, n)
    xs = rng.uniform(-1, 1, (batch, n) if axis != 1 else (n, batch))
    rows = [xs] * batch if axis is None else list(np.moveaxis(xs, axis, 0))
    if axis is None:
        ws = rng.uniform(-1, 1, (batch, n))
        got = ft.vmap(ft.grad(loss), in_axes=(0, None))(ws, xs[0])
        want = np.stack([ft.grad(loss)(wi, xs[0]) for wi in ws])
    else:
        got = ft.vmap(ft.grad(loss), in_axes=(None, axis))(w, xs)
        want = np.stack([ft.grad(loss)(w, r) for r in rows])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    outer = ft.grad(lambda w: fnp.sum(ft.vmap(loss, in_axes=(None, axis or 0))(
        w, xs if axis is not None else np.stack(rows))))(w)
    np.testing.assert_allclose(outer, np.sum(
        [ft.grad(loss)(w, r) for r in (rows if axis is not None else rows)], axis=0),
        rtol=1e-10, atol=1e-12)
