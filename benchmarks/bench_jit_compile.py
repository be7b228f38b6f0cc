"""functrace.jit compile time: the first call of a jitted MLP training step (the
digits MLP of bench_mlp, batch 64) in a fresh process, with an empty kernel cache
and with a warm one (a second process loading the kernels from disk).

The first call runs the step eagerly while recording it, simplifies the program
and builds its fused kernels; "of which Numba import" is the part spent importing
Numba (about half a second on the reference machine, paid once per process by
anything that uses Numba). Targets (issue 11): < 2 s with an empty cache,
< 0.3 s with a warm one.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Table, cli, fmt_time  # noqa: E402

PROBE = r"""
import json, sys, time
t_start = time.perf_counter()
import numpy as np
sys.path.insert(0, {bench_dir!r})
import functrace as ft
import bench_mlp as B
X, y, _ = B.load_digits()
x = np.ascontiguousarray(X[:64]); onehot = np.eye(10, dtype=np.float32)[y[:64]]
f_grad = ft.grad(B.loss_fn)
step = ft.jit(lambda p, x, t: {{k: p[k] - B.LR * g for k, g in f_grad(p, x, t).items()}})
p = B.init_params()
t_import = time.perf_counter()
p = step(p, x, onehot)
t_first = time.perf_counter()
p = step(p, x, onehot)
t_second = time.perf_counter()
import numba  # already imported by the first call: measure what that import cost
from functrace.jit import kernel
print(json.dumps({{"first": t_first - t_import, "second": t_second - t_first,
                  "kernels": step.cache_info()["kernels"], "disk": kernel.disk_cache_stats()}}))
"""

NUMBA_IMPORT = "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"


def _probe(cache_dir: str) -> dict:
    code = PROBE.format(bench_dir=os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, FUNCTRACE_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _numba_import() -> float:
    out = subprocess.run([sys.executable, "-c", NUMBA_IMPORT], capture_output=True, text=True,
                         timeout=120, check=True)
    return float(out.stdout.strip())


def run(quick: bool = False) -> list:
    table = Table("functrace.jit: first call of the MLP training step (batch 64) in a fresh "
                  "process", ["kernel cache", "first call", "second call", "kernels",
                              "loaded from disk"])
    repeats = 1 if quick else 3
    rows: dict = {"empty": [], "warm": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o700)
            rows["empty"].append(_probe(tmp))
            rows["warm"].append(_probe(tmp))
    for name, runs in rows.items():
        best = min(runs, key=lambda r: r["first"])
        table.rows.append([name, fmt_time(best["first"]), fmt_time(best["second"]),
                           best["kernels"], best["disk"]["hits"]])
    numba_import = min(_numba_import() for _ in range(repeats))
    table.notes.append(f"importing Numba alone takes {fmt_time(numba_import)} in a fresh "
                       "process; the first call includes it (functrace imports Numba only "
                       "when the first kernel is built or loaded)")
    table.notes.append(f"best of {repeats} fresh processes each")
    table.notes.append("targets (issue 11): < 2 s with an empty cache, < 0.3 s with a warm one")
    return [table]


if __name__ == "__main__":
    cli(run)
