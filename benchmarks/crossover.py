"""Crossover measurements behind the kernel thresholds in functrace.kernels.policy.

Times only the backward pass (``vjp_fn(ct)``) of three programs -- one tanh,
the tanh/exp/sin chain and the polynomial chain, elementwise without the final
sum -- through the composite numpy rules, a serial kernel and a parallel
kernel, over a range of sizes. ``min_size`` is where the serial kernel starts
to win over the rules, ``parallel_min_size`` where the parallel one wins
over the serial one. Before timing, each mode's cotangent is checked against
``ct * g'(x)`` with ``g'`` the complex-step derivative in float64. The summary
table (smallest size from which the kernel wins) is what
``functrace.kernels.policy`` cites for its thresholds.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from contextlib import contextmanager  # noqa: E402

from _common import (TOLERANCE, Check, Results, Table, cli, combine,  # noqa: E402
                     complex_step_derivative, fmt_time, median_time)

import functrace as ft  # noqa: E402
import functrace.kernels as K  # noqa: E402
import functrace.numpy as fnp  # noqa: E402


def one_tanh(x, m=fnp):
    return m.tanh(x)


def tanh_chain(x, m=fnp):
    return m.tanh(x) * m.exp(-x ** 2) + m.sin(x) * x


def poly_chain(x, m=fnp):
    return ((x * x + 3 * x) * x - 2 * x) * 0.5 + x


PROGRAMS = {"tanh": one_tanh, "tanh·exp·sin chain": tanh_chain, "polynomial chain": poly_chain}


MODES = ("rules", "serial", "parallel")


@contextmanager
def backward_mode(mode: str):
    """Backward passes inside use the composite rules, serial or parallel kernels."""
    previous, was_enabled = K.thresholds(), K.is_enabled()
    try:
        if mode == "rules":
            K.set_enabled(False)
        else:
            limit = 0 if mode == "parallel" else K.PARALLEL_OFF
            K.set_thresholds(min_size=0, min_work=0, parallel_min_size=limit,
                             parallel_min_size_light=limit)
        yield
    finally:
        K.set_enabled(was_enabled)
        K.set_thresholds(**previous)


def measure(results: Results, fn, x: np.ndarray) -> None:
    """Check, then time, one backward pass of ``fn`` at ``x`` in each mode."""
    _, f_vjp = ft.vjp(fn, x)
    ct = np.random.default_rng(1).standard_normal(x.shape).astype(x.dtype)
    check = Check(ct * complex_step_derivative(lambda z: fn(z, np), x),
                  TOLERANCE[x.dtype.name], REFERENCE)
    budget = 0.05 if x.size < 1e6 else 0.3
    for mode in MODES:
        with backward_mode(mode):
            results.verify_and_time({mode: lambda: f_vjp(ct)[0]}, check, x.size,
                                    lambda run: median_time(run, min_time=budget,
                                                            max_reps=400, warmup=3))


REFERENCE = "ct × the complex-step derivative in float64"


def run(quick: bool = False) -> list:
    sizes = [64, 1024] if quick else [256, 1024, 4096, 16384, 65536, 262144, 1 << 20, 1 << 22]
    dtypes = ["float64"] if quick else ["float64", "float32"]
    tables, summary = [], Table("Crossover summary: smallest n from which the kernel wins at "
                                "every larger n measured", ["program, dtype", "kernel beats "
                                "the rules", "parallel beats serial"], key="crossover")
    for name, fn in PROGRAMS.items():
        for dtype in dtypes:
            results = Results()
            for n in sizes:
                measure(results, fn, np.random.default_rng(0).uniform(-2, 2, n).astype(dtype))
            tables.append(_table(f"{name}, {dtype}", results, sizes))
            summary.add_row(f"{name}, {dtype}", [
                _wins_from(results, "rules", "serial", sizes),
                _wins_from(results, "serial", "parallel", sizes)],
                results.overall(), {})
    summary.notes.append("from the tables above, measured in this run; functrace.kernels.policy "
                         "sets min_size/min_work and parallel_min_size from such measurements")
    return tables + [summary]


def _table(title: str, results: Results, sizes: list) -> Table:
    table = Table(f"Backward-only crossover: {title}",
                  ["n", "rules", "kernel", "parallel kernel", "rules/kernel", "kernel/parallel"])
    t = {m: [results.get(m, n) for n in sizes] for m in MODES}
    for i, n in enumerate(sizes):
        r, s, p = t["rules"][i], t["serial"][i], t["parallel"][i]
        table.add_row(n, [fmt_time(r), fmt_time(s), fmt_time(p), _ratio(r, s), _ratio(s, p)],
                      combine({m: results.status[m][n] for m in MODES}),
                      {m: t[m][i] for m in MODES})
    for m in MODES:
        table.series[f"{title} {m}"] = [(n, v) for n, v in zip(sizes, t[m]) if v is not None]
    if not K.is_enabled():
        table.notes.append("kernels are switched off (FUNCTRACE_NUMBA=0): every "
                           "column ran the composite rules")
    table.notes.append(Check(None, TOLERANCE["float64" if "float64" in title else "float32"],
                             REFERENCE).note())
    return table


def _ratio(a, b) -> str:
    return "—" if a is None or b is None else f"{a / b:.2f}"


def _wins_from(results: Results, slow: str, fast: str, sizes: list) -> str:
    """The smallest measured n from which ``fast`` beats ``slow`` at every larger n."""
    wins = [results.get(slow, n) is not None and results.get(fast, n) is not None
            and results.get(fast, n) < results.get(slow, n) for n in sizes]
    for i, n in enumerate(sizes):
        if all(wins[i:]):
            return f"{n:,}"
    return "never"


if __name__ == "__main__":
    cli(run)
