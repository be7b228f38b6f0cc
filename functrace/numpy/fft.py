"""``functrace.numpy.fft`` (``fnp.fft``): numpy's discrete Fourier transforms,
differentiable in forward and reverse mode and batched under ``vmap``.

``fft, ifft, fft2, ifft2, fftn, ifftn, rfft, irfft, rfft2, irfft2, rfftn, irfftn,
fftshift, ifftshift`` take numpy's ``n=``/``s=``, ``axis=``/``axes=`` and ``norm=``
(``"backward"``, ``"ortho"``, ``"forward"``); ``fftfreq``/``rfftfreq`` are numpy's
(constants). The rules live in :mod:`functrace.primitives.fft`.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> x = np.array([1.0, 2.0, 0.5])
>>> energy = lambda x: fnp.sum(fnp.abs(fnp.fft.fft(x)) ** 2)     # Parseval: n sum x^2
>>> np.allclose(functrace.grad(energy)(x), 2 * 3 * x)
True
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..core import concrete
from ..primitives import complex_parts as _cp
from ..primitives.fft import fft_p, irfft_p, rfft_p
from ._shape import getitem
from ._shape_extra import pad, roll
from ._ufuncs import astype

fftfreq = np.fft.fftfreq
rfftfreq = np.fft.rfftfreq

_NORMS = {None: "backward", "backward": "backward", "ortho": "ortho", "forward": "forward"}


def _norm(norm: Optional[str]) -> str:
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm!r}; should be "backward", "ortho" or '
                         '"forward".')
    return _NORMS[norm]


def _shape(x: Any) -> tuple:
    return tuple(x.shape) if hasattr(x, "shape") and not isinstance(x, np.generic) \
        else np.shape(x)


def _plan(x: Any, s: Optional[Sequence[int]], axes: Optional[Sequence[int]]) -> tuple:
    """numpy's ``s``/``axes`` rules: ``(negative axes, lengths)``."""
    shape = _shape(x)
    nd = len(shape)
    if axes is None:
        axes = range(nd) if s is None else range(nd - len(s), nd)
    axes = tuple(int(a) for a in axes)
    for a in axes:
        if not -nd <= a < nd:
            raise ValueError(f"axis {a} is out of bounds for array of dimension {nd}")
    axes = tuple(a % nd - nd for a in axes)
    s = tuple(shape[a] for a in axes) if s is None else tuple(int(n) for n in s)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    for n in s:
        if n < 1:
            raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return axes, s


def _fit(x: Any, axis: int, n: int) -> Any:
    """``x`` cropped to, or padded with zeros to, length ``n`` along ``axis`` (< 0)."""
    shape = _shape(x)
    size = shape[axis]
    if n < size:
        return getitem(x, (slice(None),) * (len(shape) + axis) + (slice(0, n),))
    if n > size:
        widths = [(0, 0)] * len(shape)
        widths[axis] = (0, n - size)
        return pad(x, widths)
    return x


def _as_array(x: Any) -> Any:
    return x if hasattr(x, "shape") and not isinstance(x, np.generic) else np.asarray(x)


def _c2c(a: Any, s: Any, axes: Any, norm: Optional[str], inverse: bool) -> Any:
    x = _as_array(a)
    axes, s = _plan(x, s, axes)
    for axis, n in zip(axes, s):
        x = _fit(x, axis, n)
    return fft_p.bind(_cp.as_complex(x), axes=axes, inverse=inverse, norm=_norm(norm))


def _real_input(x: Any, name: str) -> Any:
    dtype = np.result_type(concrete(x))
    if dtype.kind == "c":
        raise TypeError(f"fft.{name} takes real input, got {dtype}: use fft.fft/fftn for "
                        "complex values, or pass fnp.real(x)")
    return x if dtype.kind == "f" else astype(x, np.float64)


def _one(n: Optional[int]) -> Optional[tuple]:
    return None if n is None else (n,)


def fft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """One-dimensional DFT along ``axis`` (``n``: crop or zero-pad first)."""
    return _c2c(a, _one(n), (axis,), norm, False)


def ifft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """One-dimensional inverse DFT along ``axis``."""
    return _c2c(a, _one(n), (axis,), norm, True)


