"""The kernels' scalar derivatives, checked in plain Python (no Numba, no compiling).

Each primitive's ``kernel=`` derivative functions (its registry block), evaluated on
scalars from its kernel row's domain in the spec table, equal central finite
differences of the primitive's numpy implementation; each numpy pre-pass followed
by its ``make_pre`` derivatives equals the in-loop derivatives. A kernel spec that
disagrees with its primitive is an error at registration.
"""
from __future__ import annotations

import numpy as np
import pytest

import functrace as ft

from specs import ALL_SPECS

ROWS = {spec.prims[0]: spec for spec in ALL_SPECS if spec.kernel}   # name -> its kernel row


def _points(name: str) -> list:
    """Five points (one value per argument) from the primitive's kernel row's domain."""
    args = ROWS[name].make_args("float64", seed=len(name))
    return [np.array([a.flat[k] for a in args]) for k in range(5)]


def _saved(name, args: np.ndarray, out: float) -> list:
    prim = ft.PRIMITIVES[name]
    return (list(args) if prim.saves_in else []) + ([out] if prim.saves_out else [])


@pytest.mark.parametrize("name", sorted(ROWS))
def test_scalar_derivatives_match_finite_differences(name):
    spec = ft.PRIMITIVES[name].kernel
    impl = ft.PRIMITIVES[name].impl
    derivs = spec.make(np.float64)
    for args in _points(name):
        out = float(impl(*args))
        saved = [np.float64(v) for v in _saved(name, args, out)]
        for a, d in enumerate(derivs):
            h = 1e-6
            up, down = args.copy(), args.copy()
            up[a] += h
            down[a] -= h
            numeric = (float(impl(*up)) - float(impl(*down))) / (2 * h)
            assert float(d(*saved)) == pytest.approx(numeric, rel=1e-5, abs=1e-7), (name, a)


@pytest.mark.parametrize("name", sorted(n for n in ROWS if ft.PRIMITIVES[n].kernel.pre))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pre_pass_equals_in_loop_derivative(name, dtype):
    spec = ft.PRIMITIVES[name].kernel
    T = np.dtype(dtype).type
    impl = ft.PRIMITIVES[name].impl
    for args in _points(name):
        xs = [np.full(3, v, dtype=dtype) for v in args]
        saved = _saved(name, xs, impl(*xs))
        pre = spec.pre((True,) * len(xs), *saved)
        for d_loop, d_pre in zip(spec.make(T), spec.make_pre(T), strict=True):
            loop = d_loop(*[T(v[0]) for v in saved])
            via_pre = d_pre(*[np.asarray(p, dtype=dtype)[0] for p in pre])
            tol = 1e-12 if dtype == "float64" else 1e-5
            assert float(via_pre) == pytest.approx(float(loop), rel=tol, abs=tol)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_float32_derivatives_stay_float32(name):
    args = [np.float32(v) for v in _points(name)[0]]
    saved = _saved(name, args, np.float32(ft.PRIMITIVES[name].impl(*args)))
    for d in ft.PRIMITIVES[name].kernel.make(np.float32):
        with np.errstate(invalid="ignore"):
            value = d(*saved)
        assert np.asarray(value).dtype == np.float32, name


# -- a kernel spec that disagrees with its primitive fails at registration ------------------

def _d_of_x(T):
    def d(x): return x
    return (d,)


@pytest.mark.parametrize("kw, kernel, message", [
    ({"saves": "out"}, _d_of_x, None),                          # agrees: d(out)
    ({"saves": "in"}, lambda T: (lambda x, out: x,), "takes 2 values, but the primitive saves 1"),
    ({"saves": "both"}, _d_of_x, "takes 1 values, but the primitive saves 2"),
    ({"saves": "out"}, lambda T: (lambda out: out, lambda out: out), "2 derivatives for 1 arg"),
    ({"saves": "out"}, lambda T: (np.exp,), "not a plain Python function"),
])
def test_kernel_spec_must_agree_with_its_primitive(kw, kernel, message):
    from functrace import extend
    from functrace.registry import KernelSpec
    spec = KernelSpec(kernel, passes=1)
    name = "test_kernel_agreement"
    if message is None:
        p = extend.defprimitive(name, np.exp, derivs=[lambda x, out: out], kernel=spec, **kw)
        assert p.kernel is spec
        extend.unregister(name)
        return
    with pytest.raises(ValueError, match=f"primitive '{name}': kernel=.*{message}"):
        extend.defprimitive(name, np.exp, derivs=[lambda x, out: out], kernel=spec, **kw)
    assert name not in ft.PRIMITIVES


def test_kernel_spec_needs_pre_and_make_pre_together():
    from functrace import extend
    from functrace.registry import KernelSpec
    with pytest.raises(ValueError, match="pre= and make_pre= together"):
        extend.defprimitive("test_kernel_pre", np.exp, derivs=[lambda x, out: out],
                            saves="out", kernel=KernelSpec(_d_of_x, 1, pre=lambda need, x: (x,)))
    with pytest.raises(ValueError, match="not transpose="):
        extend.defprimitive("test_kernel_pre", np.negative, transpose=lambda *a: None,
                            kernel=KernelSpec(_d_of_x, 1))
