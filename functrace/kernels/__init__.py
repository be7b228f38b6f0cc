"""Numba-compiled backward kernels: the optional fast path beside the composite rules.

In a backward pass that nothing records (no outer transform, no
``create_graph``), a run of elementwise equations on large float32/float64
arrays is executed as one fused loop instead of several numpy temporaries per
equation. The differentiable rules stay the reference: they run whenever the
kernels do not apply, and the tests check that both agree. Which primitives have
a kernel, and their scalar derivatives, is declared in each primitive's registry
block (``prim.kernel``, a :class:`functrace.registry.KernelSpec`); this package
reads it by duck typing and imports nothing else from functrace.

* :func:`set_enabled` / ``FUNCTRACE_NUMBA=0``: the switch.
* :func:`set_thresholds`: the array sizes from which kernels (and parallel
  kernels) are used; see :mod:`functrace.kernels.policy` for the measurements.
* :func:`cache_dir`: where compiled kernels are kept between processes, only
  in a directory that nobody else can write (``FUNCTRACE_CACHE_DIR``; see
  :mod:`functrace.kernels.cache`); otherwise they compile in memory.
* Importing this package imports only :mod:`~functrace.kernels.policy` (the
  standard library); the other names load their module on first use, and
  Numba is imported when the first kernel is built.

>>> import functrace.kernels as K
>>> K.is_enabled() in (True, False)
True
"""
from __future__ import annotations

import importlib
from contextlib import contextmanager
from typing import Any, Iterator

from .policy import PARALLEL_OFF, _state, is_enabled, set_enabled, set_thresholds, thresholds

# Loaded on first use (PEP 562): name -> submodule.
_LAZY = {
    "kernel_calls": "fusion", "new_fuser": "fusion", "Fuser": "fusion",
    "compiled_count": "codegen", "disk_cache_stats": "codegen", "generate_source": "codegen",
    "cache_dir": "cache",
}

__all__ = ["set_enabled", "is_enabled", "enabled", "set_thresholds", "thresholds",
           "PARALLEL_OFF", "kernel_calls", "compiled_count", "disk_cache_stats", "cache_dir",
           "new_fuser", "generate_source", "Fuser"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'functrace.kernels' has no attribute {name!r}")
    # import_module is thread-safe: a second thread waits for the first to finish
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


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
