"""Every row of the spec table: values against numpy, derivatives against finite
differences (``functrace.testing.check_grads``, to ``spec.order``), and the
meta-tests that keep the table complete and honest."""
from __future__ import annotations

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace.core import Trace, call_under
from functrace.registry import PRIMITIVES
from functrace.reverse import ReverseTrace
from functrace.testing import check_grads

from mutations import break_rules
from specs import ALL_SPECS

CASES = [pytest.param(spec, dtype, id=f"{spec.name}-{dtype}")
         for spec in ALL_SPECS for dtype in spec.dtypes]
DIFFERENTIABLE = [c for c in CASES if c.values[0].order > 0]
CONSTANT = [c for c in CASES if c.values[0].order == 0]


def _check_reference(spec, args):
    """``spec.fn`` gives numpy's value, shape and dtype: on plain arrays, and as the
    primal output of ``jvp`` and ``vjp`` (where operators dispatch to tracers)."""
    if spec.reference is None:
        return
    expected = spec.reference(*args)
    zeros = tuple(np.zeros_like(a) for a in args)
    for actual in (spec.fn(*args), functrace.jvp(spec.fn, args, zeros)[0],
                   functrace.vjp(spec.fn, *args)[0]):
        actual, expected_leaves = functrace.tree_leaves(actual), functrace.tree_leaves(expected)
        assert len(actual) == len(expected_leaves), (len(actual), len(expected_leaves))
        for a, e in zip(actual, expected_leaves, strict=True):
            assert isinstance(a, (np.ndarray, np.generic)), type(a)
            assert np.shape(a) == np.shape(e)
            assert np.result_type(a) == np.result_type(e), (np.result_type(a),
                                                            np.result_type(e))
            tol = 1e-12 if np.result_type(e) in (np.float64, np.complex128) else 1e-6
            np.testing.assert_allclose(a, e, rtol=tol, atol=tol, equal_nan=True)


def check_row(spec, dtype):
    """Value and dtype against numpy, derivatives against finite differences: in
    float32 against float64 differences, within float32 rounding (check_grads)."""
    args = spec.make_args(dtype)
    _check_reference(spec, args)
    check_grads(spec.fn, args, order=spec.order, modes=spec.modes, eps=spec.eps,
                atol=spec.atol, rtol=spec.rtol)


@pytest.mark.parametrize("spec, dtype", DIFFERENTIABLE)
def test_gradients_match_finite_differences(spec, dtype):
    check_row(spec, dtype)


@pytest.mark.parametrize("spec, dtype", CONSTANT)
def test_constant_ops(spec, dtype):
    """A non-differentiable op: right value, zero JVP/VJP, and it is treated as a
    locally constant factor: d/dx [c(x) * x0] = c(x), in closed form and (unless the
    row says ``extra={"locally_constant": False}``) by finite differences."""
    args = spec.make_args(dtype)
    _check_reference(spec, args)
    expected = spec.fn(*args) if spec.reference is None else spec.reference(*args)

    out, t_out = functrace.jvp(spec.fn, args, tuple(np.ones_like(a) for a in args))
    np.testing.assert_array_equal(out, expected)
    assert not np.any(t_out)

    out, f_vjp = functrace.vjp(spec.fn, *args)
    np.testing.assert_array_equal(out, expected)
    cts = f_vjp(np.ones(np.shape(out)))
    assert len(cts) == len(args)
    for ct, a in zip(cts, args, strict=True):
        assert ct.shape == a.shape and ct.dtype == a.dtype and not np.any(ct)

    def scaled(*a):
        return fnp.astype(spec.fn(*a), a[0].dtype) * a[0]
    if spec.extra.get("locally_constant", True):
        check_grads(scaled, args, order=1, eps=spec.eps, atol=spec.atol, rtol=spec.rtol)
    g = functrace.grad(lambda *a: fnp.sum(scaled(*a)))(*args)
    c = np.broadcast_to(expected, np.broadcast_shapes(np.shape(expected), args[0].shape))
    expected_g = c.sum(axis=tuple(range(c.ndim - args[0].ndim))) if c.ndim > args[0].ndim \
        else c
    np.testing.assert_allclose(g, expected_g.astype(args[0].dtype))


