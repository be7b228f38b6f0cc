"""``functrace.dask``: data-parallel gradients over dask arrays, on a Dask cluster.

Install with ``pip install 'functrace[dask]'`` (``dask[array]`` and ``distributed``).
``import functrace`` never imports this module or Dask.

A loss that is a sum (or a mean) over examples splits by rows: each block of data gives
its own gradient, and the blocks' gradients add up. :func:`value_and_grad` runs
``functrace.value_and_grad(loss)`` on every row block of the data on the workers (numpy
and the Numba kernels there), adds the results by a tree reduction on the cluster and
returns numpy values; the parameters go to the cluster once per call.

>>> import numpy as np, dask.array as da, functrace as ft, functrace.numpy as fnp
>>> import functrace.dask as ftd
>>> def loss(w, x, y):                      # a mean over examples: reduce="mean"
...     return fnp.mean(fnp.log1p(fnp.exp(-y * (x @ w))))
>>> rng = np.random.default_rng(0)
>>> x_np, y_np = rng.normal(size=(1000, 3)), rng.choice([-1.0, 1.0], size=1000)
>>> x, y = da.from_array(x_np, chunks=250), da.from_array(y_np, chunks=250)
>>> value, g = ftd.value_and_grad(loss, reduce="mean")(np.zeros(3), x, y)
>>> bool(np.allclose(g, ft.grad(loss)(np.zeros(3), x_np, y_np), rtol=1e-12))
True

Where it runs: on the current ``distributed.Client`` if one is running, otherwise on
Dask's local threaded scheduler (no cluster needed). The same code scales out by
starting a client first, on one machine or many::

    from dask.distributed import Client, LocalCluster
    client = Client(LocalCluster(n_workers=4, threads_per_worker=1))   # this machine

    # or an existing cluster, started from shells on the machines:
    #   dask scheduler                                   (prints tcp://HOST:8786)
    #   dask worker tcp://HOST:8786 --nworkers 8 --nthreads 1     (on each machine)
    client = Client("tcp://HOST:8786")

The workers need functrace (and whatever the loss imports) installed; the loss itself
is pickled by value if it is not importable there. One thread per worker process is
usually best: a block's numpy work holds the GIL in between BLAS calls.

Training: functional SGD is a two-line loop,
``value, g = vg(params, x, y)`` then ``params = ft.tree_map(lambda p, d: p - lr * d,
params, g)`` with ``vg = ftd.value_and_grad(loss, reduce="mean")``;
:func:`optimizer_step` drives a ``functrace.optim`` optimizer; :func:`minimize` runs
``scipy.optimize.minimize(fun, x0, jac=True)`` (L-BFGS by default) over a pytree of
parameters. With data generated or read lazily on the workers the dataset can be far
larger than the client's memory: only parameters and gradients ever reach the client
(``examples/dask_logistic_regression.py`` fits 10 million rows that way).
:func:`map_blocks_vmap` maps ``ft.vmap`` of a per-example function over the row
blocks (per-example gradients, Jacobian rows) and returns lazy dask arrays.

Faults: a worker that dies mid-call loses its blocks; the scheduler recomputes them
elsewhere (or on the worker its nanny restarts) and the gradient is the same. The
parameters are one key of the task graph, so the scheduler can rebuild them even
if every worker dies. If no worker is connected for ``no_worker_timeout`` seconds
(60 by default) the call is cancelled with a ``TimeoutError``; ``timeout=`` bounds a
whole call. A block that raises, or gives a NaN loss or gradient, raises
:class:`BlockError` with the block's index, its rows and the worker's traceback.

Cost: a call costs a fixed overhead ``c`` (graph building, scheduling, round trips;
10-40 ms on a busy 2-core machine, growing by a few ms per block) plus ``work / p`` on
``p`` worker processes, against ``work`` in one process; the cluster wins once
``work > c * p / (p - 1)``: twice the overhead on 2 cores, barely more than the
overhead on many (``benchmarks/bench_dask.py`` measures ``c`` and prints the table).
"""
try:
    import dask  # noqa: F401
    import dask.array  # noqa: F401
except ImportError as exc:      # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "functrace.dask needs Dask: install the extra with pip install 'functrace[dask]' "
        "(dask[array] and distributed)") from exc

from ._api import grad, map_blocks_vmap, value_and_grad
from ._blocks import BlockError
from ._train import minimize, optimizer_step

__all__ = ["value_and_grad", "grad", "map_blocks_vmap", "minimize", "optimizer_step",
           "BlockError"]
