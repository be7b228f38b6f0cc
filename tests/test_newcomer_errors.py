"""Errors a newcomer meets say what was wrong and what to write instead."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
import functrace.scipy.special as fsp

X = np.array([0.5, -1.0, 2.0])


def square_sum(x):
    return fnp.sum(x ** 2)


@pytest.mark.parametrize("name, call", [
    ("grad", lambda v: ft.grad(v)), ("value_and_grad", lambda v: ft.value_and_grad(v)),
    ("vjp", lambda v: ft.vjp(v, X)), ("jvp", lambda v: ft.jvp(v, (X,), (X,))),
    ("vmap", lambda v: ft.vmap(v)), ("jacrev", lambda v: ft.jacobian(v)),
    ("jacfwd", lambda v: ft.jacfwd(v)), ("hessian", lambda v: ft.hessian(v)),
    ("elementwise_grad", lambda v: ft.elementwise_grad(v)),
    ("custom_vjp", lambda v: ft.custom_vjp(v)), ("custom_jvp", lambda v: ft.custom_jvp(v)),
    ("checkpoint", lambda v: ft.checkpoint(v)), ("linearize", lambda v: ft.linearize(v, X)),
    ("hvp", lambda v: ft.hvp(v, (X,), (X,))), ("make_tape", lambda v: ft.make_tape(v)),
])
def test_transform_of_a_value_instead_of_a_function(name, call):
    with pytest.raises(TypeError, match=rf"^{name} expects a function, got float64 .*: pass "
                                        r"the function itself \(f, not f\(x\)\)"):
        call(square_sum(X))


@pytest.mark.parametrize("call, label, hint", [
    (lambda x: fnp.sum(x, dim=0), r"functrace\.numpy\.sum\(\)", "axis= instead of dim="),
    (lambda x: fnp.mean(x, axis=0, keepdim=True), r"functrace\.numpy\.mean\(\)",
     "keepdims= instead of keepdim="),
    (lambda x: fnp.max(x, dim=0, keepdim=True), r"functrace\.numpy\.amax\(\)",  # max = amax
     "axis= instead of dim=, keepdims= instead of keepdim="),
    (lambda x: fnp.concatenate([x, x], dim=0), r"functrace\.numpy\.concatenate\(\)", "axis="),
    (lambda x: x.sum(dim=0), r"the traced array's \.sum\(\)", "axis= instead of dim="),
    (lambda x: fnp.linalg.norm(x, dim=0), r"functrace\.numpy\.linalg\.norm\(\)", "axis="),
    (lambda x: fsp.logsumexp(x, dim=0), r"functrace\.scipy\.special\.logsumexp\(\)", "axis="),
])
def test_pytorch_keywords_point_to_numpy_names(call, label, hint):
    with pytest.raises(TypeError, match=rf"^{label} takes numpy's keyword names, not "
                                        rf"PyTorch's: use {hint}"):
        ft.grad(lambda x: fnp.sum(call(x)))(X)
    if "traced array" not in label:                    # plain arrays: numpy's own methods
        with pytest.raises(TypeError, match=label):
            call(X)


def test_keyword_hints_keep_functions_working_and_aliases_identical():
    assert fnp.max is fnp.amax and fnp.sum.__name__ == "sum"
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(fnp.mean(x, axis=0, keepdims=True)))(X),
                               np.full(3, 1 / 3))
    assert float(fsp.logsumexp(np.zeros(2), axis=0)) == pytest.approx(np.log(2))


def test_scipy_special_ufunc_on_a_tracer_names_functrace_scipy_special():
    special = pytest.importorskip("scipy.special", reason="scipy is not installed")
    with pytest.raises(TypeError, match=r"scipy\.special\.expit: use "
                                        r"functrace\.scipy\.special\.expit"):
        ft.grad(lambda x: fnp.sum(special.expit(x)))(X)
    with pytest.raises(TypeError, match=r"scipy\.special\.gammaln: use "
                                        r"functrace\.scipy\.special\.gammaln"):
        ft.grad(lambda x: fnp.sum(special.gammaln(x)))(X)
    with pytest.raises(TypeError, match=r"scipy\.special\.kv: functrace\.scipy\.special "
                                        r"has gammaln, digamma"):
        ft.grad(lambda x: fnp.sum(special.kv(1.0, x)))(X)
    with pytest.raises(TypeError, match=r"scipy\.special\.expit on tensors that require grad; "
                                        r"use functrace\.scipy\.special\.expit"):
        special.expit(ft.tensor([1.0], requires_grad=True))


class ForeignArray:
    """Another library's array-like (what a pandas Series is to numpy): it converts
    with np.asarray but takes numpy's functions over, returning its own type."""

    def __init__(self, data):
        self.data = np.asarray(data, dtype=float)

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        arrays = [i.data if isinstance(i, ForeignArray) else i for i in inputs]
        return ForeignArray(getattr(ufunc, method)(*arrays, **kwargs))


def _constant_data_cases(data):
    expected_grad = np.asarray(data) * np.cos(X)
    cases = {
        "x * data": (lambda x: fnp.sum(fnp.sin(x) * data), expected_grad),
        "fnp.multiply": (lambda x: fnp.sum(fnp.multiply(fnp.sin(x), data)), expected_grad),
        "x @ data": (lambda x: fnp.sin(x) @ data, expected_grad),
    }
    return cases


@pytest.mark.parametrize("case", ["x * data", "fnp.multiply", "x @ data"])
def test_foreign_array_like_is_constant_data_in_every_transform(case):
    data = ForeignArray([1.0, 2.0, 3.0])
    f, expected = _constant_data_cases(data)[case]
    np.testing.assert_allclose(ft.grad(f)(X), expected)
    np.testing.assert_allclose(ft.jvp(f, (X,), (np.ones(3),))[1], expected.sum())
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(np.stack([X, X])), [expected, expected])
    np.testing.assert_allclose(ft.hessian(f)(X), np.diag(-np.asarray(data) * np.sin(X)))


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None,
                    reason="pandas is not installed (not a dependency; ForeignArray stands in)")
def test_pandas_series_as_constant_data():
    import pandas as pd
    s = pd.Series([1.0, 2.0, 3.0])
    expected = s.to_numpy() * np.cos(X)
    for f in (lambda x: fnp.sum(fnp.sin(x) * s), lambda x: fnp.sum(s * fnp.sin(x)),
              lambda x: fnp.sum(fnp.sin(x) / s * s ** 2), lambda x: fnp.sin(x) @ s):
        np.testing.assert_allclose(ft.grad(f)(X), expected)
        np.testing.assert_allclose(ft.vmap(ft.grad(f))(np.stack([X, X])), [expected] * 2)
