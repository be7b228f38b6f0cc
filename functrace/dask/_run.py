"""Where a graph runs: the current ``distributed.Client`` if there is one, else Dask's
local threaded scheduler; on a cluster, bounded waits instead of a silent hang."""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Optional

import dask

_POLL_SECONDS = 0.5      # how often a waiting call looks at the cluster; no added latency


def current_client() -> Any:
    """The running default ``distributed.Client``, or None (then: local threads).

    An explicit ``dask.config.set(scheduler=...)`` other than distributed wins.
    Without ``distributed`` imported there can be no client, so it is not imported.
    """
    if dask.config.get("scheduler", None) not in (None, "dask.distributed", "distributed"):
        return None
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        client = distributed.default_client()
    except ValueError:
        return None
    return client if client.status == "running" else None


def compute(root: Any, timeout: Optional[float], no_worker_timeout: float) -> Any:
    """The value of the delayed ``root``, computed on the cluster or locally."""
    client = current_client()
    if client is None:
        return dask.compute(root)[0]
    future = client.compute(root)
    try:
        return _wait(client, future, timeout, no_worker_timeout)
    except BaseException:
        future.cancel()          # a timeout or Ctrl-C also stops the work on the cluster
        raise


def _wait(client: Any, future: Any, timeout: Optional[float], no_worker_timeout: float) -> Any:
    # A threading.Event rather than future.result(timeout=...): distributed's timed
    # sync() can lose a result when its two timeouts race (UnboundLocalError seen here).
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    start = time.monotonic()
    alone_since = None           # when the scheduler was last seen without any worker
    while not done.wait(_POLL_SECONDS):
        now = time.monotonic()
        if timeout is not None and now - start >= timeout:
            raise TimeoutError(
                f"the computation did not finish within timeout={timeout} s on the Dask "
                f"cluster at {client.scheduler.address} ({len(client.nthreads())} workers "
                "connected now); it was cancelled. Give a larger timeout, or check the "
                "cluster's dashboard or worker logs")
        if client.nthreads():
            alone_since = None
            continue
        alone_since = now if alone_since is None else alone_since
        if now - alone_since >= no_worker_timeout:
            raise TimeoutError(
                f"no Dask worker has been connected to the scheduler at "
                f"{client.scheduler.address} for {no_worker_timeout} s (all died or were "
                "stopped), so the computation was cancelled. Start workers with "
                f"`dask worker {client.scheduler.address}` and call again")
    return future.result()
