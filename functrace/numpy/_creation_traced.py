"""Creation functions whose values may be traced: ``full`` with a traced fill
value, ``linspace``/``logspace``/``geomspace`` with traced endpoints and
``meshgrid`` of traced coordinates. With plain arguments they are numpy's.

>>> import functrace, functrace.numpy as fnp
>>> float(functrace.grad(lambda b: fnp.sum(fnp.linspace(0.0, b, 5)))(1.0))
2.5
"""
from __future__ import annotations

import operator
from typing import Any, Optional

import numpy as np

from ..core import concrete, is_tracer
from ._shape import broadcast_to, moveaxis, ravel, reshape
from ._ufuncs import astype, exp, log, power, where

__all__ = ["full", "linspace", "logspace", "geomspace", "meshgrid"]


def _float_dtype(*values: Any, num: int) -> np.dtype:
    """numpy's: the endpoints' dtype with ``float(num)`` (a Python float: weak)."""
    return np.result_type(*[concrete(v) for v in values], float(num))


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", **kwargs: Any) -> Any:
    """An array of ``shape`` filled with ``fill_value`` (a traced fill value is
    broadcast, so the gradient is the sum of the output's cotangent)."""
    if not is_tracer(fill_value):
        return np.full(shape, fill_value, dtype=dtype, order=order, **kwargs)
    shape = (operator.index(shape),) if np.ndim(shape) == 0 else tuple(shape)
    value = fill_value if dtype is None else astype(fill_value, dtype)
    return broadcast_to(value, shape)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0, *, device: Any = None) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop``; differentiable in the
    endpoints (array endpoints give one sequence per entry, along ``axis``)."""
    if not (is_tracer(start) or is_tracer(stop)):
        return np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype,
                           axis=axis)
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    work = _float_dtype(start, stop, num=num)
    start, stop = astype(start, work) if is_tracer(start) else np.asarray(start, work), \
        astype(stop, work) if is_tracer(stop) else np.asarray(stop, work)
    delta = stop - start
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    steps = np.arange(num, dtype=work).reshape((num,) + (1,) * len(shape))
    step = delta / div if div > 0 else delta * np.nan     # numpy's step for num <= 1
    y = (steps * step if div > 0 else steps * delta) + start
    if endpoint and num > 1:
        last = np.arange(num).reshape(steps.shape) == num - 1
        y = where(last, broadcast_to(stop, shape), y)
    y = broadcast_to(y, (num,) + shape)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        y = astype(y, dtype)
    return (y, step) if retstep else y


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0) -> Any:
    """``base ** linspace(start, stop)``; differentiable in the endpoints and ``base``."""
    if not any(is_tracer(v) for v in (start, stop, base)):
        return np.logspace(start, stop, num, endpoint=endpoint, base=base, dtype=dtype,
                           axis=axis)
    y = linspace(start, stop, num, endpoint=endpoint, axis=0)
    base = reshape(base, (1,) + np.shape(base)) if np.ndim(base) else base
    out = power(base, y)
    if axis != 0:
        out = moveaxis(out, 0, axis)
    return out if dtype is None else astype(out, dtype)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> Any:
    """A geometric sequence from ``start`` to ``stop`` (positive endpoints when traced).

    Array endpoints (traced or not) go through ``exp(linspace(log ...))``, so that
    ``jit`` replays and eager calls agree bitwise; Python numbers are numpy's.
    """
    if not any(is_tracer(v) or isinstance(v, np.ndarray) for v in (start, stop)):
        return np.geomspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis)
    work = np.geomspace(concrete(start), concrete(stop), 2).dtype   # numpy's working dtype
    start, stop = astype(start, work), astype(stop, work)
    out = exp(linspace(log(start), log(stop), num, endpoint=endpoint, axis=axis))
    return out if dtype is None else astype(out, dtype)


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    """Coordinate arrays from coordinate vectors (traced vectors broadcast, so the
    gradient of each sums over the other axes)."""
    if not any(is_tracer(x) for x in xi):
        return np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    n = len(xi)
    shapes = [1] * n
    outs = []
    for i, x in enumerate(xi):
        s = list(shapes)
        s[i] = -1
        if indexing == "xy" and n > 1 and i < 2:
            s[0], s[1] = s[1], s[0]
        outs.append(reshape(ravel(x if is_tracer(x) else np.asarray(x)), tuple(s)))
    if sparse:
        return tuple(outs)
    shape = np.broadcast_shapes(*[np.shape(o) for o in outs])
    return tuple(broadcast_to(o, shape) for o in outs)
