"""When the compiled backward kernels are used: the switch, the thresholds, the cache.

The switch: the environment variable ``FUNCTRACE_NUMBA=0`` turns the kernels
off for the process; :func:`set_enabled` turns them off (or on) from Python.

The thresholds come from crossover measurements of the backward pass alone
(``benchmarks/crossover.py``) on the 2-core reference machine. Every ``make
bench`` regenerates them, verified, in ``benchmarks/RESULTS.md`` (section
"crossover": rules time / serial kernel time per size, and a summary of the
size from which the kernel wins). A kernel call has a fixed
cost of ~5-8 µs (operand analysis and Numba dispatch) and saves one memory
pass per numpy pass of the rules, so the crossover is at a roughly constant
*work* = size × numpy passes saved ≈ 30k-65k (tanh: 3 passes, the tanh·exp·sin
chain: 15, the polynomial: 8). Hence:

* ``min_size = 2048``: no kernel is even considered for smaller arrays (this
  check is all that tiny arrays pay, ~0.05 µs per equation);
* ``min_work = 65536``: a run is fused when size × passes saved reaches it
  (tanh alone from 21,846 elements, the polynomial from 8,192);
* ``parallel_min_size = 1_000_000``: from a million elements, *compute-bound*
  runs (libm calls inside the loop: float64 sin/cos) use a ``parallel=True``
  kernel (Numba ``prange``; OpenMP/TBB threading layer only). With both cores
  free, parallel kernels ran the tanh·exp·sin chain 1.6-2.2× faster from
  16k elements on; but whenever another process kept the second core busy
  they stalled ~8 ms per call at every size, so they are used only where the
  serial kernel takes ~20 ms (float64 sin/cos: ~20 ns per element) and even a
  stalled call gains. Memory-bound
  runs (everything else) gained ≤ 1.3-1.8× at 4M elements and stay serial
  (``parallel_min_size_light = PARALLEL_OFF``); ``set_thresholds(
  parallel_min_size=PARALLEL_OFF)`` turns parallel kernels off altogether.

Kernels are cached on disk only in a directory that nobody else can write:
see :mod:`functrace.kernels.cache`.

This module imports only the standard library: the backward pass reads the
switch and ``min_size`` from it without importing the rest of the kernels.
"""
from __future__ import annotations

import os
from typing import Optional

ENV_VAR = "FUNCTRACE_NUMBA"
PARALLEL_OFF = 1 << 62        # as parallel_min_size: never use parallel kernels

_state: dict = {
    "enabled": os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off"),
    "min_size": 2048,
    "min_work": 65536,
    "parallel_min_size": 1_000_000,
    "parallel_min_size_light": PARALLEL_OFF,
    "max_run": 64,
}
_KEYS = ("min_size", "min_work", "parallel_min_size", "parallel_min_size_light", "max_run")


def set_enabled(flag: bool) -> None:
    """Turn the compiled kernels on or off for this process.

    >>> import functrace.kernels as K
    >>> K.set_enabled(False); K.is_enabled()
    False
    >>> K.set_enabled(True)
    """
    _state["enabled"] = bool(flag)


def is_enabled() -> bool:
    """Whether backward passes may use compiled kernels.

    >>> from functrace import kernels
    >>> with kernels.enabled(False):
    ...     kernels.is_enabled()
    False
    """
    return _state["enabled"]


def set_thresholds(min_size: Optional[int] = None, min_work: Optional[int] = None,
                   parallel_min_size: Optional[int] = None,
                   parallel_min_size_light: Optional[int] = None,
                   max_run: Optional[int] = None) -> dict:
    """Change the thresholds; returns the previous values (a dict for ``**``).

    ``min_size``: elements below which no kernel is considered; ``min_work``:
    a run is fused only if its size times the numpy passes it saves reaches
    this; ``parallel_min_size``: elements from which compute-bound runs use
    parallel kernels; ``parallel_min_size_light``: the same for memory-bound
    runs (``PARALLEL_OFF`` by default); ``max_run``: longest fused run. The
    tests set ``min_size=0, min_work=0`` to check kernels on tiny and 0-d arrays.

    >>> from functrace import kernels
    >>> previous = kernels.set_thresholds(max_run=8)
    >>> kernels.thresholds()["max_run"]
    8
    >>> _ = kernels.set_thresholds(**previous)       # restore
    """
    previous = thresholds()
    values = (min_size, min_work, parallel_min_size, parallel_min_size_light, max_run)
    for key, value in zip(_KEYS, values):
        if value is not None:
            if int(value) < 0:
                raise ValueError(f"{key} must be >= 0, got {value}")
            _state[key] = int(value)
    return previous


def thresholds() -> dict:
    """The current thresholds (see :func:`set_thresholds`).

    >>> from functrace import kernels
    >>> sorted(kernels.thresholds())
    ['max_run', 'min_size', 'min_work', 'parallel_min_size', 'parallel_min_size_light']
    """
    return {k: _state[k] for k in _KEYS}


def min_size() -> int:
    return _state["min_size"]
