"""Logistic regression on 10 million rows that never exist in this process: the rows are
generated lazily on Dask workers, and L-BFGS (scipy) is driven by gradients that
``functrace.dask`` computes block by block on the workers.

Each gradient call regenerates the data on the workers from a seed (as a pipeline reading
files would re-read them), so neither the client nor any worker ever holds the dataset.
Prints progress (tqdm, when installed), the final loss and accuracy, and the client's
peak memory next to the dataset's size.

Run: python examples/dask_logistic_regression.py [--rows N] [--features D]
     [--chunk-rows R] [--workers W] [--scheduler tcp://HOST:8786]
"""
from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from typing import Any

import numpy as np

import functrace.dask as ftd
import functrace.numpy as fnp


def synthetic(rows: int, features: int, chunk_rows: int, seed: int = 0) -> tuple:
    """Lazy (x, y, true weights): Gaussian features, labels +-1 from a noisy linear rule."""
    import dask.array as da
    w_true = np.random.default_rng(seed).normal(size=features) / np.sqrt(features)
    rng = da.random.default_rng(seed + 1)
    x = rng.normal(size=(rows, features), chunks=(chunk_rows, features))
    noise = rng.logistic(size=rows, chunks=chunk_rows)     # the model is exactly right
    y = da.where(x @ (4.0 * w_true) + 0.5 + noise > 0, 1.0, -1.0)
    return x, y, w_true


def loss(params: dict, x: Any, y: Any) -> Any:
    """Mean logistic loss over the examples (so ``reduce="mean"``)."""
    margin = y * (x @ params["w"] + params["b"])
    return fnp.mean(fnp.logaddexp(0.0, -margin))


def progress_reporter(maxiter: int, quiet: bool) -> tuple:
    """(callback for ftd.minimize, close function): a tqdm bar, else one line per step."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if quiet or tqdm is None:
        def report(params: dict, value: float) -> None:
            if not quiet:
                print(f"  iteration: loss {value:.6f}", flush=True)
        return report, lambda: None
    bar = tqdm(total=maxiter, desc="L-BFGS", unit="it", ncols=80)

    def update(params: dict, value: float) -> None:
        bar.set_postfix(loss=f"{value:.6f}")
        bar.update(1)
    return update, bar.close


def fit(rows: int, features: int, chunk_rows: int, maxiter: int, quiet: bool = False) -> dict:
    x, y, w_true = synthetic(rows, features, chunk_rows)
    params = {"w": np.zeros(features), "b": np.asarray(0.0)}
    callback, close = progress_reporter(maxiter, quiet)
    start = time.perf_counter()
    try:
        params, result = ftd.minimize(loss, params, x, y, callback=callback,
                                      options={"maxiter": maxiter})
    finally:
        close()
    seconds = time.perf_counter() - start
    from dask.base import compute
    fitted, best = compute(accuracy(params, x, y),
                                accuracy({"w": 4.0 * w_true, "b": 0.5}, x, y))
    return {"params": params, "w_true": 4.0 * w_true, "loss": float(result.fun),
            "iterations": int(result.nit), "evaluations": int(result.nfev),
            "accuracy": float(fitted), "true_accuracy": float(best), "seconds": seconds,
            "x": x, "y": y}


def accuracy(params: dict, x: Any, y: Any) -> Any:
    """The fraction of rows classified right (lazy: computed on the workers)."""
    return ((x @ params["w"] + params["b"] > 0) == (y > 0)).mean()


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _worker_peak_mb() -> float:
    import resource as res
    return res.getrusage(res.RUSAGE_SELF).ru_maxrss / 2**10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--maxiter", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--scheduler", help="address of an existing cluster (tcp://HOST:8786)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster
    cluster = None if args.scheduler else LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(args.scheduler or cluster)
    try:
        print(f"cluster: {len(client.nthreads())} workers at {client.scheduler_info()['address']}")
        out = fit(args.rows, args.features, args.chunk_rows, args.maxiter, args.quiet)
        data_mb = (out["x"].nbytes + out["y"].nbytes) / 2**20
        error = np.abs(out["params"]["w"] - out["w_true"]).max()
        print(f"fitted {args.rows:,} rows x {args.features} features in {out['seconds']:.1f} s "
              f"({out['iterations']} L-BFGS iterations, {out['evaluations']} gradients)")
        print(f"final loss {out['loss']:.6f}, accuracy {100 * out['accuracy']:.2f}% (the "
              f"true model's: {100 * out['true_accuracy']:.2f}%), largest weight error "
              f"{error:.3f}")
        workers_mb = max(client.run(_worker_peak_mb).values())
        print(f"dataset {data_mb:,.0f} MB (never materialized); client peak RSS "
              f"{peak_rss_mb():,.0f} MB; largest worker peak RSS {workers_mb:,.0f} MB")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
