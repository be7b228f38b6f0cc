"""Linear algebra and products: values against numpy (batched too), gradients at
the awkward points (zeros in prod/cumprod, zero vectors in norm, negative
determinants), numpy dispatch and error messages. Derivatives of every
primitive in general position are checked by the spec table (``specs/linalg.py``).
"""
from __future__ import annotations

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace.testing import check_grads

RNG = np.random.default_rng(1234)


def _mat(*shape, dtype=np.float64):
    n = shape[-1]
    return (2.0 * np.eye(n) + RNG.uniform(-1, 1, size=shape) / n).astype(dtype)


def _spd(*shape):
    m = RNG.standard_normal(shape)
    return m @ np.swapaxes(m, -1, -2) / shape[-1] + np.eye(shape[-1])


A, B, V = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4)), RNG.standard_normal(3)
T3 = RNG.standard_normal((2, 3, 4))

VALUE_CASES = [
    ("tensordot-2", lambda: (fnp.tensordot(T3, T3.transpose(1, 2, 0)),
                             np.tensordot(T3, T3.transpose(1, 2, 0)))),
    ("tensordot-neg-axes", lambda: (fnp.tensordot(T3, B, axes=([-2], [0])),
                                    np.tensordot(T3, B, axes=([-2], [0])))),
    ("dot-nd", lambda: (fnp.dot(T3, T3.transpose(0, 2, 1)), np.dot(T3, T3.transpose(0, 2, 1)))),
    ("dot-scalar", lambda: (fnp.dot(2.0, V), np.dot(2.0, V))),
    ("outer", lambda: (fnp.outer(A, V), np.outer(A, V))),
    ("inner-nd", lambda: (fnp.inner(T3, B), np.inner(T3, B))),
    ("inner-scalar", lambda: (fnp.inner(3.0, A), np.inner(3.0, A))),
    ("trace", lambda: (fnp.trace(T3, offset=-1, axis1=2, axis2=1),
                       np.trace(T3, offset=-1, axis1=2, axis2=1))),
    ("diag-1d-k", lambda: (fnp.diag(V, k=2), np.diag(V, k=2))),
    ("diag-2d-k", lambda: (fnp.diag(B, k=-1), np.diag(B, k=-1))),
    ("diagonal", lambda: (fnp.diagonal(T3, 1, 0, 2), np.diagonal(T3, 1, 0, 2))),
    ("prod-initial", lambda: (fnp.prod(A, axis=1, initial=2.0), np.prod(A, axis=1, initial=2.0))),
    ("prod-empty", lambda: (fnp.prod(np.ones((0, 3)), axis=0), np.prod(np.ones((0, 3)), axis=0))),
    ("cumprod-flat", lambda: (fnp.cumprod(T3), np.cumprod(T3))),
    ("einsum-batched-diag", lambda: (fnp.einsum("...ii->...i", T3[:, :, :3]),
                                     np.einsum("...ii->...i", T3[:, :, :3]))),
    ("einsum-scalar-operand", lambda: (fnp.einsum(",i->i", 2.0, V), np.einsum(",i->i", 2.0, V))),
    ("einsum-optimize", lambda: (fnp.einsum("ij,jk,kl", A, B, B.T, optimize=True),
                                 np.einsum("ij,jk,kl", A, B, B.T, optimize=True))),
    ("einsum-path", lambda: (fnp.einsum("ij,jk", A, B, optimize=["einsum_path", (0, 1)]),
                             np.einsum("ij,jk", A, B))),
    ("norm-ord-0", lambda: (fnp.linalg.norm(np.array([0.0, 2.0, -1.0]), 0),
                            np.linalg.norm(np.array([0.0, 2.0, -1.0]), 0))),
    ("norm-int-input", lambda: (fnp.linalg.norm(np.arange(4)), np.linalg.norm(np.arange(4)))),
    ("norm-neg-p-with-zero", lambda: (fnp.linalg.norm(np.array([0.0, 2.0]), -2),
                                      np.linalg.norm(np.array([0.0, 2.0]), -2))),
    ("vector_norm", lambda: (fnp.linalg.vector_norm(T3, axis=(0, 2), ord=3),
                             np.linalg.vector_norm(T3, axis=(0, 2), ord=3))),
    ("matrix_norm", lambda: (fnp.linalg.matrix_norm(T3, ord=np.inf),
                             np.linalg.matrix_norm(T3, ord=np.inf))),
    ("linalg.trace", lambda: (fnp.linalg.trace(T3, offset=1), np.linalg.trace(T3, offset=1))),
    ("linalg.diagonal", lambda: (fnp.linalg.diagonal(T3), np.linalg.diagonal(T3))),
]


