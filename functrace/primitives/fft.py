"""Discrete Fourier transforms: complex ``fft``, and the real transforms ``rfft`` and
``irfft`` along one axis (``functrace.numpy.fft`` builds numpy's whole module on them:
the n-dimensional real transforms are a real one along the last axis and complex
ones along the others, and ``n=``/``s=`` pad or crop before the transform).

Axes are stored negative, so a batch axis put first (``vmap``) never moves them.
All three are linear; their transposes, for the pairing ``Re(sum a * b)`` of
:mod:`.complex_parts` (no conjugation), are:

* ``fft`` (either direction, any ``norm``): itself, the DFT matrix being symmetric.
* ``rfft`` of ``n`` real values: ``Re(fft(ct padded with zeros to n))``.
* ``irfft`` to ``n`` real values from ``m = n // 2 + 1`` complex ones:
  ``w * ifft(ct)[:m]`` with ``w = 1`` for the zero frequency and (even ``n``) the
  Nyquist frequency, ``2`` for the others, which stand for their conjugate twins
  too. The imaginary parts of the entries of weight 1 do not reach the output;
  their cotangents are real, as finite differences say.

>>> import numpy as np
>>> x = np.arange(4.0)
>>> np.allclose(rfft_p.bind(x, axis=-1, n=4, norm="backward"), np.fft.rfft(x))
True
"""
from __future__ import annotations

import numpy as np

from ..core import concrete
from ..registry import deflinear
from .complex_parts import as_complex, real_part
from .indexing import concatenate_p, getitem_p
from .shape_ops import shape_of, to_front


def _fft_impl(x, axes, inverse, norm):
    return (np.fft.ifftn if inverse else np.fft.fftn)(x, axes=axes, norm=norm)


def _fft_transpose(ct, ins, out, argnum, axes, inverse, norm):
    return fft_p.bind(as_complex(ct), axes=axes, inverse=inverse, norm=norm)


# Batching: the batch axis goes first, where the (negative) axes never point.
def _fft_batch(args, dims, **params):
    return fft_p.bind(to_front(args[0], dims[0]), **params), 0


def _rfft_batch(args, dims, **params):
    return rfft_p.bind(to_front(args[0], dims[0]), **params), 0


def _irfft_batch(args, dims, **params):
    return irfft_p.bind(to_front(args[0], dims[0]), **params), 0


fft_p = deflinear("fft", _fft_impl, _fft_transpose, saves="none", batch=_fft_batch)


def _rfft_impl(x, axis, n, norm):
    if np.shape(x)[axis] != n:
        raise ValueError(f"rfft_p: axis {axis} has length {np.shape(x)[axis]}, not n={n} "
                         "(functrace.numpy.fft pads or crops first)")
    return np.fft.rfft(x, axis=axis, norm=norm)


def _rfft_transpose(ct, ins, out, argnum, axis, n, norm):
    shape = list(shape_of(ct))
    missing = n - shape[axis]
    if missing > 0:
        shape[axis] = missing
        zeros = np.zeros(shape, dtype=np.result_type(concrete(ct)))
        ct = concatenate_p.bind(ct, zeros, axis=axis % len(shape))   # (batching: axis >= 0)
    return real_part(fft_p.bind(as_complex(ct), axes=(axis,), inverse=False, norm=norm))


rfft_p = deflinear("rfft", _rfft_impl, _rfft_transpose, saves="none", batch=_rfft_batch)


def _irfft_weights(m: int, n: int, ndim: int, axis: int, dtype) -> np.ndarray:
    """1 for the zero frequency and (even n) the Nyquist one, 2 for the others, shaped
    to broadcast along ``axis`` of an ``ndim``-dimensional array."""
    w = np.full(m, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = m
    return w.reshape(shape).astype(np.finfo(dtype).dtype)


def _irfft_transpose(ct, ins, out, argnum, axis, n, norm):
    full = fft_p.bind(as_complex(ct), axes=(axis,), inverse=True, norm=norm)
    m = n // 2 + 1
    nd = len(shape_of(ct))
    idx = tuple([slice(None)] * (nd + axis) + [slice(0, m)])
    w = _irfft_weights(m, n, nd, axis, np.result_type(concrete(ct)))
    return getitem_p.bind(full, idx=idx) * w


def _irfft_impl(x, axis, n, norm):
    if np.shape(x)[axis] != n // 2 + 1:
        raise ValueError(f"irfft_p: axis {axis} has length {np.shape(x)[axis]}, not "
                         f"n // 2 + 1 = {n // 2 + 1} (functrace.numpy.fft pads or crops first)")
    return np.fft.irfft(x, n=n, axis=axis, norm=norm)


irfft_p = deflinear("irfft", _irfft_impl, _irfft_transpose, saves="none", batch=_irfft_batch)
