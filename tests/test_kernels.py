"""The compiled backward kernels agree with the composite rules.

Every primitive's scalar derivative is checked inside ONE fused kernel per
dtype (each primitive gets its own input, so each derivative is compared on
its own), which keeps Numba compile time small. The primitives and their
inputs' domains come from the spec table's ``kernel=True`` rows (``tests/specs``).
Further tests cover fusion topologies, non-contiguous and 0-d arrays, shapes from
hypothesis (without recompiling), and when the kernels must NOT be used.
"""
from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import functrace as ft
import functrace.kernels as K
import functrace.numpy as fnp

from specs import ALL_SPECS

pytestmark = pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")

RTOL = {"float64": 1e-12, "float32": 2e-6}


@pytest.fixture
def everywhere():
    """Kernels for every eligible equation, whatever the size; unlimited runs."""
    previous = K.thresholds()
    K.set_thresholds(min_size=0, min_work=0, max_run=10_000)
    yield
    K.set_thresholds(**previous)


def both_paths(f, args, ct, argnums=None):
    """(kernel cotangents, rule cotangents, kernel calls made) of ``vjp(f)``."""
    before = K.kernel_calls()
    _, f_vjp = ft.vjp(f, *args)
    fast = f_vjp(ct)
    calls = K.kernel_calls() - before
    with K.enabled(False):
        _, f_vjp = ft.vjp(f, *args)
        slow = f_vjp(ct)
    return fast, slow, calls


def assert_close(fast, slow, dtype):
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b.astype(dtype), rtol=RTOL[dtype],
                                   atol=RTOL[dtype] * max(1.0, np.nanmax(np.abs(b), initial=0)))


# -- every primitive, one fused kernel per dtype -------------------------------------------

ROWS = [spec for spec in ALL_SPECS if spec.kernel]   # one per primitive with a kernel
GROUPS = [ROWS[:15], ROWS[15:29], ROWS[29:]]   # 3 mid-sized kernels compile fastest


def _inputs(rows: list, dtype: str, n: int = 37) -> list:
    """Each row's arguments, drawn from its domain as vectors of ``n`` elements."""
    xs = []
    for k, row in enumerate(rows):
        xs += replace(row, shapes=[(n,)] * len(row.shapes)).make_args(dtype, seed=k)
    return xs


def _all_of(rows: list):
    """f(*xs) = sum over ``rows`` of c_k * row_k.fn(own inputs): one fused run."""
    def f(*xs):
        total, k = 0.0, 0
        for i, row in enumerate(rows):
            nargs = len(row.shapes)
            total, k = total + (i + 1) * 0.1 * row.fn(*xs[k:k + nargs]), k + nargs
        return total
    return f


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("group", range(len(GROUPS)))
def test_every_primitive_kernel_equals_rule(everywhere, group, dtype):
    rows = GROUPS[group]
    xs = _inputs(rows, dtype)
    ct = np.random.default_rng(4).standard_normal(xs[0].shape).astype(dtype)
    with np.errstate(invalid="ignore"):
        fast, slow, calls = both_paths(_all_of(rows), xs, ct)
    assert calls == 1                               # the whole group: one kernel
    assert_close(fast, slow, dtype)


def test_a_second_kernel_spec_under_one_name_gets_no_kernel(everywhere):
    """A primitive declared again with another kernel spec never meets the first
    one's compiled kernels: its kernels are off (with a warning), the rules run."""
    from functrace import extend
    from functrace.registry import KernelSpec

    def declare(scale):
        def make(T):
            c = T(scale)

            def d(x): return c * x
            return (d,)
        return extend.defprimitive("test_kernel_twice", lambda x: 0.5 * scale * x * x,
                                   derivs=[lambda x, out: scale * x],
                                   kernel=KernelSpec(make, passes=2))
    x = np.linspace(-1, 1, 50)
    for scale, warns in ((2.0, False), (3.0, True)):
        p = declare(scale)
        try:
            before = K.kernel_calls()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                g = ft.grad(lambda x: fnp.sum(fnp.tanh(p.bind(x))))(x)
            np.testing.assert_allclose(g, scale * x * (1 - np.tanh(0.5 * scale * x * x) ** 2),
                                       rtol=1e-12)
            assert (K.kernel_calls() > before) is not warns
            assert any("declared again" in str(w.message) for w in caught) is warns
        finally:
            extend.unregister("test_kernel_twice")


