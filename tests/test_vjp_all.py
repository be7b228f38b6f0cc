"""The all-arguments VJP form (``Primitive.vjp_all``): one call per equation."""
import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace.core import Primitive
from functrace.testing import check_grads

CALLS: list = []


def _scaled_product_vjp_all(ct, ins, out, needed):
    """d(a * b * 2) with the shared factor ``2 * ct`` computed once."""
    CALLS.append(frozenset(needed))
    a, b = ins
    shared = ct * 2.0
    return (shared * b if 0 in needed else None, shared * a if 1 in needed else None)


def _scaled_product_jvp(primals, tangents, out):
    a, b = primals
    ta, tb = tangents
    terms = [t * o * 2.0 for t, o in ((ta, b), (tb, a)) if t is not None]
    return None if not terms else terms[0] if len(terms) == 1 else terms[0] + terms[1]


scaled_product_p = Primitive("scaled_product", lambda a, b: a * b * 2.0,
                             jvp=_scaled_product_jvp, broadcasts=True,
                             vjp_all=_scaled_product_vjp_all)


def scaled_product(a, b):
    return scaled_product_p.bind(a, b)


def test_one_call_per_equation_with_the_needed_arguments():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    CALLS.clear()
    ga, gb = ft.grad(lambda a, b: fnp.sum(scaled_product(a, b)), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, 2 * b)
    np.testing.assert_allclose(gb, 2 * a)
    assert CALLS == [frozenset({0, 1})]
    CALLS.clear()
    ft.grad(lambda a: fnp.sum(scaled_product(a, b)))(a)      # b is a constant
    assert CALLS == [frozenset({0})]


def test_the_per_argument_rule_is_derived_and_gradients_are_right():
    assert scaled_product_p.vjp is not None and scaled_product_p.vjp_all is not None
    ct, ins = np.ones(2), [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    np.testing.assert_allclose(scaled_product_p.vjp(ct, ins, None, 1), 2 * ins[0])
    for dtype in (np.float64, np.float32):
        x, y = np.array([0.5, -1.5], dtype), np.array([[2.0], [0.25]], dtype)   # broadcast
        check_grads(scaled_product, (x, y), order=2)
        check_grads(lambda x: scaled_product(x, x), (x,), order=2)


def test_tensor_facade_uses_the_same_form():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    CALLS.clear()
    scaled_product(x, x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.array([1.0, 2.0]))
    assert CALLS == [frozenset({0, 1})]


@pytest.mark.parametrize("seed_twice", [False, True])
def test_custom_vjp_bwd_runs_once_per_backward_pass(seed_twice):
    """A call primitive's pullback gives all cotangents at once (no per-argument cache)."""
    runs = []

    @ft.custom_vjp
    def f(x, y):
        return x * y

    def bwd(res, ct):
        runs.append(1)
        x, y = res
        return ct * y, ct * x

    f.defvjp(lambda x, y: (x * y, (x, y)), bwd)
    out, pull = ft.vjp(f, np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    ct = np.ones(2)
    gx, gy = pull(ct)
    np.testing.assert_allclose(gx, [3.0, 4.0])
    np.testing.assert_allclose(gy, [1.0, 2.0])
    if seed_twice:       # the same cotangent object again: a fresh, correct pass
        np.testing.assert_allclose(pull(ct)[1], [1.0, 2.0])
    assert len(runs) == (2 if seed_twice else 1)
