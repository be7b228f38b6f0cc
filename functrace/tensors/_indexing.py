"""torch-named indexing: gather, scatter, index_add/copy/fill/select, masked_*, take, unfold.

Indices are constants (integer tensors), so each operation is an indexing
(``getitem``, whose gradient scatters back), a ``scatter_add`` (whose gradient
gathers), or a ``where`` with a mask computed from them. No derivative lives here.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from ..primitives.indexing import scatter_add_p
from ._args import dim_index
from ._graph import relabel
from ._ops import data_of
from ._tensor import Tensor


def _index_data(index: Any, name: str) -> np.ndarray:
    idx = np.asarray(data_of(index))
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return idx.astype(np.int64, copy=False)


def _positions(input: Any, dim: int, index: np.ndarray, name: str) -> tuple:
    """The index tuple of ``input`` that ``index`` picks along ``dim`` (torch's gather and
    scatter: elsewhere each element of ``index`` stands at its own position)."""
    shape = np.shape(input)
    if index.ndim != max(len(shape), 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    if not shape:
        index = index.reshape(())
    for d, n in enumerate(index.shape):
        if d != dim and n > shape[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index "
                               f"{list(index.shape)} to be no larger than self "
                               f"{list(shape)} apart from dimension {dim}")
    n = shape[dim] if shape else 1
    bad = (index < -n) | (index >= n)
    if bad.any():
        raise RuntimeError(f"index {int(index[bad].flat[0])} is out of bounds for dimension "
                           f"{dim} with size {n}")
    grid = list(np.indices(index.shape, sparse=True))
    if not shape:
        return ()
    grid[dim] = index % n
    return tuple(grid)


def gather(input: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Any:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and so on)."""
    d = dim_index(dim, np.ndim(input))
    where = _positions(input, d, _index_data(index, "gather"), "gather")
    out = input[where] if where else fnp.reshape(input, np.shape(data_of(index)))
    return relabel(out, "GatherBackward0", input)


def take_along_dim(input: Any, indices: Any, dim: Optional[int] = None) -> Any:
    """Values at ``indices`` along ``dim`` (of the flattened tensor when None); the two
    broadcast against each other elsewhere."""
    idx = _index_data(indices, "take_along_dim")
    if dim is None:
        return relabel(fnp.take_along_axis(fnp.reshape(input, (-1,)), idx.reshape(-1), axis=0),
                       "GatherBackward0", input)
    d = dim_index(dim, np.ndim(input))
    return relabel(fnp.take_along_axis(input, idx, axis=d), "GatherBackward0", input)


def take(input: Any, index: Any) -> Any:
    """Elements of the flattened ``input`` at ``index`` (in ``index``'s shape)."""
    idx = _index_data(index, "take")
    return relabel(fnp.take(input, idx), "TakeBackward0", input)


def index_select(input: Any, dim: int, index: Any) -> Any:
    """The slices of ``input`` along ``dim`` at the 1-D ``index``."""
    idx = _index_data(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = dim_index(dim, np.ndim(input))
    n = np.shape(input)[d] if np.ndim(input) else 1
    if np.any((idx < 0) | (idx >= n)):
        raise IndexError("index out of range in self")
    return relabel(fnp.take(input, idx.reshape(-1), axis=d) if np.ndim(input)
                   else fnp.reshape(input, (-1,))[idx.reshape(-1)], "IndexSelectBackward0",
                   input)


def _same_dtype(name: str, input: Any, src: Any) -> None:
    if isinstance(src, Tensor) and src.dtype != np.result_type(data_of(input)):
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")


def _last_writes(where: tuple, shape: tuple) -> np.ndarray:
    """Which of the index's elements write last to their position (torch's scatter with
    repeated positions keeps one write; here the last)."""
    flat = np.ravel_multi_index(np.broadcast_arrays(*where), shape).reshape(-1)
    keep = np.zeros(flat.size, dtype=bool)
    _, last = np.unique(flat[::-1], return_index=True)
    keep[flat.size - 1 - last] = True
    return keep


def _mask(where: tuple, shape: tuple) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[where] = True
    return mask


def _source(src: Any, index_shape: tuple) -> Any:
    """``src`` cut to the index's shape (torch reads src where index has elements)."""
    if tuple(np.shape(src)) == index_shape:
        return src
    return src[tuple(slice(0, n) for n in index_shape)]


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: Optional[str] = None) -> Any:
    """``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``."""
    if src is None:
        src = value
    if reduce is not None:
        if reduce != "add":
            raise RuntimeError(f"scatter(reduce='{reduce}'): functrace supports reduce='add' "
                               "(use scatter_reduce-free composites for other reductions)")
        return scatter_add(input, dim, index, src)
    d = dim_index(dim, np.ndim(input))
    idx = _index_data(index, "scatter")
    where = _positions(input, d, idx, "scatter")
    shape = np.shape(input)
    if not isinstance(src, Tensor):
        mask = _mask(where, shape)
        return relabel(fnp.where(mask, np.asarray(src, np.result_type(data_of(input))), input),
                       "ScatterBackward1", input)
    _same_dtype("scatter", input, src)
    keep = _last_writes(where, shape)
    targets = tuple(a.reshape(-1)[keep] for a in np.broadcast_arrays(*where))
    values = fnp.reshape(_source(src, idx.shape), (-1,))[np.flatnonzero(keep)]
    put = scatter_add_p.bind(values, idx=targets, shape=shape)
    return relabel(fnp.where(_mask(where, shape), put, input), "ScatterBackward0", input)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Any:
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    d = dim_index(dim, np.ndim(input))
    idx = _index_data(index, "scatter_add")
    _same_dtype("scatter_add", input, src)
    where = _positions(input, d, idx, "scatter")
    full = tuple(np.broadcast_arrays(*where)) if where else ()
    added = scatter_add_p.bind(_source(src, idx.shape), idx=full, shape=np.shape(input))
    return relabel(input + added, "ScatterAddBackward0", input)


