"""``value_and_grad``, ``grad`` and ``map_blocks_vmap`` over dask arrays split by rows."""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Sequence, Union

import dask.array as da
import numpy as np

from .. import tree_flatten, tree_map, tree_unflatten, vmap
from ._blocks import Spec, block_value_and_grad, block_vmap, combine
from ._plan import Call, arg_label, block_tasks, check_chunks, split_call, tree_reduce
from ._run import compute

ArgNums = Union[int, Sequence[int]]


def _check_options(reduce: str, split_every: int) -> None:
    if reduce not in ("sum", "mean"):
        raise ValueError(f"reduce must be 'sum' or 'mean', not {reduce!r}")
    if not isinstance(split_every, int) or split_every < 2:
        raise ValueError(f"split_every must be an int >= 2, not {split_every!r}")


def _check_params(fn: Callable, argnums: ArgNums, call: Call) -> None:
    """argnums must name fixed (non-dask) arguments whose leaves are floats."""
    single = isinstance(argnums, (int, np.integer))
    nums = [int(argnums)] if single else [int(a) for a in argnums]
    nargs = len(call.fixed)
    for num in nums:
        if not -nargs <= num < nargs:
            raise ValueError(f"argnums={argnums!r} is out of range for a function called "
                             f"with {nargs} positional argument(s)")
        position = num % nargs
        label = arg_label(fn, position)
        if position in call.positions:
            raise ValueError(
                f"argnums={argnums!r} points at {label}, a dask array: the data is split "
                "by rows and is not differentiated; differentiate with respect to the "
                "parameters (numpy arrays sent whole to every block)")
        for leaf in tree_flatten(call.fixed[position])[0]:
            if np.result_type(leaf).kind != "f":
                raise TypeError(
                    f"grad requires floating-point parameters, but {label} has a leaf of "
                    f"dtype {np.result_type(leaf)}; pass floats (e.g. x.astype(float))")


def value_and_grad(loss: Callable, argnums: ArgNums = 0, reduce: str = "sum",
                   has_aux: bool = False, *, split_every: int = 8, check_nan: bool = True,
                   timeout: Optional[float] = None,
                   no_worker_timeout: float = 60.0) -> Callable:
    """``functrace.value_and_grad`` of a loss over data split by rows across a Dask cluster.

    Call the result as ``(params, *data)``: every positional argument that is a dask
    array (or a dask DataFrame) is *data*, split into its row blocks; every other
    argument (the parameters, a pytree of numpy arrays, and any constants) is sent
    whole to every block, once per call. ``argnums`` picks among the non-data
    arguments. Each block runs ``functrace.value_and_grad(loss)`` on a worker; the
    blocks' results are added by a tree reduction on the cluster and numpy values
    come back: ``(value, grads)``, or ``((value, aux), grads)`` with ``has_aux``.

    **The contract (not checkable):** ``loss`` must be a sum over its examples
    (``reduce="sum"``: the blocks' values and gradients are added) or a mean over
    them (``reduce="mean"``: their average is weighted by the blocks' row counts).
    A loss that mixes examples (a batch norm, a median, a per-block regularizer)
    gives a different number for each chunking. Add a regularizer outside the call.
    ``aux`` is reduced like the value, so its leaves must be numbers (counts, sums).

    Runs on the current ``distributed.Client`` if there is one, else on Dask's local
    threaded scheduler. On a cluster, a lost worker's blocks are recomputed by Dask;
    ``timeout`` (seconds, None for no limit) bounds the whole call and the call also
    fails after ``no_worker_timeout`` seconds without any worker connected. A block
    that raises, or whose loss or gradient is NaN (``check_nan``), raises a
    :class:`BlockError` naming the block and carrying the worker's traceback.

    >>> import numpy as np, dask.array as da, functrace as ft, functrace.numpy as fnp
    >>> import functrace.dask as ftd
    >>> def loss(w, x, y):
    ...     return fnp.sum((x @ w - y) ** 2)
    >>> x, y = np.arange(12.0).reshape(6, 2), np.ones(6)
    >>> value, g = ftd.value_and_grad(loss)(np.ones(2), da.from_array(x, chunks=2),
    ...                                      da.from_array(y, chunks=2))
    >>> bool(np.allclose(g, ft.grad(loss)(np.ones(2), x, y)))
    True
    """
    _check_options(reduce, split_every)

    @functools.wraps(loss)
    def value_and_grad_on_blocks(*args: Any, **kwargs: Any) -> Any:
        call = split_call(loss, args, kwargs, "functrace.dask.value_and_grad")
        rows = check_chunks(call)
        _check_params(loss, argnums, call)
        spec = Spec(loss, argnums, has_aux, reduce, check_nan, call.positions, call.labels)
        parts = block_tasks(block_value_and_grad, (spec, call.fixed, kwargs), call, rows)
        total = compute(tree_reduce(parts, combine, split_every), timeout, no_worker_timeout)
        if total is None:
            raise ValueError(f"the data {', '.join(call.labels)} has no rows")
        value, grads, aux, count = total
        if reduce == "mean":
            value, grads, aux = tree_map(lambda leaf: leaf / count, (value, grads, aux))
        value = np.asarray(value)
        return ((value, aux), grads) if has_aux else (value, grads)

    return value_and_grad_on_blocks