def fft2(a: Any, s: Any = None, axes: Sequence[int] = (-2, -1), norm: Optional[str] = None) -> Any:
    """Two-dimensional DFT over ``axes``."""
    return _c2c(a, s, axes, norm, False)


def ifft2(a: Any, s: Any = None, axes: Sequence[int] = (-2, -1),
          norm: Optional[str] = None) -> Any:
    """Two-dimensional inverse DFT over ``axes``."""
    return _c2c(a, s, axes, norm, True)


def fftn(a: Any, s: Any = None, axes: Any = None, norm: Optional[str] = None) -> Any:
    """N-dimensional DFT over ``axes`` (all, or the last ``len(s)``, by default)."""
    return _c2c(a, s, axes, norm, False)


def ifftn(a: Any, s: Any = None, axes: Any = None, norm: Optional[str] = None) -> Any:
    """N-dimensional inverse DFT."""
    return _c2c(a, s, axes, norm, True)


def rfftn(a: Any, s: Any = None, axes: Any = None, norm: Optional[str] = None) -> Any:
    """DFT of real input: the last axis keeps ``n // 2 + 1`` frequencies."""
    x = _real_input(_as_array(a), "rfftn")
    axes, s = _plan(x, s, axes)
    for axis, n in zip(axes, s):
        x = _fit(x, axis, n)
    norm = _norm(norm)
    out = rfft_p.bind(x, axis=axes[-1], n=s[-1], norm=norm)
    if len(axes) > 1:
        out = fft_p.bind(out, axes=axes[:-1], inverse=False, norm=norm)
    return out


def irfftn(a: Any, s: Any = None, axes: Any = None, norm: Optional[str] = None) -> Any:
    """Inverse of :func:`rfftn`: real output, ``s[-1]`` (default ``2 (m - 1)``) long on
    the last axis, from its ``s[-1] // 2 + 1`` first frequencies."""
    x = _as_array(a)
    if s is None:
        axes, s = _plan(x, None, axes)
        s = s[:-1] + (2 * (s[-1] - 1),)
    axes, s = _plan(x, s, axes)
    norm = _norm(norm)
    for axis, n in zip(axes[:-1], s[:-1]):
        x = _fit(x, axis, n)
    x = _cp.as_complex(x)
    if len(axes) > 1:
        x = fft_p.bind(x, axes=axes[:-1], inverse=True, norm=norm)
    x = _fit(x, axes[-1], s[-1] // 2 + 1)
    return irfft_p.bind(x, axis=axes[-1], n=s[-1], norm=norm)


def rfft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """DFT of real input along ``axis``: ``n // 2 + 1`` frequencies."""
    return rfftn(a, _one(n), (axis,), norm)


def irfft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """Inverse of :func:`rfft`: ``n`` (default ``2 (m - 1)``) real values."""
    return irfftn(a, _one(n), (axis,), norm)


def rfft2(a: Any, s: Any = None, axes: Sequence[int] = (-2, -1),
          norm: Optional[str] = None) -> Any:
    """Two-dimensional :func:`rfftn`."""
    return rfftn(a, s, axes, norm)


def irfft2(a: Any, s: Any = None, axes: Sequence[int] = (-2, -1),
           norm: Optional[str] = None) -> Any:
    """Two-dimensional :func:`irfftn`."""
    return irfftn(a, s, axes, norm)


def _shift(x: Any, axes: Any, sign: int) -> Any:
    x = _as_array(x)
    shape = _shape(x)
    if axes is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axes, (int, np.integer)):
        axes = (int(axes),)
    return roll(x, tuple(sign * (shape[a] // 2) for a in axes), tuple(axes))


def fftshift(x: Any, axes: Any = None) -> Any:
    """The zero frequency moved to the centre (a roll by ``n // 2``)."""
    return _shift(x, axes, 1)


def ifftshift(x: Any, axes: Any = None) -> Any:
    """The inverse of :func:`fftshift`."""
    return _shift(x, axes, -1)


__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
           "irfft2", "rfftn", "irfftn", "fftshift", "ifftshift", "fftfreq", "rfftfreq"]
