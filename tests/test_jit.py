"""``functrace.jit``: replays equal eager calls, guards keep Python control flow
correct, the cache is keyed by signature (never by values), side effects run
only while recording, and the wrapper composes with the other transforms."""
from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace.core import UnexpectedTracerError


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


def test_replay_equals_eager_on_new_values():
    def f(w, x):
        return fnp.sum(fnp.tanh(x @ w) * fnp.exp(-w[0]))
    jf = ft.jit(f)
    for seed in range(4):
        w, x = rand(3, 2, seed=seed), rand(5, 3, seed=seed + 10)
        assert jf(w, x) == f(w, x)
    info = jf.cache_info()
    assert info == {**info, "signatures": 1, "paths": 1, "recordings": 1, "eager": 0}


def test_training_step_with_value_and_grad():
    def loss(p, x, y):
        h = fnp.tanh(x @ p["W"] + p["b"])
        return fnp.mean((h - y) ** 2)

    def step(p, x, y):
        value, g = ft.value_and_grad(loss)(p, x, y)
        return value, {k: p[k] - 0.1 * g[k] for k in p}

    p = {"W": rand(4, 2), "b": np.zeros(2)}
    x, y = rand(8, 4, seed=1), rand(8, 2, seed=2)
    p_eager, p_jit = dict(p), dict(p)
    jstep = ft.jit(step)
    for _ in range(5):
        v_eager, p_eager = step(p_eager, x, y)
        v_jit, p_jit = jstep(p_jit, x, y)
        assert v_jit == v_eager
        for k in p:
            np.testing.assert_array_equal(p_jit[k], p_eager[k])
    assert jstep.cache_info()["recordings"] == 1


def test_decorator_with_options():
    @ft.jit(static_argnums=1)
    def power_sum(x, k):
        return fnp.sum(x ** k)
    x = rand(4)
    assert power_sum(x, 2) == pytest.approx(np.sum(x ** 2))
    assert power_sum(x, 3) == pytest.approx(np.sum(x ** 3))
    assert power_sum.cache_info()["signatures"] == 2


# -- guards ------------------------------------------------------------------------------

def test_branch_on_a_value_records_each_path_once():
    calls = []

    @ft.jit
    def f(x):
        calls.append(1)                   # a side effect: runs only while recording
        if fnp.sum(x) > 0:
            return x * 2.0
        return -x

    pos, neg = np.ones(3), -np.ones(3)
    for _ in range(3):
        np.testing.assert_array_equal(f(pos), pos * 2.0)
        np.testing.assert_array_equal(f(neg), -neg)
    assert len(calls) == 2
    assert f.cache_info()["paths"] == 2


def test_branch_inside_grad_is_guarded():
    def piecewise(x):
        return x ** 3 if x > 1.0 else fnp.sin(x)
    g = ft.jit(ft.grad(piecewise))
    for x in (2.0, 0.5, 3.0, -0.2):
        assert g(x) == ft.grad(piecewise)(x)
    assert g.cache_info()["paths"] == 2


def test_loop_count_depending_on_a_value():
    def newton_sqrt(a):
        x = a
        while fnp.abs(x * x - a) > 1e-10:
            x = 0.5 * (x + a / x)
        return x
    jf = ft.jit(ft.value_and_grad(newton_sqrt))
    for a in (2.0, 7.0, 2.5, 7.0, 2.0):
        value, g = jf(a)
        assert value == pytest.approx(np.sqrt(a), rel=1e-9)
        assert g == pytest.approx(0.5 / np.sqrt(a), rel=1e-8)
        assert (value, g) == ft.value_and_grad(newton_sqrt)(a)


def test_int_conversion_and_range():
    @ft.jit
    def f(x, n):
        out = x
        for _ in range(int(n)):
            out = fnp.sin(out)
        return out
    x = rand(3)
    for n in (2, 3, 2, 4):
        expected = x
        for _ in range(n):
            expected = np.sin(expected)
        np.testing.assert_array_equal(f(x, n), expected)
    assert f.cache_info()["paths"] == 3


def test_index_array_from_a_traced_value_is_guarded():
    @ft.jit
    def pick(x):
        return x[fnp.argmax(x)] * 2.0
    for seed in range(3):
        x = rand(5, seed=seed)
        assert pick(x) == x[np.argmax(x)] * 2.0