@pytest.mark.filterwarnings("ignore:divide by zero")
@pytest.mark.parametrize("name, case", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_match_numpy(name, case):
    ours, expected = case()
    assert np.shape(ours) == np.shape(expected)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn, ref, make", [
    (fnp.linalg.inv, np.linalg.inv, lambda: (_mat(4, 2, 3, 3),)),
    (fnp.linalg.det, np.linalg.det, lambda: (_mat(2, 3, 3),)),
    (fnp.linalg.solve, np.linalg.solve, lambda: (_mat(3, 3), RNG.random(3))),
    (fnp.linalg.solve, np.linalg.solve, lambda: (_mat(2, 3, 3), RNG.random(3))),
    (fnp.linalg.solve, np.linalg.solve, lambda: (_mat(2, 1, 3, 3), RNG.random((5, 3, 2)))),
    (fnp.linalg.cholesky, np.linalg.cholesky, lambda: (_spd(2, 3, 3),)),
], ids=["inv", "det", "solve-vec", "solve-batched-vec", "solve-broadcast", "cholesky"])
def test_batched_linalg_values(fn, ref, make):
    args = make()
    for dtype in (np.float64, np.float32):
        cast = tuple(a.astype(dtype) for a in args)
        ours, expected = fn(*cast), ref(*cast)
        assert ours.dtype == expected.dtype and ours.shape == expected.shape
        np.testing.assert_allclose(ours, expected, rtol=1e-6 if dtype == np.float32 else 1e-12)


def test_batched_solve_gradients():
    check_grads(fnp.linalg.solve, (_mat(2, 1, 3, 3), RNG.random((4, 3, 2))))
    check_grads(fnp.linalg.solve, (_mat(2, 3, 3), RNG.random(3)))


