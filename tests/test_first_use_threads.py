"""Lazy first-use setup is thread-safe: many threads reaching it at once in a
fresh process (the kernels' import, install and compile; the Tensor facade's
import) all get correct results, and so does everything after."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import functrace.kernels as K

PROCESSES = 5
THREADS = 8

KERNEL_RACE = r"""
import json, sys, threading
import numpy as np
sys.setswitchinterval(1e-6)          # switch threads as often as possible
import functrace as ft, functrace.numpy as fnp    # (not functrace.kernels: part of the race)
x = np.linspace(-1, 1, 100_000)
t = np.tanh(x)
expected = (1 - t * t) * np.exp(x) + t * np.exp(x)
grad = ft.grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.exp(x)))
start, results = threading.Barrier(THREADS), []

def run():
    start.wait()
    try:
        results.append(bool(np.allclose(grad(x), expected, rtol=1e-12, atol=0)))
    except Exception as exc:
        results.append(repr(exc))

threads = [threading.Thread(target=run) for _ in range(THREADS)]
[th.start() for th in threads]
[th.join() for th in threads]
later = bool(np.allclose(grad(x), expected, rtol=1e-12, atol=0))
import functrace.kernels as K
print(json.dumps({"results": results, "later": later, "calls": K.kernel_calls(),
                  "compiled": K.compiled_count(), "disk": K.disk_cache_stats()}))
""".replace("THREADS", str(THREADS))

FACADE_RACE = r"""
import json, sys, threading
sys.setswitchinterval(1e-6)
import functrace as ft
start, results = threading.Barrier(THREADS), []

def run():
    start.wait()
    try:
        a = ft.tensor([1.0, 2.0], requires_grad=True)
        (a * a).sum().backward()
        results.append(a.grad.tolist() == [2.0, 4.0])
    except Exception as exc:
        results.append(repr(exc))

threads = [threading.Thread(target=run) for _ in range(THREADS)]
[th.start() for th in threads]
[th.join() for th in threads]
print(json.dumps({"results": results, "later": float(ft.ones(3).sum()) == 3.0}))
""".replace("THREADS", str(THREADS))


def run_fresh_processes(code: str, **env: str) -> list:
    """Run ``code`` in PROCESSES fresh processes at once; their JSON outputs."""
    full = dict(os.environ, **env)
    procs = [subprocess.Popen([sys.executable, "-c", code], env=full, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(PROCESSES)]
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    return outs


@pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")
def test_threads_reaching_the_first_large_backward_at_once(tmp_path):
    for out in run_fresh_processes(KERNEL_RACE, FUNCTRACE_CACHE_DIR=str(tmp_path)):
        assert out["results"] == [True] * THREADS and out["later"], out
        assert out["calls"] == THREADS + 1
        # one kernel, built once: compiled or loaded from disk by one thread only
        assert out["compiled"] == 1 and sum(out["disk"].values()) == 1, out


def test_threads_touching_the_facade_first_at_once():
    for out in run_fresh_processes(FACADE_RACE):
        assert out["results"] == [True] * THREADS and out["later"], out
