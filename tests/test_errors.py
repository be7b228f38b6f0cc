"""Clear errors, raised at the call that caused them."""
from __future__ import annotations

import re

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import (UnexpectedTracerError, elementwise_grad, grad, hessian, jacfwd, jacrev,
                       jvp, value_and_grad, vjp)


# -- grad of a non-scalar ----------------------------------------------------------------

def test_grad_of_non_scalar_output():
    with pytest.raises(TypeError, match=r"shape \(2, 3\).*(jacobian.*vjp|vjp.*jacobian)"):
        grad(lambda x: x * 2.0)(np.ones((2, 3)))


def test_grad_of_several_outputs():
    with pytest.raises(TypeError, match="vjp|jacobian"):
        grad(lambda x: (x, x))(1.0)


def test_grad_of_boolean_output():
    with pytest.raises(TypeError, match="floating-point output"):
        grad(lambda x: x > 0)(1.0)


# -- non-float inputs --------------------------------------------------------------------

@pytest.mark.parametrize("bad, dtype", [(np.array([1, 2]), "int64"), (3, "int64"),
                                        (True, "bool"), (np.array([True]), "bool")])
def test_grad_integer_or_boolean_input_names_the_argument(bad, dtype):
    def f(x, count):
        return fnp.sum(x * count)
    with pytest.raises(TypeError, match=rf"argument 1 \('count'\).*{dtype}"):
        grad(f, argnums=1)(1.0, bad)
    with pytest.raises(TypeError, match=rf"argument 1 \('count'\).*{dtype}"):
        grad(f, argnums=(0, 1))(1.0, bad)


def test_integer_leaf_inside_pytree_names_its_argument():
    def f(scale, params):
        return params["w"] * scale
    with pytest.raises(TypeError, match=r"argument 1 \('params'\)"):
        grad(f, argnums=1)(2.0, {"w": 1.0, "n": 3})
    with pytest.raises(TypeError, match=r"vjp.*argument 1 \('params'\)"):
        vjp(f, 2.0, {"w": 1.0, "n": 3})
    with pytest.raises(TypeError, match=r"jvp.*argument 1 \('params'\)"):
        jvp(f, (2.0, {"w": 1.0, "n": 3}), (1.0, {"w": 1.0, "n": 1.0}))


@pytest.mark.parametrize("transform", [jacrev, jacfwd, hessian, elementwise_grad])
def test_integer_input_to_jacobians_names_the_users_argument(transform):
    def f(values):
        return values * 2.0
    with pytest.raises(TypeError, match=r"argument 0 \('values'\).*int64"):
        transform(f)(np.array([1, 2]))


def test_jacobian_argnums_names_the_right_argument():
    with pytest.raises(TypeError, match=r"argument 1 \('y'\)"):
        jacrev(lambda x, y: x * y, argnums=1)(np.ones(2), np.array([1, 2]))


def test_integer_argument_outside_argnums_is_fine():
    assert grad(lambda x, n: x ** n)(2.0, 3) == 12.0


def test_non_numeric_input():
    with pytest.raises(TypeError):
        grad(lambda x: x)(object())
    with pytest.raises(TypeError):
        grad(lambda x: x)("text")


# -- argnums -----------------------------------------------------------------------------

@pytest.mark.parametrize("argnums", [2, -3, (0, 2), (5,)])
def test_argnums_out_of_range(argnums):
    with pytest.raises(ValueError, match="argnums"):
        grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)
    with pytest.raises(ValueError, match="argnums"):
        jacrev(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)
    with pytest.raises(ValueError, match="argnums"):
        jacfwd(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


# -- structure mismatches ----------------------------------------------------------------

def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match="has_aux"):
        grad(lambda x: x, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="has_aux"):
        value_and_grad(lambda x: (x, 1, 2), has_aux=True)(1.0)


def test_vjp_cotangent_shape_mismatch():
    _, f_vjp = vjp(lambda x: x * 2.0, np.ones(2))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        f_vjp(np.ones(3))


def test_jvp_argument_errors():
    with pytest.raises(TypeError, match="tuples"):
        jvp(lambda x: x, 1.0, 1.0)
    with pytest.raises(ValueError, match="shape"):
        jvp(lambda x: x, (1.0,), (np.ones(2),))


# -- escaped tracers ---------------------------------------------------------------------

