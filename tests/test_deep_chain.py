"""Long chains: graph walks are iterative (no RecursionError) and linear in length."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import functrace.numpy as fnp
from functrace import grad, jvp

N_OPS = 100_000
A, B = 1.0 + 1e-6, 1e-3


def affine_chain(x, n_ops=N_OPS):
    """x <- A x + B repeated: two primitives per step."""
    for _ in range(n_ops // 2):
        x = x * A + B
    return x


def test_100k_op_chain_reverse():
    assert sys.getrecursionlimit() < N_OPS
    x0 = 0.5
    g = grad(affine_chain)(x0)
    assert g == pytest.approx(A ** (N_OPS // 2), rel=1e-9)


def test_100k_op_chain_forward():
    out, t = jvp(affine_chain, (0.5,), (1.0,))
    n = N_OPS // 2
    assert out == pytest.approx(A ** n * 0.5 + B * (A ** n - 1) / (A - 1), rel=1e-9)
    assert t == pytest.approx(A ** n, rel=1e-9)


def test_deep_chain_second_order():
    """grad(grad(.)) walks a tape recorded by the first backward pass."""
    n = 10_000

    def f(x):
        for _ in range(n):
            x = fnp.sin(x) * 0.5 + x * 0.5
        return x

    # closed form by the chain rule, computed with plain numpy floats
    x, d1, d2 = 0.3, 1.0, 0.0
    for _ in range(n):
        dx = 0.5 * np.cos(x) + 0.5
        ddx = -0.5 * np.sin(x)
        d2 = d2 * dx + d1 * d1 * ddx
        d1 = d1 * dx
        x = 0.5 * np.sin(x) + 0.5 * x
    assert grad(f)(0.3) == pytest.approx(d1, rel=1e-9)
    assert grad(grad(f))(0.3) == pytest.approx(d2, rel=1e-9)


def test_wide_fan_in_and_fan_out():
    """One input used 20,000 times, summed back: gradient is the use count."""
    def f(x):
        terms = [x * float(i % 3) for i in range(20_000)]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return fnp.sum(total)
    expected = sum(i % 3 for i in range(20_000))
    np.testing.assert_array_equal(grad(f)(np.ones(2)), [expected, expected])
