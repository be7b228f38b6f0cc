"""Numba-compiled backward kernels: the optional fast path beside the composite rules.

In a backward pass that nothing records (no outer transform, no
``create_graph``), a run of elementwise equations on large float32/float64
arrays is executed as one fused loop instead of several numpy temporaries per
equation. The differentiable rules stay the reference: they run whenever the
kernels do not apply, and the tests check that both agree.

* :func:`set_enabled` / ``FUNCTRACE_NUMBA=0``: the switch.
* :func:`set_thresholds`: the array sizes from which kernels (and parallel
  kernels) are used; see :mod:`functrace.kernels.policy` for the measurements.
* Importing this package does not import Numba; the first kernel does.

>>> import functrace.kernels as K
>>> K.is_enabled() in (True, False)
True
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

from .codegen import compiled_count, disk_cache_stats, generate_source
from .derivs import DERIVS, ScalarDerivs
from .fusion import Fuser, kernel_calls
from .policy import (PARALLEL_OFF, _state, cache_dir, is_enabled, set_enabled, set_thresholds,
                     thresholds)

__all__ = ["set_enabled", "is_enabled", "enabled", "set_thresholds", "thresholds",
           "PARALLEL_OFF", "kernel_calls", "compiled_count", "disk_cache_stats", "cache_dir",
           "supported", "install", "new_fuser", "generate_source", "DERIVS", "ScalarDerivs",
           "Fuser"]

_SAVES = {(True, False): "in", (False, True): "out", (True, True): "both",
          (False, False): "none"}


def supported() -> tuple:
    """Names of the primitives that have scalar derivatives (and so kernels)."""
    return tuple(sorted(DERIVS))


def install(primitives: dict) -> int:
    """Attach each table entry to the registered primitive of the same name.

    An entry is attached only if the primitive saves the same values the entry
    expects; returns how many primitives have a kernel.
    """
    count = 0
    for name, prim in primitives.items():
        entry = DERIVS.get(name)
        if entry is not None and _SAVES[(prim.saves_in, prim.saves_out)] == entry.saves:
            prim.kernel = entry
            count += 1
    return count


def new_fuser(eqns: list, fuse: bool = True) -> Optional[Fuser]:
    """The kernel state for one backward pass over ``eqns`` (backward order), or
    None when the kernels are switched off."""
    if not _state["enabled"]:
        return None
    return Fuser(eqns, _state["max_run"] if fuse else 1)


@contextmanager
def enabled(flag: bool) -> Iterator[None]:
    """Turn the kernels on or off inside a ``with`` block (for the whole process).

    Interrupts: the switch happens inside the ``try`` and the ``finally`` is a
    plain store (no call, at which a signal could be delivered), so an
    interrupt inside the block restores the switch at once. One inside
    contextlib's own ``__enter__``/``__exit__`` skips the ``finally`` until the
    context manager is garbage-collected (closing its generator runs it), which
    a retained traceback can delay.

    >>> import functrace.kernels as K
    >>> with K.enabled(False):
    ...     K.is_enabled()
    False
    """
    previous = is_enabled()
    try:
        set_enabled(flag)
        yield
    finally:
        _state["enabled"] = previous