@pytest.mark.parametrize("argnums", [(0, 1), 0, 1])
def test_solve_backward_solves_once(argnums):
    """solve's all-arguments rule: one solve with a^T serves both cotangents (the
    per-argument form took one per argument); the gradients agree with the formula."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((3, 2))
    g = functrace.grad(lambda a, b: fnp.sum(fnp.linalg.solve(a, b)), argnums=argnums)
    tape = functrace.make_tape(g)(a, b)
    assert [e.prim.name for e in tape.eqns].count("solve") == 2     # forward + backward
    ct_b = np.linalg.solve(a.T, np.ones((3, 2)))
    want = {0: -ct_b @ np.linalg.solve(a, b).T, 1: ct_b}
    got = g(a, b)
    for k, arg in enumerate(argnums if isinstance(argnums, tuple) else (argnums,)):
        np.testing.assert_allclose(got[k] if isinstance(argnums, tuple) else got, want[arg],
                                   rtol=1e-12)


# -- prod and cumprod with zeros ------------------------------------------------------

@pytest.mark.parametrize("x, expected", [
    ([2.0, 0.0, 3.0, 4.0], [0.0, 24.0, 0.0, 0.0]),
    ([2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]),
    ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
    ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
])
def test_prod_gradient_with_zeros(x, expected):
    g = functrace.grad(fnp.prod)(np.array(x))
    np.testing.assert_array_equal(g, expected)


def test_prod_hessian_with_two_zeros():
    """d2/dxi dxj prod(x) at x = (2, 0, 3, 0) is 6 for (i, j) = (1, 3), else 0."""
    h = functrace.hessian(fnp.prod)(np.array([2.0, 0.0, 3.0, 0.0]))
    expected = np.zeros((4, 4))
    expected[1, 3] = expected[3, 1] = 6.0
    np.testing.assert_allclose(h, expected)


def _cumprod_jacobian(x):
    """J[i, k] = prod_{j <= i, j != k} x_j for k <= i, built without division."""
    n = len(x)
    return np.array([[np.prod(np.delete(x[:i + 1], k)) if k <= i else 0.0
                      for k in range(n)] for i in range(n)])


@pytest.mark.parametrize("x", [[1.5, 0.0, 2.0, -1.0, 0.5], [0.0, 2.0, 0.0, 3.0, 0.0],
                               [2.0, 3.0, 0.0]])
def test_cumprod_jacobian_with_zeros(x):
    x = np.array(x)
    expected = _cumprod_jacobian(x)
    np.testing.assert_allclose(functrace.jacrev(fnp.cumprod)(x), expected)
    np.testing.assert_allclose(functrace.jacfwd(fnp.cumprod)(x), expected)
    check_grads(lambda v: fnp.cumprod(v) ** 2, (x,))


def test_cumprod_long_matches_division_formula():
    x = RNG.uniform(0.9, 1.1, size=(3, 300))
    ct = RNG.standard_normal(x.shape)
    g = functrace.vjp(lambda v: fnp.cumprod(v, axis=1), x)[1](ct)[0]
    y = np.cumprod(x, axis=1)
    expected = np.flip(np.cumsum(np.flip(ct * y, 1), 1), 1) / x
    np.testing.assert_allclose(g, expected, rtol=1e-10)


def test_prod_float32_gradient_stays_float32():
    g = functrace.grad(lambda x: fnp.prod(x, axis=0).sum())(np.ones((3, 2), np.float32))
    assert g.dtype == np.float32


# -- determinants ------------------------------------------------------------------

def test_slogdet_sign_and_gradient():
    a = _mat(3, 3)
    a[0] *= -1.0
    sign, logabsdet = fnp.linalg.slogdet(a)
    assert sign == -1.0 and np.isclose(logabsdet, np.log(abs(np.linalg.det(a))))
    g = functrace.grad(lambda m: fnp.linalg.slogdet(m).logabsdet)(a)
    np.testing.assert_allclose(g, np.linalg.inv(a).T)
    g_sign = functrace.grad(lambda m: fnp.linalg.slogdet(m).sign * fnp.sum(m))(a)
    np.testing.assert_allclose(g_sign, -np.ones((3, 3)))    # the sign is a constant


def test_slogdet_batched_matches_numpy():
    a = _mat(2, 4, 4)
    a[1, 0] *= -1.0
    ours, expected = fnp.linalg.slogdet(a), np.linalg.slogdet(a)
    np.testing.assert_array_equal(ours.sign, expected.sign)
    np.testing.assert_allclose(ours.logabsdet, expected.logabsdet)


def test_det_gradient_is_cofactor_matrix():
    a = _mat(2, 3, 3)
    g = functrace.grad(lambda m: fnp.sum(fnp.linalg.det(m)))(a)
    expected = np.linalg.det(a)[:, None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)
    np.testing.assert_allclose(g, expected)


def test_cholesky_gradient_is_symmetric():
    a = _spd(3, 3)
    g = functrace.grad(lambda m: fnp.sum(fnp.sin(fnp.linalg.cholesky(m))))(a)
    np.testing.assert_allclose(g, g.T)


# -- norms at zero ------------------------------------------------------------------

@pytest.mark.parametrize("ord", [None, 2, 1, np.inf, -np.inf, 3, 0.5, 0])
def test_vector_norm_gradient_at_zero_is_zero(ord):
    g = functrace.grad(lambda x: fnp.linalg.norm(x, ord))(np.zeros(3))
    np.testing.assert_array_equal(g, np.zeros(3))
    h = functrace.hessian(lambda x: fnp.linalg.norm(x, ord))(np.zeros(3))
    assert np.all(np.isfinite(h))


@pytest.mark.parametrize("ord", [None, "fro", 1, -1, np.inf, -np.inf])
def test_matrix_norm_gradient_at_zero_is_zero(ord):
    g = functrace.grad(lambda x: fnp.linalg.norm(x, ord))(np.zeros((2, 3)))
    np.testing.assert_array_equal(g, np.zeros((2, 3)))


def test_p_norm_with_some_zero_entries_is_finite():
    x = np.array([0.0, 1.0, -2.0])
    g = functrace.grad(lambda v: fnp.linalg.norm(v, 3))(x)
    np.testing.assert_allclose(g, np.sign(x) * np.abs(x) ** 2 / np.linalg.norm(x, 3) ** 2)


# -- numpy dispatch ---------------------------------------------------------------------

def test_numpy_functions_dispatch_on_tracers():
    a = _mat(3, 3)

    def f(m):
        return (np.einsum("ij,jk->", m, m) + np.trace(m) + np.prod(np.diag(m))
                + np.linalg.slogdet(m)[1] + np.linalg.norm(np.linalg.solve(m, np.ones(3)))
                + np.sum(np.linalg.inv(m)) + np.linalg.det(m) + np.inner(m, m).sum()
                + np.tensordot(m, m).sum() + np.outer(m, m).sum() + np.cumprod(m).sum()
                + np.linalg.cholesky(m @ m.T).sum() + np.diagonal(m).sum())
    check_grads(f, (a,), order=1)


# -- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: fnp.einsum("ij,jk", A), ValueError, "2 operand subscripts for 1 operands"),
    (lambda: fnp.einsum("ijk", A), ValueError, "too many subscripts for operand 0"),
    (lambda: fnp.einsum("i", A), ValueError, "too few subscripts for operand 0"),
    (lambda: fnp.einsum("...j->j", T3), ValueError, "no '...' ellipsis"),
    (lambda: fnp.einsum("ij,ij", A, B), ValueError, "could not be broadcast"),
    (lambda: fnp.einsum("ii", A), ValueError, "collapsing index 'i'"),
    (lambda: fnp.einsum("i1", A), ValueError, "invalid subscript '1'"),
    (lambda: fnp.einsum("ij->ii", A), ValueError, "must be distinct"),
    (lambda: fnp.einsum("ij->k", A), ValueError, "appear in the inputs"),
    (lambda: fnp.einsum("ij", A, out=np.empty(0)), NotImplementedError, "out="),
    (lambda: fnp.tensordot(A, B), ValueError, "shape-mismatch"),
    (lambda: fnp.diag(T3), ValueError, "1- or 2-d"),
    (lambda: fnp.diagonal(V), ValueError, "at least two dimensions"),
    (lambda: fnp.diagonal(A, axis1=1, axis2=-1), ValueError, "cannot be the same"),
    (lambda: fnp.prod(A, where=A > 0), NotImplementedError, "where="),
    (lambda: fnp.linalg.qr(A, mode="raw"), NotImplementedError, "mode='raw'"),
    (lambda: fnp.linalg.svd(V), ValueError, "at least 2 dimensions"),
    (lambda: fnp.linalg.eigh(A, UPLO="X"), ValueError, "UPLO"),
    (lambda: fnp.linalg.matrix_power(A, 1.5), TypeError, "integer"),
    (lambda: fnp.linalg.norm(V, "fro"), ValueError, "Invalid norm order 'fro' for vectors"),
    (lambda: fnp.linalg.norm(A, 3), ValueError, "Invalid norm order for matrices"),
    (lambda: fnp.linalg.norm(T3, 1), ValueError, "Improper number of dimensions"),
    (lambda: fnp.linalg.solve(np.zeros((2, 2)), np.ones(2)), np.linalg.LinAlgError, "Singular"),
    (lambda: fnp.linalg.solve(_mat(2, 3, 3), np.ones((2, 3))), ValueError,  # numpy 2 rule
     "mismatch in its core dimension"),
    (lambda: fnp.linalg.cholesky(-np.eye(2)), np.linalg.LinAlgError, "positive definite"),
    (lambda: fnp.linalg.inv(A), np.linalg.LinAlgError, "square"),
    (lambda: fnp.linalg.outer(A, V), ValueError, "one-dimensional"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_error_inside_grad_is_raised_at_the_call():
    with pytest.raises(np.linalg.LinAlgError, match="Singular"):
        functrace.grad(lambda m: fnp.sum(fnp.linalg.inv(m)))(np.ones((2, 2)))