# -- fusion topologies -----------------------------------------------------------------------

def tanh_exp_sin(x):
    return fnp.tanh(x) * fnp.exp(-x ** 2) + fnp.sin(x) * x


def poly(x):
    return ((x * x + 3 * x) * x - 2 * x) * 0.5 + x


def two_inputs(x, y):
    return fnp.tanh(x * y) + fnp.log1p(y * y) / x


def shared_then_rule(x):
    h = fnp.sinh(x) * 2.0
    return fnp.sum(fnp.tanh(h)) * h + fnp.sqrt(h * h + 1.0)   # h also feeds a reduction


def broadcast_break(x, b):
    return fnp.tanh(fnp.cos(x) + b) * x                     # + b (1-d) broadcasts


PROGRAMS = [(tanh_exp_sin, [(6, 5)]), (poly, [(30,)]), (two_inputs, [(4, 3), (4, 3)]),
            (shared_then_rule, [(9,)]), (broadcast_break, [(3, 4), (4,)])]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("f,shapes", PROGRAMS, ids=[p[0].__name__ for p in PROGRAMS])
def test_fused_runs_equal_rules(everywhere, f, shapes, dtype):
    rng = np.random.default_rng(5)
    args = [rng.uniform(0.3, 1.5, s).astype(dtype) for s in shapes]
    out = f(*args)
    ct = rng.standard_normal(np.shape(out)).astype(dtype)
    fast, slow, calls = both_paths(f, args, ct)
    assert calls >= 1
    assert_close(fast, slow, dtype)


@pytest.mark.parametrize("f", [tanh_exp_sin, poly], ids=["compute-bound", "memory-bound"])
def test_parallel_kernels_equal_rules(everywhere, f):
    K.set_thresholds(parallel_min_size=0, parallel_min_size_light=0)
    x = np.random.default_rng(7).uniform(-1, 1, (50, 40))
    ct = np.random.default_rng(8).standard_normal(x.shape)
    fast, slow, calls = both_paths(f, [x], ct)
    assert calls == 1
    assert_close(fast, slow, "float64")


def test_grad_of_sum_uses_scalar_cotangent(everywhere):
    x = np.linspace(-1, 1, 50)
    before = K.kernel_calls()
    g = ft.grad(lambda x: fnp.sum(tanh_exp_sin(x)))(x)
    assert K.kernel_calls() - before == 1
    with K.enabled(False):
        np.testing.assert_allclose(g, ft.grad(lambda x: fnp.sum(tanh_exp_sin(x)))(x),
                                   rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_non_contiguous_inputs_and_cotangents(everywhere, dtype):
    rng = np.random.default_rng(6)
    x = rng.uniform(-1, 1, (8, 12)).astype(dtype)[:, ::3].T       # (4, 8), transposed
    ct = rng.standard_normal((8, 16)).astype(dtype)[::2, ::2]     # (4, 8), strided
    assert not x.flags.c_contiguous and not ct.flags.c_contiguous
    fast, slow, calls = both_paths(tanh_exp_sin, [x], ct)
    assert calls == 1
    assert_close(fast, slow, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_zero_dim_arrays(everywhere, dtype):
    x = np.array(0.7, dtype=dtype)
    fast, slow, calls = both_paths(tanh_exp_sin, [x], np.array(1.5, dtype=dtype))
    assert calls == 1
    assert_close(fast, slow, dtype)


@settings(deadline=None, max_examples=40, derandomize=True)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=6),
       dtype=st.sampled_from(["float64", "float32"]), step=st.integers(1, 2),
       seed=st.integers(0, 2 ** 31))