# -- meta-tests ---------------------------------------------------------------------------

FLOAT32 = [c for c in DIFFERENTIABLE if c.values[1] in ("float32", "complex64")]


@pytest.mark.parametrize("spec, dtype", FLOAT32)
def test_a_one_percent_float32_error_fails_the_row(spec, dtype, monkeypatch):
    """Every float32 (complex64) row checks accuracy, not only dtypes and crashes: with
    the rules of its first differentiable primitive 1% off in that dtype alone, the row
    fails."""
    if "scale_invisible" in spec.extra:
        pytest.skip(spec.extra["scale_invisible"])
    first = next(PRIMITIVES[p] for p in spec.prims if PRIMITIVES[p].vjp is not None)
    for broken in ("float32", "complex64"):      # single precision, real or complex
        break_rules(monkeypatch, first, broken)     # (complex64 values have float32 parts)
    with pytest.raises(AssertionError, match="JVP|VJP"):
        check_row(spec, dtype)


def test_every_primitive_has_a_row():
    covered = {p for spec in ALL_SPECS for p in spec.prims}
    missing = sorted(set(PRIMITIVES) - covered)
    assert not missing, f"registered primitives without a spec-table row: {missing}"


def test_rows_name_only_registered_primitives():
    unknown = sorted({p for spec in ALL_SPECS for p in spec.prims} - set(PRIMITIVES))
    assert not unknown, f"spec rows name primitives that are not registered: {unknown}"


def test_non_differentiable_primitives_have_constant_rows():
    """A ``defnondiff`` primitive is checked by an ``order=0`` row, and an
    ``order=0`` row's first primitive really is non-differentiable."""
    nondiff = {name for name, p in PRIMITIVES.items() if p.vjp is None}
    constant_rows = {spec.prims[0] for spec in ALL_SPECS if spec.order == 0}
    assert not sorted(nondiff - constant_rows)
    assert not sorted(constant_rows - nondiff)


def test_every_kernel_has_one_kernel_row():
    """Each primitive with a compiled kernel (``kernel=`` in its registry block) has
    exactly one ``kernel=True`` row, which the kernel tests read; that row binds the
    primitive on one array of one shape per argument of the kernel."""
    with_kernel = sorted(name for name, p in PRIMITIVES.items() if p.kernel is not None)
    rows = [spec for spec in ALL_SPECS if spec.kernel]
    assert sorted(spec.prims[0] for spec in rows) == with_kernel
    for spec in rows:
        nargs = len(PRIMITIVES[spec.prims[0]].kernel.make(np.float64))
        assert len(spec.shapes) == nargs and len(set(spec.shapes)) == 1, spec.name
        # the user-facing wrapper itself (fnp.foo), not a lambda around a bind
        assert spec.fn.__module__.startswith("functrace."), spec.name


@pytest.mark.parametrize("module", ["functrace.primitives", "functrace.registry",
                                    "functrace.primitives.batch_rules", "functrace.extend"])
def test_declaration_docs_run(module):
    """The instructions for adding a primitive and the registry's examples run."""
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_row_names_are_unique():
    names = [spec.name for spec in ALL_SPECS]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


class _Recorder(Trace):
    """Records the name of every primitive bound while it is current."""

    __slots__ = ("names",)

    def __init__(self, parent):
        super().__init__(parent)
        self.names = set()

    def process(self, prim, args, params):
        self.names.add(prim.name)
        return self.parent.process(prim, args, params)


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in ALL_SPECS])
def test_row_binds_the_primitives_it_names(spec):
    """Run ``fn`` on tracers (so operators dispatch) of a tape whose parent records."""
    recorder = _Recorder(functrace.core.current_trace())
    tape = ReverseTrace(recorder)
    tracers = [tape.new_input(a) for a in spec.make_args(spec.dtypes[0])]
    call_under(tape, spec.fn, *tracers)
    assert set(spec.prims) <= recorder.names, (
        f"{spec.name} names {sorted(set(spec.prims) - recorder.names)} but never binds them")
