"""Shared helpers for the benchmark scripts: timing, peers, tables.

Every script exposes ``run(quick: bool) -> list[Table]`` and prints its tables
when run directly. Times are medians of repeated calls after warm-up; the
ratio columns divide by functrace's time in the same run (ratios in one run
are what matters on a shared machine, absolute times drift).
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

TORCH_THREADS = 2


@dataclass
class Table:
    """One result table: ``rows`` of cells under ``columns``, plus notes."""

    title: str
    columns: list
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    series: dict = field(default_factory=dict)   # for plots: name -> [(size, seconds)]

    def markdown(self) -> str:
        lines = [f"### {self.title}", "",
                 "| " + " | ".join(self.columns) + " |",
                 "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        widths = [max(len(str(c)) for c in col) for col in zip(self.columns, *self.rows)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [self.title, fmt.format(*self.columns)]
        out += [fmt.format(*[str(c) for c in row]) for row in self.rows]
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out)


def median_time(fn: Callable[[], Any], min_time: float = 0.2, max_reps: int = 200,
                warmup: int = 2, min_reps: int = 3) -> float:
    """Median seconds per call of ``fn`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times: list = []
    start = time.perf_counter()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        while len(times) < max_reps and (len(times) < min_reps or
                                         time.perf_counter() - start < min_time):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    finally:
        if gc_was:
            gc.enable()
    return float(np.median(times))


def fmt_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(t: Optional[float], ref: Optional[float]) -> str:
    return "—" if t is None or not ref else f"{t / ref:.2f}×"


def peers(quick: bool = False) -> dict:
    """Importable peers as ``{name: module}``; ``{}`` in quick mode. Notes missing ones."""
    found: dict = {}
    if quick:
        return found
    try:
        import torch
        torch.set_num_threads(TORCH_THREADS)
        found["torch"] = torch
    except ImportError:
        pass
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        found["jax"] = jax
    except ImportError:
        pass
    try:
        import autograd
        found["autograd"] = autograd
    except ImportError:
        pass
    return found


def peer_versions() -> str:
    """``torch 2.13.0, jax 0.10.2, ...`` for the installed peers."""
    from importlib import metadata
    out = []
    for dist in ("torch", "jax", "jaxlib", "autograd"):
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} not installed")
    return ", ".join(out)


def missing_note(found: dict, quick: bool) -> list:
    if quick:
        return ["quick mode: tiny sizes, peers skipped"]
    names = [n for n in ("torch", "jax", "autograd") if n not in found]
    return [f"not installed, skipped: {', '.join(names)} (pip install -e '.[bench]')"] \
        if names else []


def machine_line() -> str:
    import numba
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}, numba {numba.__version__}")


def cli(run: Callable[[bool], list]) -> None:
    """Entry point of a script: ``--quick`` for tiny sizes; prints the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no peers")
    args = parser.parse_args()
    for table in run(args.quick):
        print(table.text())
        print()
