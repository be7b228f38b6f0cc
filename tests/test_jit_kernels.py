"""The Numba-lowered programs of ``functrace.jit``: fused kernels give the same
bits as the numpy calls they replace (forward and backward, every fusable op,
broadcasting patterns, NaN/±0/ties), are cached on disk (a second process loads
them), compile once when threads race, and ``FUNCTRACE_NUMBA=0`` gives a
pure-numpy replay. The whole spec table is checked with the numpy replay in
tests/test_jit_specs.py; here a few programs cover every fusable op, so that CI
compiles a handful of kernels, not one per spec row."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import functrace as ft
import functrace.kernels as K
import functrace.numpy as fnp
from functrace.jit import kernel as jit_kernel

pytestmark = pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")

DTYPES = ["float64", "float32"]


@pytest.fixture(autouse=True)
def kernels_for_every_size():
    """The programs here are small: build kernels whatever the size policy says."""
    previous = K.set_thresholds(min_size=0, min_work=0)
    yield
    K.set_thresholds(**previous)


def rand(shape, seed=0, dtype="float64", lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(dtype)


def eager(fn, *args):
    """The reference: eager mode with the composite rules (no backward kernels)."""
    with K.enabled(False):
        return fn(*args)


def assert_bitwise(got, want):
    for g, w in zip(ft.tree_leaves(got), ft.tree_leaves(want)):
        assert np.result_type(g) == np.result_type(w) and np.shape(g) == np.shape(w)
        np.testing.assert_array_equal(g, w)


def check(fn, *arg_sets):
    """jit(fn) on each argument set (record, then replays) against eager, bitwise;
    returns the number of kernels in the program."""
    jitted = ft.jit(fn)
    for args in arg_sets:
        assert_bitwise(jitted(*args), eager(fn, *args))
    info = jitted.cache_info()
    assert info["recordings"] == 1
    return info["kernels"]


def unary_soup(x):
    """Every fusable unary op, differentiable ones on the gradient path."""
    y = x * x - x / 3.0 + fnp.sqrt(x * x + 1.0) - fnp.abs(x) + fnp.reciprocal(x + 5.0)
    y = y + fnp.square(x) + fnp.maximum(x, 0.25) + fnp.minimum(x, -0.25)
    y = y + fnp.clip(x, -0.5, 0.75) + fnp.where(x > 0.1, x, -x * 2.0)
    y = y + x ** 2 + fnp.abs(x) ** 0.5 + (x + 5.0) ** -1 + x ** 1 + x ** 0
    y = y + fnp.sign(x) * fnp.floor(x) + fnp.ceil(x) * fnp.trunc(x) - (-x)
    y = y + fnp.astype(fnp.logical_and(x > -1.0, fnp.logical_not(x > 1.0)), x.dtype)
    y = y + fnp.astype(fnp.logical_or(x < -1.5, x >= 1.5), x.dtype)
    y = y + fnp.astype(fnp.logical_xor(x <= 0.0, x != 0.5), x.dtype)
    y = y + fnp.fmax(x, 0.0) - fnp.fmin(x, 0.0) + ft.stop_gradient(x) * x
    return fnp.sum(y * y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_fusable_op_forward_and_backward(dtype):
    fn = ft.value_and_grad(unary_soup)
    assert check(fn, (rand(64, 0, dtype),), (rand(64, 1, dtype),)) >= 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_zero_and_ties(dtype):
    special = np.array([np.nan, 0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, 0.25, 2.0],
                       dtype=dtype)

    def fn(x, y):
        return (fnp.maximum(x, y) + fnp.minimum(x, y) * 2.0, fnp.fmax(x, y) - fnp.fmin(x, y),
                fnp.sign(x) * 1.0 + fnp.where(x > y, x, y) * 1.0,
                fnp.astype(fnp.isnan(x + y), x.dtype) + fnp.astype(fnp.isinf(x), x.dtype),
                fnp.clip(x, -0.5, y) * 1.0 + x / y)
    with np.errstate(all="ignore"):
        assert check(fn, (special, special[::-1].copy()), (special[::-1].copy(), special)) >= 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_broadcasting_patterns(dtype):
    def fn(m, row, col, s, cube):
        a = (m * row + col) * s - m / (row + 3.0)            # full, row, column, scalar
        b = cube * cube + cube[:, :1, :] * 2.0               # a collapsed 3-d pattern
        return a * a + m, fnp.sum(b * 0.5 + 1.0)
    args = [(rand((6, 5), k, dtype), rand(5, k + 1, dtype), rand((6, 1), k + 2, dtype),
             np.asarray(rand((), k + 3, dtype)), rand((3, 4, 2), k + 4, dtype))
            for k in range(2)]
    assert check(fn, *args) >= 2
    assert check(ft.grad(lambda *a: fn(*a)[1] + fnp.sum(fn(*a)[0]), argnums=(0, 1, 2)),
                 *args) >= 1


def test_layouts_and_python_scalars():
    def fn(x, s):
        return (x * s + 1.0) * x - s
    x = rand((4, 3))
    assert check(fn, (x, 2.5), (np.asfortranarray(x), 0.5), (x.T.copy().T, 1.5)) >= 1
    x32 = rand((4, 3), dtype="float32")
    out = ft.jit(fn)(x32, 2.5)
    assert out.dtype == np.float32


def test_mlp_step_matches_eager():
    rng = np.random.default_rng(0)
    p = {"W1": rng.standard_normal((8, 16)).astype(np.float32) / 3,
         "b1": np.zeros(16, np.float32),
         "W2": rng.standard_normal((16, 4)).astype(np.float32) / 4,
         "b2": np.zeros(4, np.float32)}
    x = rng.uniform(0, 1, (32, 8)).astype(np.float32)
    onehot = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 32)]

    def loss(p, x, t):
        h = fnp.tanh(x @ p["W1"] + p["b1"])
        z = h @ p["W2"] + p["b2"]
        return -fnp.sum(t * (z - fnp.log(fnp.sum(fnp.exp(z), axis=1, keepdims=True)))) / 32

    def step(p, x, t):
        value, g = ft.value_and_grad(loss)(p, x, t)
        return value, {k: p[k] - 0.1 * g[k] for k in p}
    jstep = ft.jit(step)
    p_e, p_j = dict(p), dict(p)
    for _ in range(3):
        v_e, p_e = eager(step, p_e, x, onehot)
        v_j, p_j = jstep(p_j, x, onehot)
        assert_bitwise((v_j, p_j), (v_e, p_e))
    assert jstep.cache_info()["kernels"] >= 1


# -- threads and processes ------------------------------------------------------------------

def test_threads_compile_a_new_kernel_once():
    n_adds = 37 + (os.getpid() % 50)        # a program no other test builds

    def fn(x):
        for k in range(n_adds):
            x = x * 1.0001 + k
        return x
    before = jit_kernel.compiled_count()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker(seed):
        try:
            jitted = ft.jit(fn)               # separate caches: the kernel cache is shared
            x = rand(50, seed)
            barrier.wait()
            results.append((jitted(x), jitted(x), x))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert jit_kernel.compiled_count() == before + 1
    for first, second, x in results:
        assert_bitwise(first, eager(fn, x))
        assert_bitwise(second, eager(fn, x))


PROBE = r"""
import json, sys
import numpy as np
import functrace as ft, functrace.numpy as fnp, functrace.kernels as K
from functrace.jit import kernel
K.set_thresholds(min_size=0, min_work=0)
g = ft.jit(ft.grad(lambda x: fnp.sum(((x * x + 3.0 * x) * x - 2.0 * x) * 0.5 + x)))
x = np.linspace(-1, 1, 1000)
ok = bool(np.array_equal(g(x), g(x))) and bool(np.allclose(g(x), ((2 * x + 3) * x
     + (x * x + 3 * x) - 2) * 0.5 + 1, rtol=1e-14, atol=1e-14))
