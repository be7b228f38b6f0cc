"""Property tests (hypothesis): structure that must hold for every shape and program.

Array values come from a drawn seed and numpy's generator (not from hypothesis'
element strategies), so they are distinct and inside each op's domain: finite
differences stay valid (no ties, no kinks).
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import functrace.numpy as fnp
from functrace import grad, jacfwd, jacrev, jvp, vjp
from functrace.testing import check_grads, numerical_jvp

SETTINGS = settings(deadline=None, max_examples=150, derandomize=True)
SHAPE_PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3)
DTYPES = st.sampled_from(["float64", "float32"])
SEEDS = st.integers(0, 2 ** 32 - 1)


def _arrays(seed, shapes, dtype, lo=-2.0, hi=2.0):
    rng = np.random.default_rng(seed)
    return tuple(rng.uniform(lo, hi, size=s).astype(dtype) for s in shapes)


def _sum_to(a, shape):
    """Undo broadcasting of ``shape`` to ``a.shape`` (plain numpy)."""
    lead = a.ndim - len(shape)
    a = a.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and a.shape[i] != 1)
    return a.sum(axis=axes, keepdims=True).reshape(shape)


# -- binary ops with random broadcasting, against closed-form partial derivatives ---------

def _safe_y(y):                      # keep denominators and bases away from 0
    return np.sign(y) * (0.5 + np.abs(y)) + (y == 0)


BINARY = {  # name: (functrace op, numpy op, d/dx, d/dy, transform of the raw y sample)
    "add": (fnp.add, np.add, lambda x, y: np.ones_like(x * y), lambda x, y: np.ones_like(x * y),
            None),
    "subtract": (fnp.subtract, np.subtract, lambda x, y: np.ones_like(x * y),
                 lambda x, y: -np.ones_like(x * y), None),
    "multiply": (fnp.multiply, np.multiply, lambda x, y: y + 0 * x, lambda x, y: x + 0 * y, None),
    "divide": (fnp.divide, np.divide, lambda x, y: 1 / y + 0 * x, lambda x, y: -x / y ** 2,
               _safe_y),
    "power": (fnp.power, np.power, lambda x, y: y * x ** (y - 1),
              lambda x, y: x ** y * np.log(x), "positive-x"),
    "arctan2": (fnp.arctan2, np.arctan2, lambda x, y: y / (x ** 2 + y ** 2),
                lambda x, y: -x / (x ** 2 + y ** 2), _safe_y),
    "hypot": (fnp.hypot, np.hypot, lambda x, y: x / np.hypot(x, y),
              lambda x, y: y / np.hypot(x, y), _safe_y),
    "logaddexp": (fnp.logaddexp, np.logaddexp, lambda x, y: 1 / (1 + np.exp(y - x)),
                  lambda x, y: 1 / (1 + np.exp(x - y)), None),
    "maximum": (fnp.maximum, np.maximum, lambda x, y: (x > y) + 0.0 * y,
                lambda x, y: (y > x) + 0.0 * x, None),
    "minimum": (fnp.minimum, np.minimum, lambda x, y: (x < y) + 0.0 * y,
                lambda x, y: (y < x) + 0.0 * x, None),
}


@SETTINGS
@given(name=st.sampled_from(sorted(BINARY)), shapes=SHAPE_PAIRS, dtype=DTYPES, seed=SEEDS)
def test_binary_ops_broadcast_like_numpy(name, shapes, dtype, seed):
    op, np_op, dx, dy, fix_y = BINARY[name]
    x, y = _arrays(seed, shapes.input_shapes, dtype)
    if fix_y == "positive-x":
        x = (np.abs(x) + 0.5).astype(dtype)
    elif fix_y is not None:
        y = fix_y(y).astype(dtype)
    out = op(x, y)
    assert np.shape(out) == shapes.result_shape
    np.testing.assert_allclose(out, np_op(x, y), rtol=1e-6)

    u = _arrays(seed + 1, [shapes.result_shape], dtype)[0]
    value, f_vjp = vjp(op, x, y)
    gx, gy = f_vjp(u)
    assert gx.shape == x.shape and gy.shape == y.shape
    assert gx.dtype == x.dtype and gy.dtype == y.dtype
    x64, y64, u64 = (np.asarray(a, np.float64) for a in (x, y, u))
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(gx, _sum_to(u64 * dx(x64, y64), x.shape), **tol)
    np.testing.assert_allclose(gy, _sum_to(u64 * dy(x64, y64), y.shape), **tol)


# -- random programs ---------------------------------------------------------------------------

UNARY_OPS = [fnp.sin, fnp.cos, fnp.tanh, fnp.arctan, lambda a: a * a,
             lambda a: fnp.exp(fnp.tanh(a)), lambda a: fnp.logaddexp(a, 0.0),
             lambda a: fnp.hypot(a, 1.0), lambda a: fnp.log1p(a * a), lambda a: 2.0 - a]
BINARY_OPS = [fnp.add, fnp.subtract, fnp.multiply, fnp.logaddexp, fnp.maximum,
              lambda a, b: a / (1.0 + b * b), lambda a, b: fnp.where(a > b, a * b, a - b)]
REDUCE_OPS = [lambda a: fnp.sum(a, axis=-1, keepdims=True),
              lambda a: fnp.mean(a, axis=0, keepdims=True),
              lambda a: fnp.cumsum(a, axis=-1),
              lambda a: fnp.sum(a) * 0.5]

STEP = st.one_of(
    st.tuples(st.just("unary"), st.integers(0, len(UNARY_OPS) - 1), st.integers(0, 99)),
    st.tuples(st.just("binary"), st.integers(0, len(BINARY_OPS) - 1), st.integers(0, 99),
              st.integers(0, 99)),
    st.tuples(st.just("reduce"), st.integers(0, len(REDUCE_OPS) - 1), st.integers(0, 99)))
PROGRAMS = st.lists(STEP, min_size=1, max_size=6)


def make_program(steps):
    """A function of two broadcast-compatible arrays built from ``steps``; each step
    applies an op to values computed so far (indices taken modulo the pool size)."""
    def program(x, y):
        pool = [x, y]
        for step in steps:
            kind, k, *idx = step
            args = [pool[i % len(pool)] for i in idx]
            if kind == "reduce" and np.ndim(args[0]) == 0:
                kind, k = "unary", 0
            fn = {"unary": UNARY_OPS, "binary": BINARY_OPS, "reduce": REDUCE_OPS}[kind][k]
            pool.append(fn(*args))
        # make the output depend on every input
        return pool[-1] * 1.0 + 0.1 * fnp.sum(fnp.sin(x)) + 0.1 * fnp.sum(fnp.cos(y))
    return program


@SETTINGS
@given(steps=PROGRAMS, shapes=SHAPE_PAIRS, seed=SEEDS)
def test_adjoint_identity_and_finite_differences(steps, shapes, seed):
    """<u, J v> (forward mode) = <J^T u, v> (reverse mode), and J v matches a central
    finite difference."""
    f = make_program(steps)
    args = _arrays(seed, shapes.input_shapes, "float64")
    out = f(*args)
    v = _arrays(seed + 1, shapes.input_shapes, "float64")
    u = _arrays(seed + 2, [np.shape(out)], "float64")[0]
    _, jv = jvp(f, args, v)
    _, f_vjp = vjp(f, *args)
    jtu = f_vjp(u)
    lhs = np.sum(u * jv)
    rhs = sum(np.sum(a * b) for a, b in zip(jtu, v, strict=True))
    assert np.isclose(lhs, rhs, rtol=1e-10, atol=1e-10), (lhs, rhs)
    assume(_smooth_along(f, args, v))
    np.testing.assert_allclose(jv, numerical_jvp(f, args, v, 1e-6), rtol=1e-5, atol=1e-6)


def _smooth_along(f, args, v) -> bool:
    """Whether finite differences of ``f`` along ``v`` are valid here: a program can
    build a tie itself (``y`` against ``(x + y) - x``), where ``maximum`` and ``where``
    have a kink or a jump within the step; differences with two steps then disagree."""
    fine, coarse = (np.asarray(numerical_jvp(f, args, v, eps)) for eps in (1e-6, 1e-5))
    return bool(np.allclose(fine, coarse, rtol=1e-4, atol=1e-5))


@settings(deadline=None, max_examples=50, derandomize=True)
@given(steps=PROGRAMS, shapes=SHAPE_PAIRS, seed=SEEDS)
def test_random_programs_second_order(steps, shapes, seed):
    check_grads(make_program(steps), _arrays(seed, shapes.input_shapes, "float64"), order=2,
                seed=seed % 1000)


@SETTINGS
@given(steps=PROGRAMS, shapes=SHAPE_PAIRS, dtype=DTYPES, seed=SEEDS)
def test_gradient_shape_and_dtype_equal_inputs(steps, shapes, dtype, seed):
    f = make_program(steps)
    args = _arrays(seed, shapes.input_shapes, dtype)
    gx, gy = grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(*args)
    for g, a in ((gx, args[0]), (gy, args[1])):
        assert isinstance(g, (np.ndarray, np.generic))
        assert np.shape(g) == a.shape and g.dtype == a.dtype
        assert np.all(np.isfinite(g))


@SETTINGS
@given(steps=PROGRAMS, shapes=SHAPE_PAIRS, seed=SEEDS,
       alpha=st.floats(-3, 3, allow_nan=False), beta=st.floats(-3, 3, allow_nan=False))
def test_vjp_and_jvp_are_linear(steps, shapes, seed, alpha, beta):
    f = make_program(steps)
    args = _arrays(seed, shapes.input_shapes, "float64")
    out, f_vjp = vjp(f, *args)
    u1, u2 = _arrays(seed + 1, [np.shape(out)] * 2, "float64")
    combined = f_vjp(alpha * u1 + beta * u2)
    for c, a, b in zip(combined, f_vjp(u1), f_vjp(u2), strict=True):
        np.testing.assert_allclose(c, alpha * a + beta * b, rtol=1e-9, atol=1e-9)
    v1 = _arrays(seed + 2, shapes.input_shapes, "float64")
    v2 = _arrays(seed + 3, shapes.input_shapes, "float64")
    _, t = jvp(f, args, tuple(alpha * a + beta * b for a, b in zip(v1, v2, strict=True)))
    _, t1 = jvp(f, args, v1)
    _, t2 = jvp(f, args, v2)
    np.testing.assert_allclose(t, alpha * t1 + beta * t2, rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=80, derandomize=True)
@given(steps=PROGRAMS, shapes=SHAPE_PAIRS, seed=SEEDS)
def test_jacrev_equals_jacfwd(steps, shapes, seed):
    f = make_program(steps)
    args = _arrays(seed, shapes.input_shapes, "float64")
    rev = jacrev(f, argnums=(0, 1))(*args)
    fwd = jacfwd(f, argnums=(0, 1))(*args)
    out_shape = np.shape(f(*args))
    for r, w, a in zip(rev, fwd, args, strict=True):
        assert np.shape(r) == out_shape + a.shape == np.shape(w)
        np.testing.assert_allclose(r, w, rtol=1e-10, atol=1e-12)
    # and one column against finite differences
    e = np.zeros(args[0].size)
    if e.size:
        e[0] = 1.0
        col = numerical_jvp(f, args, (e.reshape(args[0].shape), np.zeros_like(args[1])), 1e-6)
        np.testing.assert_allclose(np.reshape(rev[0], out_shape + (-1,))[..., 0], col,
                                   rtol=1e-5, atol=1e-6)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), dtype=DTYPES, seed=SEEDS,
       axis_pick=st.integers(0, 10), keepdims=st.booleans())
def test_reductions_random_axes(shape, dtype, seed, axis_pick, keepdims):
    """sum/mean/max over a random axis: value like numpy, gradient by closed form."""
    (x,) = _arrays(seed, [shape], dtype)
    axis = None if not shape or axis_pick > len(shape) else axis_pick % len(shape)
    n = x.size if axis is None else shape[axis]
    for f, np_f, dfdx in [
            (fnp.sum, np.sum, lambda x: np.ones_like(x)),
            (fnp.mean, np.mean, lambda x: np.full_like(x, 1.0 / n)),
            (fnp.max, np.max, lambda x: (x == np.max(x, axis=axis, keepdims=True)) * 1.0)]:
        value = f(x, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(value, np_f(x, axis=axis, keepdims=keepdims), rtol=1e-6)
        g = grad(lambda x: fnp.sum(f(x, axis=axis, keepdims=keepdims)))(x)
        assert g.shape == x.shape and g.dtype == x.dtype
        np.testing.assert_allclose(g, dfdx(x), rtol=1e-6)


def test_sum_to_helper_matches_numpy_broadcasting():
    """The plain-numpy helper above undoes np.broadcast_to (sanity for the oracle)."""
    a = np.arange(6.0).reshape(1, 2, 3)
    assert _sum_to(np.broadcast_to(a, (4, 1, 2, 3)), (1, 2, 3)).tolist() == (4 * a).tolist()
    assert _sum_to(np.ones((2, 3)), (2, 1)).tolist() == [[3.0], [3.0]]