def test_item_is_guarded():
    @ft.jit
    def f(x):
        return x * x[0].item()
    for seed in range(3):
        x = rand(3, seed=seed)
        np.testing.assert_array_equal(f(x), x * x[0])


def test_fallback_to_eager_warns_once_naming_the_line():
    @ft.jit(max_paths=3)
    def scaled(x):
        return x * float(x[0])            # the line the warning must name
    line = scaled.__wrapped__.__code__.co_firstlineno + 2   # (the decorator line first)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(6):
            x = np.full(2, float(k))
            np.testing.assert_array_equal(scaled(x), x * float(k))
    messages = [str(w.message) for w in caught if "functrace.jit" in str(w.message)]
    assert len(messages) == 1
    assert f"test_jit.py:{line}" in messages[0] and "float()" in messages[0]
    assert scaled.cache_info()["eager"] == 1


def test_guard_on_nan_does_not_thrash():
    @ft.jit
    def f(x):
        return x + float(fnp.sum(x))
    x = np.array([np.nan, 1.0])
    for _ in range(3):
        assert np.isnan(f(x)).all()
    assert f.cache_info()["paths"] == 1


# -- signatures, statics, inputs and outputs ----------------------------------------------

def test_signature_is_shapes_and_dtypes_not_values():
    jf = ft.jit(lambda x: fnp.exp(x))
    jf(rand(3))
    jf(rand(3, seed=1))
    jf(rand(4))
    jf(rand(3, dtype=np.float32))
    assert jf.cache_info()["signatures"] == 3
    assert jf.cache_info()["recordings"] == 3


def test_python_scalars_stay_weakly_typed():
    jf = ft.jit(lambda x, s: x * s)
    x = rand(3, dtype=np.float32)
    for s in (2.0, 3.5):
        out = jf(x, s)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, x * s)


def test_static_arguments_must_be_hashable():
    jf = ft.jit(lambda x, opts: x * len(opts), static_argnums=1)
    with pytest.raises(TypeError, match="hashable"):
        jf(rand(2), [1, 2])
    np.testing.assert_array_equal(jf(rand(2), (1, 2)), rand(2) * 2)


def test_non_array_leaves_are_static():
    jf = ft.jit(lambda x, mode: fnp.sin(x) if mode == "sin" else fnp.cos(x))
    x = rand(3)
    np.testing.assert_array_equal(jf(x, "sin"), np.sin(x))
    np.testing.assert_array_equal(jf(x, "cos"), np.cos(x))
    assert jf.cache_info()["signatures"] == 2


def test_static_argnames_and_kwargs():
    jf = ft.jit(lambda x, *, scale, power: x ** power * scale, static_argnames="power")
    x = rand(3)
    np.testing.assert_array_equal(jf(x, scale=2.0, power=2), x ** 2 * 2.0)
    np.testing.assert_array_equal(jf(x, scale=3.0, power=2), x ** 2 * 3.0)
    np.testing.assert_array_equal(jf(x, scale=3.0, power=3), x ** 3 * 3.0)
    assert jf.cache_info()["signatures"] == 2


def test_constant_outputs_are_not_shared():
    table = np.arange(3.0)
    jf = ft.jit(lambda x: (x + 1.0, table))
    jf(rand(2))
    _, t = jf(rand(2))
    t[0] = 99.0
    assert jf(rand(2))[1][0] == 0.0


def test_escaped_tracer_raises():
    leaked = []

    @ft.jit
    def f(x):
        leaked.append(x)
        return x * 2.0
    f(rand(2))
    with pytest.raises(UnexpectedTracerError):
        fnp.sin(leaked[0])


def test_tape_shows_the_program_and_guards():
    @ft.jit
    def f(x):
        if fnp.sum(x) > 0:
            return fnp.tanh(x)
        return x
    text = f.tape(np.ones(2))
    assert "tanh" in text and "guard bool" in text
    assert "tanh" not in f.tape(-np.ones(2))


# -- composition -------------------------------------------------------------------------

def test_transforms_of_a_jitted_function():
    def f(x):
        return fnp.sum(fnp.sin(x) * x ** 2)
    jf = ft.jit(f)
    x = rand(3)
    np.testing.assert_allclose(ft.grad(jf)(x), ft.grad(f)(x), rtol=0, atol=0)
    np.testing.assert_allclose(ft.hessian(jf)(x), ft.hessian(f)(x), rtol=0, atol=0)
    xs = rand(4, 3)
    np.testing.assert_array_equal(ft.vmap(jf)(xs), ft.vmap(f)(xs))
    np.testing.assert_array_equal(ft.jit(ft.vmap(jf))(xs), ft.vmap(f)(xs))


