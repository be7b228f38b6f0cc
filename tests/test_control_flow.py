"""Python control flow on traced values: each call traces the path actually taken."""
from __future__ import annotations

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import grad, jvp


def piecewise(x):
    if x > 1.0:
        return x ** 3
    elif x < -1.0:
        return -x
    return fnp.sin(x)


@pytest.mark.parametrize("x, expected", [(2.0, 12.0), (-3.0, -1.0), (0.5, np.cos(0.5))])
def test_if_on_values(x, expected):
    assert grad(piecewise)(x) == pytest.approx(expected)
    assert jvp(piecewise, (x,), (1.0,))[1] == pytest.approx(expected)


def test_while_loop_on_values():
    """Newton iteration for sqrt(a): x <- (x + a/x)/2 until converged; d/da = 1/(2 sqrt a)."""
    def newton_sqrt(a):
        x = a
        steps = 0
        while fnp.abs(x * x - a) > 1e-12:
            x = 0.5 * (x + a / x)
            steps += 1
        assert steps > 1
        return x
    a = 7.0
    assert newton_sqrt(a) == pytest.approx(np.sqrt(a))
    assert grad(newton_sqrt)(a) == pytest.approx(0.5 / np.sqrt(a), rel=1e-8)


def test_loop_count_from_value_and_len():
    def f(x):
        total = 0.0
        for i in range(len(x)):
            total = total + x[i] ** (i + 1)
        return total
    x = np.array([2.0, 3.0, 0.5, -1.0])
    np.testing.assert_allclose(grad(f)(x), [1.0, 6.0, 3 * 0.25, 4 * -1.0])


def test_iteration_over_tracer():
    def f(x):
        return sum(row[0] * row[1] for row in x)   # iterates over rows
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(grad(f)(x), [[2.0, 1.0], [4.0, 3.0]])


def test_data_dependent_shapes():
    """A boolean mask selects a value-dependent number of elements."""
    def f(x):
        pos = x[x > 0]
        assert pos.shape == (int(np.sum(np.asarray(functrace.stop_gradient(x)) > 0)),)
        return fnp.sum(pos ** 2)
    x = np.array([1.0, -2.0, 3.0, -0.5, 0.25])
    np.testing.assert_allclose(grad(f)(x), np.where(x > 0, 2 * x, 0.0))


def test_recursion_on_values():
    def power_by_squaring(x, n):
        if n == 0:
            return 1.0 + 0.0 * x
        half = power_by_squaring(x, n // 2)
        return half * half * (x if n % 2 else 1.0)
    assert grad(power_by_squaring)(1.5, 7) == pytest.approx(7 * 1.5 ** 6)


def test_comparisons_give_plain_booleans():
    def f(x):
        cond = x > 0.0
        assert not isinstance(cond, functrace.core.Tracer)
        assert isinstance(cond, (bool, np.bool_, np.ndarray))
        return x * 2.0 if cond else x
    assert grad(f)(1.0) == 2.0
    assert grad(f)(-1.0) == 1.0


def test_float_and_int_of_stop_gradient_give_constants():
    """float/int of a value without a derivative are constants (float(x) itself
    raises: see test_errors.py)."""
    def f(x):
        c = float(functrace.stop_gradient(x))
        n = int(functrace.stop_gradient(x))
        assert type(c) is float and type(n) is int
        return x * c + n
    # d/dx [x * c + n] with c, n constants = c = x
    assert grad(f)(2.5) == 2.5
    _, t = jvp(f, (2.5,), (1.0,))
    assert t == 2.5


def test_index_with_tracer_value():
    def f(x, table):
        return table[int(functrace.stop_gradient(x))] * x
    table = np.array([10.0, 20.0, 30.0])
    assert grad(f)(1.0, table) == 20.0


def test_same_function_retraced_per_call():
    """Different inputs take different branches: nothing is cached between calls."""
    df = grad(piecewise)
    assert [df(2.0), df(0.0), df(2.0)] == [12.0, 1.0, 12.0]