def test_any_shape_same_kernel(shape, dtype, step, seed):
    """Shapes (and strides) vary; the kernel does not recompile and agrees."""
    previous = K.thresholds()
    K.set_thresholds(min_size=0, min_work=0)
    try:
        rng = np.random.default_rng(seed)
        big = rng.uniform(-1.5, 1.5, tuple(s * step for s in shape)).astype(dtype)
        x = big[tuple(slice(None, None, step) for _ in shape)]
        ct = rng.standard_normal(shape).astype(dtype)
        both_paths(poly, [x], ct)                       # compiles on the first example
        compiled = K.compiled_count()
        fast, slow, calls = both_paths(poly, [x], ct)
        assert calls == 1 and K.compiled_count() == compiled
        assert_close(fast, slow, dtype)
    finally:
        K.set_thresholds(**previous)


# -- when the kernels must not run ------------------------------------------------------------

def test_not_used_below_threshold():
    before = K.kernel_calls()
    ft.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.ones(K.thresholds()["min_size"] - 1))
    assert K.kernel_calls() == before


def test_not_used_when_switched_off(everywhere):
    before = K.kernel_calls()
    with K.enabled(False):
        ft.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.ones(100))
    assert K.kernel_calls() == before


def test_not_used_when_an_outer_trace_records(everywhere):
    """grad(grad(f)): the inner backward pass is recorded, so it runs the rules."""
    inner = ft.grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.sin(x)))
    x = np.linspace(-1, 1, 20)
    calls_inside = []

    def outer(x):
        before = K.kernel_calls()
        g = inner(x)
        calls_inside.append(K.kernel_calls() - before)
        return fnp.sum(g * g)

    before = K.kernel_calls()
    hess_fast = ft.grad(outer)(x)
    assert calls_inside == [0]
    assert K.kernel_calls() > before              # the outer pass itself uses them
    with K.enabled(False):
        np.testing.assert_allclose(hess_fast, ft.grad(outer)(x), rtol=1e-12)
    np.testing.assert_allclose(ft.hessian(lambda x: fnp.sum(fnp.tanh(x)))(x[:4]),
                               np.diag(-2 * np.tanh(x[:4]) / np.cosh(x[:4]) ** 2), rtol=1e-12)


def test_ct_hook_sees_every_cotangent(everywhere):
    """With a cotangent hook, equations are not fused (single-equation kernels only)."""
    from functrace.reverse import backward_pass
    tape = ft.make_tape(lambda x: fnp.tanh(fnp.sin(x)) * 2.0)(np.linspace(0, 1, 5))
    seen = []
    cts = {tape.outvars[0]: np.ones(5)}
    backward_pass(list(reversed(tape.eqns)), cts, consume=False,
                  ct_hook=lambda eqn, ct: seen.append(eqn.prim.name) or ct)
    assert seen == ["multiply", "tanh", "sin"]
    x = np.linspace(0, 1, 5)
    np.testing.assert_allclose(cts[tape.invars[0]],
                               2 * (1 - np.tanh(np.sin(x)) ** 2) * np.cos(x), rtol=1e-12)


# -- the Tensor facade runs the same backward pass -----------------------------------------

def _facade():
    if not hasattr(ft, "tensor"):
        pytest.skip("Tensor facade not available")
    return ft


def test_facade_backward_uses_kernels_and_agrees(everywhere):
    tf = _facade()
    data = np.linspace(-1, 1, 40)
    grads = []
    for on in (True, False):
        with K.enabled(on):
            x = tf.tensor(data, requires_grad=True)
            before = K.kernel_calls()
            (x.tanh() * x.sin() + x * x).sum().backward()
            grads.append((np.asarray(x.grad.numpy()), K.kernel_calls() - before))
    assert grads[0][1] == 1 and grads[1][1] == 0
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)


def test_facade_create_graph_runs_the_rules(everywhere):
    tf = _facade()
    x = tf.tensor(np.linspace(-1, 1, 40), requires_grad=True)
    before = K.kernel_calls()
    (g,) = tf.autograd.grad((x.tanh() * x.sin()).sum(), x, create_graph=True)
    assert K.kernel_calls() == before             # the pass is recorded: no kernel
    g.sum().backward()                            # second order through the rules' graph
    t, s, c = np.tanh(x.detach().numpy()), np.sin(x.detach().numpy()), np.cos(x.detach().numpy())
    expected = -2 * t * (1 - t * t) * s + 2 * (1 - t * t) * c - t * s
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-10)
