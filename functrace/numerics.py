"""The zero guard: an exactly zero cotangent stays zero through an infinite derivative.

A masked branch gets an exact zero cotangent, and ``0 * inf`` is NaN:

>>> import numpy as np, functrace, functrace.numpy as fnp, functrace.numerics as fn
>>> f = lambda x: fnp.sum(fnp.where(x > 0, fnp.sqrt(x), 0.0))
>>> with fn.zero_guard(False), np.errstate(all="ignore"):
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

The guard is off by default: it costs 5-15% on tiny arrays and on the numpy
rules path, ~0% in the compiled kernels (``python benchmarks/bench_zero_guard.py``).
``FUNCTRACE_ZERO_GUARD=1`` turns it on for the process, :func:`set_zero_guard`
from Python, :func:`zero_guard` in a block (the switch is process-wide, like
the kernels' switch).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .core import concrete, concrete_value

ENV_VAR = "FUNCTRACE_ZERO_GUARD"

# Read on the hot path of every elementwise rule: one list index.
GUARD = [os.environ.get(ENV_VAR, "0").strip().lower() in ("1", "true", "yes", "on")]


def set_zero_guard(flag: bool) -> None:
    """Turn the zero guard on or off for this process.

    >>> import functrace.numerics as fn
    >>> previous = fn.zero_guard_enabled()
    >>> fn.set_zero_guard(True); fn.zero_guard_enabled()
    True
    >>> fn.set_zero_guard(previous)
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
    try:                  # set inside the try: an interrupt at any point restores it
        GUARD[0] = bool(flag)
        yield
    finally:
        GUARD[0] = previous


def keep_zeros(c: Any, g: Any) -> Any:
    """``g`` (a product ``c * d`` or quotient ``c / d``) with 0 where ``c == 0``.

    Only a NaN in ``g`` can differ from 0 where ``c`` is 0, so ``g`` is returned
    as it is unless it holds a NaN (one cheap check, kept lean: it runs once per
    rule); the fix is a ``where`` of primitives, so it is recorded, batched and
    differentiated like any rule.
    """
    if _nan_free(g if type(g) is _ndarray else concrete_value(g)):
        return g
    zero = np.zeros((), np.result_type(concrete(g)))
    where_p, equal_p = MASK_PRIMITIVES.where, MASK_PRIMITIVES.equal
    return where_p.bind(equal_p.bind(c, 0), zero, g)


class _MaskPrimitives:
    """The two primitives :func:`keep_zeros` binds, ``where`` and ``equal``.

    They are declared with :mod:`functrace.registry`, which reads this module (its
    derived elementwise rules apply the guard), so this module cannot import them:
    :mod:`functrace.primitives.selection` hands them over right after declaring
    ``where`` (:meth:`set`). Every differentiable primitive's rule runs after that,
    since ``import functrace`` imports the primitives package; a missing pair is an
    error, not a silent skip of the guard.
    """

    __slots__ = ("where", "equal")

    def __init__(self) -> None:
        self.where: Any = _NotDeclared()
        self.equal: Any = _NotDeclared()

    def set(self, where_p: Any, equal_p: Any) -> None:
        self.where, self.equal = where_p, equal_p


class _NotDeclared:
    def bind(self, *args: Any, **params: Any) -> Any:
        raise RuntimeError("the zero guard ran before functrace.primitives.selection "
                           "declared where and equal: import functrace first")


MASK_PRIMITIVES = _MaskPrimitives()


def _nan_free(v: Any) -> bool:
    if type(v) is _ndarray:
        size = v.size
        if size == 1:
            v = v.item()
        elif size <= _LIST_MAX and v.ndim == 1:   # no numpy call: Python's sum is NaN if an
            v = sum(v.tolist())                    # entry is (or for inf - inf: a false alarm)
        else:                                      # NaN propagates through maximum
            v = _max_reduce(v, axis=None) if size else 0.0
    return v == v


_ndarray = np.ndarray
_max_reduce = np.maximum.reduce
_LIST_MAX = 64      # below, tolist + sum beat one numpy reduction (~0.8 us)
