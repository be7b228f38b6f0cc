"""functrace.numpy.linalg's decompositions: properties (hypothesis), numpy's result types
and values, gradients of invariant functions against their closed forms, vmap over
stacks, and the documented behaviour where a derivative does not exist (NaN, never a
finite wrong number). Finite-difference checks of every rule are the spec rows in
tests/specs/decompositions.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import functrace as ft
import functrace.numpy as fnp
from functrace.testing import check_grads

LA = fnp.linalg
SETTINGS = settings(deadline=None, max_examples=40, derandomize=True)
SEEDS = st.integers(0, 2 ** 32 - 1)
SHAPES = st.tuples(st.sampled_from([(), (2,)]), st.integers(1, 4), st.integers(1, 4))


def _matrix(seed: int, batch: tuple, m: int, n: int, dtype: str = "float64") -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(batch + (m, n)).astype(dtype)


def _tol(dtype: str) -> float:
    return 1e-4 if dtype == "float32" else 1e-10


# -- properties --------------------------------------------------------------------------------

@SETTINGS
@given(SEEDS, SHAPES, st.booleans(), st.sampled_from(["float64", "float32"]))
def test_svd_reconstructs_and_matches_numpy(seed, shape, full, dtype):
    batch, m, n = shape
    a = _matrix(seed, batch, m, n, dtype)
    u, s, vh = LA.svd(a, full_matrices=full)
    k = min(m, n)
    assert u.dtype == s.dtype == vh.dtype == np.dtype(dtype)
    assert u.shape == batch + ((m, m) if full else (m, k))
    assert vh.shape == batch + ((n, n) if full else (k, n))
    recon = (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :]
    np.testing.assert_allclose(recon, a, atol=50 * _tol(dtype))
    c = u.shape[-1]
    np.testing.assert_allclose(np.swapaxes(u, -1, -2) @ u,
                               np.broadcast_to(np.eye(c), batch + (c, c)), atol=50 * _tol(dtype))
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=50 * _tol(dtype))


@SETTINGS
@given(SEEDS, SHAPES)
def test_gradient_of_the_nuclear_norm_is_u_vt(seed, shape):
    """``d sum(s) / dA = U V^T`` (full rank): an invariant of the decomposition."""
    batch, m, n = shape
    a = _matrix(seed, batch, m, n)
    g = ft.grad(lambda a: fnp.sum(LA.svd(a, full_matrices=False).S))(a)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(g, u @ vh, atol=1e-10)


@SETTINGS
@given(SEEDS, SHAPES)
def test_sum_of_squared_singular_values_is_frobenius(seed, shape):
    """``sum(s^2) = |A|_F^2``: its gradient is ``2 A`` through U, s and V alike."""
    batch, m, n = shape
    a = _matrix(seed, batch, m, n)

    def via_vectors(a):
        u, s, vh = LA.svd(a, full_matrices=False)
        return fnp.sum((u * s[..., None, :] @ vh) ** 2)
    np.testing.assert_allclose(ft.grad(via_vectors)(a), 2 * a, atol=1e-8)
    np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(LA.svdvals(a) ** 2))(a), 2 * a,
                               atol=1e-8)


@SETTINGS
@given(SEEDS, st.integers(1, 4))
def test_eigh_invariants(seed, n):
    """``V diag(w) V^T = A``; ``d trace(f(A)) = f'(A)`` for ``f = exp`` via the eigenvectors."""
    m = _matrix(seed, (), n, n)
    a = m @ m.T / n + np.eye(n)
    w, v = LA.eigh(a)
    np.testing.assert_allclose((v * w) @ v.T, a, atol=1e-10)

    def trace_exp(a):
        w, v = LA.eigh(a)
        return fnp.trace((v * fnp.exp(w)) @ v.T)
    expected = (v * np.exp(w)) @ v.T                     # d tr(exp(A)) / dA = exp(A)
    np.testing.assert_allclose(ft.grad(trace_exp)(a), expected, rtol=1e-8)
    np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(fnp.exp(LA.eigvalsh(a))))(a),
                               expected, rtol=1e-8)


