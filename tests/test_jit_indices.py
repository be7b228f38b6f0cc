"""Integer index arrays are operands (C5): under ``functrace.jit`` new labels or
indices each call replay the same program (no new recording), with the numbers
of the eager call; out-of-range indices still raise."""
from __future__ import annotations

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
import functrace.nn.functional as F


def data(seed, n=16, d=5, classes=4, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype(dtype), rng.integers(0, classes, n)


def params(d=5, h=8, classes=4, dtype=np.float32):
    rng = np.random.default_rng(99)
    return {"W1": rng.standard_normal((d, h)).astype(dtype) / 3, "b1": np.zeros(h, dtype),
            "W2": rng.standard_normal((h, classes)).astype(dtype) / 3,
            "b2": np.zeros(classes, dtype)}


def mlp(p, x):
    return fnp.tanh(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def loss_torch_style(p, x, y):
    return F.cross_entropy(mlp(p, x), y)


def loss_gather(p, x, y):
    logp = ft.activations.log_softmax(mlp(p, x), axis=1)
    return -fnp.mean(logp[fnp.arange(y.shape[0]), y])


def loss_take_along(p, x, y):
    logp = ft.activations.log_softmax(mlp(p, x), axis=1)
    return -fnp.mean(fnp.take_along_axis(logp, y[:, None], axis=1))


@pytest.mark.parametrize("loss", [loss_torch_style, loss_gather, loss_take_along])
def test_a_training_step_with_new_labels_records_once(loss):
    def step(p, x, y):
        value, g = ft.value_and_grad(loss)(p, x, y)
        return value, {k: p[k] - 0.1 * g[k] for k in p}
    jstep = ft.jit(step)
    p_jit = p_eager = params()
    for seed in range(5):
        x, y = data(seed)
        (v_jit, p_jit), (v_eager, p_eager) = jstep(p_jit, x, y), step(p_eager, x, y)
        assert v_jit == v_eager
        for k in p_jit:
            np.testing.assert_array_equal(p_jit[k], p_eager[k])
    assert jstep.cache_info()["recordings"] == 1


def test_out_of_range_labels_raise_as_in_eager():
    jloss = ft.jit(loss_torch_style)
    x, y = data(0)
    jloss(params(), x, y)
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        jloss(params(), x, np.where(np.arange(16) == 3, 7, y))
    jgather = ft.jit(lambda x, i: x[i])
    jgather(x, y)
    with pytest.raises(IndexError):
        jgather(x, y + 100)


def test_index_arrays_are_program_inputs_not_guards():
    jf = ft.jit(lambda x, i: fnp.sum(x[:, i] * 2.0))
    x = data(0)[0]
    jf(x, np.array([0, 1]))
    tape = jf.tape(x, np.array([3, 3]))
    assert "guard" not in tape and "getitem[idx=(slice(None, None, None), ARRAY)]" in tape
    for i in ([4, 0], [2, 2]):
        assert jf(x, np.array(i)) == np.sum(x[:, i] * 2.0)
    assert jf.cache_info()["recordings"] == 1


def test_sort_of_traced_values_records_once():
    jf = ft.jit(ft.value_and_grad(lambda x: fnp.sum(fnp.sort(x) * fnp.arange(6.0))))
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal(6)
        value, g = jf(x)
        v_eager, g_eager = ft.value_and_grad(lambda x: fnp.sum(fnp.sort(x) * fnp.arange(6.0)))(x)
        assert value == v_eager
        np.testing.assert_array_equal(g, g_eager)
    assert jf.cache_info()["recordings"] == 1
