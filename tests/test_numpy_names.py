"""Issue 10's numpy surface beyond the spec rows: ``.at[]`` updates, lists of
tracers, ``r_``/``c_``, integer-preserving ``//`` and ``%``, ``np.int64(tracer)``,
vmap of the new names, ``functrace.numpy.random``, ``ravel_pytree``,
``functrace.misc`` and the ``grad``/``elementwise_grad`` extensions."""
from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace.flatten_util import ravel_pytree
from functrace.misc import adam, flatten, flatten_func, rmsprop, sgd
from functrace.testing import check_grads

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("module", ["functrace.flatten_util", "functrace.misc",
                                    "functrace.misc.optimizers", "functrace.numpy._at",
                                    "functrace.numpy._statistics", "functrace.numpy._calculus",
                                    "functrace.numpy._math_extra", "functrace.numpy._shape_more",
                                    "functrace.numpy._creation_traced",
                                    "functrace.numpy._index_tricks", "functrace.numpy._sequences",
                                    "functrace.numpy._more_names", "functrace.numpy._ufunc_methods",
                                    "functrace.numpy.random"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


# -- x.at[idx] ------------------------------------------------------------------------------
UFUNC_OF = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}
INDEXES = [np.array([0, 2, 2, 4, 2]), (slice(1, 4),), np.array([True, False, True, False, True]),
           3, [1, 1]]


@pytest.mark.parametrize("method", sorted(UFUNC_OF))
@pytest.mark.parametrize("idx", INDEXES, ids=str)
def test_at_updates_match_numpy_ufunc_at_and_differentiate(method, idx):
    x = RNG.normal(size=5)
    v = RNG.normal(size=np.shape(x[idx])) + 0.1
    expected = x.copy()
    UFUNC_OF[method].at(expected, idx, v)
    np.testing.assert_allclose(getattr(fnp.at(x)[idx], method)(v), expected)
    check_grads(lambda x, v: getattr(fnp.at(x)[idx], method)(v), (x, v), order=2)


@pytest.mark.parametrize("idx", INDEXES, ids=str)
def test_at_set_keeps_the_last_value_like_numpy(idx):
    x = RNG.normal(size=5)
    v = RNG.normal(size=np.shape(x[idx]))
    expected = x.copy()
    expected[idx] = v
    np.testing.assert_array_equal(fnp.at(x)[idx].set(v), expected)
    check_grads(lambda x, v: fnp.at(x)[idx].set(v), (x, v), order=2)
    assert np.array_equal(ft.jvp(lambda x: x.at[idx].get(), (x,), (x,))[0], x[idx])


def test_at_under_vmap_batches_array_and_values():
    xs, vs = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 2))
    out = ft.vmap(lambda x, v: x.at[np.array([1, 1])].add(v))(xs, vs)
    expected = xs.copy()
    expected[:, 1] += vs.sum(axis=1)
    np.testing.assert_allclose(out, expected)
    out = ft.vmap(lambda v: fnp.at(np.zeros((2, 2)))[0, 1].set(v))(np.arange(3.0))
    assert out.shape == (3, 2, 2) and np.array_equal(out[:, 0, 1], np.arange(3.0))


def test_at_casts_values_to_the_array_dtype():
    x = np.zeros(3, np.float32)
    out = ft.jvp(lambda x: x.at[0].set(np.float64(1.5)), (x,), (x,))[0]
    assert out.dtype == np.float32 and out[0] == 1.5


def test_writing_a_tracer_into_a_numpy_array_points_to_at():
    def f(x):
        out = np.zeros(2)
        out[0] = x
        return out.sum()
    with pytest.raises(TypeError, match=r"\.at\[idx\]\.set"):
        ft.grad(f)(1.0)
    with pytest.raises(TypeError, match=r"\.at\[idx\]\.set"):
        ft.grad(lambda x: x.__setitem__(0, 1.0))(np.ones(2))


# -- lists of tracers, r_/c_, integer results -------------------------------------------------
def test_lists_of_tracers_are_stacked_where_numpy_takes_an_array():
    assert ft.grad(lambda x: fnp.mean([x, 3.0 * x]))(1.0) == 2.0
    assert ft.grad(lambda x: fnp.sum(fnp.array([[x, 1.0], [x * x, x]])))(2.0) == 6.0
    assert ft.grad(lambda x: fnp.dot([x, 1.0], [2.0, x]))(1.0) == 3.0
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(fnp.exp((x, x))))(0.5),
                               2 * np.exp(0.5))
    np.testing.assert_allclose(ft.vmap(lambda x: fnp.sum([x, 2.0 * x]))(np.arange(3.0)),
                               [0.0, 3.0, 6.0])
    assert fnp.mean([1.0, 2.0]) == 1.5          # plain lists stay numpy's


