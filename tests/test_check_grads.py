"""``functrace.testing.check_grads`` itself: it must catch wrong rules, at each order and
in each mode (the whole spec table relies on it)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import functrace.kernels as K
import functrace.numpy as fnp
from functrace.core import Primitive, concrete
from functrace.primitives.transcendental import cos_p, tanh_p
from functrace.testing import check_grads, numerical_jvp, reference_point, tolerances
from mutations import break_rules

X = (np.array([0.3, -1.1, 2.0]),)


def _sin_with(vjp=None, jvp=None):
    """An unregistered sine primitive with the given (possibly wrong) rules."""
    def good_vjp(ct, ins, out, argnum):
        return ct * cos_p.bind(ins[0])

    def good_jvp(primals, tangents, out):
        return tangents[0] * cos_p.bind(primals[0])
    return Primitive("test_sin", np.sin, vjp or good_vjp, jvp or good_jvp)


def test_correct_rules_pass():
    prim = _sin_with()
    check_grads(lambda x: prim.bind(x), X, order=2)


def test_wrong_vjp_is_caught_in_reverse_mode_only():
    prim = _sin_with(vjp=lambda ct, ins, out, argnum: ct * 1.01 * cos_p.bind(ins[0]))
    with pytest.raises(AssertionError, match="VJP"):
        check_grads(lambda x: prim.bind(x), X, order=1, modes=("rev",))
    check_grads(lambda x: prim.bind(x), X, order=1, modes=("fwd",))


def test_wrong_jvp_is_caught_in_forward_mode_only():
    prim = _sin_with(jvp=lambda p, t, out: t[0] * cos_p.bind(p[0]) + 1e-3)
    with pytest.raises(AssertionError, match="JVP"):
        check_grads(lambda x: prim.bind(x), X, order=1, modes=("fwd",))
    check_grads(lambda x: prim.bind(x), X, order=1, modes=("rev",))


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_non_differentiable_rule_is_caught_at_order_two(mode):
    """A rule that uses the concrete value (np.cos of a constant) is right at first
    order but kills the second derivative."""
    prim = _sin_with(vjp=lambda ct, ins, out, argnum: ct * np.cos(concrete(ins[0])),
                     jvp=lambda p, t, out: t[0] * np.cos(concrete(p[0])))
    check_grads(lambda x: prim.bind(x), X, order=1, modes=(mode,))
    with pytest.raises(AssertionError):
        check_grads(lambda x: prim.bind(x), X, order=2, modes=(mode,))


def test_numerical_jvp_is_central_difference():
    f = lambda x: x ** 3  # noqa: E731
    x, v, eps = np.array([2.0]), np.array([1.0]), 1e-3
    expected = ((2 + eps) ** 3 - (2 - eps) ** 3) / (2 * eps)   # 12 + eps^2
    np.testing.assert_allclose(numerical_jvp(f, (x,), (v,), eps), [expected], rtol=1e-12)


def test_pytree_arguments():
    check_grads(lambda d: fnp.sin(d["a"]) * d["b"][0], ({"a": np.ones(2), "b": (np.ones(2),)},))


# -- float32: checked against float64 differences, within float32 rounding -----------------

X32 = (np.array([0.3, -1.1, 2.0, 0.7], dtype=np.float32),)


@pytest.mark.parametrize("mode, what", [("rev", "VJP"), ("fwd", "JVP")])
def test_one_percent_float32_error_is_caught(mode, what, monkeypatch):
    """tanh's rules 1% off on float32 values only: the float64 check still passes
    (the error really is float32-only) and the float32 check fails."""
    break_rules(monkeypatch, tanh_p, "float32")
    check_grads(fnp.tanh, (X32[0].astype(np.float64),), order=2, modes=(mode,))
    with pytest.raises(AssertionError, match=what):
        check_grads(fnp.tanh, X32, order=1, modes=(mode,))


def test_one_percent_float32_error_in_a_second_derivative_is_caught(monkeypatch):
    """Our sine's rules call cos_p, whose own rules are 1% off in float32: the
    first derivative (cos's value) stays right, the second (cos's rule) does not."""
    prim = _sin_with()
    check_grads(lambda x: prim.bind(x), X32, order=2)
    break_rules(monkeypatch, cos_p, "float32")
    check_grads(lambda x: prim.bind(x), X32, order=1)
    with pytest.raises(AssertionError):
        check_grads(lambda x: prim.bind(x), X32, order=2)


def test_float32_tolerance_is_set_by_float32_rounding():
    eps, atol, rtol = tolerances(X32)
    assert atol == rtol == 1024 * np.finfo(np.float32).eps < 1e-3
    assert tolerances((np.ones(2),)) == (1e-5, 1e-6, 1e-5)
    assert reference_point(X32)[0].dtype == np.float64
    np.testing.assert_array_equal(reference_point(X32)[0], X32[0])


def test_float32_checks_pass_on_a_longer_correct_program():
    """Correct float32 rules pass the tight tolerance on a chain of many ops."""
    x = np.linspace(-1.5, 1.5, 12, dtype=np.float32).reshape(3, 4)
    w = np.linspace(0.5, 1.0, 4, dtype=np.float32)

    def f(x):
        h = fnp.tanh(x @ fnp.exp(-w[:, None] * w[None, :]))
        return fnp.sum(fnp.sin(h) * fnp.log1p(x * x) + fnp.sqrt(h * h + 1.0), axis=1)
    check_grads(f, (x,), order=2)


KERNEL_PROBE = r"""
import json
import numpy as np
import functrace.kernels as K
import functrace.numpy as fnp
from dataclasses import replace
from functrace.primitives.transcendental import tanh_p
from functrace.testing import check_grads

def tanh_off_in_float32(T):
    one, off = T(1), T(1.01 if T is np.float32 else 1.0)
    def tanh_d(out): return (one - out * out) * off
    return (tanh_d,)

tanh_p.kernel = replace(tanh_p.kernel, make=tanh_off_in_float32)
K.set_thresholds(min_size=0, min_work=0)
x = np.linspace(-1.5, 1.5, 8)
out = {}
for dtype in ("float64", "float32"):
    before = K.kernel_calls()
    try:
        check_grads(fnp.tanh, (x.astype(dtype),), order=1, modes=("rev",))
        out[dtype] = "passed"
    except AssertionError as exc:
        out[dtype] = str(exc).splitlines()[0]
    out[dtype + " kernel calls"] = K.kernel_calls() - before
print(json.dumps(out))
"""


@pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")
def test_one_percent_float32_error_in_a_kernel_derivative_is_caught(tmp_path):
    """In a fresh process with an empty kernel cache (so no kernel built earlier is
    reused), tanh's scalar kernel derivative is 1% off in float32; with the kernels
    forced on for tiny arrays, check_grads fails in float32 only."""
    env = dict(os.environ, FUNCTRACE_CACHE_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", KERNEL_PROBE], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["float64"] == "passed" and out["float64 kernel calls"] >= 1, out
    assert out["float32"].startswith("VJP:") and out["float32 kernel calls"] >= 1, out
