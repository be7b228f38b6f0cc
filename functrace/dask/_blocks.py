"""What runs on the workers: functrace on one block of rows, and the tree reduction.

A block's result is a *partial* ``(value, grads, aux, rows)``: for ``reduce="mean"``
the block's mean is multiplied by its row count, so that partials always add up
and the mean over all rows is one division at the end. An empty block gives
``None``, which the reduction skips.
"""
from __future__ import annotations

import functools
import sys
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from .. import tree_flatten, tree_map, value_and_grad, vmap


class BlockError(RuntimeError):
    """One block of data failed on a worker: ``block`` is its index along axis 0,
    ``rows`` its row range (``"?"`` when the chunk sizes are unknown) and
    ``worker_traceback`` the traceback text from the worker (empty for a NaN).

    >>> str(BlockError(3, "300:400", "the loss is NaN", "", "worker tcp://127.0.0.1:40001"))
    'block 3 (rows 300:400) on worker tcp://127.0.0.1:40001: the loss is NaN'
    """

    def __init__(self, block: int, rows: str, problem: str, worker_traceback: str = "",
                 where: str = "") -> None:
        super().__init__(block, rows, problem, worker_traceback, where)   # picklable as is
        self.block, self.rows, self.problem = block, rows, problem
        self.worker_traceback, self.where = worker_traceback, where

    def __str__(self) -> str:
        where = f" on {self.where}" if self.where else ""
        text = f"block {self.block} (rows {self.rows}){where}: {self.problem}"
        if self.worker_traceback:
            text += "\n\nTraceback on the worker:\n" + self.worker_traceback.rstrip()
        return text


@dataclass(frozen=True)
class Spec:
    """Everything a block needs besides its rows; sent to the cluster once per call."""

    fn: Callable
    argnums: Any                 # as the user gave it (int or tuple)
    has_aux: bool
    reduce: str                  # "sum" or "mean"
    check_nan: bool
    data_positions: tuple        # positions of the dask arrays among the arguments
    labels: tuple                # one label per data array, for error messages
    out_leaves: tuple = ()       # map_blocks_vmap: (shape, dtype) of each output leaf, per row

    def arguments(self, fixed: tuple, blocks: tuple) -> list:
        """The call's positional arguments with this block's rows in the data positions."""
        args = [tree_map(_aligned, arg) for arg in fixed]
        for position, block in zip(self.data_positions, blocks):
            args[position] = _aligned(block)
        return args


def _aligned(x: Any) -> Any:
    """An aligned copy of a misaligned array. Arrays that Dask received over the network
    can start at any byte; numpy then skips BLAS and its vector loops (measured: a
    gradient 5x slower), so one copy pays for itself."""
    return x.copy() if isinstance(x, np.ndarray) and not x.flags.aligned else x


def _where() -> str:
    """The worker's address when running under distributed, else the local scheduler."""
    distributed = sys.modules.get("distributed")
    if distributed is not None:
        try:
            return f"worker {distributed.get_worker().address}"
        except ValueError:
            pass
    return "the local scheduler"


def block_rows(spec: Spec, index: int, blocks: tuple) -> int:
    """The block's row count; data arrays whose chunk sizes were unknown on the client
    (a dask DataFrame's values) are checked here."""
    counts = [len(b) for b in blocks]
    for label, count in zip(spec.labels[1:], counts[1:]):
        if count != counts[0]:
            raise ValueError(
                f"block {index}: data argument {spec.labels[0]} has {counts[0]} rows but "
                f"{label} has {count}; the data arrays must be chunked identically along "
                "axis 0 (rechunk one like the other)")
    return counts[0]


def _nan_problem(value: Any, grads: Any) -> Optional[str]:
    if np.isnan(value).any():
        return "the loss is NaN"
    for i, leaf in enumerate(tree_flatten(grads)[0]):
        if np.isnan(leaf).any():
            return f"the gradient has NaN in leaf {i} (in tree_flatten order)"
    return None


def _aux_problem(aux: Any) -> Optional[str]:
    for i, leaf in enumerate(tree_flatten(aux)[0]):
        kind = np.asarray(leaf).dtype.kind
        if kind not in "biufc":
            return (f"aux leaf {i} is a {type(leaf).__name__}: aux is summed (or averaged) "
                    "over blocks like the loss, so its leaves must be numbers or numeric arrays")
    return None


def _run_guarded(index: int, rows: str, call: Callable[[], Any]) -> Any:
    """Run ``call``; any exception becomes a BlockError naming the block."""
    try:
        return call()
    except Exception as exc:
        raise BlockError(index, rows, f"{type(exc).__name__}: {exc}",
                         traceback.format_exc(), _where()) from exc


def block_value_and_grad(payload: tuple, index: int, rows: str, *blocks: Any) -> Any:
    """functrace's own value_and_grad on one block of rows; returns a partial."""
    spec, fixed, kwargs = payload
    count = block_rows(spec, index, blocks)
    if count == 0:
        return None
    vg = value_and_grad(spec.fn, argnums=spec.argnums, has_aux=spec.has_aux)
    out, grads = _run_guarded(index, rows, lambda: vg(*spec.arguments(fixed, blocks), **kwargs))
    value, aux = out if spec.has_aux else (out, None)
    problem = _aux_problem(aux) or (_nan_problem(value, grads) if spec.check_nan else None)
    if problem is not None:
        raise BlockError(index, rows, problem, "", _where())
    if spec.reduce == "mean":               # the block's mean -> the block's sum
        value, grads, aux = tree_map(lambda leaf: leaf * count, (value, grads, aux))
    return value, grads, aux, count


def _add(*xs: Any) -> Any:
    return functools.reduce(np.add, xs)


def combine(*partials: Any) -> Any:
    """Add partials (in a fixed order, so the result never depends on the schedule)."""
    partials = [p for p in partials if p is not None]
    if not partials:
        return None
    if len(partials) == 1:
        return partials[0]
    values, grads, auxes, counts = zip(*partials)
    return (_add(*values), tree_map(_add, *grads), tree_map(_add, *auxes), sum(counts))


def block_vmap(payload: tuple, index: int, rows: str, *blocks: Any) -> list:
    """``ft.vmap`` of the per-example function over one block's rows; the output leaves."""
    spec, fixed, kwargs = payload
    if block_rows(spec, index, blocks) == 0:
        return [np.empty((0, *shape), dtype) for shape, dtype in spec.out_leaves]
    in_axes = tuple(0 if i in spec.data_positions else None for i in range(len(fixed)))
    mapped = vmap(functools.partial(spec.fn, **kwargs), in_axes=in_axes)
    out = _run_guarded(index, rows, lambda: mapped(*spec.arguments(fixed, blocks)))
    return [np.asarray(leaf) for leaf in tree_flatten(out)[0]]
