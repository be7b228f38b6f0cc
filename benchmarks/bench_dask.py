"""Workload: data-parallel gradients on a Dask cluster (``functrace.dask``, issue 14).

1. The gradient of a mean logistic loss (d = 32 features, float64) over n rows held in
   memory: single-process ``ft.value_and_grad`` against ``ftd.value_and_grad`` on a
   ``LocalCluster`` of 1 and of 2 worker processes (one thread each), the rows
   held by the workers in 4 blocks per worker.
2. The per-call overhead of the Dask path on small data (1,000 rows), by block count:
   the fixed cost ``c`` of a call and what each block adds.
3. Break-even by the model ``t(p) = c(p) + work / p`` against ``work`` in one process,
   with ``c(p)`` the measured overhead for ``p`` blocks (one per worker): the cluster
   pays off once ``work > c(p) * p / (p - 1)``.

Every configuration's value and gradient (single process, and Dask) is checked
against the closed-form logistic gradient in float64 before it is timed; a failing one
is shown FAILED, untimed. Skipped, with a note, when dask/distributed are absent.
"""
from __future__ import annotations

import logging
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (NO_RESULT, TOLERANCE, Check, Results, Table, cli,  # noqa: E402
                     combine, fmt_time, median_time, verify)

import functrace as ft  # noqa: E402
import functrace.numpy as fnp  # noqa: E402

FEATURES = 32


def loss(params: dict, x, y):
    """Mean logistic loss (labels +-1) of a linear model."""
    return fnp.mean(fnp.logaddexp(0.0, -y * (x @ params["w"] + params["b"])))


def make_data(rows: int, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, FEATURES))
    y = np.where(x[:, 0] + rng.standard_normal(rows) > 0, 1.0, -1.0)
    params = {"w": rng.standard_normal(FEATURES) / 8, "b": np.asarray(0.1)}
    return params, x, y


def reference(params: dict, x: np.ndarray, y: np.ndarray) -> Check:
    """(value, gradient) of ``loss`` by its closed form, in float64."""
    margin = -y * (x @ params["w"] + params["b"])
    weight = -y / (1.0 + np.exp(-margin)) / len(y)         # d loss / d (x @ w + b)
    value = np.mean(np.logaddexp(0.0, margin))
    return Check([value, {"b": np.sum(weight), "w": x.T @ weight}], TOLERANCE["float64"],
                 REFERENCE)


REFERENCE = "the closed-form value and gradient in float64"


def _timed(fn, quick: bool) -> float:
    """Median seconds per call; Dask calls vary more than in-process ones, so take more."""
    return median_time(fn) if quick else median_time(fn, min_time=1.0, min_reps=9)


def _verified(params: dict, x: np.ndarray, y: np.ndarray, dx, dy) -> tuple:
    """(check status, the Dask call) for ``ftd.value_and_grad`` on the blocks."""
    import functrace.dask as ftd
    call = ftd.value_and_grad(loss, reduce="mean", timeout=600)
    run = lambda: call(params, dx, dy)  # noqa: E731
    return verify(run, reference(params, x, y)), run


def _on_blocks(client, x: np.ndarray, y: np.ndarray, blocks: int) -> tuple:
    """The rows as dask arrays held by the workers in ``blocks`` row blocks, spread evenly
    (block i on worker i mod p, its x and y together), sent straight to the workers."""
    import dask.array as da
    from distributed import wait
    workers = sorted(client.nthreads())
    rows = -(-len(x) // blocks)
    xs, ys = [], []
    for i, start in enumerate(range(0, len(x), rows)):
        xb, yb = x[start:start + rows], y[start:start + rows]
        fx, fy = client.scatter([xb, yb], workers=[workers[i % len(workers)]])
        xs.append(da.from_delayed(fx, shape=xb.shape, dtype=xb.dtype))
        ys.append(da.from_delayed(fy, shape=yb.shape, dtype=yb.dtype))
    dx, dy = client.persist([da.concatenate(xs), da.concatenate(ys)])   # one key per block
    wait([dx, dy])
    return dx, dy


def _cluster():
    """A LocalCluster of one worker process (scaled to two later), all on loopback."""
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.ERROR)
    return cluster, Client(cluster)


def _gradient_times(client, data: dict, workers: int, quick: bool, results: Results) -> None:
    for n, (params, x, y) in data.items():
        dx, dy = _on_blocks(client, x, y, 4 * workers)
        status, run = _verified(params, x, y, dx, dy)
        results.record(f"Dask, {workers} worker{'s' if workers > 1 else ''}", n, status,
                       _timed(run, quick) if status.ok else None)
        del dx, dy, run             # frees the blocks on the workers


def _overheads(client, block_counts: list, small: tuple, single: float, quick: bool,
               results: Results) -> None:
    """Seconds a Dask call adds to single-process functrace on ``small``, per block count."""
    for blocks in block_counts:
        dx, dy = _on_blocks(client, small[1], small[2], blocks)
        status, run = _verified(*small, dx, dy)
        results.record("cluster", blocks, status, _timed(run, quick) - single
                       if status.ok else None)


