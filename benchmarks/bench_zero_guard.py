"""The cost of the zero guard (:mod:`functrace.numerics`): guard on / guard off.

The workloads of ``bench_overhead`` (the 100-op chain of tiny-array ops: per-op
cost) and ``bench_elementwise`` (tanh chain and polynomial gradients: with the
kernels, and with the rules only), timed with the guard off and on in the same
process, alternating, over several rounds; the ratio column is the median of
the per-round ratios (> 1: the guard costs), with their range. No NaN arises
in these workloads, so the guard only pays for its checks. Before timing, the
gradient with the guard off and on is checked against the complex-step
derivative in float64. Target: ``targets.py`` (issue 8).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (TOLERANCE, Check, Table, cli, combine,  # noqa: E402
                     complex_step_derivative, fmt_time, median_time, verify)
from bench_elementwise import WORKLOADS  # noqa: E402
from bench_overhead import N_OPS, chain  # noqa: E402

import functrace as ft  # noqa: E402
import functrace.kernels as K  # noqa: E402
import functrace.numpy as fnp  # noqa: E402
from functrace.numerics import zero_guard  # noqa: E402


def _cases(quick: bool) -> list:
    """``(workload, n, dtype, path, fn, per, check)``: ``per`` divides the reported time."""
    cases = []
    overhead = ft.grad(lambda v: fnp.sum(chain(v, fnp)))
    for n in ([1] if quick else [1, 10]):
        x = np.linspace(0.1, 0.9, n)
        check = Check(complex_step_derivative(lambda z: chain(z, np), x), TOLERANCE["float64"],
                      REFERENCE)
        cases.append(("100-op chain (per op)", n, "float64", "default",
                      lambda x=x: overhead(x), N_OPS, check))
    sizes = [20_000] if quick else [100_000, 1_000_000]
    for name, (terms, _) in WORKLOADS.items():
        f_grad = ft.grad(lambda v, terms=terms: fnp.sum(terms(v, fnp)))
        for dtype in (["float64"] if quick else ["float32", "float64"]):
            for n in sizes:
                x = np.random.default_rng(0).uniform(-2, 2, n).astype(dtype)
                check = Check(complex_step_derivative(terms, x), TOLERANCE[dtype], REFERENCE)
                cases.append((name, n, dtype, "kernels", lambda x=x, g=f_grad: g(x), 1, check))
                cases.append((name, n, dtype, "rules only", lambda x=x, g=f_grad: _rules(g, x),
                              1, check))
    return cases


REFERENCE = "the complex-step derivative in float64"


def _rules(f_grad, x):
    with K.enabled(False):
        return f_grad(x)


def run(quick: bool = False) -> list:
    rounds = 1 if quick else 7
    table = Table("Zero guard cost: guard on / guard off (same process, alternating rounds)",
                  ["workload", "guard off", "guard on", "ratio on/off (median)",
                   "ratio range"], key="zero_guard")
    for workload, n, dtype, path, fn, per, check in _cases(quick):
        name = f"{workload}, n={n:,}, {dtype}, {path}"
        statuses = {}
        for guard in (False, True):
            with zero_guard(guard):
                statuses[f"guard {'on' if guard else 'off'}"] = verify(fn, check)
        status = combine(statuses)
        if not all(s.ok for s in statuses.values()):
            table.add_row(name, ["—", "—", "—", "—"], status)
            continue
        budget = 0.03 if quick else 0.25
        times: dict = {False: [], True: []}
        for r in range(rounds):
            for guard in ((False, True) if r % 2 == 0 else (True, False)):
                with zero_guard(guard):
                    times[guard].append(median_time(fn, min_time=budget, max_reps=400,
                                                    warmup=1 if quick else 3) / per)
        ratios = [on / off for on, off in zip(times[True], times[False], strict=True)]
        table.add_row(name, [fmt_time(float(np.median(times[False]))),
                             fmt_time(float(np.median(times[True]))),
                             f"{np.median(ratios):.3f}", f"{min(ratios):.3f}-{max(ratios):.3f}"],
                      status, {"ratio": float(np.median(ratios))})
    table.notes.append(f"{rounds} rounds; each time is a median of repeated calls; ratios "
                       "are taken per round, so drift between rounds cancels")
    table.notes.append(Check(None, TOLERANCE["float64"], REFERENCE).note()
                       + " (float32 rows: within 1e-4)")
    return [table]


if __name__ == "__main__":
    cli(run)
