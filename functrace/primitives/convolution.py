"""N-dimensional full convolution (imported by functrace.scipy.signal).

``convolve_nd(x, y, ndim, method)`` convolves the last ``ndim`` axes of ``x`` and
``y`` (full mode: each output axis has length ``n_x + n_y - 1``); leading axes
broadcast, which is also how ``vmap`` batches it. ``method`` is ``"direct"`` (one
shifted multiply-add per element of the smaller operand: exact for integers, best
for small kernels) or ``"fft"`` (real FFTs, ``O(N log N)``).

The convolution is bilinear; with ``out[n] = sum_k x[k] y[n - k]``::

    x_bar = full(ct, flip(y))[n_y - 1 : n_y - 1 + n_x]    (a correlation, "valid")
    y_bar = full(ct, flip(x))[n_x - 1 : n_x - 1 + n_y]

per convolved axis, and the JVP is ``conv(dx, y) + conv(x, dy)``.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..registry import defprimitive
from .indexing import getitem_p


def float_dtype(*values: Any) -> np.dtype:
    """The floating dtype of the result (float64 for integers). Not imported from
    ``special_functions``, which needs scipy: ``functrace.numpy.convolve`` must not."""
    return np.result_type(*values, np.float16)


def _split(shape: tuple, ndim: int) -> tuple:
    return shape[:len(shape) - ndim], shape[len(shape) - ndim:]


def _direct(x: np.ndarray, y: np.ndarray, ndim: int, dtype: np.dtype) -> np.ndarray:
    lead_x, core_x = _split(x.shape, ndim)
    lead_y, core_y = _split(y.shape, ndim)
    if np.prod(core_y) > np.prod(core_x):           # loop over the smaller operand
        x, y, core_x, core_y, lead_x, lead_y = y, x, core_y, core_x, lead_y, lead_x
    lead = np.broadcast_shapes(lead_x, lead_y)
    out = np.zeros(lead + tuple(a + b - 1 for a, b in zip(core_x, core_y)), dtype)
    for k in itertools.product(*[range(n) for n in core_y]):
        weight = y[(Ellipsis,) + k].reshape(lead_y + (1,) * ndim)
        window = tuple(slice(i, i + n) for i, n in zip(k, core_x))
        out[(Ellipsis,) + window] += x * weight
    return out


def _fft(x: np.ndarray, y: np.ndarray, ndim: int, dtype: np.dtype) -> np.ndarray:
    import scipy.fft as sfft      # deferred: only the FFT method needs it
    core = [a + b - 1 for a, b in zip(_split(x.shape, ndim)[1], _split(y.shape, ndim)[1])]
    fast = [sfft.next_fast_len(n, real=True) for n in core]
    axes = tuple(range(-ndim, 0))
    spectrum = sfft.rfftn(x, fast, axes=axes) * sfft.rfftn(y, fast, axes=axes)
    out = sfft.irfftn(spectrum, fast, axes=axes)
    return out[(Ellipsis,) + tuple(slice(0, n) for n in core)].astype(dtype, copy=False)


def _convolve_impl(x, y, ndim, method):
    x, y = np.asarray(x), np.asarray(y)
    dtype = float_dtype(x, y)
    if method == "fft":
        return _fft(x.astype(dtype, copy=False), y.astype(dtype, copy=False), ndim, dtype)
    return _direct(x, y, ndim, dtype)


def flip_last(a, ndim: int):
    """``a`` reversed along its last ``ndim`` axes (differentiable)."""
    return getitem_p.bind(a, idx=(Ellipsis,) + (slice(None, None, -1),) * ndim)


def _valid_part(full, starts: tuple, lengths: tuple):
    window = tuple(slice(s, s + n) for s, n in zip(starts, lengths))
    return getitem_p.bind(full, idx=(Ellipsis,) + window)


def _convolve_vjp(ct, ins, out, argnum, ndim, method):
    x, y = ins
    mine, other = (x, y) if argnum == 0 else (y, x)
    core_mine = _split(tuple(np.shape(mine)), ndim)[1]
    core_other = _split(tuple(np.shape(other)), ndim)[1]
    full = convolve_nd_p.bind(ct, flip_last(other, ndim), ndim=ndim, method=method)
    return _valid_part(full, tuple(n - 1 for n in core_other), core_mine)


def _convolve_jvp(primals, tangents, out, ndim, method):
    (x, y), (tx, ty) = primals, tangents
    terms = []
    if tx is not None:
        terms.append(convolve_nd_p.bind(tx, y, ndim=ndim, method=method))
    if ty is not None:
        terms.append(convolve_nd_p.bind(x, ty, ndim=ndim, method=method))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


convolve_nd_p = defprimitive("convolve_nd", _convolve_impl, _convolve_vjp, _convolve_jvp,
                             broadcasts=True, batch="stacked")