@SETTINGS
@given(SEEDS, st.sampled_from([(3, 3), (4, 2), (2, 4), (5, 3)]))
def test_qr_reconstructs_and_its_gradient_of_an_invariant(seed, shape):
    a = _matrix(seed, (), *shape)
    q, r = LA.qr(a)
    np.testing.assert_allclose(q @ r, a, atol=1e-10)
    np.testing.assert_allclose(r, np.linalg.qr(a).R, atol=1e-10)
    # |R|_F^2 = |A|_F^2 when m >= n (Q has orthonormal columns): gradient 2 A.
    if shape[0] >= shape[1]:
        np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(LA.qr(a).R ** 2))(a), 2 * a,
                                   atol=1e-8)


# -- numpy's types and values ------------------------------------------------------------------

def test_results_are_numpys_namedtuples_and_unpack():
    a = _matrix(0, (), 3, 3)
    spd = a @ a.T + np.eye(3)
    assert LA.svd(a)._fields == np.linalg.svd(a)._fields == ("U", "S", "Vh")
    assert LA.eigh(spd)._fields == np.linalg.eigh(spd)._fields
    assert LA.eig(spd)._fields == np.linalg.eig(spd)._fields
    assert LA.qr(a)._fields == np.linalg.qr(a)._fields
    q, r = LA.qr(a)
    np.testing.assert_allclose(q, np.linalg.qr(a).Q)


def test_numpy_functions_dispatch_on_traced_values():
    a = _matrix(1, (), 3, 2)
    g = ft.grad(lambda a: np.sum(np.linalg.svd(a, compute_uv=False)))(a)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(g, u @ vh, atol=1e-12)


def test_integer_input_gives_float64():
    assert LA.svd(np.eye(2, dtype=np.int64), compute_uv=False).dtype == np.float64
    assert LA.eigvalsh(np.eye(2, dtype=np.int64)).dtype == np.float64


# -- vmap and batching -------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda a: LA.svd(a, full_matrices=False).U * LA.svd(a, full_matrices=False).U[:1],
    lambda a: LA.svd(a).S,
    lambda a: LA.qr(a).R,
    lambda a: LA.pinv(a),
    lambda a: LA.norm(a, "nuc"),
    lambda a: LA.eigvalsh(a @ a.T),
    lambda a: LA.eigh(a @ a.T)[1] * LA.eigh(a @ a.T)[1][:1],
], ids=["svd-U", "svd-S", "qr-R", "pinv", "norm-nuc", "eigvalsh", "eigh-V"])
def test_vmap_and_its_gradient_match_a_loop(fn):
    a = _matrix(2, (4,), 3, 2) + np.eye(3, 2)
    expected = np.stack([fn(x) for x in a])
    np.testing.assert_allclose(ft.vmap(fn)(a), expected, atol=1e-12)
    per_example = ft.vmap(ft.grad(lambda x: fnp.sum(fn(x) ** 2)))(a)
    loop = np.stack([ft.grad(lambda x: fnp.sum(fn(x) ** 2))(x) for x in a])
    np.testing.assert_allclose(per_example, loop, atol=1e-10)


# -- where derivatives do not exist ------------------------------------------------------------

def test_repeated_singular_values_differentiate_the_values_and_invariants():
    eye = np.eye(3)
    np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(LA.svd(a).S))(eye), eye)

    def trace_of_reconstruction(a):
        u, s, vh = LA.svd(a)
        return fnp.trace(u * s @ vh)
    np.testing.assert_allclose(ft.grad(trace_of_reconstruction)(eye), eye)


def test_repeated_singular_values_make_singular_vector_derivatives_nan():
    """A function that turns with the basis of a repeated value's space (``U^T W`` not
    symmetric there) has no derivative: NaN, never a finite number."""
    weights = np.arange(9.0).reshape(3, 3)
    g = ft.grad(lambda a: fnp.sum(LA.svd(a).U * weights))(np.eye(3))
    assert np.isnan(g).all()
    g = ft.grad(lambda a: fnp.sum(LA.eigh(a).eigenvectors * weights))(np.eye(3))
    assert np.isnan(g).all()
    _, t = ft.jvp(lambda a: LA.eigh(a).eigenvectors, (np.eye(3),), (weights + weights.T,))
    assert np.isnan(t).any()