print(json.dumps({"ok": ok, "numba": "numba" in sys.modules, "kernels": g.cache_info()["kernels"],
                  "disk": kernel.disk_cache_stats()}))
"""


def probe(**env: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE], env=dict(os.environ, **env),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_second_process_loads_kernels_from_disk(tmp_path):
    first = probe(FUNCTRACE_CACHE_DIR=str(tmp_path))
    assert first == {**first, "ok": True, "kernels": 1}
    assert first["disk"]["misses"] >= 1 and first["disk"]["hits"] == 0
    second = probe(FUNCTRACE_CACHE_DIR=str(tmp_path))
    assert second == {**second, "ok": True, "kernels": 1,
                      "disk": {"hits": first["disk"]["misses"], "misses": 0}}


def test_numba_off_is_a_numpy_replay(tmp_path):
    out = probe(FUNCTRACE_NUMBA="0", FUNCTRACE_CACHE_DIR=str(tmp_path))
    assert out == {**out, "ok": True, "numba": False, "kernels": 0}


@pytest.mark.parametrize("dtype", DTYPES)
def test_sums_over_leading_axes_are_fused_bitwise(dtype):
    """A sum over the rows of a fused run (a bias gradient) accumulates in the
    kernel, row after row as numpy does: the same bits. Sums over the last axis or
    over everything keep numpy's pairwise summation."""
    def fn(m, row, cube):
        a = m * row + 1.5
        b = cube * 2.0 - cube * cube
        return (fnp.sum(a * a, axis=0), fnp.sum(a, axis=0, keepdims=True), fnp.sum(a, axis=1),
                fnp.sum(b, axis=(0, 1)), fnp.sum(b), fnp.sum(b * 3.0, axis=0))
    args = [(rand((300, 7), k, dtype), rand(7, k + 1, dtype), rand((5, 6, 4), k + 2, dtype))
            for k in range(2)]
    check(fn, *args)
    jitted = ft.jit(fn)
    jitted(*args[0])
    text = jitted.tape(*args[0])
    kernel_part = text.split("  in (")[0]
    assert "| " in kernel_part and "reduce_sum[axes=(0,)" in kernel_part


def test_fastmath_is_opt_in_and_close():
    def fn(x):
        return ft.grad(lambda v: fnp.sum(((v * v + 3.0 * v) * v - 2.0 * v) * 0.5 + v))(x)
    x = rand(1000, 3)
    fast = ft.jit(fn, fastmath=True)
    np.testing.assert_allclose(fast(x), eager(fn, x), rtol=1e-14, atol=1e-14)
    assert fast.cache_info()["kernels"] == 1
    assert_bitwise(ft.jit(fn)(x), eager(fn, x))