def test_r_and_c_with_traced_values_match_numpy():
    x = RNG.normal(size=3)
    r = ft.jvp(lambda x: fnp.r_[x, 0.5, x[:2], 1:3], (x,), (x,))[0]
    np.testing.assert_array_equal(r, np.r_[x, 0.5, x[:2], 1:3])
    c = ft.jvp(lambda x: fnp.c_[np.ones((3, 2)), x, 2.0 * x], (x,), (x,))[0]
    np.testing.assert_array_equal(c, np.c_[np.ones((3, 2)), x, 2.0 * x])
    assert ft.grad(lambda x: fnp.sum(fnp.r_[x, 2.0 * x]))(1.0) == 3.0
    np.testing.assert_array_equal(fnp.r_[1:4, 7], np.r_[1:4, 7])
    with pytest.raises(NotImplementedError, match="directive"):
        ft.grad(lambda x: fnp.sum(fnp.r_["0,2", x]))(np.ones(2))


def test_floor_divide_and_remainder_keep_integer_dtypes():
    out = ft.vmap(lambda i: (i // 3, i % 3, fnp.floor_divide(i, 2), fnp.mod(i, 2),
                             fnp.fmod(-i, 3)))(np.arange(-4, 5))
    i = np.arange(-4, 5)
    for got, want in zip(out, (i // 3, i % 3, i // 2, i % 2, np.fmod(-i, 3)), strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert fnp.remainder(np.array([5, 7]), 3).dtype == np.array([5, 7]).dtype
    assert ft.grad(lambda x: x % 1.5)(2.0) == 1.0


def test_np_int64_of_a_tracer_is_a_constant_index():
    x = np.arange(4.0)
    np.testing.assert_array_equal(ft.grad(lambda x: x[np.int64(x[1])] * x[2])(x),
                                  [0.0, 2.0, 1.0, 0.0])
    with pytest.raises(TypeError, match="batched by vmap"):
        ft.vmap(lambda x: x[np.int64(x[1])])(np.ones((2, 3)))


def test_numpy_functions_on_tracers_dispatch_to_the_new_names():
    x = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(ft.grad(lambda x: np.median(x) + np.nansum(x) + np.ptp(x))(x),
                               ft.grad(lambda x: fnp.median(x) + fnp.nansum(x) + fnp.ptp(x))(x))


# -- vmap of the composites --------------------------------------------------------------------
VMAPPED = {
    "median": lambda x: fnp.median(x), "quantile": lambda x: fnp.quantile(x, [0.2, 0.9]),
    "nanmean": lambda x: fnp.nanmean(x), "interp": lambda x: fnp.interp(x, [0.0, 1.0], [1., 3.]),
    "interp-xp": lambda x: fnp.interp(0.3, fnp.sort(x), x),
    "diff": lambda x: fnp.diff(x, 2), "tril": lambda x: fnp.tril(fnp.outer(x, x)),
    "kron": lambda x: fnp.kron(x, x[:2]), "cross": lambda x: fnp.cross(x[:3], x[1:]),
    "convolve": lambda x: fnp.convolve(x, [1.0, -2.0]), "gradient": lambda x: fnp.gradient(x),
    "trapezoid": lambda x: fnp.trapezoid(x), "polyval": lambda x: fnp.polyval(x, 0.7),
    "sinc": lambda x: fnp.sinc(x), "partition": lambda x: fnp.partition(x, 1)[1],
    "searchsorted": lambda x: fnp.searchsorted(np.array([-0.5, 0.0, 0.5]), x),
    "searchsorted-a": lambda x: fnp.searchsorted(fnp.sort(x), 0.1, side="right"),
    "linspace": lambda x: fnp.linspace(x[0], x[1], 3), "at": lambda x: fnp.at(x)[1].max(x[0]),
}


@pytest.mark.parametrize("name", sorted(VMAPPED))
def test_vmap_matches_a_loop(name):
    f = VMAPPED[name]
    xs = RNG.normal(size=(3, 4))
    expected = np.stack([f(x) for x in xs])
    np.testing.assert_allclose(ft.vmap(f)(xs), expected)


def test_traced_creation_functions():
    assert ft.grad(lambda v: fnp.sum(fnp.full((2, 3), v)))(2.0) == 6.0
    gx, gy = ft.grad(lambda x, y: fnp.sum(fnp.meshgrid(x, y)[0] * fnp.meshgrid(x, y)[1]),
                     argnums=(0, 1))(np.arange(2.0), np.arange(3.0))
    np.testing.assert_allclose(gx, [3.0, 3.0])
    np.testing.assert_allclose(gy, [1.0, 1.0, 1.0])


def test_quantile_rejects_other_methods_and_bad_q():
    with pytest.raises(NotImplementedError, match="linear"):
        fnp.quantile(np.ones(3), 0.5, method="nearest")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fnp.quantile(np.ones(3), 1.5)


# -- random, seterr --------------------------------------------------------------------------
def test_random_is_numpys_random():
    fnp.random.seed(3)
    a = fnp.random.randn(3)
    np.random.seed(3)
    np.testing.assert_array_equal(a, np.random.randn(3))
    assert fnp.random.default_rng is np.random.default_rng
    assert fnp.seterr is np.seterr and fnp.errstate is np.errstate


# -- grad extensions -----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1,), (1, 1), (1, 1, 1)])
def test_grad_accepts_outputs_with_one_element(shape):
    def f(x):
        return fnp.reshape(fnp.sum(x ** 3), shape)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(ft.grad(f)(x), 3 * x ** 2)
    value, g = ft.value_and_grad(f)(x)
    assert value.shape == shape
    np.testing.assert_allclose(ft.grad(lambda x: ft.grad(f)(x)[0])(x), [6.0, 0.0])


def test_grad_still_refuses_outputs_with_several_elements():
    with pytest.raises(TypeError, match="scalar output.*shape \\(2,\\)"):
        ft.grad(lambda x: x * 2.0)(np.ones(2))


def test_elementwise_grad_takes_argnums():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(ft.elementwise_grad(lambda x, y: x * y ** 2, argnums=1)(x, y),
                               2 * x * y)
    gx, gy = ft.elementwise_grad(lambda x, y: x * y, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, y)
    np.testing.assert_allclose(gy, x)


# -- ravel_pytree and functrace.misc ------------------------------------------------------------
def test_ravel_pytree_round_trip_dtypes_and_gradient():
    tree = {"w": np.ones((2, 2), np.float32), "b": [np.arange(3.0), 2.0]}
    flat, unravel = ravel_pytree(tree)
    assert flat.shape == (8,) and flat.dtype == np.float64
    back = unravel(flat)
    assert back["w"].dtype == np.float32 and back["w"].shape == (2, 2)
    np.testing.assert_array_equal(back["b"][0], np.arange(3.0))
    g = ft.grad(lambda v: fnp.sum(unravel(v)["b"][0] ** 2) + unravel(v)["w"][0, 0])(flat)
    np.testing.assert_allclose(g, np.r_[0.0, 2.0, 4.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="shape \\(8,\\)"):
        unravel(np.ones(3))
    empty, unravel_empty = ravel_pytree({})
    assert empty.shape == (0,) and unravel_empty(empty) == {}


def test_flatten_func_is_autograds():
    def f(params, scale):
        return {"out": params[0] * scale}
    flat_f, unflatten, x = flatten_func(f, [np.ones(2)])
    np.testing.assert_array_equal(flat_f(x, 3.0), [3.0, 3.0])
    assert isinstance(unflatten(x), list)
    vec, unflat = flatten((np.ones(1), {"a": 2.0}))
    np.testing.assert_array_equal(vec, [1.0, 2.0])


def _quadratic_problem():
    target = {"a": np.array([1.0, -2.0]), "b": np.array(0.5)}

    def loss(p, i):
        return fnp.sum((p["a"] - target["a"]) ** 2) + (p["b"] - target["b"]) ** 2
    return target, ft.grad(loss)


def _reference_adam(grad, x, num_iters, step_size, b1=0.9, b2=0.999, eps=1e-8):
    m, v = np.zeros_like(x), np.zeros_like(x)
    for i in range(num_iters):
        g = grad(x, i)
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * g ** 2 + b2 * v
        x = x - step_size * (m / (1 - b1 ** (i + 1))) / (np.sqrt(v / (1 - b2 ** (i + 1))) + eps)
    return x


@pytest.mark.parametrize("optimizer, kwargs", [(sgd, {"num_iters": 400, "step_size": 0.1}),
                                               (rmsprop, {"num_iters": 600, "step_size": 0.01}),
                                               (adam, {"num_iters": 800, "step_size": 0.05})])
def test_optimizers_converge_on_pytrees_and_call_back(optimizer, kwargs):
    target, grad = _quadratic_problem()
    seen = []
    x0 = {"a": np.zeros(2), "b": np.array(0.0)}
    out = optimizer(grad, x0, callback=lambda p, i, g: seen.append((i, p["b"], g["a"])),
                    **kwargs)
    np.testing.assert_allclose(out["a"], target["a"], atol=1e-2)
    np.testing.assert_allclose(out["b"], target["b"], atol=1e-2)
    assert [s[0] for s in seen] == list(range(kwargs["num_iters"]))
    assert seen[0][2].shape == (2,) and x0["b"] == 0.0          # x0 untouched


def test_adam_follows_autograds_update_formula():
    grad = lambda x, i: 2 * (x - np.array([1.0, 3.0])) * (1 + 0.1 * i)   # noqa: E731
    got = adam(grad, np.zeros(2), num_iters=7, step_size=0.3)
    np.testing.assert_allclose(got, _reference_adam(grad, np.zeros(2), 7, 0.3), rtol=1e-14)


def test_optimizers_against_hips_autograd_when_installed():
    optimizers = pytest.importorskip("autograd.misc.optimizers")
    grad = lambda x, i: np.cos(x) + 0.1 * x * i                             # noqa: E731
    for ours, theirs in ((sgd, optimizers.sgd), (rmsprop, optimizers.rmsprop),
                         (adam, optimizers.adam)):
        np.testing.assert_allclose(ours(grad, np.ones(3), num_iters=20),
                                   theirs(grad, np.ones(3), num_iters=20), rtol=1e-12)


def test_optimizer_errors_name_the_problem():
    with pytest.raises(TypeError, match="grad must be a function"):
        sgd(np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="pytree shaped like x0"):
        sgd(lambda x, i: np.zeros(3), np.zeros(2), num_iters=1)
    with pytest.raises(TypeError, match="floating-point"):
        adam(lambda x, i: x, np.zeros(2, int), num_iters=1)


def test_ufunc_outer_reduce_and_accumulate_on_tracers():
    x, y = RNG.normal(size=3), RNG.normal(size=(2, 2))
    check_grads(lambda x, y: np.multiply.outer(x, y), (x, y), order=2)
    out = ft.jvp(lambda x, y: np.add.outer(x, y), (x, y), (x, y))[0]
    np.testing.assert_allclose(out, np.add.outer(x, y))
    m = RNG.normal(size=(3, 4))
    for ufunc in (np.add, np.multiply, np.maximum, np.minimum):
        for axis in (0, 1):
            got = ft.jvp(lambda m: ufunc.reduce(m, axis=axis), (m,), (m,))[0]
            np.testing.assert_allclose(got, ufunc.reduce(m, axis=axis))
    for ufunc in (np.add, np.multiply):
        got = ft.jvp(lambda m: ufunc.accumulate(m), (m,), (m,))[0]
        np.testing.assert_allclose(got, ufunc.accumulate(m))
    np.testing.assert_allclose(ft.grad(lambda m: np.add.reduce(m, axis=1).sum())(m),
                               np.ones_like(m))


# -- functions whose output shape depends on the values (no vmap, so no spec-table row) -----
def _distinct(n, dtype):
    return (0.4 * (RNG.permutation(n) - n / 2) + RNG.uniform(-0.05, 0.05, n)).astype(dtype)


VALUE_SHAPED = {
    "unique": (lambda x: fnp.unique(x, return_index=True),
               lambda x: np.unique(x, return_index=True), 1),
    "unique_values": (fnp.unique_values, np.unique_values, 1),
    "unique_counts": (fnp.unique_counts, np.unique_counts, 1),
    "unique_all": (fnp.unique_all, np.unique_all, 1),
    "union1d": (fnp.union1d, np.union1d, 2), "setxor1d": (fnp.setxor1d, np.setxor1d, 2),
    "intersect1d": (lambda x: fnp.intersect1d(x, x[1:3]), lambda x: np.intersect1d(x, x[1:3]),
                    1),
    "setdiff1d": (lambda x: fnp.setdiff1d(x, x[1:3]), lambda x: np.setdiff1d(x, x[1:3]), 1),
    "trim_zeros": (lambda x: fnp.trim_zeros(fnp.concatenate([np.zeros(2, x.dtype), x])),
                   lambda x: np.trim_zeros(np.concatenate([np.zeros(2, x.dtype), x])), 1),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(VALUE_SHAPED))
def test_value_shaped_functions_match_numpy_and_differentiate(name, dtype):
    ours, theirs, nargs = VALUE_SHAPED[name]
    args = tuple(_distinct(5, dtype) + k for k in range(nargs))
    got = ft.jvp(ours, args, tuple(np.zeros_like(a) for a in args))[0]
    for g, w in zip(ft.tree_leaves(got), ft.tree_leaves(theirs(*args)), strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    check_grads(ours, args, order=2)
    with pytest.raises(TypeError, match="vmap"):
        ft.vmap(ours)(*(np.stack([a, a]) for a in args))


# -- the constant (integer- or boolean-valued) names: numpy's values on traced input ----------
X = np.array([[0.5, -np.inf, 2.0, 0.5], [np.inf, -1.5, 0.0, 2.0]])
CONSTANTS = {
    "isposinf": lambda x: fnp.isposinf(x), "isneginf": lambda x: fnp.isneginf(x),
    "fix": lambda x: fnp.fix(x), "signbit": lambda x: fnp.signbit(x),
    "nonzero": lambda x: fnp.nonzero(x), "argwhere": lambda x: fnp.argwhere(x),
    "flatnonzero": lambda x: fnp.flatnonzero(x), "count_nonzero": lambda x: fnp.count_nonzero(x),
    "isin": lambda x: fnp.isin(x, [0.5, 2.0]), "digitize": lambda x: fnp.digitize(x, [0.0, 1.0]),
    "argpartition": lambda x: fnp.argpartition(x, 1, axis=1),
    "nanargmax": lambda x: fnp.nanargmax(x, axis=1), "nanargmin": lambda x: fnp.nanargmin(x),
    "lexsort": lambda x: fnp.lexsort(x), "histogram": lambda x: fnp.histogram(x[:, 2:], 3),
    "tril_indices_from": lambda x: fnp.tril_indices_from(x, 1),
    "searchsorted": lambda x: fnp.searchsorted([-1.0, 1.0], x),
    "isclose": lambda x: fnp.isclose(x, 0.5), "divmod": lambda x: fnp.divmod(x[:, 2:], 0.75),
    "empty_like-shape": lambda x: fnp.empty_like(x).shape,
}


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_constant_functions_give_numpys_values_on_tracers(name):
    f = CONSTANTS[name]
    numpy_name = name.split("-")[0]
    expected = f(X) if numpy_name == "empty_like" else None
    for got in (ft.jvp(f, (X,), (np.ones_like(X),))[0], ft.vjp(f, X)[0]):
        want = expected if expected is not None else _numpy_twin(f)(X)
        for g, w in zip(ft.tree_leaves(got), ft.tree_leaves(want), strict=True):
            assert np.shape(g) == np.shape(w) and np.result_type(g) == np.result_type(w)
            np.testing.assert_array_equal(g, w)


def _numpy_twin(f):
    """``f`` with ``fnp`` replaced by numpy (the same lambda, evaluated on numpy)."""
    import types
    return types.FunctionType(f.__code__, {**f.__globals__, "fnp": np}, closure=f.__closure__)


def test_allclose_array_equal_and_aliases():
    x = RNG.normal(size=3)
    assert ft.jvp(lambda x: (x * 0 + fnp.allclose(x, x + 1e-9)), (x,), (x,))[0].all()
    assert fnp.array_equal(x, x) and not fnp.array_equal(x, x[:2])
    assert fnp.array_equiv(x, np.broadcast_to(x, (2, 3))) and not fnp.array_equiv(x, x[:2])
    assert fnp.acos is fnp.arccos and fnp.pow is fnp.power and fnp.concat is fnp.concatenate
    assert fnp.copy(x) is not x and np.array_equal(fnp.copy(x), x)


def test_flatten_util_and_misc_are_attributes_of_functrace():
    assert ft.flatten_util.ravel_pytree is ravel_pytree and ft.misc.adam is adam