def grad(loss: Callable, argnums: ArgNums = 0, reduce: str = "sum", has_aux: bool = False,
         **options: Any) -> Callable:
    """Like :func:`value_and_grad` but returns only the gradient (``(grads, aux)`` with
    ``has_aux``); the same contract and options.

    >>> import numpy as np, dask.array as da, functrace.numpy as fnp, functrace.dask as ftd
    >>> x = da.from_array(np.arange(4.0), chunks=2)
    >>> float(ftd.grad(lambda w, x: fnp.mean((w - x) ** 2), reduce="mean")(0.0, x))
    -3.0
    """
    value_and_grad_fn = value_and_grad(loss, argnums, reduce, has_aux, **options)

    @functools.wraps(loss)
    def grad_on_blocks(*args: Any, **kwargs: Any) -> Any:
        out, grads = value_and_grad_fn(*args, **kwargs)
        return (grads, out[1]) if has_aux else grads

    return grad_on_blocks


def _output_leaves(f: Callable, call: Call, kwargs: dict) -> tuple:
    """The output's structure and each leaf's per-row (shape, dtype), from ``f`` run by
    ``ft.vmap`` on one row of zeros on the client (the data's metadata only)."""
    args = list(call.fixed)
    for position, array in zip(call.positions, call.arrays):
        args[position] = np.zeros((1, *array.shape[1:]), dtype=array.dtype)
    in_axes = tuple(0 if i in call.positions else None for i in range(len(args)))
    try:
        with np.errstate(all="ignore"):
            out = vmap(functools.partial(f, **kwargs), in_axes=in_axes)(*args)
    except Exception as exc:
        raise ValueError(f"map_blocks_vmap: running {getattr(f, '__name__', f)!r} on one row "
                         f"of zeros (to learn its output shapes) failed: "
                         f"{type(exc).__name__}: {exc}") from exc
    leaves, tree = tree_flatten(out)
    return tree, tuple((np.shape(leaf)[1:], np.asarray(leaf).dtype) for leaf in leaves)


def map_blocks_vmap(f: Callable, *args: Any, **kwargs: Any) -> Any:
    """``ft.vmap(f)`` over the rows of dask arrays, block by block on the workers (lazy).

    ``f`` works on one example: the dask-array arguments are mapped over their rows
    (``in_axes=0``), every other argument and the keyword arguments are passed whole
    (``in_axes=None``) and sent to the cluster once. The result has the structure of
    ``f``'s output, with one dask array per leaf chunked like the data along axis 0.
    Per-example gradients are ``map_blocks_vmap(ft.grad(loss_of_one_example), w, x, y)``.

    >>> import numpy as np, dask.array as da, functrace as ft, functrace.numpy as fnp
    >>> import functrace.dask as ftd
    >>> x = da.from_array(np.arange(6.0).reshape(3, 2), chunks=2)
    >>> per_example = ftd.map_blocks_vmap(ft.grad(lambda w, x: fnp.sum(w * x) ** 2),
    ...                                   np.ones(2), x)
    >>> per_example.compute()
    array([[ 0.,  2.],
           [20., 30.],
           [72., 90.]])
    """
    call = split_call(f, args, kwargs, "functrace.dask.map_blocks_vmap")
    rows = check_chunks(call)
    tree, leaves = _output_leaves(f, call, kwargs)
    spec = Spec(f, None, False, "sum", False, call.positions, call.labels, leaves)
    parts = block_tasks(block_vmap, (spec, call.fixed, kwargs), call, rows)
    sizes = next((a.chunks[0] for a in call.arrays if not np.isnan(a.chunks[0]).any()),
                 call.arrays[0].chunks[0])
    outputs = [da.concatenate([da.from_delayed(part[i], shape=(size, *shape), dtype=dtype)
                               for part, size in zip(parts, sizes)])
               for i, (shape, dtype) in enumerate(leaves)]
    return tree_unflatten(tree, outputs)