def _leak(transform):
    leaked = []

    def f(x):
        leaked.append(x)
        return x * 2.0
    if transform == "grad":
        grad(f)(1.0)
    elif transform == "jvp":
        jvp(f, (1.0,), (1.0,))
    else:
        vjp(f, 1.0)
    return leaked[0]


@pytest.mark.parametrize("transform", ["grad", "jvp", "vjp"])
@pytest.mark.parametrize("use", [
    lambda t: t + 1.0,
    lambda t: 2.0 * t,
    lambda t: fnp.sin(t),
    lambda t: np.sin(t),
    lambda t: np.sum(t),
    lambda t: np.asarray(t),
    lambda t: grad(lambda y: y * t)(1.0),
    lambda t: jvp(lambda y: y + t, (1.0,), (1.0,)),
], ids=["add", "rmul", "fnp.sin", "np.sin", "np.sum", "np.asarray", "inside-grad",
        "inside-jvp"])
def test_escaped_tracer_used_later(transform, use):
    tracer = _leak(transform)
    with pytest.raises(UnexpectedTracerError, match="escaped"):
        use(tracer)


def test_unexpected_tracer_error_is_public():
    assert functrace.UnexpectedTracerError is UnexpectedTracerError
    assert issubclass(UnexpectedTracerError, Exception)


# -- shape errors keep numpy's message ---------------------------------------------------

def _numpy_message(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("op, np_op", [
    (lambda x: x + np.ones(4), lambda x: x + np.ones(4)),
    (lambda x: fnp.multiply(x, np.ones((2, 4))), lambda x: np.multiply(x, np.ones((2, 4)))),
    (lambda x: x @ np.ones((4, 2)), lambda x: x @ np.ones((4, 2))),
    (lambda x: fnp.reshape(x, (4,)), lambda x: np.reshape(x, (4,))),
    (lambda x: fnp.sum(x, axis=2), lambda x: np.sum(x, axis=2)),
    (lambda x: x[5], lambda x: x[5]),
    (lambda x: fnp.concatenate([x, np.ones((2, 2))]),
     lambda x: np.concatenate([x, np.ones((2, 2))])),
], ids=["add", "multiply", "matmul", "reshape", "sum-axis", "index", "concatenate"])
def test_shape_errors_keep_numpys_message(op, np_op):
    x = np.ones(3)
    exc_type, message = _numpy_message(lambda: np_op(x))
    assert message
    with pytest.raises(exc_type, match=re.escape(message)):
        grad(lambda x: fnp.sum(op(x)))(x)
    with pytest.raises(exc_type, match=re.escape(message)):
        jvp(lambda x: op(x), (x,), (x,))
    with pytest.raises(exc_type, match=re.escape(message)):   # numpy code on tracers
        grad(lambda x: np.sum(np_op(x)))(x)


def test_shape_error_raised_at_the_offending_line():
    def f(x):
        y = fnp.sin(x)
        return fnp.sum(y + np.ones(4))   # the error must come from here, not from backward
    with pytest.raises(ValueError) as info:
        grad(f)(np.ones(3))
    frames = [tb.name for tb in info.traceback]
    assert "f" in frames and "backward_pass" not in frames


@pytest.mark.parametrize("transform", ["grad", "jvp"])
def test_escaped_vjp_fn_used_later(transform):
    """A vjp_fn whose residuals are tracers of a finished transform."""
    box = []

    def f(x):
        out, f_vjp = vjp(lambda y: fnp.sin(y * x), 1.0)
        box.append(f_vjp)
        return out
    if transform == "grad":
        grad(f)(0.5)
    else:
        jvp(f, (0.5,), (1.0,))
    with pytest.raises(UnexpectedTracerError):
        box[0](np.array(1.0))


# -- array misuse inside a transform ---------------------------------------------------------

def test_truth_value_of_array_tracer_keeps_numpys_message():
    with pytest.raises(ValueError) as info:
        bool(np.ones(2) > 0)
    with pytest.raises(ValueError, match=re.escape(str(info.value))):
        grad(lambda x: fnp.sum(x) if x > 0 else 0.0)(np.ones(2))


def test_item_assignment_raises():
    def f(x):
        x[0] = 1.0
        return fnp.sum(x)
    with pytest.raises(TypeError, match="immutable"):
        grad(f)(np.ones(2))


def test_len_of_scalar_tracer_raises():
    with pytest.raises(TypeError, match="len"):
        grad(lambda x: x * len(x))(1.0)
