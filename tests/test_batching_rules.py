"""Every primitive's batching rule against a Python loop, driven by the spec table.

For each row of ``tests/specs`` (one or more per registered primitive), the
arguments are batched along different axes (all at 0; the first at the last axis
and the rest unbatched; the first unbatched and the rest at 0; mixed axes) and
``vmap(spec.fn, in_axes)`` must equal stacking ``spec.fn`` over the examples:
same values, shapes and dtypes. Nested ``vmap`` is checked on every row too, and
meta-tests keep every primitive on a native rule (no loop fallback).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import batching, vmap
from functrace.core import Primitive
from functrace.registry import PRIMITIVES

from specs import ALL_SPECS

B = 3
NO_FALLBACK = pytest.mark.filterwarnings("error:vmap. primitive:RuntimeWarning")


def _axes_combos(shapes: list) -> list:
    n = len(shapes)
    combos = [(0,) * n, (-1,) + (None,) * (n - 1)]
    if n > 1:
        combos.append((None,) + (0,) * (n - 1))
        combos.append(tuple(-1 if k % 2 == 0 else min(1, len(s)) for k, s in enumerate(shapes)))
    return combos


def _examples(spec, dtype: str, count: int = B, seed: int = 0) -> list:
    return [spec.make_args(dtype, seed=seed + b) for b in range(count)]


def _stack(examples: list, in_axes: tuple) -> list:
    """Batched arguments: stacked along their axis, or example 0's value if unbatched."""
    return [examples[0][k] if ax is None else np.stack([e[k] for e in examples], axis=ax)
            for k, ax in enumerate(in_axes)]


def _per_example(examples: list, in_axes: tuple, b: int) -> list:
    return [examples[0 if ax is None else b][k] for k, ax in enumerate(in_axes)]


def _assert_batched_equal(out, expected: list, dtype: str) -> None:
    """``out`` (leaves batched at axis 0) equals the per-example results stacked."""
    leaves = functrace.tree_leaves(out)
    per = [functrace.tree_leaves(e) for e in expected]
    assert len(leaves) == len(per[0])
    tol = 1e-12 if dtype == "float64" else 1e-6
    for j, leaf in enumerate(leaves):
        want = np.stack([np.asarray(p[j]) for p in per])
        assert isinstance(leaf, np.ndarray), type(leaf)
        assert leaf.shape == want.shape, (leaf.shape, want.shape)
        assert leaf.dtype == want.dtype, (leaf.dtype, want.dtype)
        np.testing.assert_allclose(leaf, want, rtol=tol, atol=tol, equal_nan=True)


CASES = [pytest.param(spec, axes, dtype, id=f"{spec.name}-{axes}-{dtype}")
         for spec in ALL_SPECS for axes in _axes_combos(list(spec.shapes))
         for dtype in spec.dtypes]


@NO_FALLBACK
@pytest.mark.parametrize("spec, in_axes, dtype", CASES)
def test_rule_matches_loop(spec, in_axes, dtype):
    examples = _examples(spec, dtype)
    out = vmap(spec.fn, in_axes=in_axes)(*_stack(examples, in_axes))
    expected = [spec.fn(*_per_example(examples, in_axes, b)) for b in range(B)]
    _assert_batched_equal(out, expected, dtype)


@NO_FALLBACK
@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in ALL_SPECS])
def test_nested_vmap_matches_loop(spec):
    """Outer batch of 2 at axis 0; inner batch of 3 at the last axis of the first
    argument and at axis 0 of the others (which the outer vmap has moved)."""
    dtype = spec.dtypes[0]
    grid = [_examples(spec, dtype, 3, seed=10 * i) for i in range(2)]
    n = len(spec.shapes)
    args = []
    for k in range(n):
        a = np.stack([np.stack([row[j][k] for j in range(3)]) for row in grid])
        args.append(np.moveaxis(a, 1, -1) if k == 0 else a)
    inner = vmap(spec.fn, in_axes=(-1,) + (0,) * (n - 1))
    out = vmap(inner)(*args)
    expected = [[spec.fn(*row[j]) for j in range(3)] for row in grid]
    leaves = functrace.tree_leaves(out)
    for j, leaf in enumerate(leaves):
        want = np.stack([np.stack([np.asarray(functrace.tree_leaves(e)[j]) for e in row])
                         for row in expected])
        assert leaf.shape == want.shape
        np.testing.assert_allclose(leaf, want, rtol=1e-6, atol=1e-6, equal_nan=True)


# -- meta-tests -------------------------------------------------------------------------

def test_every_primitive_has_a_batching_rule():
    missing = sorted(name for name, p in PRIMITIVES.items() if p.batch is None)
    assert not missing, f"primitives without a batching rule (vmap loops over them): {missing}"


def test_batching_rules_are_named_after_their_primitive():
    """Readable tracebacks: generic rules are built per primitive and named ``_<name>_batch``."""
    for name, p in PRIMITIVES.items():
        assert p.batch.__name__.endswith("_batch"), (name, p.batch.__name__)


def test_tape_length_does_not_depend_on_the_batch_size():
    """No Python loop over the batch: the recorded tape is the same for 2 or 50 examples."""
    def f(w, x):
        return fnp.sum(fnp.tanh(x @ w) ** 2)

    w = np.ones((3, 2))
    lengths = {len(functrace.make_tape(lambda w_: fnp.sum(vmap(f, in_axes=(None, 0))(w_, xs)))
                   (w).eqns) for xs in (np.ones((2, 4, 3)), np.ones((50, 4, 3)))}
    assert len(lengths) == 1


def test_primitive_without_rule_falls_back_to_a_loop_and_warns_once():
    double_rows_p = Primitive("test_double_rows", lambda x: np.concatenate([x, x]))
    batching._WARNED.discard("test_double_rows")
    xs = np.arange(6.0).reshape(3, 2)
    with pytest.warns(RuntimeWarning, match="test_double_rows"):
        out = vmap(double_rows_p.bind)(xs)
    np.testing.assert_array_equal(out, np.stack([np.concatenate([x, x]) for x in xs]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vmap(double_rows_p.bind, in_axes=1)(xs.T)


def test_unknown_generic_rule_name_is_an_error():
    from functrace import extend
    with pytest.raises(ValueError, match="unknown generic batching rule 'elementwize'"):
        extend.defprimitive("test_typo_rule", np.sin, derivs=[lambda x, out: fnp.cos(x)],
                            batch="elementwize")
    assert "test_typo_rule" not in PRIMITIVES