def test_the_complement_columns_have_nan_derivatives_and_do_not_leak():
    a = _matrix(3, (), 4, 2)
    g_first = ft.grad(lambda a: fnp.sum(LA.svd(a).U[:, :2] * LA.svd(a).U[:1, :2]))(a)
    assert np.isfinite(g_first).all()
    assert np.isnan(ft.grad(lambda a: fnp.sum(LA.svd(a).U[:, 2:]))(a)).all()
    _, t = ft.jvp(lambda a: LA.qr(a, mode="complete").Q, (a,), (np.ones_like(a),))
    assert np.isfinite(t[:, :2]).all() and np.isnan(t[:, 2:]).all()


def test_second_order_through_eigh():
    a = np.diag([1.0, 2.0, 3.5]) + 0.1 * _matrix(4, (), 3, 3)
    check_grads(lambda a: fnp.sum(LA.eigh(a)[1] * LA.eigh(a)[1][:1] * np.arange(9.0)
                                  .reshape(3, 3)), (a,), order=2)


@pytest.mark.parametrize("a", [np.diag([1.0, 0.0, 2.0]), np.ones((3, 3)), np.zeros(3),
                               np.arange(24.0).reshape(2, 3, 4)])
def test_matrix_rank_is_numpys_and_a_constant(a):
    np.testing.assert_array_equal(LA.matrix_rank(a), np.linalg.matrix_rank(a))
    ranks = ft.vmap(LA.matrix_rank)(np.stack([np.eye(3), np.diag([1.0, 0.0, 0.0])]))
    np.testing.assert_array_equal(ranks, [3, 1])
    g = ft.grad(lambda a: fnp.sum(a) * LA.matrix_rank(a))(np.eye(2))
    np.testing.assert_allclose(g, 2.0 * np.ones((2, 2)))


def test_invariant_functions_of_repeated_eigenvectors_differentiate():
    """``V V^T = I`` whatever basis is chosen: its gradient is 0, also at ``A = I``."""
    weights = np.arange(9.0).reshape(3, 3)
    weights = weights + weights.T

    def projector(a):
        v = LA.eigh(a).eigenvectors
        return fnp.sum(v @ v.T * weights)
    np.testing.assert_allclose(ft.grad(projector)(np.eye(3)), np.zeros((3, 3)), atol=1e-12)

    def svd_projector(a):
        u = LA.svd(a).U
        return fnp.sum(u @ u.T * weights)
    np.testing.assert_allclose(ft.grad(svd_projector)(2.0 * np.eye(3)), np.zeros((3, 3)),
                               atol=1e-12)


@SETTINGS
@given(SEEDS, st.integers(1, 4))
def test_eig_reconstructs_and_invariants_of_its_eigenvalues(seed, n):
    """``V diag(w) V^-1 = A``; ``sum(w) = trace(A)`` and ``prod(w) = det(A)`` give the
    gradients ``I`` and the cofactor matrix."""
    rng = np.random.default_rng(seed)
    s = 2.0 * np.eye(n) + rng.uniform(-1.0, 1.0, (n, n)) / n
    a = (s * (1.0 + np.arange(n))) @ np.linalg.inv(s)
    w, v = LA.eig(a)
    np.testing.assert_allclose((v * w) @ np.linalg.inv(v), a, atol=1e-9)
    np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(LA.eigvals(a)))(a), np.eye(n),
                               atol=1e-9)
    cofactor = np.linalg.det(a) * np.linalg.inv(a).T
    np.testing.assert_allclose(ft.grad(lambda a: fnp.prod(LA.eig(a).eigenvalues))(a),
                               cofactor, rtol=1e-7, atol=1e-9)