def test_nested_jit_inlines():
    inner = ft.jit(lambda x: fnp.exp(x) * 2.0)
    outer = ft.jit(lambda x: inner(x) + inner(-x))
    x = rand(3)
    for _ in range(2):
        np.testing.assert_array_equal(outer(x), np.exp(x) * 2.0 + np.exp(-x) * 2.0)
    assert inner.cache_info()["recordings"] == 0


def test_jit_of_hessian_and_checkpoint():
    def f(x):
        return fnp.sum(fnp.tanh(ft.checkpoint(lambda y: fnp.sin(y) * y)(x)))
    jh = ft.jit(ft.hessian(f))
    for seed in range(2):
        x = rand(3, seed=seed)
        np.testing.assert_array_equal(jh(x), ft.hessian(f)(x))


def test_jit_of_custom_functions():
    @ft.custom_vjp
    def clip_grad(x):
        return x

    clip_grad.defvjp(lambda x: (x, None), lambda _, ct: (fnp.clip(ct, -1.0, 1.0),))
    jg = ft.jit(ft.grad(lambda x: fnp.sum(clip_grad(x) * 3.0)))
    for seed in range(2):
        np.testing.assert_array_equal(jg(rand(3, seed=seed)), np.ones(3))
    jf = ft.jit(lambda x: clip_grad(x) * 2.0)
    np.testing.assert_array_equal(jf(np.ones(2)), 2.0 * np.ones(2))
    np.testing.assert_array_equal(jf(np.full(2, 3.0)), np.full(2, 6.0))


# -- threads -----------------------------------------------------------------------------

def test_threads_share_one_recording():
    started = threading.Barrier(6)
    recorded = []

    def f(x):
        recorded.append(1)
        return fnp.sum(fnp.tanh(x) ** 2)
    jg = ft.jit(ft.grad(f))
    results, errors = {}, []

    def worker(k):
        try:
            started.wait()
            for j in range(20):
                x = rand(16, seed=k * 100 + j)
                results[(k, j)] = (jg(x), x)
        except Exception as exc:     # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(recorded) == 1
    for got, x in results.values():
        np.testing.assert_array_equal(got, ft.grad(f)(x))


def test_tensors_are_refused_with_a_clear_error():
    t = ft.tensor(np.ones(3))
    with pytest.raises(TypeError, match="functional_call"):
        ft.jit(lambda x: x * 2.0)(t)
    w = ft.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="Tensors"):
        ft.jit(lambda x: fnp.sum(x * w))(np.ones(3))


def test_functional_call_of_a_module():
    net = ft.nn.Sequential(ft.nn.Linear(3, 4), ft.nn.Tanh(), ft.nn.Linear(4, 1))
    params = {k: v.detach().numpy() for k, v in net.named_parameters()}

    def loss(p, x):
        return fnp.sum(ft.func.functional_call(net, p, (x,)) ** 2)
    step = ft.jit(ft.value_and_grad(loss))
    for seed in range(2):
        x = rand(5, 3, seed=seed, dtype=np.float32)
        value, g = step(params, x)
        v_eager, g_eager = ft.value_and_grad(loss)(params, x)
        assert value == v_eager
        for k in params:
            np.testing.assert_array_equal(g[k], g_eager[k])
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), params["0.weight"])


def test_results_held_by_the_caller_are_never_overwritten():
    """Large outputs come from reused buffers, but only from buffers nobody holds
    (results, or views of them, stay intact)."""
    jf = ft.jit(lambda x: (fnp.tanh(x), fnp.reshape(fnp.exp(x), (100, 100))))
    xs = [rand(10_000, seed=k) for k in range(4)]
    kept = [jf(x) for x in xs]
    for x, (t, e) in zip(xs, kept):
        np.testing.assert_array_equal(t, np.tanh(x))
        np.testing.assert_array_equal(e, np.exp(x).reshape(100, 100))
    view = jf(xs[0])[1][:10]          # a view keeps its buffer busy
    jf(xs[1])
    np.testing.assert_array_equal(view, np.exp(xs[0]).reshape(100, 100)[:10])
