"""vmap's API: in_axes / out_axes pytrees, keyword arguments, axis_size, the shapes user
code sees, batched indices, errors (JAX's messages), and hypothesis over in_axes and
shapes against a Python loop."""
from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrace
import functrace.numpy as fnp
from functrace import vmap
from functrace.core import ConcretizationError, UnexpectedTracerError

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3))
Y = RNG.standard_normal((4, 3))


# -- in_axes / out_axes ---------------------------------------------------------------

def test_default_maps_axis_0_of_every_argument():
    np.testing.assert_allclose(vmap(lambda x, y: fnp.dot(x, y))(X, Y), np.sum(X * Y, axis=1))


def test_none_leaves_an_argument_unbatched():
    w = np.arange(3.0)
    out = vmap(lambda w, x: w * x, in_axes=(None, 0))(w, X)
    np.testing.assert_allclose(out, w * X)


def test_negative_and_nonzero_in_axes():
    out = vmap(lambda a, b: a - b, in_axes=(-1, 1))(X.T, Y.T)
    np.testing.assert_allclose(out, X - Y)


def test_list_in_axes_is_taken_as_a_tuple():
    out = vmap(lambda a, b: a + b, in_axes=[0, None])(X, np.ones(3))
    np.testing.assert_allclose(out, X + 1.0)


def test_pytree_in_axes_prefix():
    params = {"w": np.ones(3), "xs": X.T}
    out = vmap(lambda p, s: fnp.sum(p["w"] * p["xs"]) * s,
               in_axes=({"w": None, "xs": 1}, 0))(params, np.arange(4.0))
    np.testing.assert_allclose(out, X.sum(axis=1) * np.arange(4.0))


def test_tuple_argument_with_one_axis_for_all_its_leaves():
    out = vmap(lambda pair: pair[0] * pair[1])((X, Y))
    np.testing.assert_allclose(out, X * Y)


def test_keyword_arguments_are_mapped_over_axis_0():
    out = vmap(lambda x, *, scale: x * scale)(X, scale=np.arange(4.0)[:, None])
    np.testing.assert_allclose(out, X * np.arange(4.0)[:, None])


def test_out_axes_int_negative_and_pytree():
    f = vmap(lambda x: (x * 2.0, {"s": fnp.sum(x)}), out_axes=(1, {"s": 0}))
    doubled, d = f(X)
    np.testing.assert_allclose(doubled, 2.0 * X.T)
    np.testing.assert_allclose(d["s"], X.sum(axis=1))
    np.testing.assert_allclose(vmap(lambda x: fnp.outer(x, x), out_axes=-1)(X),
                               np.einsum("bi,bj->ijb", X, X))


def test_unbatched_outputs_are_broadcast_or_kept_with_out_axes_none():
    ones, const = vmap(lambda x: (np.ones(2), 3.0))(X)
    np.testing.assert_array_equal(ones, np.ones((4, 2)))
    np.testing.assert_array_equal(const, np.full(4, 3.0))
    out = vmap(lambda x: (fnp.sum(x), np.ones(2)), out_axes=(0, None))(X)
    np.testing.assert_array_equal(out[1], np.ones(2))


def test_axis_size_without_mapped_arguments():
    out = vmap(lambda w: w * 2.0, in_axes=None, axis_size=3)(np.ones(2))
    np.testing.assert_array_equal(out, np.full((3, 2), 2.0))


def test_namedtuple_and_none_pass_through():
    Pair = collections.namedtuple("Pair", "a b")
    out = vmap(lambda p, nothing: Pair(p.a + p.b, nothing))(Pair(X, Y), None)
    assert isinstance(out, Pair) and out.b is None
    np.testing.assert_allclose(out.a, X + Y)


def test_float32_stays_float32():
    x = X.astype(np.float32)
    out = vmap(lambda v: fnp.tanh(v) * 2.0 + fnp.sum(v ** 2))(x)
    assert out.dtype == np.float32
    g = vmap(functrace.grad(lambda v: fnp.sum(fnp.sin(v))))(x)
    assert g.dtype == np.float32


def test_empty_batch():
    out = vmap(lambda x: fnp.sum(x * x))(np.ones((0, 3)))
    assert out.shape == (0,)


# -- what user code sees ----------------------------------------------------------------

def test_user_code_sees_shapes_without_the_batch_axis():
    seen = []

    def f(x):
        seen.append((x.shape, x.ndim, x.size, len(x), np.shape(x), fnp.shape(x.T)))

        def inner(y):     # a tracer of grad above a batched value
            seen.append((y.shape, np.ndim(y)))
            return fnp.sum(y * y)
        return functrace.grad(inner)(x)

    vmap(f, in_axes=1)(np.ones((3, 5)))
    assert seen == [((3,), 1, 3, 3, (3,), (3,)), ((3,), 1)]


