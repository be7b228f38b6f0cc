"""Random draws under ``functrace.jit``: dropout is replayed with fresh numbers (the
ones the eager call draws from the same generator state), a replay that misses a
guard undoes its draws, and draws that cannot be replayed make the call eager."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
import functrace.nn.functional as F


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


def calls(fun, args_list, seed):
    ft.manual_seed(seed)
    return [fun(*args) for args in args_list]


def assert_same(a, b):
    for u, v in zip(a, b, strict=True):
        for x, y in zip(ft.tree_leaves(u), ft.tree_leaves(v), strict=True):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_draws_a_new_mask_each_call_as_eager_does(dtype):
    def f(x):
        return F.dropout(x, 0.5) * 3.0
    jf = ft.jit(f)
    x = np.ones((6, 7), dtype)
    jitted, eager = calls(jf, [(x,)] * 4, seed=0), calls(f, [(x,)] * 4, seed=0)
    assert_same(jitted, eager)
    assert jitted[1].dtype == dtype
    assert not np.array_equal(jitted[1], jitted[2]), "the mask was frozen at recording"
    assert jf.cache_info()["recordings"] == 1


def test_dropout_inside_value_and_grad_and_a_module():
    net = ft.nn.Sequential(ft.nn.Linear(5, 8), ft.nn.Tanh(), ft.nn.Dropout(0.3),
                           ft.nn.Linear(8, 1))
    params = {k: v.detach().numpy() for k, v in net.named_parameters()}

    def loss(p, x):
        return fnp.sum(ft.func.functional_call(net, p, (x,)) ** 2)
    step = ft.jit(ft.value_and_grad(loss))
    args = [(params, rand(4, 5, seed=0, dtype=np.float32))] * 4
    jitted = calls(step, args, seed=1)
    assert_same(jitted, calls(ft.value_and_grad(loss), args, seed=1))
    assert jitted[1][0] != jitted[2][0], "the same inputs gave the same dropout mask"
    assert step.cache_info()["recordings"] == 1


def test_unused_draws_still_advance_the_generator():
    def f(x):
        F.dropout(x, 0.5)                 # unused: dead code, but it moves the stream
        return F.dropout(x, 0.5)
    x = np.ones(50)
    assert_same(calls(ft.jit(f), [(x,)] * 3, seed=2), calls(f, [(x,)] * 3, seed=2))


def test_a_guard_miss_undoes_the_draws_of_the_abandoned_replay():
    def f(x):
        m = F.dropout(x, 0.5)
        if fnp.sum(x) > 0:
            return m + 1.0
        return F.dropout(m, 0.5)
    jf = ft.jit(f)
    xs = [(s * np.ones(20),) for s in (1, -1, 1, -1, -1, 1)]
    assert_same(calls(jf, xs, seed=3), calls(f, xs, seed=3))
    assert jf.cache_info()["paths"] == 2


def test_tape_draws_nothing():
    jf = ft.jit(lambda x: F.dropout(x, 0.5))
    x = np.ones(30)
    jf(x)
    ft.manual_seed(4)
    assert "random_draw" in jf.tape(x)
    after_tape = jf(x)
    ft.manual_seed(4)
    np.testing.assert_array_equal(after_tape, jf(x))


def test_facade_draws_make_the_signature_eager_with_a_warning():
    def f(x):
        return x * ft.rand(5).numpy()
    jf = ft.jit(f)
    x = np.ones(5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jitted = calls(jf, [(x,)] * 3, seed=5)
    assert len(caught) == 1 and "runs eagerly" in str(caught[0].message)
    assert "test_jit_random.py" in str(caught[0].message)
    assert_same(jitted, calls(f, [(x,)] * 3, seed=5))
    assert jf.cache_info()["eager"] == 1
