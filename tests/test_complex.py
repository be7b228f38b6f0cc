"""Complex numbers under the transforms, with JAX's conventions (the spec table's
complex rows check every primitive's rules against finite differences; these tests
check the conventions, the errors, and the paths around the rules)."""
import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import grad, hessian, jacfwd, jacrev, jvp, vjp, vmap
from functrace.kernels import policy
from functrace.testing import check_grads

Z = np.array([1.0 + 2.0j, -0.5 + 0.3j, 2.0 - 1.0j])


def _wirtinger_grad(f, z, h=1e-6):
    """df/dx - i df/dy by central differences, for a real-valued f."""
    g = np.zeros_like(z)
    for k in range(z.size):
        e = np.zeros_like(z)
        e.flat[k] = 1.0
        dx = (f(z + h * e) - f(z - h * e)) / (2 * h)
        dy = (f(z + 1j * h * e) - f(z - 1j * h * e)) / (2 * h)
        g.flat[k] = dx - 1j * dy
    return g


def test_holomorphic_vjp_is_ct_times_the_derivative_without_conjugation():
    out, f_vjp = vjp(fnp.sin, Z)
    ct = np.array([0.5 - 1.0j, 2.0 + 0.0j, 1j])
    np.testing.assert_allclose(f_vjp(ct)[0], ct * np.cos(Z))
    np.testing.assert_allclose(grad(lambda z: z ** 3, holomorphic=True)(1.0 + 1.0j),
                               3 * (1.0 + 1.0j) ** 2)


def test_a_real_function_of_complex_inputs_gets_df_dx_minus_i_df_dy():
    def f(z):
        return fnp.sum(fnp.abs(z) ** 3 + fnp.real(z) * fnp.imag(fnp.exp(z)))
    np.testing.assert_allclose(grad(f)(Z), _wirtinger_grad(f, Z), rtol=1e-6)


def test_a_complex_output_needs_holomorphic_true_and_holomorphic_needs_complex():
    with pytest.raises(TypeError, match="holomorphic=True"):
        grad(lambda z: z * z)(1.0 + 1.0j)
    with pytest.raises(TypeError, match="holomorphic=True requires a complex output"):
        grad(lambda z: fnp.abs(z), holomorphic=True)(1.0 + 1.0j)
    with pytest.raises(TypeError, match="requires complex inputs"):
        grad(lambda x: x * 1j, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match="holomorphic=True"):
        jacrev(fnp.sin)(Z)
    with pytest.raises(TypeError, match="holomorphic=True"):
        jacfwd(fnp.abs)(Z)


def test_real_inputs_keep_real_gradients_through_complex_values():
    """The cotangent of a real value is the real part (not a cast that drops a wrong
    imaginary part later): abs() of a real value computed through complex ones."""
    def f(x):
        r = fnp.abs(fnp.exp(1j * x) * (2.0 + x))        # = |2 + x|
        return fnp.sum(fnp.abs(r * (1.0 + 1.0j)))       # = sqrt(2) |2 + x|
    x = np.array([0.3, -0.7])
    g = grad(f)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, np.sqrt(2.0) * np.ones(2))
    g32 = grad(f)(x.astype(np.float32))
    assert g32.dtype == np.float32
    t = jvp(lambda x: fnp.abs(fnp.exp(1j * x) * (2.0 + x)), (x,), (np.ones(2),))[1]
    assert t.dtype == np.float64
    np.testing.assert_allclose(t, np.ones(2))


def test_jacobians_and_hessian_of_holomorphic_functions():
    def f(z):
        return fnp.exp(z) * z
    expected = np.diag(np.exp(Z) * (1 + Z))
    np.testing.assert_allclose(jacrev(f, holomorphic=True)(Z), expected)
    np.testing.assert_allclose(jacfwd(f, holomorphic=True)(Z), expected)
    h = hessian(lambda z: fnp.sum(z ** 3), holomorphic=True)(Z)
    np.testing.assert_allclose(h, np.diag(6 * Z))
    # a real function of complex inputs: jacrev rows are df/dx - i df/dy
    np.testing.assert_allclose(jacrev(fnp.abs)(Z), np.diag(np.conj(Z) / np.abs(Z)))


def test_vmap_of_gradients_of_complex_functions():
    zs = np.stack([Z, 2 * Z])
    g = vmap(grad(lambda z: fnp.sum(fnp.abs(fnp.sin(z)) ** 2)))(zs)
    for row, z in zip(g, zs):
        np.testing.assert_allclose(row, 2 * np.conj(np.sin(z)) * np.cos(z) * 1.0, rtol=1e-12)


