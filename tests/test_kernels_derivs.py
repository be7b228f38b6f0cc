"""The scalar derivative table, checked in plain Python (no Numba, no compiling).

Each entry's derivative functions, evaluated on scalars, equal central finite
differences of the primitive's numpy implementation; each numpy pre-pass
followed by its ``make_pre`` derivatives equals the in-loop derivatives.
"""
from __future__ import annotations

import numpy as np
import pytest

import functrace as ft
from functrace.kernels.derivs import DERIVS

DOMAIN = {"sqrt": (0.3, 3), "cbrt": (0.3, 3), "reciprocal": (0.5, 2), "log": (0.3, 3),
          "log2": (0.3, 3), "log10": (0.3, 3), "log1p": (-0.5, 2), "arcsin": (-0.9, 0.9),
          "arccos": (-0.9, 0.9), "arccosh": (1.2, 3), "arctanh": (-0.9, 0.9),
          "power": (0.5, 2), "divide": (0.5, 2), "arctan2": (0.5, 2), "tan": (-1, 1)}


def _points(name: str, nargs: int) -> list:
    lo, hi = DOMAIN.get(name, (-2, 2))
    rng = np.random.default_rng(len(name))
    return [rng.uniform(lo, hi, nargs) for _ in range(5)]


def _saved(spec, args: np.ndarray, out: float) -> list:
    ins = list(args) if spec.saves in ("in", "both") else []
    return ins + ([out] if spec.saves in ("out", "both") else [])


@pytest.mark.parametrize("name", sorted(DERIVS))
def test_scalar_derivatives_match_finite_differences(name):
    spec = DERIVS[name]
    impl = ft.PRIMITIVES[name].impl
    derivs = spec.make(np.float64)
    assert len(derivs) == spec.nargs
    for args in _points(name, spec.nargs):
        if name == "clip":
            args = np.array([args[0], -1.0, 1.5])
        out = float(impl(*args))
        saved = [np.float64(v) for v in _saved(spec, args, out)]
        for a, d in enumerate(derivs):
            if name == "clip" and a > 0:
                continue
            h = 1e-6
            up, down = args.copy(), args.copy()
            up[a] += h
            down[a] -= h
            numeric = (float(impl(*up)) - float(impl(*down))) / (2 * h)
            assert float(d(*saved)) == pytest.approx(numeric, rel=1e-5, abs=1e-7), (name, a)


@pytest.mark.parametrize("name", sorted(n for n, s in DERIVS.items() if s.pre is not None))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pre_pass_equals_in_loop_derivative(name, dtype):
    spec = DERIVS[name]
    T = np.dtype(dtype).type
    impl = ft.PRIMITIVES[name].impl
    for args in _points(name, spec.nargs):
        xs = [np.full(3, v, dtype=dtype) for v in args]
        saved = _saved(spec, xs, impl(*xs))
        pre = spec.pre((True,) * spec.nargs, *saved)
        for d_loop, d_pre in zip(spec.make(T), spec.make_pre(T)):
            loop = d_loop(*[T(v[0]) for v in saved])
            via_pre = d_pre(*[np.asarray(p, dtype=dtype)[0] for p in pre])
            tol = 1e-12 if dtype == "float64" else 1e-5
            assert float(via_pre) == pytest.approx(float(loop), rel=tol, abs=tol)


def test_float32_derivatives_stay_float32():
    for name, spec in DERIVS.items():
        args = [np.float32(0.5)] * spec.nargs
        saved = _saved(spec, args, np.float32(0.7))
        if name == "clip":
            saved = [np.float32(0.5), np.float32(-1), np.float32(1)]
        for d in spec.make(np.float32):
            with np.errstate(invalid="ignore"):
                value = d(*saved)
            assert np.asarray(value).dtype == np.float32, name
