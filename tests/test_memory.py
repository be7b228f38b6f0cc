"""Tapes and residuals are released: after the call, and during the backward pass."""
from __future__ import annotations

import gc
import weakref

import numpy as np

import functrace.numpy as fnp
from functrace import grad, jvp, value_and_grad, vjp
from functrace.core import Primitive, concrete

BIG = 200_000


def _tracked(refs):
    """A function that records weakrefs to the values of its large intermediates."""
    def f(x):
        y = fnp.exp(x)
        z = fnp.sin(y) * y
        refs.extend(weakref.ref(concrete(v)) for v in (y, z))
        return fnp.sum(z)
    return f


# The cycle collector is disabled while checking: values must be freed by reference
# counting alone, as soon as the call returns.

def test_intermediates_freed_when_grad_returns():
    refs: list = []
    gc.disable()
    try:
        g = grad(_tracked(refs))(np.linspace(0, 1, BIG))
        assert g.shape == (BIG,)
        assert refs and all(r() is None for r in refs)
    finally:
        gc.enable()


def test_intermediates_freed_after_value_and_grad_and_jvp():
    for run in (lambda f, x: value_and_grad(f)(x), lambda f, x: jvp(f, (x,), (x,))):
        refs: list = []
        gc.disable()
        try:
            run(_tracked(refs), np.linspace(0, 1, BIG))
            assert refs and all(r() is None for r in refs)
        finally:
            gc.enable()


def test_vjp_keeps_residuals_until_vjp_fn_is_dropped():
    refs: list = []
    gc.disable()
    try:
        _, f_vjp = vjp(_tracked(refs), np.linspace(0, 1, BIG))
        assert any(r() is not None for r in refs)       # residuals needed by f_vjp
        g1 = f_vjp(np.array(1.0))[0]
        g2 = f_vjp(np.array(2.0))[0]                    # callable twice
        np.testing.assert_allclose(g2, 2 * g1)
        del f_vjp
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_backward_pass_frees_residuals_as_it_consumes_them():
    """When the backward pass reaches the first equation, the residuals of all later
    equations (already consumed) are gone."""
    refs: list = []
    seen: list = []

    def probe_vjp(ct, ins, out, argnum):
        seen.append([r() is None for r in refs])
        return ct

    # an unregistered identity primitive that looks at the residuals when it runs
    probe = Primitive("probe", lambda x: x, probe_vjp, lambda p, t, out: t[0], saves="none")

    def f(x):
        y = fnp.exp(probe.bind(x))
        z = fnp.sin(y) * y
        refs.extend(weakref.ref(concrete(v)) for v in (y, z))
        return fnp.sum(z)

    gc.disable()
    try:
        x = np.linspace(0, 1, BIG)
        g = grad(f)(x)
    finally:
        gc.enable()
    assert seen == [[True, True]]
    y = np.exp(x)
    np.testing.assert_allclose(g, (np.cos(y) * y + np.sin(y)) * y)
