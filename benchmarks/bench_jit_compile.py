"""functrace.jit compile time: the first call of a jitted MLP training step (the
digits MLP of bench_mlp) in a fresh process, with an empty kernel cache and with a
warm one (a second process on the same cache directory, loading the kernels from
disk).

The first call runs the step eagerly while recording it, simplifies the program
and builds its fused kernels. At batch 64 the kernels' size policy fuses nothing
(every elementwise run is below ``min_work``), so that first call compiles
nothing: the honest cold cost is batch 1024's, whose backward pass gets a fused
kernel -- importing Numba, compiling the kernel and writing it to the cache when
the cache is empty; importing Numba and loading the kernel when it is warm. Each
process saves the parameters and gradients of its two steps, which are checked
against the hand-written steps in float64 (as in bench_mlp); a process whose
steps are wrong shows FAILED, untimed. Targets: ``targets.py`` (issue 11).
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
n = int(sys.argv[2])
X, y, _ = B.load_digits()
x = np.ascontiguousarray(X[:n]); onehot = np.eye(10, dtype=np.float32)[y[:n]]
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
from functrace.jit import kernel
print(json.dumps({{"first": t_first - t_import, "second": t_second - t_first,
                  "numba_loaded": "numba" in sys.modules,
                  "kernels": step.cache_info()["kernels"], "disk": kernel.disk_cache_stats()}}))
"""

NUMBA_IMPORT = "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"


BATCHES = (64, 1024)


def _probe(cache_dir: str, batch: int) -> dict:
    """One fresh process: its timings, and the check of the two steps it took."""
    code = PROBE.format(bench_dir=os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, FUNCTRACE_CACHE_DIR=cache_dir)
    path = os.path.join(cache_dir, "steps.npz")
    out = subprocess.run([sys.executable, "-c", code, path, str(batch)], env=env,
                         capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["check"] = _check_steps(path, batch)
    return result


def _check_steps(path: str, batch: int):
    """Both steps (recording, then compiled replay) against the hand-written ones."""
    import bench_mlp as B
    X, y, _ = B.load_digits()
    x, labels = np.ascontiguousarray(X[:batch]), y[:batch]
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
    batches = BATCHES[:1] if quick else BATCHES
    table = Table("functrace.jit: first call of the MLP training step in a fresh process",
                  ["kernel cache"] + [f"first call, batch {n}" for n in batches]
                  + [f"second call, batch {batches[-1]}",
                     f"kernels built / loaded (batch {batches[-1]})"],
                  key="jit_compile")
    repeats = 1 if quick else 3
    rows: dict = {"empty": {n: [] for n in batches}, "warm": {n: [] for n in batches}}
    for _ in range(repeats):
        for n in batches:                # a new, empty cache directory per batch size
            with tempfile.TemporaryDirectory() as tmp:
                os.chmod(tmp, 0o700)
                rows["empty"][n].append(_probe(tmp, n))
                rows["warm"][n].append(_probe(tmp, n))
    for name, by_batch in rows.items():
        runs = [r for n in batches for r in by_batch[n]]
        check = "; ".join(sorted({r["check"] for r in runs}))
        if "FAILED" in check:
            table.add_row(name, ["—"] * (len(table.columns) - 2), check)
            continue
        best = {n: min(by_batch[n], key=lambda r: r["first"]) for n in batches}
        last = best[batches[-1]]
        disk = last["disk"]
        table.add_row(name, [fmt_time(best[n]["first"]) for n in batches]
                      + [fmt_time(last["second"]),
                         f"{last['kernels']} kernel(s): {disk['misses']} compiled, "
                         f"{disk['hits']} loaded"], check,
                      {f"first call, batch {n}": best[n]["first"] for n in batches})
    numba_import = min(_numba_import() for _ in range(repeats))
    table.notes.append(f"importing Numba alone takes {fmt_time(numba_import)} in a fresh "
                       "process; a first call that builds or loads a kernel includes it "
                       "(functrace imports Numba only then)")
    table.notes.append("batch 64: the size policy fuses nothing (no kernel, no Numba), so "
                       "its first call is the recording and simplification alone")
    table.notes.append(f"best of {repeats} fresh processes each; each batch size starts "
                       "from its own empty cache directory")
    table.notes.append("check: both steps of each process against bench_mlp's hand-written "
                       "steps in float64 (gradient and update, float32 tolerance)")
    return [table]


if __name__ == "__main__":
    cli(run)
