"""Crossover measurements behind the kernel thresholds in functrace.kernels.policy.

Times only the backward pass (``vjp_fn(ct)``) of three programs -- one tanh,
the tanh/exp/sin chain and the polynomial chain, elementwise without the final
sum -- through the composite numpy rules, a serial kernel and a parallel
kernel, over a range of sizes. ``min_size`` is where the serial kernel starts
to win over the rules, ``parallel_min_size`` where the parallel one wins
over the serial one.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Table, cli, fmt_time, median_time  # noqa: E402

import functrace as ft  # noqa: E402
import functrace.kernels as K  # noqa: E402
import functrace.numpy as fnp  # noqa: E402


def one_tanh(x):
    return fnp.tanh(x)


def tanh_chain(x):
    return fnp.tanh(x) * fnp.exp(-x ** 2) + fnp.sin(x) * x


def poly_chain(x):
    return ((x * x + 3 * x) * x - 2 * x) * 0.5 + x


PROGRAMS = {"tanh": one_tanh, "tanh·exp·sin chain": tanh_chain, "polynomial chain": poly_chain}


def backward_time(fn, x: np.ndarray, mode: str) -> float:
    """Median seconds of one backward pass of ``fn`` at ``x`` in ``mode``."""
    out, f_vjp = ft.vjp(fn, x)
    ct = np.random.default_rng(1).standard_normal(x.shape).astype(x.dtype)
    previous, was_enabled = K.thresholds(), K.is_enabled()
    try:
        if mode == "rules":
            K.set_enabled(False)
        else:
            limit = 0 if mode == "parallel" else K.PARALLEL_OFF
            K.set_thresholds(min_size=0, min_work=0, parallel_min_size=limit,
                             parallel_min_size_light=limit)
        budget = 0.05 if x.size < 1e6 else 0.3
        return median_time(lambda: f_vjp(ct), min_time=budget, max_reps=400, warmup=3)
    finally:
        K.set_enabled(was_enabled)
        K.set_thresholds(**previous)


def run(quick: bool = False) -> list:
    sizes = [64, 1024] if quick else [256, 1024, 4096, 16384, 65536, 262144, 1 << 20, 1 << 22]
    dtypes = ["float64"] if quick else ["float64", "float32"]
    tables = []
    for name, fn in PROGRAMS.items():
        for dtype in dtypes:
            table = Table(f"Backward-only crossover: {name}, {dtype}",
                          ["n", "rules", "kernel", "parallel kernel", "rules/kernel",
                           "kernel/parallel"])
            for n in sizes:
                x = np.random.default_rng(0).uniform(-2, 2, n).astype(dtype)
                t = {m: backward_time(fn, x, m) for m in ("rules", "serial", "parallel")}
                table.rows.append([n, fmt_time(t["rules"]), fmt_time(t["serial"]),
                                   fmt_time(t["parallel"]),
                                   f"{t['rules'] / t['serial']:.2f}",
                                   f"{t['serial'] / t['parallel']:.2f}"])
                for m in t:
                    table.series.setdefault(f"{name} {dtype} {m}", []).append((n, t[m]))
            if not K.is_enabled():
                table.notes.append("kernels are switched off (FUNCTRACE_NUMBA=0): every "
                                   "column ran the composite rules")
            tables.append(table)
    return tables


if __name__ == "__main__":
    cli(run)
