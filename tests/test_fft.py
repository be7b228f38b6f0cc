"""functrace.numpy.fft beyond the spec rows (tests/specs/fft.py): numpy's dispatch,
vmap, the real transforms' Hermitian halving, and errors."""
import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import grad, jvp, vjp, vmap
from functrace.testing import check_grads

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("n", [7, 8])
def test_irfft_cotangents_count_each_hidden_conjugate_once(n):
    """irfft's VJP against the Jacobian built column by column from numpy (real and
    imaginary directions): the zero and (even n) Nyquist frequencies have weight 1
    and their imaginary parts no effect; the others stand for two frequencies."""
    m = n // 2 + 1
    z = RNG.standard_normal(m) + 1j * RNG.standard_normal(m)
    ct = RNG.standard_normal(n)
    columns = [np.fft.irfft(e, n) for e in np.eye(m)]           # d out / d Re z_k
    columns_i = [np.fft.irfft(1j * e, n) for e in np.eye(m)]    # d out / d Im z_k
    expected = np.array([ct @ c for c in columns]) - 1j * np.array([ct @ c for c in columns_i])
    _, f_vjp = vjp(lambda z: fnp.fft.irfft(z, n), z)
    np.testing.assert_allclose(f_vjp(ct)[0], expected, atol=1e-12)
    assert f_vjp(ct)[0][0].imag == 0 and (n % 2 or f_vjp(ct)[0][-1].imag == 0)


@pytest.mark.parametrize("n", [7, 8])
def test_rfft_vjp_is_the_transpose_of_its_jvp(n):
    x = RNG.standard_normal(n)
    ct = RNG.standard_normal(n // 2 + 1) + 1j * RNG.standard_normal(n // 2 + 1)
    t = RNG.standard_normal(n)
    g = vjp(fnp.fft.rfft, x)[1](ct)[0]
    assert g.dtype == np.float64
    np.testing.assert_allclose(np.sum(g * t), np.real(np.sum(ct * jvp(fnp.fft.rfft, (x,), (t,))[1])))


def test_numpy_fft_functions_dispatch_on_traced_values():
    x = RNG.standard_normal(6)
    g = grad(lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2))(x)
    np.testing.assert_allclose(g, grad(lambda x: fnp.sum(fnp.abs(fnp.fft.rfft(x)) ** 2))(x))
    np.testing.assert_allclose(grad(lambda x: np.sum(np.fft.fftshift(x) * np.arange(6.0)))(x),
                               np.fft.ifftshift(np.arange(6.0)))


def test_vmap_of_transforms_matches_a_loop():
    xs = RNG.standard_normal((3, 4, 5))
    for f in (lambda x: fnp.fft.rfft2(x, norm="ortho"), lambda x: fnp.fft.fftn(x, s=(3, 6)),
              lambda x: fnp.fft.irfft(fnp.fft.fft(x, axis=0), n=9, axis=0),
              lambda x: fnp.fft.fftshift(fnp.fft.ifft2(x))):
        np.testing.assert_allclose(vmap(f)(xs), np.stack([f(x) for x in xs]), atol=1e-12)
        np.testing.assert_allclose(vmap(f, in_axes=2)(xs),
                                   np.stack([f(xs[..., k]) for k in range(5)]), atol=1e-12)


def test_gradients_of_a_spectral_loss_to_second_order():
    x = RNG.standard_normal((4, 5))

    def loss(x):
        spectrum = fnp.fft.rfft2(x)
        return fnp.sum(fnp.abs(spectrum * fnp.fft.rfftfreq(5)) ** 2) + fnp.sum(
            fnp.fft.irfft2(spectrum ** 2, s=(4, 5)) * x)
    check_grads(loss, (x,), order=2)
    check_grads(loss, (x.astype(np.float32),), order=2)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="Invalid norm value 'unitary'"):
        fnp.fft.fft(np.ones(4), norm="unitary")
    with pytest.raises(TypeError, match="rfftn takes real input"):
        fnp.fft.rfft(np.ones(4) * 1j)
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        fnp.fft.fft(np.ones(4), n=0)
    with pytest.raises(ValueError, match="Shape and axes have different lengths"):
        fnp.fft.fftn(np.ones((2, 2)), s=(2, 2), axes=(0,))
    with pytest.raises(ValueError, match="out of bounds"):
        functrace.grad(lambda x: fnp.sum(fnp.abs(fnp.fft.fft(x, axis=1))))(np.ones(3))


def test_plain_arrays_give_numpy_results_and_dtypes():
    for x in (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)).astype(np.float32),
              np.arange(6).reshape(2, 3)):
        for name in ("fft", "ifft", "fft2", "fftn", "rfft", "rfftn", "fftshift"):
            a, b = getattr(fnp.fft, name)(x), getattr(np.fft, name)(x)
            assert a.dtype == b.dtype, name
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
        z = np.fft.rfft2(x)
        assert fnp.fft.irfft2(z).dtype == np.fft.irfft2(z).dtype
        np.testing.assert_allclose(fnp.fft.irfftn(z, s=(3, 5), axes=(0, 1)),
                                   np.fft.irfftn(z, s=(3, 5), axes=(0, 1)),
                                   atol=1e-5)
