"""Traced values never silently lose their derivative and are never used outside
their transform (issue 8): conversions to Python/numpy values of values that carry
a derivative raise, and every use of an escaped tracer (or one handed to another
thread) raises ``UnexpectedTracerError`` naming the transform."""
from __future__ import annotations

import math
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import UnexpectedTracerError, grad, hessian, jacfwd, jacrev, jvp


# converting a value that carries a derivative to a Python or numpy value

def _fill_float(v):
    out = np.zeros(3)
    out[0] = v[0] * 2.0                    # numpy calls float(): the gradient would be lost
    return fnp.sum(out)


def _fill_int(v):
    out = np.zeros(3, dtype=int)
    out[0] = v[0]
    return fnp.sum(out * v)


def _fill_complex(v):
    out = np.zeros(3, dtype=complex)
    out[0] = v[0]
    return fnp.sum(v)


@pytest.mark.parametrize("f, conversion", [
    (_fill_float, r"float\(\)"), (_fill_int, r"int\(\)"), (_fill_complex, r"complex\(\)"),
    (lambda v: v * float(v[0]), r"float\(\)"),
    (lambda v: v * int(v[0]), r"int\(\)"),
    (lambda v: v * complex(v[0]).real, r"complex\(\)"),
    (lambda v: v * np.float64(v[0]), r"float\(\)|conversion to a numpy array"),
    (lambda v: v * v[0].item(), r"\.item\(\)"),
    (lambda v: v * v.tolist()[0], r"\.tolist\(\)"),
    (lambda v: v * np.array([v[0]]), r"conversion to a numpy array"),
    (lambda v: v * np.asarray(v), r"conversion to a numpy array"),
    (lambda v: fnp.sum(v) + math.sin(v[0]), r"float\(\)"),
], ids=["setitem-float", "setitem-int", "setitem-complex", "float", "int", "complex",
        "np.float64", "item", "tolist", "np.array-list", "np.asarray", "math.sin"])
@pytest.mark.parametrize("transform", ["grad", "jvp", "jacfwd", "vmap-of-grad"])
def test_converting_a_value_with_a_derivative_raises(f, conversion, transform):
    x = np.array([0.5, 1.5, 2.5])
    scalar = lambda v: fnp.sum(f(v))                             # noqa: E731
    call = {"grad": lambda: grad(scalar)(x),
            "jvp": lambda: jvp(f, (x,), (x,)),
            "jacfwd": lambda: jacfwd(f)(x),
            "vmap-of-grad": lambda: functrace.vmap(grad(scalar))(np.stack([x, x]))}[transform]
    with pytest.raises(TypeError) as info:
        call()
    message = str(info.value)
    assert isinstance(info.value, functrace.core.LostDerivativeError)
    assert re.match(rf"({conversion})( \(np.*\))? of a value that carries a derivative",
                    message), message
    assert "gradient" in message and "stop_gradient" in message and "fnp.stack" in message


def test_numpys_element_assignment_error_points_at_the_users_line():
    with pytest.raises(TypeError) as info:
        grad(_fill_float)(np.ones(3))
    assert "_fill_float" in [entry.name for entry in info.traceback]
    assert "setting an array element" not in str(info.value)


def test_values_without_a_derivative_still_convert():
    def f(x, table):
        n = x.shape[0]                                   # a plain int
        i = int(fnp.argmax(x))                          # an integer constant
        c = float(functrace.stop_gradient(x[0]))         # a constant on purpose
        j = int(table[int(functrace.stop_gradient(x[1]))])
        assert isinstance(n, int) and (i, c, j) == (2, 0.5, 30)
        assert bool(x[0] < x[1]) and (x[2] > 1.0)         # comparisons: control flow
        return fnp.sum(x * c) + n + i + j
    table = np.array([10, 20, 30])
    x = np.array([0.5, 2.0, 3.0])
    np.testing.assert_allclose(grad(f)(x, table), [0.5, 0.5, 0.5])
    np.testing.assert_allclose(jvp(lambda v: f(v, table), (x,), (np.ones(3),))[1], 1.5)


def test_an_integer_valued_tracer_converts():
    """make_tape traces integer inputs: their values carry no derivative."""
    seen = []

    def f(n):
        seen.append((int(n), float(n), n.item(), np.asarray(n).tolist()))
        return n * 2
    functrace.make_tape(f)(np.array(3))
    assert seen == [(3, 3.0, 3, 3)]


def test_vmap_alone_does_not_differentiate():
    """Under vmap, unbatched values are not tracers and batched ones raise vmap's
    own error, not the lost-gradient one."""
    out = functrace.vmap(lambda x, n: x * int(n), in_axes=(0, None))(np.ones((2, 3)), 3)
    np.testing.assert_array_equal(out, 3 * np.ones((2, 3)))
    with pytest.raises(functrace.core.ConcretizationError, match="batched by vmap"):
        functrace.vmap(lambda x: x * float(x[0]))(np.ones((2, 3)))


# tracers used outside their transform

def _leak_from(transform):
    box = []

    def f(x):
        box.append(x)
        return fnp.sum(x * 2.0)
    x = np.ones(3)
    {"grad": lambda: grad(f)(x), "jvp": lambda: jvp(f, (x,), (x,)),
     "vmap": lambda: functrace.vmap(f)(np.ones((2, 3))),
     "jacrev": lambda: jacrev(f)(x), "linearize": lambda: functrace.linearize(f, x),
     "hessian": lambda: hessian(f)(x)}[transform]()
    return box[0]


@pytest.mark.parametrize("transform", ["grad", "jvp", "vmap", "jacrev", "linearize",
                                       "hessian"])
@pytest.mark.parametrize("use", [float, bool, lambda t: t.item(), lambda t: t.tolist(),
                                 lambda t: t[0], lambda t: t.reshape((3, 1)), lambda t: t.T,
                                 lambda t: t + 1.0, np.asarray, functrace.stop_gradient],
                         ids=["float", "bool", "item", "tolist", "getitem", "reshape", "T",
                              "add", "np.asarray", "stop_gradient"])
def test_every_use_of_an_escaped_tracer_names_its_transform(transform, use):
    tracer = _leak_from(transform)
    with pytest.raises(UnexpectedTracerError, match=rf"created by {transform} was used after "
                                                    rf"{transform} returned"):
        use(tracer)


def test_an_escaped_tracer_written_into_a_numpy_array():
    """Outside every transform numpy's own ValueError is the one raised (a tracer
    looks like a sequence to numpy); ours is its cause."""
    box = []
    grad(lambda x: box.append(x * 2.0) or x)(1.0)
    out = np.zeros(3)
    with pytest.raises(ValueError) as info:
        out[0] = box[0]
    assert isinstance(info.value.__cause__, UnexpectedTracerError)
    assert out[0] == 0.0


@pytest.mark.parametrize("use", [lambda t: t[0] * 2.0, lambda t: float(t[0]), np.sin,
                                 lambda t: grad(lambda y: y * fnp.sum(t))(1.0)],
                         ids=["getitem", "float", "np.sin", "inside-another-grad"])
def test_a_tracer_handed_to_a_thread_pool_worker(use):
    def f(x):
        with ThreadPoolExecutor(1) as pool:
            return fnp.sum(use_in_thread(pool, x) + x)

    def use_in_thread(pool, x):
        return pool.submit(use, x).result()
    with pytest.raises(UnexpectedTracerError, match=r"created by grad was used outside grad.*"
                                                    r"thread"):
        grad(f)(np.ones(3))
