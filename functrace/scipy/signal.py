"""``functrace.scipy.signal``: N-dimensional ``convolve`` and ``correlate``,
differentiable in both inputs (all orders), with scipy's modes and methods.

Results are floating point (scipy keeps integer dtypes for integer inputs).
``method="auto"`` picks the direct sum when the smaller input has at most
``_DIRECT_MAX`` elements (exact, and fast for small kernels), the FFT otherwise.

>>> import numpy as np, functrace, functrace.scipy.signal as fss
>>> fss.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
array([0. , 1. , 2.5, 4. , 1.5])
>>> functrace.grad(lambda k: fss.convolve(np.ones(3), k, mode="valid")[0])(np.ones(2))
array([1., 1.])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..numpy._scipy_special import as_float
from ..core import concrete
from ..primitives.convolution import convolve_nd_p, flip_last
from ..primitives.special_functions import float_dtype

__all__ = ["convolve", "correlate"]

_DIRECT_MAX = 64
_MODES = ("full", "valid", "same")
_METHODS = ("auto", "direct", "fft")


def _check(in1: Any, in2: Any, mode: str, method: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if np.ndim(in1) != np.ndim(in2):
        raise ValueError("in1 and in2 should have the same dimensionality "
                         f"(got {np.ndim(in1)} and {np.ndim(in2)})")


def _choose(in1: Any, in2: Any, method: str) -> str:
    if method != "auto":
        return method
    return "direct" if min(np.size(in1), np.size(in2)) <= _DIRECT_MAX else "fft"


def _crop(full: Any, shape1: tuple, shape2: tuple, mode: str) -> Any:
    """scipy's ``valid`` / ``same`` windows of the full convolution."""
    if mode == "full":
        return full
    if mode == "valid":
        bigger1 = all(a >= b for a, b in zip(shape1, shape2))
        bigger2 = all(b >= a for a, b in zip(shape1, shape2))
        if not (bigger1 or bigger2):
            raise ValueError("For 'valid' mode, one must be at least as large as the "
                             "other in every dimension")
        window = tuple(slice(min(a, b) - 1, max(a, b)) for a, b in zip(shape1, shape2))
    else:                                            # same: centred, the shape of in1
        window = tuple(slice((b - 1) // 2, (b - 1) // 2 + a) for a, b in zip(shape1, shape2))
    return full[window]


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """Convolve two N-dimensional arrays (``mode``: 'full', 'valid' or 'same';
    ``method``: 'auto', 'direct' or 'fft'), as ``scipy.signal.convolve``.

    >>> import numpy as np, functrace as ft, functrace.scipy.signal as fss
    >>> fss.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> ft.grad(lambda k: fss.convolve(np.array([1.0, 2.0, 3.0]), k, mode="valid")[0])(np.ones(3))
    array([3., 2., 1.])
    """
    _check(in1, in2, mode, method)
    in1, in2 = as_float(in1), as_float(in2)
    if np.ndim(in1) == 0:
        return in1 * in2
    shape1, shape2 = tuple(np.shape(in1)), tuple(np.shape(in2))
    if 0 in shape1 or 0 in shape2:
        return np.zeros((0,) * len(shape1), float_dtype(concrete(in1), concrete(in2)))
    full = convolve_nd_p.bind(in1, in2, ndim=len(shape1), method=_choose(in1, in2, method))
    return _crop(full, shape1, shape2, mode)


def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """Cross-correlate two N-dimensional arrays: ``convolve(in1, in2[::-1, ...])``, as
    ``scipy.signal.correlate`` (real inputs).

    >>> import numpy as np, functrace.scipy.signal as fss
    >>> fss.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), mode="valid")
    array([3.5])
    """
    _check(in1, in2, mode, method)
    in2 = as_float(in2)
    if np.ndim(in2) == 0:
        return convolve(in1, in2, mode, method)
    return convolve(in1, flip_last(in2, np.ndim(in2)), mode, method)
