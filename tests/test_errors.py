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


# -- issue 8, part 4: no silent wrong results ----------------------------------------------------

@pytest.mark.parametrize("transform", [grad, jacrev, jacfwd])
@pytest.mark.parametrize("argnums", [(0, 0), (0, -2), (1, 0, 1)])
def test_an_argument_named_twice_in_argnums_is_refused(transform, argnums):
    """JAX fails obscurely here and torch.func refuses; we refuse clearly (the old
    answer was a zero gradient for the first copy)."""
    ones = np.ones(3)
    with pytest.raises(ValueError, match=r"names argument \d more than once"):
        transform(lambda a, b: fnp.sum(a * b), argnums=argnums)(ones, ones)


_COMPLEX = "but the value it belongs to is real"


def test_a_complex_cotangent_for_a_real_output_is_refused():
    _, f_vjp = vjp(lambda v: v * 2.0, np.ones(3))
    with pytest.raises(TypeError, match=rf"vjp_fn: the cotangent is complex.*{_COMPLEX}"):
        f_vjp(1j * np.ones(3))


def test_a_complex_tangent_of_a_real_input_is_refused_by_jvp_linearize_and_hvp():
    x, t = np.ones(3), 1j * np.ones(3)
    with pytest.raises(TypeError, match=rf"jvp: the tangent.*complex.*{_COMPLEX}"):
        jvp(lambda v: v * 2.0, (x,), (t,))
    _, f_jvp = functrace.linearize(lambda v: v * 2.0, x)
    with pytest.raises(TypeError, match=rf"f_jvp: the tangent.*complex.*{_COMPLEX}"):
        f_jvp(t)
    for mode in ("fwd-rev", "rev-rev"):
        with pytest.raises(TypeError, match=rf"hvp: the tangent.*complex.*{_COMPLEX}"):
            functrace.hvp(lambda v: fnp.sum(v ** 3), (x,), (t,), mode=mode)


def test_complex_results_of_custom_rules_for_real_values_are_refused():
    @functrace.custom_vjp
    def double(x):
        return x * 2.0
    double.defvjp(lambda x: (x * 2.0, None), lambda res, ct: (ct * 2j,))
    with pytest.raises(TypeError, match=rf"bwd rule of double returned for argument 0 is "
                                        rf"complex.*{_COMPLEX}"):
        grad(lambda x: fnp.sum(double(x)))(np.ones(3))
    t = functrace.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=_COMPLEX):
        double(t).sum().backward()

    @functrace.custom_jvp
    def triple(x):
        return x * 3.0

    @triple.defjvp
    def triple_jvp(primals, tangents):
        return primals[0] * 3.0, tangents[0] * 3j
    with pytest.raises(TypeError, match=r"JVP rule of triple returned is complex"):
        jvp(triple, (np.ones(2),), (np.ones(2),))
    with pytest.raises(TypeError, match=r"JVP rule of triple returned is complex"):
        grad(lambda x: fnp.sum(triple(x)))(np.ones(2))


def test_a_complex_gradient_for_a_real_tensor_is_refused_as_pytorch_does():
    t = functrace.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad_output.*complex.*output.*float32"):
        (t * 2.0).backward(1j * np.ones(2))
    with pytest.raises(RuntimeError, match="Mismatch in dtype"):
        functrace.autograd.grad(t * 2.0, t, 1j * functrace.ones(2))
    with pytest.raises(TypeError, match="gradients can be either Tensors or None, but got str"):
        (t * 2.0).backward("ab")


# vmap out_axes and non-array outputs

@pytest.mark.parametrize("out_axes", [2, 5, -3])
def test_vmap_out_axes_out_of_range(out_axes):
    with pytest.raises(ValueError, match=rf"out_axes={out_axes} is out of range.*\[-2, 1\]"):
        functrace.vmap(lambda v: v * 2.0, out_axes=out_axes)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=rf"out_axes={out_axes} is out of range"):
        functrace.vmap(lambda v: np.ones(3), out_axes=out_axes)(np.ones((2, 3)))


@pytest.mark.parametrize("name, call", [
    ("jacrev", lambda f: jacrev(f)(np.ones(2))),
    ("jacfwd", lambda f: jacfwd(f)(np.ones(2))),
    ("hessian", lambda f: hessian(f)(np.ones(2))),
    ("grad", lambda f: grad(f)(np.ones(2))),
    ("vjp", lambda f: vjp(f, np.ones(2))),
    ("jvp", lambda f: jvp(f, (np.ones(2),), (np.ones(2),))),
    ("elementwise_grad", lambda f: elementwise_grad(f)(np.ones(2))),
])
@pytest.mark.parametrize("bad, shown", [("s", r"str \('s'\)"), (object(), "object"),
                                        (np.array(["a"]), "numpy array of dtype <U1")])