def _along(input: Any, dim: int, index: Any, name: str) -> tuple:
    d = dim_index(dim, np.ndim(input))
    idx = _index_data(index, name).reshape(-1)
    n = np.shape(input)[d] if np.ndim(input) else 1
    if np.any((idx < -n) | (idx >= n)):
        raise IndexError(f"{name}(): index out of range in self")
    return d, (slice(None),) * d + (idx % n,)


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
    """``input`` plus ``alpha * source`` added at the slices ``index`` along ``dim``."""
    d, where = _along(input, dim, index, "index_add")
    src = source if alpha == 1 else source * alpha
    added = scatter_add_p.bind(src, idx=where, shape=np.shape(input))
    return relabel(input + added, "IndexAddBackward0", input)


def index_copy(input: Any, dim: int, index: Any, source: Any) -> Any:
    """``input`` with the slices ``index`` along ``dim`` replaced by ``source``'s."""
    d, where = _along(input, dim, index, "index_copy")
    _same_dtype("index_copy", input, source)
    put = scatter_add_p.bind(source, idx=where, shape=np.shape(input))
    return relabel(fnp.where(_mask(where, np.shape(input)), put, input), "IndexCopyBackward0",
                   input)


def index_fill(input: Any, dim: int, index: Any, value: Any) -> Any:
    """``input`` with the slices ``index`` along ``dim`` set to ``value``."""
    d, where = _along(input, dim, index, "index_fill")
    fill = value if isinstance(value, Tensor) else np.asarray(value, np.result_type(
        data_of(input)))
    return relabel(fnp.where(_mask(where, np.shape(input)), fill, input), "IndexFillBackward0",
                   input)


def _bool_mask(mask: Any, name: str) -> np.ndarray:
    m = np.asarray(data_of(mask))
    if m.dtype != np.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{m.dtype}")
    return m


def masked_fill(input: Any, mask: Any, value: Any) -> Any:
    """``value`` where ``mask`` is true, ``input`` elsewhere (``input``'s dtype)."""
    m = _bool_mask(mask, "masked_fill_")
    dtype = np.result_type(data_of(input))
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        fill = value if value.dtype == dtype else fnp.astype(value, dtype)
    else:
        fill = np.asarray(value, dtype)
    return relabel(fnp.where(m, fill, input), "MaskedFillBackward0", input)


def masked_select(input: Any, mask: Any) -> Any:
    """The elements where ``mask`` (broadcast with ``input``) is true, as a 1-D tensor."""
    m = _bool_mask(mask, "masked_select:")
    shape = np.broadcast_shapes(np.shape(input), m.shape)
    x = input if tuple(np.shape(input)) == shape else fnp.broadcast_to(input, shape)
    return relabel(x[np.broadcast_to(m, shape)], "MaskedSelectBackward0", input)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Any:
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last
    dimension. Example: ``ft.arange(5.).unfold(0, 2, 2)`` has shape (2, 2)."""
    d = dim_index(dimension, input.ndim)
    length = input.shape[d] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size "
                           f"is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    x = input if input.ndim else fnp.reshape(input, (1,))
    windows = np.arange((length - size) // step + 1)[:, None] * step + np.arange(size)
    out = x[(slice(None),) * d + (windows,)]
    out = fnp.moveaxis(out, d + 1, -1)
    if not input.ndim:
        out = fnp.reshape(out, (size,))
    return relabel(out, "UnfoldBackward0", input)
