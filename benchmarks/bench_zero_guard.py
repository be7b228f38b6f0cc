"""The cost of the zero guard (:mod:`functrace.numerics`): guard on / guard off.

The workloads of ``bench_overhead`` (the 100-op chain of tiny-array ops: per-op
cost) and ``bench_elementwise`` (tanh chain and polynomial gradients: with the
kernels, and with the rules only), timed with the guard off and on in the same
process, alternating, over several rounds; the ratio column is the median of
the per-round ratios (> 1: the guard costs), with their range. No NaN arises
in these workloads, so the guard only pays for its checks.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Table, cli, fmt_time, median_time  # noqa: E402
from bench_elementwise import WORKLOADS  # noqa: E402
from bench_overhead import N_OPS, chain  # noqa: E402

import functrace as ft  # noqa: E402
import functrace.kernels as K  # noqa: E402
import functrace.numpy as fnp  # noqa: E402
from functrace.numerics import zero_guard  # noqa: E402


def _cases(quick: bool) -> list:
    """``(workload, n, dtype, path, fn, per)``: ``per`` divides the reported time."""
    cases = []
    overhead = ft.grad(lambda v: fnp.sum(chain(v, fnp)))
    for n in ([1] if quick else [1, 10]):
        x = np.linspace(0.1, 0.9, n)
        cases.append(("100-op chain (per op)", n, "float64", "default",
                      lambda x=x: overhead(x), N_OPS))
    sizes = [20_000] if quick else [100_000, 1_000_000]
    for name, (fn, _) in WORKLOADS.items():
        f_grad = ft.grad(lambda v, fn=fn: fn(v, fnp))
        for dtype in (["float64"] if quick else ["float32", "float64"]):
            for n in sizes:
                x = np.random.default_rng(0).uniform(-2, 2, n).astype(dtype)
                cases.append((name, n, dtype, "kernels", lambda x=x, g=f_grad: g(x), 1))
                cases.append((name, n, dtype, "rules only", lambda x=x, g=f_grad: _rules(g, x), 1))
    return cases


def _rules(f_grad, x):
    with K.enabled(False):
        return f_grad(x)


def run(quick: bool = False) -> list:
    rounds = 1 if quick else 7
    table = Table("Zero guard cost: guard on / guard off (same process, alternating rounds)",
                  ["workload", "n", "dtype", "path", "guard off", "guard on",
                   "ratio on/off (median)", "ratio range"])
    for name, n, dtype, path, fn, per in _cases(quick):
        budget = 0.03 if quick else 0.25
        times: dict = {False: [], True: []}
        for r in range(rounds):
            for guard in ((False, True) if r % 2 == 0 else (True, False)):
                with zero_guard(guard):
                    times[guard].append(median_time(fn, min_time=budget, max_reps=400,
                                                    warmup=1 if quick else 3) / per)
        ratios = [on / off for on, off in zip(times[True], times[False])]
        table.rows.append([name, n, dtype, path, fmt_time(float(np.median(times[False]))),
                           fmt_time(float(np.median(times[True]))),
                           f"{np.median(ratios):.3f}", f"{min(ratios):.3f}-{max(ratios):.3f}"])
    table.notes.append(f"{rounds} rounds; each time is a median of repeated calls; ratios "
                       "are taken per round, so drift between rounds cancels")
    table.notes.append("enable the guard by default only if it costs <= 5% (issue 8)")
    return [table]


if __name__ == "__main__":
    cli(run)
