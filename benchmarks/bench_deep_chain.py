"""Workload 4: a deep chain of 10,000 and 100,000 scalar ops, then backward.

Each library runs in a fresh process so that its peak memory can be measured
cleanly: a sampling thread reads the resident set size every millisecond
while the chain is built and differentiated; reported is the peak minus the
RSS just before (bytes per op). Target (issue 4): 100,000 ops work, with peak
memory within 2× of torch's.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Table, cli, fmt_ratio, fmt_time, missing_note, peers  # noqa: E402

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
    g = functrace.grad(lambda x: chain(x, fnp))
    run = lambda: g(0.5)
elif lib == "functrace Tensor":
    import functrace
    def run():
        t = functrace.tensor(0.5, requires_grad=True)
        chain(t, functrace).backward()
        return t.grad
elif lib == "torch eager":
    import torch
    torch.set_num_threads(2)
    def run():
        t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        chain(t, torch).backward()
        return t.grad
elif lib == "HIPS autograd":
    import autograd, autograd.numpy as anp
    g = autograd.grad(lambda x: chain(x, anp))
    run = lambda: g(0.5)
elif lib == "numpy (hand-written)":
    def run():
        x, saved = 0.5, []
        for i in range(n // 3):
            saved.append(x)
            x = np.sin(x) * 0.9 + 0.1
        g = 1.0
        for x in reversed(saved):
            g = g * 0.9 * np.cos(x)
        return g
old = n; n = 300; run(); n = old          # warm-up (imports, caches)
base, peak, stop = rss(), [0], [False]
def sample():
    while not stop[0]:
        peak[0] = max(peak[0], rss()); time.sleep(0.001)
th = threading.Thread(target=sample); th.start()
t0 = time.perf_counter(); run(); dt = time.perf_counter() - t0
stop[0] = True; th.join(); peak[0] = max(peak[0], rss())
print(json.dumps({"time": dt, "peak": peak[0] - base}))
'''


def measure(lib: str, n: int) -> dict:
    """{"time": s, "peak": bytes} for ``lib`` on an ``n``-op chain, or {"error": ...}."""
    proc = subprocess.run([sys.executable, "-c", CHILD, lib, str(n)], capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:80]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list:
    found = peers(quick)
    sizes = [300] if quick else [10_000, 100_000]
    libs = ["functrace", "functrace Tensor", "numpy (hand-written)"]
    libs += [name for name, key in (("torch eager", "torch"), ("HIPS autograd", "autograd"))
             if key in found]
    results = {lib: {n: measure(lib, n) for n in sizes} for lib in libs}
    table = Table("Deep chain of scalar ops (sin, ×0.9, +0.1), forward + backward, fresh process",
                  ["library"] + [f"{n:,} ops: time" for n in sizes]
                  + [f"{n:,} ops: peak memory / op" for n in sizes]
                  + [f"time ratio ({n:,})" for n in sizes])
    ref = results["functrace"]
    for lib, per_n in results.items():
        if all("error" in r for r in per_n.values()):
            table.notes.append(f"{lib}: {next(iter(per_n.values()))['error']}")
            continue
        cells = [fmt_time(r.get("time")) for r in per_n.values()]
        cells += [f"{r['peak'] / n:,.0f} B" if "peak" in r else r["error"]
                  for n, r in per_n.items()]
        cells += [fmt_ratio(per_n[n].get("time"), ref[n].get("time")) for n in sizes]
        table.rows.append([lib] + cells)
    table.notes += missing_note(found, quick)
    table.notes.append("peak memory: resident set size sampled every ms, minus the RSS "
                       "before the call, divided by the op count")
    table.notes.append("target: 100,000 ops work, peak memory within 2× of torch's")
    return [table]


if __name__ == "__main__":
    cli(run)
