"""Workload 6: cold start -- wall time of fresh processes.

* import the library and take one small gradient (``sum(tanh(x) * x)``, n = 10);
* functrace only: one large gradient (n = 1e6, the tanh/exp/sin chain) in a
  fresh process whose kernels are already in the on-disk cache (a first
  process warms the cache; that first, compiling, run is reported too).

Each figure is the median of several fresh processes, interpreter start-up
included (``python -c pass`` is shown for reference). Targets (issue 4):
import + small gradient no slower than HIPS autograd; the large gradient with
a warm kernel cache under 1.5 s.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Table, cli, fmt_ratio, fmt_time, missing_note, peers  # noqa: E402

SMALL = {
    "python -c pass (reference)": "pass",
    "functrace": "import numpy as np, functrace, functrace.numpy as fnp\n"
                 "functrace.grad(lambda x: fnp.sum(fnp.tanh(x) * x))(np.linspace(0, 1, 10))",
    "HIPS autograd": "import autograd, autograd.numpy as anp\n"
                     "autograd.grad(lambda x: anp.sum(anp.tanh(x) * x))(anp.linspace(0, 1, 10))",
    "torch eager": "import torch\nx = torch.linspace(0, 1, 10, requires_grad=True)\n"
                   "(torch.tanh(x) * x).sum().backward()",
    "jax eager": "import jax, jax.numpy as jnp\n"
                 "jax.grad(lambda x: jnp.sum(jnp.tanh(x) * x))(jnp.linspace(0, 1, 10))"
                 ".block_until_ready()",
    "jax.jit": "import jax, jax.numpy as jnp\n"
               "jax.jit(jax.grad(lambda x: jnp.sum(jnp.tanh(x) * x)))(jnp.linspace(0, 1, 10))"
               ".block_until_ready()",
}
LARGE = ("import numpy as np, functrace, functrace.numpy as fnp\n"
         "x = np.random.default_rng(0).uniform(-2, 2, {n})\n"
         "functrace.grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.exp(-x ** 2) + fnp.sin(x) * x))(x)")


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
    times = {name: float(np.median([fresh(code) for _ in range(reps)]))
             for name, code in SMALL.items() if name in wanted}
    table = Table("Cold start: fresh process, import + one small gradient (n = 10)",
                  ["library", "wall time", "ratio to functrace"])
    for name, t in times.items():
        table.rows.append([name, fmt_time(t), fmt_ratio(t, times["functrace"])])
    table.notes += missing_note(found, quick)
    table.notes.append("target: functrace no slower than HIPS autograd")
    table.notes.append("functrace's modules are byte-compiled first, as an installed wheel's are")
    return [table, _large_table(quick, reps)]


def _large_table(quick: bool, reps: int) -> Table:
    n = 1_000 if quick else 1_000_000
    code = LARGE.format(n=n)
    table = Table(f"Cold start: fresh process, one large gradient (tanh chain, n = {n:,})",
                  ["case", "wall time"])
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, FUNCTRACE_CACHE_DIR=cache)
        table.rows.append(["kernels compiled in this process (empty cache)",
                           fmt_time(fresh(code, env))])
        warm = float(np.median([fresh(code, env) for _ in range(reps)]))
        table.rows.append(["kernels loaded from the on-disk cache", fmt_time(warm)])
    off = float(np.median([fresh(code, dict(os.environ, FUNCTRACE_NUMBA="0"))
                           for _ in range(reps)]))
    table.rows.append(["FUNCTRACE_NUMBA=0 (no Numba at all)", fmt_time(off)])
    table.notes.append("target: warm on-disk cache under 1.5 s")
    return table


if __name__ == "__main__":
    cli(run)
