"""functrace.dask on a real ``distributed.LocalCluster``: two worker processes on loopback,
started once (the ``dask_cluster`` fixture). Gradients equal single-process functrace; workers killed by
pid mid-call lose no step; no worker at all is a clear error, not a hang."""
from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import dask  # noqa: E402

import functrace as ft  # noqa: E402
import functrace.dask as ftd  # noqa: E402
import functrace.numpy as fnp  # noqa: E402

PATIENCE = 180.0     # seconds: a bound on every wait, generous for a loaded 2-core machine


@pytest.fixture(scope="module")
def client(dask_cluster):
    """A client of the session's LocalCluster (tests/conftest.py) for this module."""
    client = distributed.Client(dask_cluster)
    try:
        client.wait_for_workers(2, timeout=PATIENCE)
        yield client
    finally:
        client.close()


def logistic(params, x, y):
    return fnp.sum(fnp.log1p(fnp.exp(-y * (x @ params["w"] + params["b"]))))


def logistic_mean(params, x, y):
    return logistic(params, x, y) / x.shape[0]


def gated_logistic(params, x, y, log_path, gate_path):
    """The logistic loss, noting each block it runs in ``log_path``; from the fifth block
    run on, it waits for ``gate_path`` to exist, so a test can act while a call is
    certainly unfinished (no timing assumption)."""
    with open(log_path, "a") as log:
        log.write(f"{x.shape[0]}\n")
    with open(log_path) as log:
        runs = len(log.read().split())
    deadline = time.monotonic() + PATIENCE
    while runs > 4 and not os.path.exists(gate_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return logistic(params, x, y)


def generated(n=4_000, d=5, blocks=16, seed=3):
    """Data generated lazily on the workers, and its materialization for the reference."""
    x = da.random.default_rng(seed).normal(size=(n, d), chunks=(n // blocks, d))
    y = da.where(x[:, 0] - 0.5 * x[:, 1] > 0.1, 1.0, -1.0)
    params = {"w": np.linspace(-1.0, 1.0, d), "b": np.asarray(0.25)}
    return params, x, y


def assert_same(got, want):
    """Equal within 1e-12 relative (float64), leaf by leaf."""
    value, grads = got
    np.testing.assert_allclose(value, want[0], rtol=1e-12, atol=0)
    for g, w in zip(ft.tree_leaves(grads), ft.tree_leaves(want[1])):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=0)


def reference(loss, params, x, y, *rest):
    x_np, y_np = dask.compute(x, y, scheduler="threads")
    return ft.value_and_grad(loss)(params, x_np, y_np, *rest)


@pytest.mark.parametrize("reduce, loss", [("sum", logistic), ("mean", logistic_mean)])
def test_gradients_equal_single_process(client, reduce, loss):
    params, x, y = generated()
    got = ftd.value_and_grad(loss, reduce=reduce, timeout=PATIENCE)(params, x, y)
    assert_same(got, reference(loss, params, x, y))


def test_in_memory_data_and_per_example_gradients(client):
    rng = np.random.default_rng(5)
    x_np, y_np = rng.normal(size=(301, 3)), rng.choice([-1.0, 1.0], size=301)
    params = {"w": rng.normal(size=3), "b": np.asarray(-0.1)}
    x, y = client.persist([da.from_array(x_np, chunks=(60, 3)), da.from_array(y_np, chunks=60)])
    got = ftd.value_and_grad(logistic_mean, reduce="mean")(params, x, y)
    assert_same(got, ft.value_and_grad(logistic_mean)(params, x_np, y_np))
    per = ftd.map_blocks_vmap(ft.grad(logistic), params, x[:, None, :], y[:, None])
    want = ft.vmap(ft.grad(logistic), in_axes=(None, 0, 0))(params, x_np[:, None, :],
                                                            y_np[:, None])
    for g, w in zip(ft.tree_leaves(client.compute(per).result()), ft.tree_leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=0)


def failing_loss(params, x, y):
    if x.shape[0] == 7:
        raise FloatingPointError("this block is cursed")
    return logistic(params, x, y)


def test_a_failing_block_reports_its_index_worker_and_traceback(client):
    params, x, y = generated(n=107, blocks=1)
    x, y = x.rechunk(((50, 7, 50), 5)), y.rechunk(((50, 7, 50),))
    with pytest.raises(ftd.BlockError) as info:
        ftd.grad(failing_loss, timeout=PATIENCE)(params, x, y)
    err = info.value
    assert (err.block, err.rows) == (1, "50:57")
    assert err.where in {f"worker {address}" for address in client.nthreads()}
    assert "FloatingPointError: this block is cursed" in str(err)
    assert "in failing_loss" in err.worker_traceback


def stuck_loss(params, x, y):
    time.sleep(2.0)
    return logistic(params, x, y)


def test_timeout_bounds_a_call(client):
    params, x, y = generated(n=40, blocks=2)
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"did not finish within timeout=0.5 s"):
        ftd.grad(stuck_loss, timeout=0.5)(params, x, y)
    assert time.monotonic() - start < PATIENCE


# -- faults ------------------------------------------------------------------------------

def _block_results_per_worker(dask_scheduler) -> dict:
    """Runs on the scheduler: how many finished block results each worker holds."""
    counts: dict = {}
    for key, task in dask_scheduler.tasks.items():
        if str(key).startswith("functrace-block-") and task.state == "memory":
            for worker in task.who_has:
                counts[worker.address] = counts.get(worker.address, 0) + 1
    return counts


def _kill_mid_call(client, tmp_path, pick_victims):
    """Start a gradient call, kill workers once one holds two block results (so their loss
    is certain) while the other blocks wait at the gate; return (the call's result, the
    reference, how many block runs there were)."""
    params, x, y = generated()
    log, gate = tmp_path / "blocks.log", tmp_path / "gate"
    call = ftd.value_and_grad(gated_logistic, split_every=64, timeout=PATIENCE)
    pids = client.run(os.getpid)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(call, params, x, y, str(log), str(gate))
        try:
            deadline = time.monotonic() + PATIENCE
            while True:
                held = client.run_on_scheduler(_block_results_per_worker)
                if held and max(held.values()) >= 2:
                    break
                assert time.monotonic() < deadline and not running.done(), "no block finished"
                time.sleep(0.05)
            for address in pick_victims(held):
                os.kill(pids[address], signal.SIGKILL)
        finally:
            gate.touch()
        got = running.result(timeout=PATIENCE)
    client.wait_for_workers(2, timeout=PATIENCE)      # the nannies restart the workers
    runs = len(log.read_text().split())
    return got, reference(logistic, params, x, y), runs


def test_a_worker_killed_mid_call_loses_no_step(client, tmp_path):
    got, want, runs = _kill_mid_call(client, tmp_path,
                                     lambda held: [max(held, key=held.get)])
    assert_same(got, want)
    assert runs > 16        # the killed worker's blocks were computed again


def test_all_workers_killed_mid_call_lose_no_step(client, tmp_path):
    """The parameters are a key of the graph, not scattered data: the scheduler rebuilds
    them on the restarted workers."""
    got, want, runs = _kill_mid_call(client, tmp_path, lambda held: list(client.nthreads()))
    assert_same(got, want)
    assert runs > 16


def test_no_worker_at_all_is_a_clear_error_not_a_hang(client):
    cluster = client.cluster
    cluster.scale(0)
    deadline = time.monotonic() + PATIENCE
    while client.nthreads():
        assert time.monotonic() < deadline, "workers did not stop"
        time.sleep(0.1)
    params, x, y = generated(n=40, blocks=2)
    start = time.monotonic()
    try:
        with pytest.raises(TimeoutError, match=r"no Dask worker has been connected .* for "
                                               r"1.0 s.*dask worker tcp://127.0.0.1"):
            ftd.grad(logistic, no_worker_timeout=1.0, timeout=PATIENCE)(params, x, y)
        assert time.monotonic() - start < PATIENCE
    finally:
        cluster.scale(2)
        client.wait_for_workers(2, timeout=PATIENCE)
