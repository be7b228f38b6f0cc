"""PyTorch-like printing: ``tensor([4., 6.], grad_fn=<MulBackward0>)``.

Floats print in one of three styles chosen from all values, as PyTorch does:
integral values as ``4.``, others with 4 decimals (``0.1000``), and scientific
notation (``1.0000e-05``) when the magnitudes span more than 1000x or leave
[1e-4, 1e8]. Big tensors are summarised with ``...``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._types import default_float

PREFIX = "tensor("
_IMPLIED = ("int64", "bool")


def _float_formatter(data: np.ndarray) -> Callable[[Any], str]:
    finite = data[np.isfinite(data)]
    nonzero = np.abs(finite[finite != 0]).astype(np.float64)
    if nonzero.size == 0:
        fmt = "{:.0f}."
    elif np.all(nonzero == np.round(nonzero)):
        fmt = "{:.4e}" if nonzero.max() > 1e8 else "{:.0f}."
    else:
        lo, hi = nonzero.min(), nonzero.max()
        fmt = "{:.4e}" if (hi / lo > 1000.0 or hi > 1e8 or lo < 1e-4) else "{:.4f}"

    def one(v: Any) -> str:
        if np.isnan(v):
            return "nan"
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        return fmt.format(float(v))

    sample = data if data.size <= 1000 else _edges(data)
    width = max((len(one(v)) for v in sample.ravel()), default=1)
    return lambda v: one(v).rjust(width)


def _edges(data: np.ndarray, n: int = 3) -> np.ndarray:
    """The values that a summarised print shows (first and last ``n`` per axis)."""
    for axis in range(data.ndim):
        if data.shape[axis] > 2 * n:
            data = np.concatenate([np.take(data, range(n), axis),
                                   np.take(data, range(-n, 0), axis)], axis)
    return data


def format_data(data: np.ndarray, prefix: str = PREFIX) -> str:
    """The bracketed values, aligned under ``prefix`` like PyTorch."""
    if data.size == 0:
        return "[]"
    formatter: dict = {}
    if data.dtype.kind == "f":
        formatter["float_kind"] = _float_formatter(data)
    if data.ndim == 0:
        fn = formatter.get("float_kind") or str
        return fn(data[()]).strip()
    return np.array2string(data, separator=", ", prefix=prefix, formatter=formatter,
                           threshold=1000, edgeitems=3, max_line_width=80)


def dtype_name(dtype: np.dtype) -> str:
    return f"functrace.{np.dtype(dtype).name}"


def tensor_repr(t: Any) -> str:
    """``tensor(<values>[, size=...][, dtype=...][, grad_fn=<...> | requires_grad=True])``."""
    data = t._data
    parts = [format_data(data)]
    if data.size == 0 and data.ndim != 1:
        parts.append(f"size={tuple(data.shape)}")
    if data.dtype != default_float() and data.dtype.name not in _IMPLIED:
        parts.append(f"dtype={dtype_name(data.dtype)}")
    if t._node is not None:
        parts.append(f"grad_fn=<{t._node.name()}>")
    elif t._rg:
        parts.append("requires_grad=True")
    body = PREFIX + ", ".join(parts) + ")"
    if type(t).__name__ == "Parameter":
        return "Parameter containing:\n" + body
    return body
