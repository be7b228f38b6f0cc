"""``jit(f)`` equals ``f`` on the whole spec table: every primitive, both dtypes,
values, first and second derivatives -- on the recording call and on a replay
with *new* input values (which would catch a value baked into the program).

The broad table runs the pure-numpy replay (kernels switched off), which must
agree bitwise with eager mode: it calls the same numpy implementations in the
same order. The Numba-lowered programs are checked by tests/test_jit_kernels.py.
"""
from __future__ import annotations

import numpy as np
import pytest

import functrace as ft
import functrace.kernels as K
import functrace.numpy as fnp
from functrace.core import concrete

from specs import ALL_SPECS

CASES = [pytest.param(spec, dtype, id=f"{spec.name}-{dtype}")
         for spec in ALL_SPECS for dtype in spec.dtypes]
SECOND = [c for c in CASES if c.values[0].order >= 2]


@pytest.fixture(autouse=True)
def numpy_replay():
    with K.enabled(False):
        yield


def _assert_same(got, want, exact=True):
    got_leaves, want_leaves = ft.tree_leaves(got), ft.tree_leaves(want)
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        assert type(g) is type(w), (type(g), type(w))
        assert np.shape(g) == np.shape(w) and np.result_type(g) == np.result_type(w)
        if not exact:
            np.testing.assert_allclose(g, w, rtol=8 * np.finfo(np.result_type(w)).eps,
                                       atol=8 * np.finfo(np.result_type(w)).eps)
        else:
            np.testing.assert_array_equal(g, w)


def _both_calls(fn, spec, dtype):
    """jit(fn) against fn on the recording call and on a replay with new values."""
    jitted = ft.jit(fn)
    # numpy's complex scalars and 0-d complex arrays multiply and divide with different
    # roundings, and a replay may hold a 0-d value in the other form (real values round
    # alike in both): complex rows agree to a few ulps, not bitwise
    exact = not dtype.startswith("complex")
    for seed in (0, 1):
        args = spec.make_args(dtype, seed=seed)
        _assert_same(jitted(*args), fn(*args), exact)
    info = jitted.cache_info()
    assert info["signatures"] == 1 and info["eager"] == 0


def _weighted_sum(spec, dtype):
    """``x -> sum(fn(x) * w)`` over the float outputs, ``Re(sum(fn(x) * w))`` over the
    complex ones (w fixed, not symmetric)."""
    out = spec.fn(*spec.make_args(dtype))
    ws = [np.linspace(0.5, 1.5, np.size(o)).reshape(np.shape(o)).astype(np.result_type(o))
          for o in ft.tree_leaves(out)]

    def scalar(*args):
        leaves = ft.tree_leaves(spec.fn(*args))
        return sum(fnp.real(fnp.sum(o * w)) for o, w in zip(leaves, ws)
                   if np.result_type(concrete(o)).kind in "fc")
    return scalar


@pytest.mark.parametrize("spec, dtype", CASES)
def test_values(spec, dtype):
    _both_calls(spec.fn, spec, dtype)


@pytest.mark.parametrize("spec, dtype", [c for c in CASES if c.values[0].order >= 1])
def test_first_order(spec, dtype):
    scalar = _weighted_sum(spec, dtype)
    nums = tuple(range(len(spec.shapes)))
    _both_calls(ft.value_and_grad(scalar, argnums=nums), spec, dtype)


@pytest.mark.parametrize("spec, dtype", SECOND)
def test_second_order(spec, dtype):
    scalar = _weighted_sum(spec, dtype)
    inner = ft.grad(scalar, argnums=0)
    v = np.linspace(-1.0, 1.0, max(int(np.prod(spec.shapes[0])), 1)).reshape(spec.shapes[0])

    def directional(*args):
        return fnp.real(fnp.sum(inner(*args) * v.astype(args[0].dtype)))
    _both_calls(ft.grad(directional, argnums=0), spec, dtype)