def _threaded_overheads(block_counts: list, small: tuple, single: float,
                        results: Results) -> None:
    import dask
    import dask.array as da
    with dask.config.set(scheduler="threads"):
        for blocks in block_counts:
            rows = -(-len(small[1]) // blocks)
            dx = da.from_array(small[1], chunks=(rows, FEATURES))
            dy = da.from_array(small[2], chunks=rows)
            status, run = _verified(*small, dx, dy)
            results.record("threads", blocks, status, median_time(run) - single
                           if status.ok else None)


def _measure(sizes: list, block_counts: list, quick: bool) -> tuple:
    """(gradient results by configuration and size, overhead results by scheduler and
    block count, single-process seconds on 1,000 rows)."""
    data = {n: make_data(n) for n in sizes}
    small = make_data(1000)
    gradients, overheads = Results(), Results()
    for n, d in data.items():
        gradients.verify_and_time({"single process": lambda d=d: ft.value_and_grad(loss)(*d)},
                                  reference(*d), n, median_time)
    single_small = median_time(lambda: ft.value_and_grad(loss)(*small))
    _threaded_overheads(block_counts, small, single_small, overheads)
    cluster, client = _cluster()
    try:
        _gradient_times(client, data, 1, quick, gradients)
        cluster.scale(2)
        client.wait_for_workers(2, timeout=300)
        _gradient_times(client, data, 2, quick, gradients)
        _overheads(client, block_counts, small, single_small, quick, overheads)
    finally:
        client.close()
        cluster.close()
    return gradients, overheads, single_small


def _tables(sizes: list, block_counts: list, measured: tuple, quick: bool) -> list:
    gradients, overheads, single_small = measured
    table = Table(f"bench_dask: gradient of a mean logistic loss, {FEATURES} features, "
                  "float64", ["rows", "single process", "Dask, 1 worker", "Dask, 2 workers",
                              "speed-up (2 workers)"], key="dask/gradients")
    configs = list(gradients.status)
    for n in sizes:
        t = [gradients.get(c, n) for c in configs]
        speed_up = "—" if None in (t[0], t[-1]) else f"{t[0] / t[-1]:.2f}×"
        table.add_row(f"{n:,}", [fmt_time(v) for v in t] + [speed_up],
                      combine({c: gradients.status[c][n] for c in configs}),
                      dict(zip(configs, t, strict=True)))
    table.notes.append("workers: separate processes on loopback, 1 thread and 1 BLAS "
                       "thread each, rows held by them in 4 blocks per worker; single "
                       "process: this process with numpy's default BLAS threads")
    table.notes.append(Check(None, TOLERANCE["float64"], REFERENCE).note())
    if quick:
        table.notes.append("quick mode: tiny sizes")
    overhead = Table("bench_dask: per-call overhead on 1,000 rows (the Dask time minus "
                     f"single-process functrace's {fmt_time(single_small)})",
                     ["blocks", "local threaded scheduler", "LocalCluster, 2 workers"],
                     key="dask/overhead")
    for blocks in block_counts:
        t = [overheads.get(s, blocks) for s in ("threads", "cluster")]
        overhead.add_row(blocks, [fmt_time(v) for v in t], combine(
            {s: overheads.status[s][blocks] for s in ("threads", "cluster")}),
            dict(zip(("threads", "cluster"), t, strict=True)))
    overhead.notes.append(Check(None, TOLERANCE["float64"], REFERENCE).note())
    cluster = overheads.times.get("cluster", {})
    seconds_per_row = gradients.get("single process", sizes[-1])
    if len(cluster) < 2 or seconds_per_row is None:
        return [table, overhead]
    return [table, overhead, _break_even_table(cluster, seconds_per_row / sizes[-1])]


def _break_even_table(overhead: dict, seconds_per_row: float) -> Table:
    """Table 3: ``c(p) * p / (p - 1)`` of work, with c(p) = c0 + c1 * p through the overheads
    of the fewest and the most blocks in table 2."""
    few, many = min(overhead), max(overhead)
    c1 = max(overhead[many] - overhead[few], 0.0) / (many - few)
    c0 = overhead[few] - c1 * few
    table = Table("bench_dask: break-even by the model t(p) = c(p) + work / p",
                  ["worker processes p", "overhead c(p)", "break-even work",
                   "break-even rows (32 features)"])
    for p in (2, 8, 32, 128):
        c = c0 + c1 * p
        work = c * p / (p - 1)
        table.add_row(p, [fmt_time(c), fmt_time(work), f"{work / seconds_per_row:,.0f}"],
                      NO_RESULT)
    table.notes.append(f"c(p) = {fmt_time(c0)} + {fmt_time(c1)} per block, one block per worker "
                       f"(through the overhead table's first and last rows); work per row "
                       f"{seconds_per_row * 1e9:.0f} ns in one process (largest size above)")
    table.notes.append("the model ignores the scheduler's own limits (about 1 ms of scheduling "
                       "per task on one scheduler) and the network; on a real cluster data "
                       "should be read on the workers, as here, never shipped from the client")
    return table


def run(quick: bool) -> list:
    try:
        import distributed  # noqa: F401

        import functrace.dask  # noqa: F401
    except ImportError:
        table = Table("bench_dask: skipped", ["reason"])
        table.add_row("dask / distributed not installed (pip install 'functrace[dask]')", [],
                      NO_RESULT)
        return [table]
    sizes = [2_000] if quick else [10_000, 100_000, 1_000_000, 4_000_000]
    block_counts = [1, 4] if quick else [1, 2, 4, 16, 64]
    return _tables(sizes, block_counts, _measure(sizes, block_counts, quick), quick)


if __name__ == "__main__":
    cli(run)
