"""torch-named shape and indexing functions over ``functrace.numpy``.

Functions take ``input`` first (``ft.transpose(x, 0, 1)`` / ``x.transpose(0, 1)``);
the methods with variadic shapes (``x.view(2, 3)``, ``x.permute(1, 0)``) are
defined at the end. Views in PyTorch are copies or numpy views here; see the
package notes on in-place operations on views.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .. import numpy as fnp
from ._graph import relabel
from ._ops import nonzero
from ._tensor import Tensor


def _shape_arg(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


def _norm_dim(dim: int, ndim: int) -> int:
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})")
    return dim % max(ndim, 1)


def cat(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Concatenate along an existing ``dim``. Example: ``ft.cat([a, b], dim=1)``."""
    return fnp.concatenate(list(tensors), axis=dim)


def stack(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Stack along a new ``dim``."""
    tensors = list(tensors)
    return relabel(fnp.stack(tensors, axis=dim), "StackBackward0", *tensors)


def hstack(tensors: Sequence[Any]) -> Any:
    return fnp.hstack(list(tensors))


def vstack(tensors: Sequence[Any]) -> Any:
    return fnp.vstack(list(tensors))


def reshape(input: Any, shape: Any) -> Any:
    return fnp.reshape(input, tuple(shape) if not isinstance(shape, int) else (shape,))


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = np.shape(input)
    if not shape:
        return fnp.reshape(input, (1,))
    s, e = _norm_dim(start_dim, len(shape)), _norm_dim(end_dim, len(shape))
    new = shape[:s] + (int(np.prod(shape[s:e + 1], dtype=np.int64)),) + shape[e + 1:]
    return relabel(fnp.reshape(input, new), "ViewBackward0", input)


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Any:
    shape = np.shape(input)
    d = _norm_dim(dim, len(shape))
    return fnp.reshape(input, shape[:d] + tuple(sizes) + shape[d + 1:])


def unsqueeze(input: Any, dim: int) -> Any:
    """Insert a size-1 dimension at ``dim``."""
    d = _norm_dim(dim, np.ndim(input) + 1)
    return relabel(fnp.expand_dims(input, d), "UnsqueezeBackward0", input)


def squeeze(input: Any, dim: Any = None) -> Any:
    """Drop size-1 dimensions (only ``dim``'s, if it has size 1, when given)."""
    shape = np.shape(input)
    if dim is None:
        return relabel(fnp.squeeze(input), "SqueezeBackward0", input)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = tuple(d for d in (_norm_dim(d, len(shape)) for d in dims) if shape[d] == 1)
    if not dims:
        return input
    return relabel(fnp.squeeze(input, axis=dims), "SqueezeBackward1", input)


def permute(input: Any, dims: Sequence[int]) -> Any:
    """Reorder dimensions. Example: ``ft.permute(x, (1, 0))``."""
    return fnp.transpose(input, tuple(dims))


def transpose(input: Any, dim0: int, dim1: int) -> Any:
    """Swap two dimensions."""
    nd = np.ndim(input)
    out = fnp.swapaxes(input, _norm_dim(dim0, nd), _norm_dim(dim1, nd))
    return relabel(out, "TransposeBackward0", input)


def t(input: Any) -> Any:
    """Transpose a matrix (0-D and 1-D tensors are returned as they are)."""
    nd = np.ndim(input)
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return input if nd < 2 else relabel(fnp.transpose(input), "TBackward0", input)


def flip(input: Any, dims: Any) -> Any:
    return fnp.flip(input, axis=dims)


def roll(input: Any, shifts: Any, dims: Any = None) -> Any:
    return relabel(fnp.roll(input, shifts, axis=dims), "RollBackward0", input)


def tile(input: Any, dims: Sequence[int]) -> Any:
    return relabel(fnp.tile(input, tuple(dims)), "RepeatBackward0", input)


def repeat_interleave(input: Any, repeats: Any, dim: Optional[int] = None) -> Any:
    return fnp.repeat(input, repeats, axis=dim)


def narrow(input: Any, dim: int, start: int, length: int) -> Any:
    d = _norm_dim(dim, np.ndim(input))
    return input[(slice(None),) * d + (slice(start, start + length),)]


def select(input: Any, dim: int, index: int) -> Any:
    d = _norm_dim(dim, np.ndim(input))
    return input[(slice(None),) * d + (index,)]


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of size ``split_size_or_sections`` (an int), or of the listed sizes."""
    d = _norm_dim(dim, np.ndim(tensor))
    n = np.shape(tensor)[d]
    if isinstance(split_size_or_sections, int):
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(relabel(narrow(tensor, d, int(s), int(k)), "SplitBackward0")
                 for s, k in zip(starts, sizes))


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple:
    n = np.shape(input)[_norm_dim(dim, np.ndim(input))]
    return split(input, -(-n // chunks), dim)


def unbind(input: Any, dim: int = 0) -> tuple:
    n = np.shape(input)[_norm_dim(dim, np.ndim(input))]
    return tuple(relabel(select(input, dim, i), "UnbindBackward0") for i in range(n))


def gather(input: Any, dim: int, index: Any) -> Any:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and so on)."""
    return relabel(fnp.take_along_axis(input, index, axis=dim), "GatherBackward0", input)


def index_select(input: Any, dim: int, index: Any) -> Any:
    return relabel(fnp.take(input, index, axis=dim), "IndexSelectBackward0", input)


def masked_fill(input: Any, mask: Any, value: Any) -> Any:
    """``value`` where ``mask`` is true, ``input`` elsewhere."""
    return relabel(fnp.where(mask, value, input), "MaskedFillBackward0", input)


def masked_select(input: Any, mask: Any) -> Any:
    return relabel(input[mask], "MaskedSelectBackward0", input)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """``input`` where ``condition`` else ``other`` (indices of true values when alone)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return fnp.where(condition, input, other)


def _tri(input: Any, diagonal: int, fn: Any, name: str) -> Any:
    shape = np.shape(input)
    keep = fn(np.ones(shape[-2:], dtype=bool), diagonal)
    return relabel(fnp.where(keep, input, 0), name, input)


def tril(input: Any, diagonal: int = 0) -> Any:
    return _tri(input, diagonal, np.tril, "TrilBackward0")


def triu(input: Any, diagonal: int = 0) -> Any:
    return _tri(input, diagonal, np.triu, "TriuBackward0")


def diag(input: Any, diagonal: int = 0) -> Any:
    return fnp.diag(input, diagonal)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
    return fnp.diagonal(input, offset, dim1, dim2)


def clone(input: Any) -> Any:
    """A copy that stays in the graph (its gradient flows back to ``input``)."""
    return relabel(fnp.astype(input, np.result_type(input)), "CloneBackward0")


def broadcast_to(input: Any, size: Sequence[int]) -> Any:
    return fnp.broadcast_to(input, tuple(size))


# -- methods with variadic shapes ------------------------------------------------------

def view(self: Tensor, *shape: Any) -> Any:
    """Same data, new shape (``-1`` infers one dimension)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        return self.to(shape[0])
    return relabel(fnp.reshape(self, _shape_arg(shape)), "ViewBackward0", self)


def reshape_method(self: Tensor, *shape: Any) -> Any:
    return fnp.reshape(self, _shape_arg(shape))


def permute_method(self: Tensor, *dims: Any) -> Any:
    return permute(self, _shape_arg(dims))


def expand(self: Tensor, *sizes: Any) -> Any:
    """Broadcast to ``sizes`` (``-1`` keeps a dimension)."""
    sizes = _shape_arg(sizes)
    shape = self._data.shape
    lead = len(sizes) - len(shape)
    full = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    if full == shape:
        return self
    return fnp.broadcast_to(self, full)


def expand_as(self: Tensor, other: Tensor) -> Any:
    return expand(self, *other.shape)


def view_as(self: Tensor, other: Tensor) -> Any:
    return view(self, *other.shape)


def reshape_as(self: Tensor, other: Tensor) -> Any:
    return fnp.reshape(self, other._data.shape)


def repeat(self: Tensor, *sizes: Any) -> Any:
    """Tile the tensor ``sizes[i]`` times along each dimension."""
    return relabel(fnp.tile(self, _shape_arg(sizes)), "RepeatBackward0", self)


def flip_method(self: Tensor, *dims: Any) -> Any:
    return fnp.flip(self, axis=_shape_arg(dims))


def tile_method(self: Tensor, *dims: Any) -> Any:
    return tile(self, _shape_arg(dims))


def where_method(self: Tensor, condition: Any, other: Any) -> Any:
    """``self`` where ``condition`` else ``other``."""
    return where(condition, self, other)