def test_iteration_and_reshape_inside_vmap():
    out = vmap(lambda m: fnp.stack([row * k for k, row in enumerate(m)]).reshape(-1))(
        np.ones((2, 3, 2)))
    np.testing.assert_array_equal(out, np.tile(np.repeat(np.arange(3.0), 2), (2, 1)))


def test_python_control_flow_on_batched_values_is_a_clear_error():
    with pytest.raises(ConcretizationError, match="vmap"):
        vmap(lambda x: x if fnp.sum(x) > 0 else -x)(X)
    with pytest.raises(TypeError, match="batched by vmap"):
        vmap(lambda x: float(x[0]))(X)
    # shape-based control flow is fine, and so is fnp.where
    np.testing.assert_allclose(vmap(lambda x: fnp.where(x > 0, x, 0.0))(X), np.maximum(X, 0))


def test_escaped_batch_tracer_is_an_error():
    leaked = []
    vmap(lambda x: leaked.append(x) or fnp.sum(x))(X)
    with pytest.raises(UnexpectedTracerError):
        np.sin(leaked[0])


# -- batched indices ---------------------------------------------------------------------

TABLE = RNG.standard_normal((5, 4, 3))
IDX = np.array([4, 0, 2])
IDX2 = np.array([[1, 2], [0, 0], [2, 1]])


@pytest.mark.parametrize("name, fn, axes", [
    ("row", lambda t, i: fnp.getitem(t, i), (None, 0)),
    ("column-pairs", lambda t, j: fnp.getitem(t, (slice(None), j)), (None, 0)),
    ("ellipsis", lambda t, j: fnp.getitem(t, (Ellipsis, j)), (None, 0)),
    ("batched-table", lambda t, i: t[i], (2, 0)),
    ("batched-table-split", lambda t, j: t[0, :, j], (0, 0)),
    ("take", lambda t, j: fnp.take(t, j, axis=1), (0, 0)),
    ("take-along", lambda t, j: fnp.take_along_axis(t[:, 0], fnp.broadcast_to(j, (5, 2)), 1),
     (1, 0)),
])
def test_batched_index_matches_loop_and_its_gradient(name, fn, axes):
    t_axis, i_axis = axes
    idx = IDX if name in ("row", "batched-table") else IDX2
    table = TABLE if t_axis is None else np.stack([TABLE + b for b in range(3)], axis=t_axis)

    def example(b):
        t = TABLE if t_axis is None else TABLE + b
        return t, idx[b]

    np.testing.assert_allclose(vmap(fn, in_axes=axes)(table, idx),
                               np.stack([fn(*example(b)) for b in range(3)]))
    loss = functrace.grad(lambda t, i: fnp.sum(fnp.sin(fn(t, i))))
    got = functrace.grad(lambda t: fnp.sum(fnp.sin(vmap(fn, in_axes=axes)(t, idx))))(table)
    want = sum(functrace.grad(lambda t: fnp.sum(fnp.sin(vmap(fn, in_axes=axes)(t, idx)[b])))(
        table) for b in range(3))
    np.testing.assert_allclose(got, want)
    per_example = vmap(loss, in_axes=axes)(table, idx)
    np.testing.assert_allclose(per_example, np.stack([loss(*example(b)) for b in range(3)]))


def test_sort_and_argmax_per_example():
    np.testing.assert_array_equal(vmap(fnp.sort)(X), np.sort(X, axis=1))
    np.testing.assert_array_equal(vmap(fnp.argmax)(X), np.argmax(X, axis=1))
    np.testing.assert_array_equal(vmap(lambda x: x[fnp.argmax(x)])(X), X.max(axis=1))


def test_batched_boolean_mask_is_a_clear_error():
    with pytest.raises(IndexError, match="fnp.where"):
        vmap(lambda x: x[x > 0])(X)


# -- errors ------------------------------------------------------------------------------

def test_inconsistent_sizes_name_each_argument():
    def f(x, y):
        return x + y
    with pytest.raises(ValueError, match="inconsistent sizes") as info:
        vmap(f)(np.ones((2, 3)), np.ones((3, 3)))
    msg = str(info.value)
    assert "size 2: axis 0 of argument 0 ('x') of type float64[2,3]" in msg
    assert "size 3: axis 0 of argument 1 ('y')" in msg


def test_rank_too_small_for_the_axis():
    with pytest.raises(ValueError, match="along axis 2, which implies that its rank should "
                                         r"be at least 3, but is only 2 \(its shape is"):
        vmap(lambda x: x, in_axes=2)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="rank should be at least 1, but is only 0"):
        vmap(lambda x: x)(1.0)


