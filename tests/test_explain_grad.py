"""``functrace.explain_grad``: every cause of a zero, None or NaN gradient, each
reported at the user's source line."""
import inspect
import os
import warnings

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace import nn

HERE = os.path.abspath(__file__)


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def marked_line(fn, marker):
    """The line of ``fn``'s source that carries the comment ``# <marker>``."""
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, text in enumerate(lines) if text.rstrip().endswith(f"# {marker}")]
    assert len(hits) == 1, marker
    return hits[0]


def only_cause(report, status, kind):
    assert report.status == status, report
    kinds = [c.kind for c in report.causes]
    assert kind in kinds, report
    return report.causes[kinds.index(kind)]


def assert_at_users_line(cause, fn, marker):
    line = marked_line(fn, marker)
    assert cause.source is not None, cause
    assert (cause.source.file, cause.source.line) == (HERE, line)
    assert f"test_explain_grad.py:{line}" in str(cause)


# -- the functional face --------------------------------------------------------------

def test_output_does_not_depend_on_it():
    def loss(x, y):
        return fnp.sum(x * 2.0)
    report = ft.explain_grad(loss, argnums=(0, 1))(np.ones(2), np.ones(2))
    assert report[0].status == "flows"
    np.testing.assert_allclose(report[0].gradient, [2.0, 2.0])
    cause = only_cause(report["argument 1"], "disconnected", "no_dependence")
    assert cause.source is None and "does not depend" in str(report)


def stopped(x):
    return fnp.sum(ft.stop_gradient(x) * 3.0)  # stop


def compared(x):
    mask = x > 0.0  # compare
    return fnp.sum(mask * 1.0)


def cast(x):
    return fnp.sum(x.astype(np.int64) * 1.0)  # cast


def floored(x):
    return fnp.sum(fnp.floor(x))  # floor


def branched(x):
    if fnp.sum(x) > 0:  # branch
        return 1.0
    return 0.0


