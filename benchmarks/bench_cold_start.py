"""Workload 6: cold start -- wall time of fresh processes.

* import the library and take one small gradient (``sum(tanh(x) * x)``, n = 10);
* functrace only: one large gradient (n = 1e6, the tanh/exp/sin chain) in a
  fresh process whose kernels are already in the on-disk cache (a first
  process warms the cache; that first, compiling, run is reported too).

Each figure is the median of several fresh processes, interpreter start-up
included (``python -c pass`` is shown for reference). Before the timed
processes, one more fresh process per row runs the same code and saves its
gradient, which is checked against the closed form in float64 (torch and jax
compute in float32, their default). Targets: ``targets.py`` (issue 4).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (TOLERANCE, Check, Results, Status, Table, cli,  # noqa: E402
                     compare, fmt_ratio, fmt_time, missing_note, peers)

SMALL = {   # each snippet leaves its gradient in ``g``
    "python -c pass (reference)": "pass",
    "functrace": "import numpy as np, functrace, functrace.numpy as fnp\n"
                 "g = functrace.grad(lambda x: fnp.sum(fnp.tanh(x) * x))(np.linspace(0, 1, 10))",
    "HIPS autograd": "import autograd, autograd.numpy as anp\n"
                     "g = autograd.grad(lambda x: anp.sum(anp.tanh(x) * x))"
                     "(anp.linspace(0, 1, 10))",
    "torch eager": "import torch\nx = torch.linspace(0, 1, 10, requires_grad=True)\n"
                   "(torch.tanh(x) * x).sum().backward()\ng = x.grad",
    "jax eager": "import jax, jax.numpy as jnp\n"
                 "g = jax.grad(lambda x: jnp.sum(jnp.tanh(x) * x))(jnp.linspace(0, 1, 10))"
                 ".block_until_ready()",
    "jax.jit": "import jax, jax.numpy as jnp\n"
               "g = jax.jit(jax.grad(lambda x: jnp.sum(jnp.tanh(x) * x)))(jnp.linspace(0, 1, 10))"
               ".block_until_ready()",
}
LARGE = ("import numpy as np, functrace, functrace.numpy as fnp\n"
         "x = np.random.default_rng(0).uniform(-2, 2, {n})\n"
         "g = functrace.grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.exp(-x ** 2)\n"
         "                                     + fnp.sin(x) * x))(x)")
SAVE = ("\nimport numpy, sys\n"
        "numpy.save(sys.argv[1], numpy.asarray(g.detach() if hasattr(g, 'detach') else g))")


def small_gradient(x: np.ndarray) -> np.ndarray:
    """d/dx sum(tanh(x) * x), the closed form."""
    t = np.tanh(x)
    return t + x * (1 - t * t)


def large_gradient(n: int) -> np.ndarray:
    """The gradient of the LARGE snippet, written out by hand."""
    x = np.random.default_rng(0).uniform(-2, 2, n)
    t, e = np.tanh(x), np.exp(-x * x)
    return (1 - t * t) * e - 2 * x * t * e + np.cos(x) * x + np.sin(x)


def check_fresh(code: str, check: Check, env: dict = None) -> Status:
    """Run ``code`` in a fresh process (untimed) and check the gradient it leaves in ``g``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.npy")
        proc = subprocess.run([sys.executable, "-c", code + SAVE, path], env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            return Status(False, why=(proc.stderr.strip().splitlines() or ["failed"])[-1][:100])
        return compare(np.load(path), check)


def fresh(code: str, env: dict = None) -> float:
    """Wall seconds of ``python -c code`` in a fresh process."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def compile_bytecode() -> None:
    """Compile functrace's modules to .pyc, as ``pip install`` does for the peers.

    An editable install under ``PYTHONDONTWRITEBYTECODE=1`` (set on these
    machines) would otherwise recompile every module in every fresh process,
    a cost the peers' installed wheels never pay.
    """
    import compileall
    import functrace
    compileall.compile_dir(os.path.dirname(functrace.__file__), quiet=1)


def run(quick: bool = False) -> list:
    compile_bytecode()
    found = peers(quick)
    reps = 1 if quick else 5
    wanted = {"python -c pass (reference)", "functrace"}
    wanted |= {n for n, key in (("HIPS autograd", "autograd"), ("torch eager", "torch"),
                                ("jax eager", "jax"), ("jax.jit", "jax")) if key in found}
    check = Check(small_gradient(np.linspace(0, 1, 10)), TOLERANCE["float32"],
                  "the closed form tanh(x) + x (1 - tanh(x)^2) in float64")
    table = Table("Cold start: fresh process, import + one small gradient (n = 10)",
                  ["library", "wall time", "ratio to functrace"], key="cold_start/small")
    results = Results()
    for name, code in SMALL.items():
        if name in wanted:
            status = None if code == "pass" else check_fresh(code, check)
            results.record(name, "time", status, float(np.median(
                [fresh(code) for _ in range(reps)])) if status is None or status.ok else None)
    results.add_rows(table, lambda name: [fmt_time(results.get(name, "time")), fmt_ratio(
        results.get(name, "time"), results.get("functrace", "time"))])
    table.notes += missing_note(found, quick) + [check.note("in one more fresh process, "
                                                             "before the timed ones")]
    table.notes.append("functrace's modules are byte-compiled first, as an installed wheel's are")
    return [table, _large_table(quick, reps)]


def _large_table(quick: bool, reps: int) -> Table:
    n = 1_000 if quick else 1_000_000
    code = LARGE.format(n=n)
    check = Check(large_gradient(n), TOLERANCE["float64"], "the hand-written gradient in float64")
    table = Table(f"Cold start: fresh process, one large gradient (tanh chain, n = {n:,})",
                  ["case", "wall time"], key="cold_start/large")
    off = dict(os.environ, FUNCTRACE_NUMBA="0")
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as checking:
        env = dict(os.environ, FUNCTRACE_CACHE_DIR=cache)
        trial = dict(os.environ, FUNCTRACE_CACHE_DIR=checking)   # cold, then warm
        cases = [("kernels compiled in this process (empty cache)", env, 1),
                 ("kernels loaded from the on-disk cache", env, reps),
                 ("FUNCTRACE_NUMBA=0 (no Numba at all)", off, reps)]
        for name, case_env, count in cases:
            status = check_fresh(code, check, off if case_env is off else trial)
            t = float(np.median([fresh(code, case_env) for _ in range(count)])) \
                if status.ok else None
            table.add_row(name, [fmt_time(t)], str(status), {"time": t} if status.ok else {})
    table.notes.append(check.note("in fresh processes of their own, with their own kernel "
                                  "cache, before the timed ones"))
    return table


if __name__ == "__main__":
    cli(run)