def _complex_spectrum(seed: int, n: int, complex_input: bool) -> np.ndarray:
    """``S B S^-1`` with distinct eigenvalues, some complex: ``B`` has the block
    ``[[1, -2], [2, 1]]`` (eigenvalues ``1 +- 2i``) and then ``3, 4, ...``; ``S`` is
    complex for a complex input."""
    rng = np.random.default_rng(seed)
    s = 2.0 * np.eye(n) + rng.uniform(-1.0, 1.0, (n, n)) / n
    if complex_input:
        s = s + 1j * rng.uniform(-1.0, 1.0, (n, n)) / n
    b = np.diag(1.0 + np.arange(n))
    b[:2, :2] = [[1.0, -2.0], [2.0, 1.0]]
    return s @ b @ np.linalg.inv(s)


@SETTINGS
@given(SEEDS, st.integers(2, 4), st.booleans())
def test_complex_eig_reconstructs_and_invariants_of_its_eigenvalues(seed, n, complex_input):
    """Complex spectra: ``V diag(w) V^-1 = A``, unit columns with a real largest entry
    (numpy's), ``d trace(A) = I``, ``d trace(A^2) = 2 A^T`` and ``d det(A) = cofactor``
    (holomorphic for a complex ``A``; the real part's gradient for a real one)."""
    a = _complex_spectrum(seed, n, complex_input)
    w, v = LA.eig(a)
    assert w.dtype == v.dtype == np.complex128
    np.testing.assert_allclose((v * w) @ np.linalg.inv(v), a, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), np.ones(n), atol=1e-12)
    largest = v[np.argmax(np.abs(v), axis=0), np.arange(n)]
    np.testing.assert_array_equal(largest.imag, np.zeros(n))
    if complex_input:
        gradient_of = lambda f: ft.grad(f, holomorphic=True)      # noqa: E731
    else:
        gradient_of = lambda f: ft.grad(lambda a: fnp.real(f(a)))  # noqa: E731
    cofactor = np.linalg.det(a) * np.linalg.inv(a).T
    for f, expected in [(lambda a: fnp.sum(LA.eigvals(a)), np.eye(n)),
                        (lambda a: fnp.sum(LA.eig(a).eigenvalues ** 2), 2 * a.T),
                        (lambda a: fnp.prod(LA.eigvals(a)), cofactor)]:
        np.testing.assert_allclose(gradient_of(f)(a), expected.astype(a.dtype),
                                   rtol=1e-7, atol=1e-9)


def test_sum_of_squared_moduli_of_eigenvalues_has_its_closed_form_gradient():
    """``d sum |w|^2 = 2 Re(sum conj(w_i) (V^-1 dA V)_ii)``: the gradient (real input) is
    ``2 Re(V^-T diag(conj(w)) V^T)``; with a normal (here unitary-similar) matrix it is
    ``2 A``."""
    a = _complex_spectrum(3, 4, complex_input=False)
    w, v = np.linalg.eig(a)
    expected = 2 * np.real(np.linalg.inv(v).T @ np.diag(w.conj()) @ v.T)
    g = ft.grad(lambda a: fnp.sum(fnp.abs(LA.eigvals(a)) ** 2))(a)
    np.testing.assert_allclose(g, expected, atol=1e-9)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))
    normal = q @ np.array([[1.0, -2.0, 0, 0], [2.0, 1.0, 0, 0], [0, 0, 3.0, 0],
                           [0, 0, 0, -1.0]]) @ q.T
    np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(fnp.abs(LA.eigvals(a)) ** 2))(normal),
                               2 * normal, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_eig_follows_numpys_dtype_rule(dtype):
    """Real eigenvalues of a real matrix stay real; a complex one anywhere in the stack
    makes the whole result complex (numpy's rule); precision is kept."""
    real_spectrum = np.array([[2.0, 1.0], [0.0, 3.0]], dtype=dtype)
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]], dtype=dtype)
    for a in (real_spectrum, rotation, np.stack([real_spectrum, rotation])):
        w, v = LA.eig(a)
        ref_w, ref_v = np.linalg.eig(a)
        assert (w.dtype, v.dtype) == (ref_w.dtype, ref_v.dtype)
        np.testing.assert_allclose(w, ref_w, rtol=1e-6)
        np.testing.assert_allclose(v, ref_v, rtol=1e-6, atol=1e-7)
        assert LA.eigvals(a).dtype == np.linalg.eigvals(a).dtype
        _, t = ft.jvp(LA.eigvals, (a,), (np.ones_like(a),))
        assert t.dtype == ref_w.dtype