@pytest.mark.parametrize("fn, marker, kind", [
    (stopped, "stop", "stop_gradient"),
    (compared, "compare", "comparison"),
    (cast, "cast", "integer_cast"),
    (floored, "floor", "piecewise_constant"),
    (branched, "branch", "comparison"),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_gradient_stops_at_the_users_line(fn, marker, kind, dtype):
    report = ft.explain_grad(fn)(np.array([1.5, 2.0], dtype))
    # floor has a rule that returns zeros (as PyTorch's): connected, but zero
    cause = only_cause(report[0], "zero" if fn is floored else "disconnected", kind)
    assert_at_users_line(cause, fn, marker)
    np.testing.assert_array_equal(ft.grad(fn)(np.array([1.5, 2.0], dtype)), 0.0)


def test_an_integer_input():
    report = ft.explain_grad(lambda x: fnp.sum(x * 1.0))(np.arange(3))
    cause = only_cause(report[0], "integer", "integer_dtype")
    assert "int64" in str(cause) and "astype(float)" in str(cause)


def test_float_of_a_traced_value_is_already_an_error():
    def loss(x):
        return fnp.sum(x) * float(fnp.sum(x))
    with pytest.raises(TypeError, match="float"):
        ft.explain_grad(loss)(np.ones(2))


def relu_loss(x):
    return fnp.sum(fnp.maximum(x, 0.0))  # relu


def test_a_rule_zeroes_the_gradient():
    report = ft.explain_grad(relu_loss)(-np.ones(3))
    cause = only_cause(report[0], "zero", "zero_derivative")
    assert "maximum" in str(cause)
    assert_at_users_line(cause, relu_loss, "relu")


def test_contributions_cancel():
    report = ft.explain_grad(lambda x: fnp.sum(x * 2.0 - x - x))(np.ones(2))
    only_cause(report[0], "zero", "cancellation")


def log_loss(x):
    y = fnp.log(x)  # log
    return fnp.sum(y * 0.0 + x)


def sqrt_loss(x):
    return fnp.sum(fnp.sqrt(x))  # sqrt


@pytest.mark.parametrize("fn, marker, phase", [(log_loss, "log", "forward"),
                                               (sqrt_loss, "sqrt", "backward pass")])
def test_nan_gradient_names_where_it_entered(fn, marker, phase):
    report = ft.explain_grad(fn)(np.array([0.0, 1.0]))
    cause = only_cause(report[0], "nan", "nan")
    assert phase in str(cause)
    assert_at_users_line(cause, fn, marker)
    assert not np.isfinite(report[0].gradient).all()


def test_pytree_leaves_are_named_and_argnums_respected():
    def loss(params, scale):
        return params["a"] * scale + fnp.sum(ft.stop_gradient(params["b"]))
    report = ft.explain_grad(loss, argnums=0)({"a": 1.0, "b": np.ones(2)}, 3.0)
    assert [r.name for r in report] == ["argument 0['a']", "argument 0['b']"]
    assert [r.status for r in report] == ["flows", "disconnected"]
    np.testing.assert_allclose(report[0].gradient, 3.0)
    assert "argument 0['b']" in str(report)


def test_explaining_raises_nothing_and_leaves_debugging_off():
    ft.explain_grad(log_loss)(np.array([0.0]))
    assert not ft.is_debug_nans_enabled()
    assert np.isnan(ft.grad(log_loss)(np.array([0.0]))).all()     # no error: debugging is off


def test_bad_callable():
    with pytest.raises(TypeError):
        ft.explain_grad(3)


# -- the Tensor facade ----------------------------------------------------------------

def test_requires_grad_false():
    x = ft.tensor([1.0, 2.0])
    w = ft.tensor([1.0, 1.0], requires_grad=True)
    report = ft.explain_grad(lambda x, w: (x * w).sum(), argnums=(0, 1))(x, w)
    only_cause(report[0], "disconnected", "requires_grad_false")
    assert report[1].status == "flows"
    np.testing.assert_allclose(report[1].gradient, [1.0, 2.0])


def detached(w):
    return (w.detach() * 2).sum()  # detach


def in_no_grad(w):
    with ft.no_grad():
        y = w * 2  # no_grad
    return (y + 1).sum()


def python_value(w):
    s = float(w.sum())  # float
    return ft.tensor([s, 1.0]).sum()


def item_value(w):
    s = w.sum().item()  # item
    return ft.tensor([s, 1.0]).sum()


def int_value(w):
    n = int(w.sum())  # int
    return ft.tensor([n, 1.0]).sum()


def facade_compare(w):
    return ((w > 0).float() * 2).sum()  # compare


@pytest.mark.parametrize("fn, marker, kind", [
    (detached, "detach", "detach"),
    (in_no_grad, "no_grad", "no_grad"),
    (python_value, "float", "python_conversion"),
    (item_value, "item", "python_conversion"),
    (int_value, "int", "python_conversion"),
    (facade_compare, "compare", "comparison"),
])
def test_facade_the_gradient_stops_at_the_users_line(fn, marker, kind):
    w = ft.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)        # float() of a tensor that requires grad
        report = ft.explain_grad(fn)(w)
    cause = only_cause(report[0], "disconnected", kind)
    assert_at_users_line(cause, fn, marker)
    assert w.grad is None                                   # explaining does not accumulate


def test_a_non_leaf_tensor_without_retain_grad():
    w = ft.tensor([1.0], requires_grad=True)
    h = w * 2
    report = ft.explain_grad(lambda h: (h * 3).sum())(h)
    cause = only_cause(report[0], "flows", "non_leaf")
    assert "retain_grad()" in str(cause) and "MulBackward0" in str(cause)
    h.retain_grad()
    report = ft.explain_grad(lambda h: (h * 3).sum())(h)
    assert report[0].causes == []


def test_a_frozen_parameter():
    lin = nn.Linear(2, 1)
    lin.bias.requires_grad_(False)
    report = ft.explain_grad(lambda m: m(ft.ones(3, 2)).sum())(lin)
    assert [r.name for r in report] == ["argument 0: weight", "argument 0: bias"]
    assert report[0].status == "flows"
    only_cause(report[1], "disconnected", "frozen_parameter")
    assert lin.weight.grad is None


def facade_sqrt(w):
    return w.sqrt().sum()  # sqrt


def facade_log(w):
    return (w.log() * 0 + w).sum()  # log


@pytest.mark.parametrize("fn, marker, phase", [(facade_sqrt, "sqrt", "backward pass"),
                                               (facade_log, "log", "forward")])
def test_facade_nan_names_where_it_entered(fn, marker, phase):
    report = ft.explain_grad(fn)(ft.tensor([0.0, 1.0], requires_grad=True))
    cause = only_cause(report[0], "nan", "nan")
    assert phase in str(cause)
    assert_at_users_line(cause, fn, marker)


def facade_relu(w):
    return w.relu().sum()  # relu


def test_facade_a_rule_zeroes_the_gradient():
    report = ft.explain_grad(facade_relu)(ft.tensor([-1.0, -2.0], requires_grad=True))
    cause = only_cause(report[0], "zero", "zero_derivative")
    assert_at_users_line(cause, facade_relu, "relu")


def test_the_grad_is_none_warning_mentions_explain_grad():
    w = ft.tensor([1.0], requires_grad=True)
    h = w * 2
    (h * 3).sum().backward()
    with pytest.warns(UserWarning, match="explain_grad"):
        assert h.grad is None


def test_backward_of_a_tensor_without_grad_points_to_explain_grad():
    w = ft.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not have a grad_fn.*explain_grad"):
        ((w > 0) * 1.0).sum().backward()


# -- custom rules, checkpoints, autograd.Function -----------------------------------------

@ft.custom_vjp
def zero_rule(x):
    return fnp.sin(x)


zero_rule.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (g * 0.0,))


class ZeroBackward(ft.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2.0

    @staticmethod
    def backward(ctx, g):
        return g * 0.0


def through_custom_vjp(x):
    return fnp.sum(zero_rule(x))  # custom


def facade_custom_vjp(w):
    return zero_rule(w).sum()  # custom


def facade_function(w):
    return ZeroBackward.apply(w).sum()  # function


@pytest.mark.parametrize("fn, marker, make", [
    (through_custom_vjp, "custom", np.ones),
    (facade_custom_vjp, "custom", lambda n: ft.ones(n, requires_grad=True)),
    (facade_function, "function", lambda n: ft.ones(n, requires_grad=True)),
])
def test_a_custom_rule_that_returns_zeros(fn, marker, make):
    report = ft.explain_grad(fn)(make(2))
    cause = only_cause(report[0], "zero", "zero_derivative")
    assert_at_users_line(cause, fn, marker)


@pytest.mark.parametrize("make", [np.ones, lambda n: ft.ones(n, requires_grad=True)])
def test_gradients_flow_through_checkpoints_and_custom_calls(make):
    def loss(x):
        y = ft.checkpoint(lambda v: fnp.sin(v) * 2.0)(x)
        return fnp.sum(y)
    report = ft.explain_grad(loss)(make(3))
    assert report[0].status == "flows" and report[0].causes == []
    np.testing.assert_allclose(np.asarray(report[0].gradient), 2.0 * np.cos(np.ones(3)))
