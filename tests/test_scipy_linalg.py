"""functrace.scipy.linalg and functrace.scipy.signal beyond the spec table: transforms
on the composites, conventions that differ from scipy, and errors."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.signal as ss

import functrace
import functrace.numpy as fnp
import functrace.scipy.linalg as fsl
import functrace.scipy.signal as fss
from functrace.testing import check_grads

RNG = np.random.default_rng(0)
M = RNG.normal(size=(4, 4))
SPD = M @ M.T + 4 * np.eye(4)


def test_cho_factor_is_clean_and_solves():
    c, lower = fsl.cho_factor(SPD)
    assert not lower and np.allclose(np.tril(c, -1), 0.0)
    np.testing.assert_allclose(c, sla.cholesky(SPD))
    b = RNG.normal(size=4)
    np.testing.assert_allclose(fsl.cho_solve((c, lower), b), np.linalg.solve(SPD, b))


def test_per_example_solves_and_gradients():
    stack = np.stack([SPD, SPD + np.eye(4), 2 * SPD])
    b = RNG.normal(size=(4, 2))

    def loss(a):
        return fnp.sum(fsl.cho_solve(fsl.cho_factor(a, lower=True), b) ** 2)

    grads = functrace.vmap(functrace.grad(loss))(stack)
    np.testing.assert_allclose(grads, np.stack([functrace.grad(loss)(a) for a in stack]))
    out = functrace.vmap(lambda a: fsl.lu_solve(fsl.lu_factor(a), b), in_axes=2)(
        np.moveaxis(stack, 0, 2))
    np.testing.assert_allclose(out, np.linalg.solve(stack, b))
    # stacks broadcast against one right-hand side, and one matrix against stacked ones
    np.testing.assert_allclose(fsl.lu_solve(fsl.lu_factor(stack), b), out)
    bs = np.stack([b, 2 * b])
    np.testing.assert_allclose(fsl.lu_solve(fsl.lu_factor(SPD), bs, trans=1),
                               np.linalg.solve(SPD.T, bs))


def test_lu_factor_matches_scipy_with_pivoting():
    a = np.roll(M, 2, axis=0)
    lu, piv = fsl.lu_factor(a)
    ref_lu, ref_piv = sla.lu_factor(a)
    np.testing.assert_allclose(lu, ref_lu)
    np.testing.assert_array_equal(piv, ref_piv)
    check_grads(lambda a: fsl.lu_factor(a)[0], (a,), order=2)


def test_expm_of_a_rotation_generator():
    theta = 0.7
    gen = np.array([[0.0, -theta], [theta, 0.0]])
    np.testing.assert_allclose(fsl.expm(gen), [[np.cos(theta), -np.sin(theta)],
                                               [np.sin(theta), np.cos(theta)]])
    # d/dtheta expm(theta J) = J expm(theta J)
    j = gen / theta
    _, tangent = functrace.jvp(lambda t: fsl.expm(t * j), (theta,), (1.0,))
    np.testing.assert_allclose(tangent, j @ sla.expm(gen), atol=1e-12)
    value, frechet = fsl.expm_frechet(M * 0.3, SPD)
    ref_value, ref_frechet = sla.expm_frechet(M * 0.3, SPD)
    np.testing.assert_allclose(value, ref_value)
    np.testing.assert_allclose(frechet, ref_frechet, rtol=1e-10)


def test_sqrtm_squares_back_and_refuses_complex_roots():
    root = fsl.sqrtm(SPD)
    np.testing.assert_allclose(root @ root, SPD)
    g = functrace.grad(lambda a: fnp.trace(fsl.sqrtm(a)))(SPD)
    np.testing.assert_allclose(g, 0.5 * np.linalg.inv(sla.sqrtm(SPD)).T, rtol=1e-8)
    with pytest.raises(ValueError, match="no real square root"):
        fsl.sqrtm(-np.eye(2))


def test_eigh_variants_and_eigenvalue_gradient():
    w, v = fsl.eigh(SPD)
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, SPD)
    # d lambda_k / dA = v_k v_k^T
    g = functrace.grad(lambda a: fsl.eigh(a, eigvals_only=True)[-1])(SPD)
    np.testing.assert_allclose(g, np.outer(v[:, -1], v[:, -1]), atol=1e-10)
    b = SPD + np.eye(4)
    w2, v2 = fsl.eigh(SPD, b)
    np.testing.assert_allclose(SPD @ v2, b @ v2 * w2, atol=1e-10)
    np.testing.assert_allclose(v2.T @ b @ v2, np.eye(4), atol=1e-10)
    with pytest.raises(NotImplementedError, match="subset"):
        fsl.eigh(SPD, subset_by_index=[0, 1])


def test_solve_aliases_and_block_diag():
    b = RNG.normal(size=4)
    np.testing.assert_allclose(fsl.solve(M, b), np.linalg.solve(M, b))
    np.testing.assert_allclose(fsl.solve(M, b, transposed=True), np.linalg.solve(M.T, b))
    np.testing.assert_allclose(fsl.det(M), np.linalg.det(M))
    np.testing.assert_allclose(fsl.inv(M), np.linalg.inv(M))
    blocks = (np.ones((2, 2)), np.array([3.0, 4.0]), 5.0)
    np.testing.assert_array_equal(fsl.block_diag(*blocks), sla.block_diag(*blocks))


def test_linalg_errors():
    with pytest.raises(ValueError, match="trans"):
        fsl.solve_triangular(np.eye(2), np.ones(2), trans="X")
    with pytest.raises(ValueError, match="square"):
        fsl.lu_factor(np.ones((2, 3)))


def test_convolve_matches_scipy_under_vmap_and_errors():
    signals, kernel = RNG.normal(size=(3, 20)), RNG.normal(size=5)
    out = functrace.vmap(lambda s: fss.convolve(s, kernel, mode="same"))(signals)
    np.testing.assert_allclose(out, np.stack([ss.convolve(s, kernel, mode="same")
                                              for s in signals]))
    big = RNG.normal(size=(12, 11))
    np.testing.assert_allclose(fss.correlate(big, big[:9, :8], mode="valid"),
                               ss.correlate(big, big[:9, :8], mode="valid"))   # fft path
    with pytest.raises(ValueError, match="dimensionality"):
        fss.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="mode"):
        fss.convolve(np.ones(3), np.ones(2), mode="circular")
