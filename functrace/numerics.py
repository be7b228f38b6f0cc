"""The zero guard: an exactly zero cotangent stays zero through an infinite derivative.

A masked branch gets an exact zero cotangent, and ``0 * inf`` is NaN:

>>> import numpy as np, functrace, functrace.numpy as fnp, functrace.numerics as fn
>>> f = lambda x: fnp.sum(fnp.where(x > 0, fnp.sqrt(x), 0.0))
>>> with np.errstate(all="ignore"):
...     functrace.grad(f)(np.array([-1.0, 0.0, 4.0]))      # as in JAX and PyTorch
array([ nan,  nan, 0.25])
>>> with fn.zero_guard(True), np.errstate(all="ignore"):
...     functrace.grad(f)(np.array([-1.0, 0.0, 4.0]))
array([0.  , 0.  , 0.25])

With the guard on, the elementwise rules (every :func:`~functrace.registry.defelementwise`
primitive, ``multiply`` and ``divide``, and the compiled kernels) give 0 wherever
the incoming cotangent (in forward mode: the tangent) is exactly 0, whatever the
local derivative (inf or nan). So ``where(x > 0, sqrt(x), 0)``, ``where(x > 0, x
* log(x), 0)`` and NaN entries masked out of a loss need no "double where".
Higher orders stay consistent: the guard is itself made of differentiable ops.

The price is that a NaN which *meant* "undefined" can become 0: ``sqrt(x) ** 2``
at ``x = 0`` has the one-sided derivative 1, but the square's derivative there is
0, so the guarded chain rule gives ``0 * inf -> 0`` (JAX and PyTorch give NaN).
Nothing else changes: where no NaN arises, results are bit-for-bit the same.

The guard is off by default (it costs more than 5% on tiny arrays, see
``benchmarks/RESULTS.md``): ``FUNCTRACE_ZERO_GUARD=1`` turns it on for the
process, :func:`set_zero_guard` from Python, :func:`zero_guard` in a block.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .core import concrete

ENV_VAR = "FUNCTRACE_ZERO_GUARD"

# Read on the hot path of every elementwise rule: one list index.
GUARD = [os.environ.get(ENV_VAR, "0").strip().lower() in ("1", "true", "yes", "on")]


def set_zero_guard(flag: bool) -> None:
    """Turn the zero guard on or off for this process.

    >>> import functrace.numerics as fn
    >>> fn.set_zero_guard(True); fn.zero_guard_enabled()
    True
    >>> fn.set_zero_guard(False)
    """
    GUARD[0] = bool(flag)


def zero_guard_enabled() -> bool:
    """Whether exact zero cotangents stay zero through infinite derivatives."""
    return GUARD[0]


@contextmanager
def zero_guard(flag: bool = True) -> Iterator[None]:
    """Turn the zero guard on (or off) inside a ``with`` block.

    >>> import functrace.numerics as fn
    >>> with fn.zero_guard():
    ...     fn.zero_guard_enabled()
    True
    """
    previous = GUARD[0]
    GUARD[0] = bool(flag)
    try:
        yield
    finally:
        GUARD[0] = previous


def keep_zeros(c: Any, g: Any) -> Any:
    """``g`` (a product ``c * d`` or quotient ``c / d``) with 0 where ``c == 0``.

    Only a NaN in ``g`` can differ from 0 where ``c`` is 0, so ``g`` is returned
    as it is unless it holds a NaN (one cheap check); the fix is a ``where`` of
    primitives, so it is recorded, batched and differentiated like any rule.
    """
    if not _has_nan(concrete(g)):
        return g
    from .primitives.elementwise import where_p    # primitives import this module
    from .primitives.nondiff import equal_p
    zero = np.zeros((), np.result_type(concrete(g)))
    return where_p.bind(equal_p.bind(c, 0), zero, g)


def _has_nan(v: Any) -> bool:
    if type(v) is np.ndarray:
        if v.size <= 1:
            return v.size == 1 and v.dtype.kind in "fc" and v.item() != v.item()
        if v.dtype.kind not in "fc":
            return False
        if v.size > _BLAS_MAX:            # OpenBLAS may thread (and stall) a long dot
            return bool(np.isnan(np.maximum.reduce(v, axis=None)))
        flat = v.reshape(-1)
        return bool(np.isnan(np.vdot(flat, flat)))   # a sum of squares: NaN iff one is
    return bool(v != v)


_BLAS_MAX = 8192    # vdot: ~0.45 us on tiny arrays (maximum.reduce: ~0.8 us)