def test_non_array_outputs_are_refused(name, call, bad, shown):
    with pytest.raises(TypeError, match=rf"{name}: an output of the function is a {shown}"):
        call(lambda v: bad)
    with pytest.raises(TypeError, match=rf"{name}: an output of the function is a {shown}"):
        call(lambda v: (fnp.sum(v), {"x": bad}))


# -- issue 8, part 5: clear errors for bad arguments -----------------------------------------------

@pytest.mark.parametrize("argnums", [0.5, None, True, "0", (0, 1.0), [None]])
@pytest.mark.parametrize("transform", [grad, value_and_grad, jacrev, jacfwd, hessian])
def test_argnums_of_the_wrong_type_fail_when_the_transform_is_made(transform, argnums):
    with pytest.raises(TypeError, match=r"argnums must be an int or a tuple of ints"):
        transform(lambda x: x, argnums=argnums)


def test_empty_argnums():
    with pytest.raises(ValueError, match="argnums is empty"):
        grad(lambda x: x, argnums=())


@pytest.mark.parametrize("bad, shown", [("abc", r"str \('abc'\)"), (None, "NoneType"),
                                        (np.array(["a", "b", "c"]), "numpy array of dtype <U1")])
def test_a_non_numeric_cotangent_is_named(bad, shown):
    _, f_vjp = vjp(lambda v: v * 2.0, np.ones(3))
    if bad is None:
        with pytest.raises(ValueError, match="structure of the output"):
            f_vjp(bad)
        return
    with pytest.raises(TypeError, match=rf"vjp_fn: the cotangent is a {shown}"):
        f_vjp(bad)


def test_a_non_numeric_tangent_is_named():
    with pytest.raises(TypeError, match=r"jvp: the tangent \(leaf 0\) is a str"):
        jvp(lambda v: v, (1.0,), ("a",))


@pytest.mark.parametrize("make", [
    lambda f: grad(f), lambda f: value_and_grad(f), lambda f: jacrev(f),
    lambda f: jacfwd(f), lambda f: hessian(f), lambda f: elementwise_grad(f),
    lambda f: functrace.vmap(f), lambda f: functrace.make_tape(f),
    lambda f: functrace.checkpoint(f), lambda f: functrace.custom_vjp(f),
    lambda f: functrace.custom_jvp(f), lambda f: vjp(f, 1.0),
    lambda f: jvp(f, (1.0,), (1.0,)), lambda f: functrace.linearize(f, 1.0),
    lambda f: functrace.hvp(f, (1.0,), (1.0,)),
])
def test_transforms_of_something_that_is_not_a_function(make):
    with pytest.raises(TypeError, match="expects a function, got int 3"):
        make(3)


def test_custom_rule_arguments():
    with pytest.raises(TypeError, match="nondiff_argnums must be non-negative ints"):
        functrace.custom_vjp(lambda x: x, nondiff_argnums=0.5)
    with pytest.raises(TypeError, match="nondiff_argnums must be non-negative ints"):
        functrace.custom_jvp(lambda x: x, nondiff_argnums=(None,))
    with pytest.raises(TypeError, match=r"defvjp \(bwd\) expects a function"):
        functrace.custom_vjp(lambda x: x).defvjp(lambda x: (x, None), "bwd")
    with pytest.raises(TypeError, match="defjvp expects a function"):
        functrace.custom_jvp(lambda x: x).defjvp(None)


@pytest.mark.parametrize("kwargs, match", [
    (dict(in_axes=1.5), "in_axes must be an int, None"),
    (dict(in_axes="a"), "in_axes must be an int, None"),
    (dict(out_axes=(0, "x")), "out_axes must be an int, None"),
    (dict(in_axes=None, axis_size=2.5), "axis_size must be a non-negative int"),
    (dict(in_axes=None, axis_size=-1), "axis_size must be a non-negative int"),
    (dict(in_axes=None, axis_size="2"), "axis_size must be a non-negative int"),
])
def test_vmap_arguments_are_checked_when_vmap_is_called(kwargs, match):
    with pytest.raises(TypeError, match=match):
        functrace.vmap(lambda v: v, **kwargs)