def test_complex_tangents_and_cotangents_have_the_primals_dtype():
    out, t = jvp(lambda z: z * 2.0, (Z.astype(np.complex64),), (np.ones(3),))
    assert t.dtype == np.complex64
    _, f_vjp = vjp(lambda z: z * 2.0, Z)
    assert f_vjp(np.ones(3))[0].dtype == np.complex128      # a real ct of a complex output


def test_kernels_leave_complex_values_to_the_rules():
    """Above the kernel threshold, complex cotangents and complex saved values take the
    numpy rules, which are right (kernels compute in real arithmetic only)."""
    n = 4 * policy.thresholds()["min_size"]
    rng = np.random.default_rng(0)
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    g = grad(lambda z: fnp.sum(fnp.tanh(fnp.abs(fnp.sin(z) * z))))(z)
    w = np.sin(z) * z
    expected = (1 - np.tanh(np.abs(w)) ** 2) * np.conj(w) / np.abs(w) \
        * (np.cos(z) * z + np.sin(z))
    np.testing.assert_allclose(g, expected, rtol=1e-10)
    x = rng.standard_normal(n)
    g = grad(lambda x: fnp.sum(fnp.abs(fnp.exp(1j * x) * x)))(x)       # = sum |x|
    np.testing.assert_allclose(g, np.sign(x))


def test_predicates_and_parts_match_numpy():
    for x in (Z, np.array([1.0, 2.0]), np.array([1.0 + 1e-20j])):
        assert fnp.iscomplexobj(x) == np.iscomplexobj(x)
        assert fnp.isrealobj(x) == np.isrealobj(x)
        np.testing.assert_array_equal(fnp.iscomplex(x), np.iscomplex(x))
        np.testing.assert_array_equal(fnp.isreal(x), np.isreal(x))
        np.testing.assert_array_equal(fnp.real_if_close(x), np.real_if_close(x))
        for name in ("real", "imag", "conj", "conjugate", "angle"):
            np.testing.assert_array_equal(getattr(fnp, name)(x), getattr(np, name)(x))
    assert grad(lambda x: fnp.sum(fnp.angle(x) * x))(np.array([-1.0, 2.0])).tolist() == \
        [np.pi, 0.0]
    # isreal is a constant: the gradient flows around it, not through it
    assert grad(lambda x: fnp.sum(fnp.isreal(x) * x))(np.array([-1.0, 2.0])).tolist() == \
        [1.0, 1.0]


def test_tracer_attributes_real_imag_conj():
    def f(z):
        return fnp.sum(z.real * 2.0 + z.imag * 3.0 + fnp.real(z.conj() * 1j))
    # d/dx - i d/dy of 2x + 3y + y = 2 - 4i
    np.testing.assert_allclose(grad(f)(Z), np.full(3, 2.0 - 4.0j))
    np.testing.assert_allclose(np.real(Z.conjugate()), functrace.vmap(
        lambda z: z.conjugate().real)(Z))


def test_scipy_functions_refuse_complex_values_instead_of_dropping_the_imaginary_part():
    pytest.importorskip("scipy")
    import functrace.scipy.linalg as fsl
    import functrace.scipy.special as fss
    a = np.eye(2) * (1.0 + 1.0j)
    for call in (lambda: fsl.expm(a), lambda: fsl.eigh(a), lambda: fsl.lu_factor(a),
                 lambda: fsl.solve_triangular(a, np.ones(2)), lambda: fss.expit(a),
                 lambda: grad(lambda z: fnp.real(fnp.sum(fsl.expm(z * a))))(1.0 + 0.0j)):
        with pytest.raises(TypeError, match="complex values"):
            call()


def test_norms_of_complex_values_use_their_moduli_and_singular_values():
    z = np.array([[1 + 2j, 3 - 1j], [0.5j, -2.0]])
    for ord in (None, "fro", 1, -1, np.inf, -np.inf):
        np.testing.assert_allclose(fnp.linalg.norm(z, ord), np.linalg.norm(z, ord))
    for ord in (2, -2, "nuc"):       # from the singular values of a complex matrix
        np.testing.assert_allclose(fnp.linalg.norm(z, ord), np.linalg.norm(z, ord))
        check_grads(lambda z, o=ord: fnp.linalg.norm(z, o), (z,), order=1)
    np.testing.assert_allclose(fnp.linalg.cond(z), np.linalg.cond(z))
    u, _, vh = np.linalg.svd(z)       # d|Z|_2 = Re(u_1^H dZ v_1): the gradient conj(u_1 v_1^H)
    np.testing.assert_allclose(grad(lambda z: fnp.linalg.norm(z, 2))(z),
                               np.conj(np.outer(u[:, 0], vh[0])), atol=1e-12)
    np.testing.assert_allclose(grad(lambda z: fnp.linalg.norm(z))(z), np.conj(z) / np.linalg.norm(z))
