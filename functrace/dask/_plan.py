"""On the client: split a call into data and fixed arguments, check the chunking, and
build the task graph (one task per block, a tree reduction on top).

Nothing here computes data: the graph is built from the arrays' metadata only.
"""
from __future__ import annotations

import inspect
import math
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

import dask
import dask.array as da
import numpy as np

from .. import tree_flatten


@dataclass
class Call:
    """One call's arguments: the dask arrays (data, split by rows) and the rest (fixed)."""

    fixed: tuple        # the positional arguments, None in the data positions
    positions: tuple    # where the data arrays are
    arrays: list        # the data, as dask arrays
    labels: tuple       # "argument 1 ('x')" for each data array


def arg_label(fn: Callable, position: int) -> str:
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return f"argument {position}" + (f" ({names[position]!r})" if position < len(names) else "")


def _as_dask_array(x: Any) -> Optional[da.Array]:
    if isinstance(x, da.Array):
        return x
    if dask.is_dask_collection(x) and hasattr(x, "to_dask_array"):   # a dask DataFrame/Series
        return x.to_dask_array()
    return None


def _reject_nested_dask(tree: Any, what: str) -> None:
    for leaf in tree_flatten(tree)[0]:
        if dask.is_dask_collection(leaf):
            raise TypeError(
                f"{what} contains a dask collection: only positional arguments can be dask "
                "data (split by rows); parameters and other fixed arguments must be numpy "
                "arrays or numbers (call .compute() on them first)")


def split_call(fn: Callable, args: tuple, kwargs: dict, who: str) -> Call:
    """Find the data among ``args`` (the dask arrays) and check everything else is not dask."""
    positions, arrays = [], []
    for position, arg in enumerate(args):
        array = _as_dask_array(arg)
        if array is not None:
            positions.append(position)
            arrays.append(array)
        else:
            _reject_nested_dask(arg, arg_label(fn, position))
    _reject_nested_dask(kwargs, "a keyword argument")
    if not arrays:
        raise ValueError(
            f"{who}: none of the {len(args)} positional arguments is a dask array, so there "
            "is nothing to split into blocks; pass the data as dask arrays "
            "(dask.array.from_array(x, chunks=rows)) or use the functrace transform directly")
    fixed = tuple(None if i in positions else a for i, a in enumerate(args))
    return Call(fixed, tuple(positions), arrays, tuple(arg_label(fn, p) for p in positions))


def _check_one(array: da.Array, label: str) -> None:
    if array.ndim == 0:
        raise ValueError(f"data {label} is a 0-d dask array: data needs a row axis (axis 0)")
    if any(n > 1 for n in array.numblocks[1:]):
        whole = ", ".join(f"{axis}: -1" for axis in range(1, array.ndim))
        raise ValueError(
            f"data {label} is chunked along axes other than 0 (chunks {array.chunks}); blocks "
            f"must hold whole rows: rechunk it with .rechunk({{{whole}}})")


def _known(chunks: tuple) -> bool:
    return not any(math.isnan(c) for c in chunks)


def check_chunks(call: Call) -> list:
    """Check the data arrays split into the same row blocks; the row range of each block."""
    for array, label in zip(call.arrays, call.labels):
        _check_one(array, label)
    first, first_label = call.arrays[0], call.labels[0]
    for array, label in zip(call.arrays[1:], call.labels[1:]):
        same = (array.chunks[0] == first.chunks[0] if _known(array.chunks[0]) and
                _known(first.chunks[0]) else array.numblocks[0] == first.numblocks[0])
        if not same:
            raise ValueError(
                f"data {first_label} and {label} are chunked differently along axis 0: "
                f"{first.chunks[0]} vs {array.chunks[0]}. Every data array must split into "
                f"the same row blocks: rechunk one like the other, e.g. "
                f"b = b.rechunk({{0: a.chunks[0]}})")
    known = [a.chunks[0] for a in call.arrays if _known(a.chunks[0])]
    if not known:                       # sizes known only on the workers
        return ["?"] * first.numblocks[0]
    stops = np.cumsum(known[0])
    return [f"{stop - size}:{stop}" for stop, size in zip(stops, known[0])]


def block_tasks(task: Callable, payload: tuple, call: Call, rows: list) -> list:
    """One delayed ``task(payload, index, rows, *blocks)`` per row block.

    The payload (function, parameters, fixed arguments) is a single key of the graph,
    so it travels to the cluster once per call and each worker fetches it once; unlike
    scattered data, the scheduler can rebuild it if every worker holding it dies.
    """
    token = uuid.uuid4().hex
    shared = dask.delayed(payload, name=f"functrace-payload-{token}", traverse=False)
    arrays = dask.optimize(*call.arrays)          # jointly: blocks they share run once
    columns = [a.to_delayed(optimize_graph=False).ravel() for a in arrays]
    name = f"functrace-{task.__name__.replace('_', '-')}-{token}"
    return [dask.delayed(task, pure=True)(shared, index, rows[index], *blocks,
                                          dask_key_name=f"{name}-{index}")
            for index, blocks in enumerate(zip(*columns))]


def tree_reduce(parts: list, combine: Callable, split_every: int) -> Any:
    """Combine ``parts`` by groups of ``split_every`` until one is left (on the cluster)."""
    token = uuid.uuid4().hex
    level = 0
    while len(parts) > 1:
        parts = [dask.delayed(combine, pure=True)(
                     *parts[i:i + split_every],
                     dask_key_name=f"functrace-combine-{token}-{level}-{i // split_every}")
                 for i in range(0, len(parts), split_every)]
        level += 1
    return parts[0]
