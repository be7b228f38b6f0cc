"""Output buffers reused across calls of a compiled program, safely.

A large array freshly allocated by each call costs page faults (glibc returns
big blocks to the OS on free) and cold caches: at 10^7 elements a fused loop
spends as long faulting its output in as computing it. Each large output of a
kernel or ufunc call therefore takes its buffer from a small per-program *pool*
and leaves it there. A buffer is handed out again only when nothing but the
pool refers to it -- no caller still holds a result, no view of it is alive
(a view keeps a reference to its base) -- which :func:`sys.getrefcount` tells
exactly. Two threads cannot get the same buffer: each first takes its own
reference, so the other sees it taken. Results handed to the caller are never
overwritten.
"""
from __future__ import annotations

import sys
from typing import Any

import numpy as np

MIN_BYTES = 32 * 1024     # smaller arrays: np.empty is as cheap as a pool lookup
POOL_SIZE = 4             # buffers kept per output (the caller may hold a few results)
_getrefcount = sys.getrefcount


def take(pool: list, shape: Any, dtype: Any) -> np.ndarray:
    """A buffer of ``shape`` and ``dtype`` that nobody else references: one of the
    pool's, or a new one (kept in the pool while it has room)."""
    for buf in pool:
        if _getrefcount(buf) == _FREE:
            return buf
    buf = np.empty(shape, dtype)
    if len(pool) < POOL_SIZE:
        pool.append(buf)
    return buf


def _calibrate() -> int:
    """The reference count :func:`take` sees for a free buffer on this Python, or 0
    (never reuse) if a held buffer could not be told from a free one."""
    global _FREE
    pool = [np.empty(1)]
    seen = []
    for buf in pool:
        seen.append(_getrefcount(buf))
    del buf                                  # (a loop variable outlives its loop)
    _FREE = seen[0]
    held = take(pool, 1, np.float64)        # the pool's own buffer, now held here
    ok = held is pool[0] and take(pool, 1, np.float64) is not held
    return _FREE if ok else 0


_FREE = 0
_FREE = _calibrate()
