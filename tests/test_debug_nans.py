"""``functrace.debug_nans``: the first NaN/inf produced raises, naming the user's line."""
import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace.debugging.mode import OFF

HERE = os.path.abspath(__file__)


def line_of(marker: str) -> int:
    """The line of this file that ends with ``# <marker>``."""
    with open(HERE) as fh:
        hits = [i for i, line in enumerate(fh, 1) if line.rstrip().endswith(f"# {marker}")]
    assert len(hits) == 1, marker
    return hits[0]


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def raised(fn, *args):
    with ft.debug_nans():
        with pytest.raises(FloatingPointError) as info:
            fn(*args)
    err = info.value
    assert isinstance(err, ft.NonFiniteError) and isinstance(err, RuntimeError)
    return err


def assert_at(err, marker):
    assert err.source is not None
    assert (err.source.file, err.source.line) == (HERE, line_of(marker))
    assert f"{HERE}:{line_of(marker)}" in str(err)


# -- the five messages of the issue -----------------------------------------------------

def log_loss(x):
    y = fnp.log(x)  # log-forward
    return fnp.sum(y * 2.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_of_zero_in_the_forward_pass(dtype):
    err = raised(ft.grad(log_loss), np.array([1.0, 0.0, 3.0], dtype))
    assert (err.phase, err.primitive) == ("forward", "log")
    assert_at(err, "log-forward")
    text = str(err)
    assert "log produced -inf in the forward pass" in text
    assert "[1] -inf" in text and "input 0" in text and "0.0" in text


def sqrt_loss(x):
    r = fnp.sqrt(x)  # sqrt-vjp
    return fnp.sum(r)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sqrt_vjp_at_zero_in_the_backward_pass(dtype):
    err = raised(ft.grad(sqrt_loss), np.array([1.0, 0.0], dtype))
    assert (err.phase, err.primitive, err.argnum) == ("vjp", "sqrt", 0)
    assert_at(err, "sqrt-vjp")
    assert "the VJP rule of sqrt produced inf" in str(err)
    assert "saved output" in str(err)


@ft.custom_vjp
def cube_root(x):
    return fnp.cbrt(x)


def cube_root_fwd(x):
    y = fnp.cbrt(x)
    return y, y


def cube_root_bwd(y, ct):
    return (ct / (3.0 * y * y),)


cube_root.defvjp(cube_root_fwd, cube_root_bwd)


def custom_loss(x):
    return fnp.sum(cube_root(x))  # custom-call


def test_custom_vjp_rule_in_the_backward_pass():
    err = raised(ft.grad(custom_loss), np.array([8.0, 0.0]))
    assert (err.phase, err.primitive) == ("vjp", "custom_vjp")
    assert_at(err, "custom-call")
    code = cube_root_bwd.__code__
    assert f"cube_root_bwd at {code.co_filename}:{code.co_firstlineno}" in str(err)


def test_inside_a_compiled_kernel():
    pytest.importorskip("numba")
    from functrace import kernels
    if not kernels.policy._state["enabled"]:
        pytest.skip("kernels switched off")
    before = kernels.kernel_calls()

    def loss(x):
        t = fnp.tanh(x) * 2.0
        return fnp.sum(fnp.sqrt(t))  # kernel-sqrt

    x = np.linspace(0.0, 1.0, 50_000)
    err = raised(ft.grad(loss), x)
    assert (err.phase, err.primitive, err.argnum) == ("kernel", "sqrt", 0)
    assert kernels.kernel_calls() > before          # the kernel ran, and found it
    assert_at(err, "kernel-sqrt")
    assert "element 0 (flat index)" in str(err) and "inf" in str(err)
    np.testing.assert_allclose(ft.grad(loss)(x[1:]), ft.grad(loss)(x[1:]))


def test_in_the_tensor_facade():
    x = ft.tensor([4.0, 0.0], requires_grad=True)
    with ft.autograd.detect_anomaly():
        y = x.sqrt()  # facade-sqrt
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert (err.phase, err.primitive, err.node) == ("vjp", "sqrt", "SqrtBackward0")
    assert_at(err, "facade-sqrt")


def test_facade_forward():
    x = ft.tensor([1.0, -1.0], requires_grad=True)
    with ft.debug_nans():
        with pytest.raises(FloatingPointError) as info:
            (x.log() * 2).sum()  # facade-log
    assert (info.value.phase, info.value.primitive) == ("forward", "log")
    assert_at(info.value, "facade-log")


# -- transforms --------------------------------------------------------------------------

def test_under_vmap_and_nested_transforms():
    err = raised(ft.vmap(ft.grad(lambda x: fnp.sqrt(x))), np.array([1.0, 0.0]))  # vmap-grad
    assert (err.phase, err.primitive) == ("vjp", "sqrt")
    assert_at(err, "vmap-grad")
    err = raised(ft.vmap(lambda x: fnp.log(x)), np.array([1.0, 0.0]))  # vmap-log
    assert (err.phase, err.primitive) == ("forward", "log")
    assert_at(err, "vmap-log")
    err = raised(ft.grad(ft.grad(lambda x: x * fnp.sqrt(x))), 0.0)  # grad-grad
    assert err.phase == "vjp" and err.primitive in ("sqrt", "divide", "multiply")
    assert_at(err, "grad-grad")


def test_jvp_rule():
    err = raised(ft.jvp, lambda x: fnp.sqrt(x), (np.array([1.0, 0.0]),), (np.ones(2),))
    assert (err.phase, err.primitive) == ("jvp", "sqrt")
    assert "the JVP rule of sqrt produced inf" in str(err)


def test_higher_order_equations_keep_the_users_line():
    def f(x):
        return fnp.sin(x) * x  # higher-order

    with ft.debug_nans():
        tape = ft.make_tape(ft.grad(f))(1.0)
    assert tape.eqns and all(e.source.line == line_of("higher-order") for e in tape.eqns)
    assert any("VJP rule" in (e.source.via or "") for e in tape.eqns)


def test_no_false_alarms_and_same_results():
    def f(x):
        masked = fnp.where(x > 0, x, -np.inf)           # an inf that was already there
        probs = fnp.exp(masked - fnp.max(masked))       # exp(-inf) = 0: fine
        return fnp.sum(probs * x) + fnp.sum(fnp.sin(x) ** 2)

    x = np.array([1.0, -2.0, 3.0])
    expect = ft.grad(f)(x)
    with ft.debug_nans():
        got = ft.grad(f)(x)
        h = ft.hessian(lambda v: fnp.sum(fnp.tanh(v) ** 3))(x)
    np.testing.assert_array_equal(got, expect)
    np.testing.assert_allclose(h, ft.hessian(lambda v: fnp.sum(fnp.tanh(v) ** 3))(x))


def test_a_masked_singularity_inside_a_library_rule_is_not_reported():
    # maximum's and abs's rules compare and mask; clip's rule masks: nothing non-finite
    with ft.debug_nans():
        g = ft.grad(lambda x: fnp.sum(fnp.abs(x) + fnp.clip(x, -1, 1)))(np.array([0.0, 2.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_nan_that_only_passes_through_is_not_reported_again():
    with ft.debug_nans():
        with pytest.raises(FloatingPointError) as info:
            ft.grad(lambda x: fnp.sum(fnp.exp(fnp.log(x)) * 3.0))(np.array([-1.0]))
    assert info.value.primitive == "log"         # not exp or multiply


# -- switches ----------------------------------------------------------------------------

def test_off_by_default_and_debug_nans_false_inside():
    assert not ft.is_debug_nans_enabled()
    ft.grad(sqrt_loss)(np.array([0.0]))                 # no error
    with ft.debug_nans():
        assert ft.is_debug_nans_enabled()
        with ft.debug_nans(False):
            ft.grad(sqrt_loss)(np.array([0.0]))
    assert not ft.is_debug_nans_enabled()


def test_config_and_its_jax_spelling():
    try:
        ft.config.debug_nans = True
        with pytest.raises(FloatingPointError):
            ft.grad(sqrt_loss)(np.array([0.0]))
        with ft.debug_nans(False):
            ft.grad(sqrt_loss)(np.array([0.0]))
        ft.config.update("jax_debug_nans", False)
        ft.grad(sqrt_loss)(np.array([0.0]))
        with pytest.raises(AttributeError, match="debug_nans"):
            ft.config.update("debug_infs", True)
    finally:
        ft.config.debug_nans = False
        ft.config.debug_source = False


def test_environment_variable():
    code = ("import numpy as np, functrace as ft, functrace.numpy as fnp\n"
            "try:\n    ft.grad(lambda x: fnp.sqrt(x))(0.0)\n"
            "except FloatingPointError as e:\n    print('raised', e.primitive)\n")
    env = {**os.environ, "FUNCTRACE_DEBUG_NANS": "1"}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "raised sqrt"


def test_decorator_forms():
    @ft.debug_nans
    def bare():
        return ft.grad(sqrt_loss)(np.array([0.0]))

    @ft.debug_nans()
    def called():
        return ft.grad(sqrt_loss)(np.array([0.0]))

    for fn in (bare, called):
        with pytest.raises(FloatingPointError):
            fn()
    assert not ft.is_debug_nans_enabled()


def test_per_thread_like_grad_mode():
    seen = []
    with ft.debug_nans():
        t = threading.Thread(target=lambda: seen.append(ft.is_debug_nans_enabled()))
        t.start()
        t.join()
    assert seen == [False]


def test_set_detect_anomaly_plain_call_and_torch_names():
    from functrace.grad_mode import call_with_debug

    def body():
        ft.autograd.set_detect_anomaly(True)
        assert ft.autograd.is_anomaly_enabled() and ft.autograd.is_anomaly_check_nan_enabled()
        assert ft.is_grad_enabled()
        ft.autograd.set_detect_anomaly(False)
        assert not ft.autograd.is_anomaly_enabled()

    call_with_debug(OFF, body)          # (in a copy of the context: nothing leaks)
    assert not ft.autograd.is_anomaly_enabled()
    with ft.autograd.detect_anomaly(check_nan=False):
        assert ft.autograd.is_anomaly_enabled() and not ft.is_debug_nans_enabled()


def test_jit_runs_eagerly_under_debug_nans():
    @ft.jit
    def f(x):
        return ft.grad(sqrt_loss)(x)

    x = np.array([1.0, 4.0])
    f(x)
    f(x)                                   # recorded and replayed
    calls = f.stats()["recordings"] if hasattr(f, "stats") else None
    with ft.debug_nans():
        with pytest.raises(FloatingPointError) as info:
            f(np.array([1.0, 0.0]))
    assert_at(info.value, "sqrt-vjp")
    if calls is not None:
        assert f.stats()["recordings"] == calls      # no new recording: it ran eagerly


def test_make_tape_with_source_lines():
    def f(x):
        y = fnp.sin(x)  # tape-sin
        return fnp.sum(y)

    tape = ft.make_tape(f, source=True)(np.ones(2))
    assert tape.eqns[0].source.line == line_of("tape-sin")
    assert "test_debug_nans.py:%d  y = fnp.sin(x)" % line_of("tape-sin") in str(tape)
    assert not hasattr(ft.make_tape(f)(np.ones(2)).eqns[0], "source")