def test_in_axes_length_must_match_the_arguments():
    with pytest.raises(ValueError, match=r"len\(in_axes\)=1, len\(args\)=2"):
        vmap(lambda x, y: x, in_axes=(0,))(X, Y)


def test_in_axes_must_be_a_prefix_and_ints():
    with pytest.raises(ValueError, match="tree prefix"):
        vmap(lambda p: p, in_axes=({"a": 0},))({"b": X})
    with pytest.raises(TypeError, match="int, None"):
        vmap(lambda x: x, in_axes="0")(X)


def test_mapped_output_with_out_axes_none():
    with pytest.raises(ValueError, match="vmap has mapped output but out_axes is None"):
        vmap(lambda x: x, out_axes=None)(X)


def test_nothing_mapped():
    with pytest.raises(ValueError, match="at least one non-None value in in_axes"):
        vmap(lambda x: x, in_axes=None)(X)
    with pytest.raises(ValueError, match="inconsistent sizes"):
        vmap(lambda x: x, axis_size=3)(X)


# -- hypothesis: in_axes and shapes -------------------------------------------------------

@st.composite
def batched_pair(draw):
    """Two broadcast-compatible shapes, a batch size and an in_axes entry for each
    (None = unbatched)."""
    nd = draw(st.integers(0, 3))
    base = draw(st.lists(st.integers(1, 3), min_size=nd, max_size=nd))
    shapes = []
    for _ in range(2):
        drop = draw(st.integers(0, nd))
        shapes.append(tuple(1 if draw(st.booleans()) else d for d in base[drop:]))
    axes = [draw(st.one_of(st.none(), st.integers(-len(s) - 1, len(s)))) for s in shapes]
    if all(a is None for a in axes):
        axes[0] = 0
    return shapes, tuple(axes), draw(st.integers(1, 3)), draw(st.integers(0, 2 ** 16))


def _composite(x, y):
    z = fnp.tanh(x) * y - fnp.maximum(x, y) / (1.0 + y * y)
    return fnp.sum(z, axis=-1, keepdims=True) + fnp.exp(-z) if np.ndim(z) else z * 2.0


@settings(max_examples=60, deadline=None)
@given(batched_pair())
def test_random_in_axes_and_shapes_match_loop(case):
    shapes, axes, size, seed = case
    rng = np.random.default_rng(seed)
    per = [[rng.standard_normal(s) for s in shapes] for _ in range(size)]
    args = [per[0][k] if ax is None else np.stack([p[k] for p in per], axis=ax)
            for k, ax in enumerate(axes)]
    out = vmap(_composite, in_axes=axes)(*args)
    want = np.stack([_composite(*[per[0 if ax is None else b][k] for k, ax in enumerate(axes)])
                     for b in range(size)])
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
    g = vmap(functrace.grad(lambda a, b: fnp.sum(_composite(a, b)), argnums=(0, 1)),
             in_axes=axes)(*args)
    for k in range(2):
        gk = np.stack([functrace.grad(lambda a, b: fnp.sum(_composite(a, b)), argnums=(0, 1))(
            *[per[0 if ax is None else b][j] for j, ax in enumerate(axes)])[k]
            for b in range(size)])
        np.testing.assert_allclose(g[k], gk, rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2 ** 16))
def test_random_matmul_batching(size, xnd, ynd, seed):
    """matmul's rule, every rank combination (vectors, matrices, stacks) and every
    batched/unbatched pair, against a loop."""
    rng = np.random.default_rng(seed)
    xs = {0: (3,), 1: (2, 3), 2: (2, 2, 3)}[xnd]
    ys = {0: (3,), 1: (3, 4), 2: (2, 3, 4)}[ynd]
    for axes in ((0, None), (None, 0), (0, 0), (-1, 1)):
        per = [(rng.standard_normal(xs), rng.standard_normal(ys)) for _ in range(size)]
        args = [per[0][k] if ax is None else np.stack([p[k] for p in per], axis=ax)
                for k, ax in enumerate(axes)]
        want = np.stack([np.matmul(*[per[0 if ax is None else b][k] for k, ax in enumerate(axes)])
                         for b in range(size)])
        np.testing.assert_allclose(vmap(fnp.matmul, in_axes=axes)(*args), want, rtol=1e-12)


def test_docstring_examples():
    import doctest
    from functrace import batching, jacobians
    from functrace.primitives import batch_rules
    for module in (batching, batch_rules, jacobians):
        assert doctest.testmod(module).failed == 0


def test_mapping_over_an_unregistered_object_names_it():
    class Params:
        """A plain object that is not registered as a pytree node."""
    with pytest.raises(TypeError, match="vmap cannot map over a Params"):
        vmap(lambda p: p)(Params())
