"""functrace.jit compile time: the first call of a jitted MLP training step (the
digits MLP of bench_mlp, batch 64) in a fresh process, with an empty kernel cache
and with a warm one (a second process loading the kernels from disk).

The first call runs the step eagerly while recording it, simplifies the program
and builds its fused kernels; "of which Numba import" is the part spent importing
Numba (about half a second on the reference machine, paid once per process by
anything that uses Numba). Each process saves the parameters and gradients of its
two steps, which are checked against the hand-written steps in float64 (as in
bench_mlp); a process whose steps are wrong shows FAILED, untimed. Targets:
``targets.py`` (issue 11).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Table, cli, combine, compare, fmt_time  # noqa: E402

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
step = ft.jit(lambda p, x, t: B.sgd(p, f_grad(p, x, t)))
p = B.init_params()
t_import = time.perf_counter()
p1, g1 = step(p, x, onehot)
t_first = time.perf_counter()
p2, g2 = step(p1, x, onehot)
t_second = time.perf_counter()
np.savez(sys.argv[1], **{{f"{{name}}/{{k}}": v for name, d in
                         (("p1", p1), ("g1", g1), ("p2", p2), ("g2", g2)) for k, v in d.items()}})
import numba  # already imported by the first call: measure what that import cost
from functrace.jit import kernel
print(json.dumps({{"first": t_first - t_import, "second": t_second - t_first,
                  "kernels": step.cache_info()["kernels"], "disk": kernel.disk_cache_stats()}}))
"""

NUMBA_IMPORT = "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"


def _probe(cache_dir: str) -> dict:
    """One fresh process: its timings, and the check of the two steps it took."""
    code = PROBE.format(bench_dir=os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, FUNCTRACE_CACHE_DIR=cache_dir)
    path = os.path.join(cache_dir, "steps.npz")
    out = subprocess.run([sys.executable, "-c", code, path], env=env, capture_output=True,
                         text=True, timeout=600, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["check"] = _check_steps(path)
    return result


def _check_steps(path: str):
    """Both steps (recording, then compiled replay) against the hand-written ones."""
    import bench_mlp as B
    X, y, _ = B.load_digits()
    x, labels = np.ascontiguousarray(X[:64]), y[:64]
    with np.load(path) as f:
        saved = {name: {k: f[f"{name}/{k}"] for k in B.init_params()}
                 for name in ("p1", "g1", "p2", "g2")}
    first = compare(B._first_step((saved["p1"], saved["g1"])),
                    B.first_step_check(x, labels))
    second = compare(B._first_step((saved["p2"], saved["g2"]), start=saved["p1"]),
                     B.first_step_check(x, labels, start=saved["p1"]))
    return combine({"first call": first, "second call": second})


def _numba_import() -> float:
    out = subprocess.run([sys.executable, "-c", NUMBA_IMPORT], capture_output=True, text=True,
                         timeout=120, check=True)
    return float(out.stdout.strip())


def run(quick: bool = False) -> list:
    table = Table("functrace.jit: first call of the MLP training step (batch 64) in a fresh "
                  "process", ["kernel cache", "first call", "second call", "kernels",
                              "loaded from disk"], key="jit_compile")
    repeats = 1 if quick else 3
    rows: dict = {"empty": [], "warm": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o700)
            rows["empty"].append(_probe(tmp))
            rows["warm"].append(_probe(tmp))
    for name, runs in rows.items():
        check = "; ".join(sorted({r["check"] for r in runs}))
        if "FAILED" in check:
            table.add_row(name, ["—", "—", "—", "—"], check)
            continue
        best = min(runs, key=lambda r: r["first"])
        table.add_row(name, [fmt_time(best["first"]), fmt_time(best["second"]),
                             best["kernels"], best["disk"]["hits"]], check,
                      {"first call": best["first"], "second call": best["second"]})
    numba_import = min(_numba_import() for _ in range(repeats))
    table.notes.append(f"importing Numba alone takes {fmt_time(numba_import)} in a fresh "
                       "process; the first call includes it (functrace imports Numba only "
                       "when the first kernel is built or loaded)")
    table.notes.append(f"best of {repeats} fresh processes each")
    table.notes.append("check: both steps of each process against bench_mlp's hand-written "
                       "steps in float64 (gradient and update, float32 tolerance)")
    return [table]


if __name__ == "__main__":
    cli(run)