def test_complex_eig_under_vmap_and_its_gradient_match_a_loop():
    a = np.stack([_complex_spectrum(s, 3, complex_input=bool(s % 2)) for s in range(4)])
    np.testing.assert_allclose(ft.vmap(LA.eigvals)(a), np.linalg.eigvals(a), atol=1e-12)

    def gauge_free(m):
        v = LA.eig(m).eigenvectors
        return fnp.sum(fnp.abs(v * fnp.conj(v[:1, :]) * np.arange(1.0, 10.0).reshape(3, 3)))
    per_example = ft.vmap(ft.grad(gauge_free))(a)
    np.testing.assert_allclose(per_example, np.stack([ft.grad(gauge_free)(m) for m in a]),
                               atol=1e-10)


def test_repeated_complex_eigenvalues_make_eigenvector_derivatives_nan():
    """A repeated complex eigenvalue: the eigenvalues' derivatives exist, the
    eigenvectors' do not (NaN, never a finite number)."""
    a = np.diag([1.0 + 1.0j, 1.0 + 1.0j, 2.0])
    weights = np.arange(9.0).reshape(3, 3)
    g = ft.grad(lambda a: fnp.sum(LA.eigvals(a)), holomorphic=True)(a)
    np.testing.assert_allclose(g, np.eye(3), atol=1e-12)
    g = ft.grad(lambda a: fnp.real(fnp.sum(LA.eig(a).eigenvectors * weights)))(a)
    assert np.isnan(g).any()
    _, t = ft.jvp(lambda a: LA.eig(a).eigenvectors, (a,), (weights + 0j,))
    assert np.isnan(t).any()


@SETTINGS
@given(SEEDS, st.sampled_from([(3, 3), (5, 2), (2, 5)]))
def test_pinv_and_lstsq_agree_with_closed_forms(seed, shape):
    """Full rank: ``pinv = (A^T A)^-1 A^T`` (tall) or ``A^T (A A^T)^-1`` (wide), and the
    gradient of ``|A x - b|^2`` at lstsq's ``x`` is 0 (tall)."""
    a = _matrix(seed, (), *shape) + np.eye(*shape)
    m, n = shape
    closed = (lambda a: fnp.linalg.inv(a.T @ a) @ a.T) if m >= n else \
        (lambda a: a.T @ fnp.linalg.inv(a @ a.T))
    np.testing.assert_allclose(LA.pinv(a), closed(a), atol=1e-9)
    probe = np.arange(m * n, dtype=float).reshape(n, m)
    np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(LA.pinv(a) * probe))(a),
                               ft.grad(lambda a: fnp.sum(closed(a) * probe))(a), atol=1e-8)
    if m > n:
        b = np.ones(m)
        x = LA.lstsq(a, b)[0]
        np.testing.assert_allclose(ft.grad(lambda x: fnp.sum((a @ x - b) ** 2))(x),
                                   np.zeros(n), atol=1e-9)


def test_lstsq_rank_and_residuals_per_member_under_vmap_and_jit():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 5, 2))
    a[1, :, 1] = a[1, :, 0]                                  # member 1 has rank 1
    b = rng.standard_normal(5)
    np.testing.assert_array_equal(ft.vmap(lambda a: LA.lstsq(a, b)[2])(a), [2, 1, 2])
    residuals = ft.vmap(lambda a: LA.lstsq(a, b)[1])(a)
    np.testing.assert_allclose(residuals[[0, 2]], [np.linalg.lstsq(a[k], b)[1] for k in (0, 2)])
    assert np.isnan(residuals[1]).all()
    assert isinstance(LA.lstsq(a[0], b)[2], int)
    jitted = ft.jit(lambda a: LA.lstsq(a, b)[1])
    assert jitted(a[0]).shape == (1,) and jitted(a[1]).shape == (0,)   # rank re-checked
