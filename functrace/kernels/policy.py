"""When the compiled backward kernels are used: the switch, the thresholds, the cache.

The switch: the environment variable ``FUNCTRACE_NUMBA=0`` turns the kernels
off for the process; :func:`set_enabled` turns them off (or on) from Python.

The thresholds (elements per array) come from crossover measurements on the
2-core reference machine (``benchmarks/crossover.py`` reproduces them; the
figures are in ``benchmarks/RESULTS.md``):

* ``min_size``: below it the composite numpy rules run, because a kernel call
  has a fixed cost (operand analysis + Numba dispatch, ~8-15 µs) that numpy's
  per-call cost (~1 µs per ufunc) only amortises on larger arrays.
* ``parallel_min_size``: from here on a ``parallel=True`` kernel (Numba
  ``prange``) is used; below it the serial kernel, since waking the worker
  threads costs tens of µs to ms when the other core is busy.

Kernels and their generated sources are cached on disk in
``$FUNCTRACE_CACHE_DIR``, else ``$XDG_CACHE_HOME/functrace`` (``~/.cache``), else
a per-user temporary directory; with none writable, kernels compile in memory
for the process only.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

ENV_VAR = "FUNCTRACE_NUMBA"

_state: dict = {
    "enabled": os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off"),
    "min_size": 8192,
    "parallel_min_size": 1 << 20,
    "max_run": 64,
}


def set_enabled(flag: bool) -> None:
    """Turn the compiled kernels on or off for this process.

    >>> import functrace.kernels as K
    >>> K.set_enabled(False); K.is_enabled()
    False
    >>> K.set_enabled(True)
    """
    _state["enabled"] = bool(flag)


def is_enabled() -> bool:
    """Whether backward passes may use compiled kernels."""
    return _state["enabled"]


def set_thresholds(min_size: Optional[int] = None, parallel_min_size: Optional[int] = None,
                   max_run: Optional[int] = None) -> dict:
    """Change the size thresholds (elements); returns the previous values.

    ``min_size=0`` makes every eligible equation use a kernel (the tests do
    that to check the kernels on tiny and 0-d arrays).
    """
    previous = thresholds()
    for key, value in (("min_size", min_size), ("parallel_min_size", parallel_min_size),
                       ("max_run", max_run)):
        if value is not None:
            if int(value) < 0:
                raise ValueError(f"{key} must be >= 0, got {value}")
            _state[key] = int(value)
    return previous


def thresholds() -> dict:
    """The current ``min_size``, ``parallel_min_size`` and ``max_run``."""
    return {k: _state[k] for k in ("min_size", "parallel_min_size", "max_run")}


def min_size() -> int:
    return _state["min_size"]


def cache_dir() -> Optional[Path]:
    """A writable directory for generated kernel sources and Numba's cache, or None."""
    candidates = []
    if os.environ.get("FUNCTRACE_CACHE_DIR"):
        candidates.append(Path(os.environ["FUNCTRACE_CACHE_DIR"]))
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates.append(Path(xdg) / "functrace")
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    candidates.append(Path(tempfile.gettempdir()) / f"functrace-{uid}")
    for path in candidates:
        path = path / "kernels"
        if _writable(path):
            return path
    return None


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
        return True
    except OSError:
        return False
