"""Spec rows: ``functrace.numpy.fft`` (``functrace/primitives/fft.py``).

Odd and even lengths everywhere (the real transforms' Hermitian halving differs),
every ``norm``, ``n=``/``s=`` cropping and zero-padding, and ``axes``; complex rows
in complex128/complex64, real-input rows in float64/float32.
"""
import numpy as np

import functrace.numpy as fnp

from ._spec import Spec

COMPLEX = ("complex128", "complex64")
FFT = fnp.fft
NORMS = (None, "ortho", "forward")

SPECS: list = []


def _row(name, prims, fn, ref, shapes, complex_input):
    return Spec(name, prims, fn, shapes, dtypes=COMPLEX if complex_input else
                ("float64", "float32"), reference=ref)


for norm in NORMS:
    tag = norm or "backward"
    for n in (5, 6):
        SPECS += [
            _row(f"fft/{n}-{tag}", ("fft",), lambda z, norm=norm: FFT.fft(z, norm=norm),
                 lambda z, norm=norm: np.fft.fft(z, norm=norm), [(2, n)], True),
            _row(f"fft/ifft-{n}-{tag}", ("fft",), lambda z, norm=norm: FFT.ifft(z, norm=norm),
                 lambda z, norm=norm: np.fft.ifft(z, norm=norm), [(2, n)], True),
            _row(f"rfft/{n}-{tag}", ("rfft",), lambda x, norm=norm: FFT.rfft(x, norm=norm),
                 lambda x, norm=norm: np.fft.rfft(x, norm=norm), [(2, n)], False),
            # n // 2 + 1 = 3 or 4 inputs; default output length 2 (m - 1) is even
            _row(f"irfft/{n}-{tag}", ("irfft",), lambda z, norm=norm: FFT.irfft(z, norm=norm),
                 lambda z, norm=norm: np.fft.irfft(z, norm=norm), [(2, n // 2 + 1)], True),
            _row(f"irfft/n={n}-{tag}", ("irfft",),
                 lambda z, n=n, norm=norm: FFT.irfft(z, n=n, norm=norm),
                 lambda z, n=n, norm=norm: np.fft.irfft(z, n=n, norm=norm), [(3, 4)], True),
        ]

SPECS += [
    _row("fft/real-input", ("fft", "astype"), FFT.fft, np.fft.fft, [(4,)], False),
    _row("fft/n-pad", ("fft", "pad"), lambda z: FFT.fft(z, n=7),
         lambda z: np.fft.fft(z, n=7), [(2, 4)], True),
    _row("fft/n-crop-axis0", ("fft", "getitem"), lambda z: FFT.fft(z, n=2, axis=0),
         lambda z: np.fft.fft(z, n=2, axis=0), [(3, 4)], True),
    _row("fft/fft2", ("fft",), FFT.fft2, np.fft.fft2, [(2, 3, 4)], True),
    _row("fft/ifft2-s", ("fft",), lambda z: FFT.ifft2(z, s=(4, 3)),
         lambda z: np.fft.ifft2(z, s=(4, 3)), [(3, 5)], True),
    _row("fft/fftn-axes", ("fft",), lambda z: FFT.fftn(z, axes=(0, 2), norm="ortho"),
         lambda z: np.fft.fftn(z, axes=(0, 2), norm="ortho"), [(3, 2, 5)], True),
    _row("fft/ifftn", ("fft",), FFT.ifftn, np.fft.ifftn, [(3, 4)], True),
    _row("rfft/n-pad-odd", ("rfft", "pad"), lambda x: FFT.rfft(x, n=7),
         lambda x: np.fft.rfft(x, n=7), [(2, 4)], False),
    _row("rfft/n-crop-axis0", ("rfft", "getitem"), lambda x: FFT.rfft(x, n=3, axis=0),
         lambda x: np.fft.rfft(x, n=3, axis=0), [(5, 2)], False),
    _row("rfft/rfft2", ("rfft", "fft"), FFT.rfft2, np.fft.rfft2, [(3, 5)], False),
    _row("rfft/rfftn-s", ("rfft", "fft"), lambda x: FFT.rfftn(x, s=(4, 4), axes=(0, 1)),
         lambda x: np.fft.rfftn(x, s=(4, 4), axes=(0, 1)), [(3, 5)], False),
    _row("irfft/n-crop-input", ("irfft", "getitem"), lambda z: FFT.irfft(z, n=4),
         lambda z: np.fft.irfft(z, n=4), [(2, 5)], True),
    _row("irfft/axis0", ("irfft",), lambda z: FFT.irfft(z, axis=0, norm="ortho"),
         lambda z: np.fft.irfft(z, axis=0, norm="ortho"), [(4, 2)], True),
    _row("irfft/irfft2", ("irfft", "fft"), FFT.irfft2, np.fft.irfft2, [(3, 4)], True),
    _row("irfft/irfftn-s-odd", ("irfft", "fft"),
         lambda z: FFT.irfftn(z, s=(2, 5), axes=(0, 1)),
         lambda z: np.fft.irfftn(z, s=(2, 5), axes=(0, 1)), [(3, 3)], True),
    _row("irfft/round-trip", ("rfft", "irfft"), lambda x: FFT.irfft(FFT.rfft(x) * x[:4], 7),
         lambda x: np.fft.irfft(np.fft.rfft(x) * x[:4], 7), [(7,)], False),
    _row("concatenate/fftshift", ("concatenate", "getitem"), FFT.fftshift, np.fft.fftshift, [(3, 4)], True),
    _row("concatenate/ifftshift-axes", ("concatenate", "getitem"), lambda x: FFT.ifftshift(x, axes=1),
         lambda x: np.fft.ifftshift(x, axes=1), [(3, 5)], False),
]
