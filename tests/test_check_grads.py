"""``functrace.testing.check_grads`` itself: it must catch wrong rules, at each order and
in each mode (the whole spec table relies on it)."""
from __future__ import annotations

import numpy as np
import pytest

import functrace.numpy as fnp
from functrace.core import Primitive, concrete
from functrace.primitives.transcendental import cos_p
from functrace.testing import check_grads, numerical_jvp

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
