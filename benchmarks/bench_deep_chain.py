"""Workload 4: a deep chain of 10,000 and 100,000 scalar ops, then backward.

Each library runs in a fresh process so that its peak memory can be measured
cleanly: a sampling thread reads the resident set size every millisecond
while the chain is built and differentiated; reported is the peak minus the
RSS just before (bytes per op). Every library runs in float64, and the value
and derivative from the timed run are checked against a plain Python loop
(``math``) before its time is reported. Targets: ``targets.py`` (issue 4).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import math  # noqa: E402

from _common import (TOLERANCE, Check, Results, Status, Table, cli, compare,  # noqa: E402
                     fmt_ratio, fmt_time, missing_note, peers)

CHILD = r'''
import json, sys, threading, time
lib, n = sys.argv[1], int(sys.argv[2])
import numpy as np

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

def chain(x, m):
    for i in range(n // 3):
        x = m.sin(x) * 0.9 + 0.1
    return x

if lib == "functrace":
    import functrace, functrace.numpy as fnp
    g = functrace.value_and_grad(lambda x: chain(x, fnp))
    run = lambda: tuple(map(float, g(0.5)))
elif lib == "functrace Tensor":
    import functrace
    def run():
        t = functrace.tensor(0.5, dtype=functrace.float64, requires_grad=True)
        out = chain(t, functrace)
        out.backward()
        return out.item(), t.grad.item()
elif lib == "torch eager":
    import torch
    torch.set_num_threads(2)
    def run():
        t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        out = chain(t, torch)
        out.backward()
        return out.item(), t.grad.item()
elif lib == "HIPS autograd":
    import autograd, autograd.numpy as anp
    g = autograd.value_and_grad(lambda x: chain(x, anp))
    run = lambda: tuple(map(float, g(0.5)))
elif lib == "numpy (hand-written)":
    def run():
        x, saved = 0.5, []
        for i in range(n // 3):
            saved.append(x)
            x = np.sin(x) * 0.9 + 0.1
        g = 1.0
        for v in reversed(saved):
            g = g * 0.9 * np.cos(v)
        return float(x), float(g)
old = n; n = 300; run(); n = old          # warm-up (imports, caches)
base, peak, stop = rss(), [0], [False]
def sample():
    while not stop[0]:
        peak[0] = max(peak[0], rss()); time.sleep(0.001)
th = threading.Thread(target=sample); th.start()
t0 = time.perf_counter(); value, grad = run(); dt = time.perf_counter() - t0
stop[0] = True; th.join(); peak[0] = max(peak[0], rss())
print(json.dumps({"time": dt, "peak": peak[0] - base, "result": [value, grad]}))
'''


def measure(lib: str, n: int) -> dict:
    """{"time": s, "peak": bytes, "result": [value, derivative]} for ``lib`` on an
    ``n``-op chain, or {"error": ...}."""
    proc = subprocess.run([sys.executable, "-c", CHILD, lib, str(n)], capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:100]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def reference(n: int) -> list:
    """[value, derivative] of the chain at 0.5, by a plain Python loop in float64. (The
    derivative, a product of n/3 factors of about 0.74, underflows from about 7,500
    ops on, to 0 or the smallest subnormal depending on the order of the products:
    at full size the check of the derivative only rules out NaN, inf and garbage,
    and the value is what discriminates.)"""
    x, g = 0.5, 1.0
    for _ in range(n // 3):
        g *= 0.9 * math.cos(x)
        x = math.sin(x) * 0.9 + 0.1
    return [x, g]


def run(quick: bool = False) -> list:
    found = peers(quick)
    sizes = [300] if quick else [10_000, 100_000]
    libs = ["functrace", "functrace Tensor", "numpy (hand-written)"]
    libs += [name for name, key in (("torch eager", "torch"), ("HIPS autograd", "autograd"))
             if key in found]
    results, peaks = Results(), Results()
    for n in sizes:
        check = Check(reference(n), TOLERANCE["float64"], "a plain Python loop in float64")
        for lib in libs:
            out = measure(lib, n)
            status = (Status(False, why=out["error"]) if "error" in out
                      else compare(out["result"], check))
            results.record(lib, n, status, out.get("time") if status.ok else None)
            peaks.record(lib, n, status, out.get("peak") if status.ok else None)
    table = Table("Deep chain of scalar ops (sin, ×0.9, +0.1), forward + backward, fresh "
                  "process, float64", ["library"] + [f"{n:,} ops: time" for n in sizes]
                  + [f"{n:,} ops: peak memory / op" for n in sizes]
                  + [f"time ratio ({n:,})" for n in sizes], key="deep_chain")

    def cells(lib):
        times = [results.get(lib, n) for n in sizes]
        per_op = [peaks.get(lib, n) for n in sizes]
        return ([fmt_time(t) for t in times]
                + [f"{p / n:,.0f} B" if p is not None else "—" for p, n in zip(per_op, sizes)]
                + [fmt_ratio(t, results.get("functrace", n)) for t, n in zip(times, sizes)])
    results.add_rows(table, cells, label=lambda n: f"{n:,} ops")
    for lib in libs:     # peak bytes per op, for the targets
        table.values[lib].update({("peak/op", n): p / n for n, p in peaks.times.get(
            lib, {}).items()})
    table.notes += missing_note(found, quick)
    table.notes.append(check.note("value and derivative of the timed run itself"))
    table.notes.append("peak memory: resident set size sampled every ms, minus the RSS "
                       "before the call, divided by the op count")
    return [table]


if __name__ == "__main__":
    cli(run)
