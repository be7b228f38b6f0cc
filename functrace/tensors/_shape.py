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
from ._args import dim_index, dims
from ._graph import relabel
from ._compare import nonzero
from ._tensor import Tensor, make


def _shape_arg(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


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


def _reshape(input: Any, shape: tuple) -> Any:
    """``fnp.reshape`` with torch's error for a shape that does not fit."""
    size = int(np.prod(np.shape(input), dtype=np.int64))
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    if (shape.count(-1) > 1 or any(n < -1 for n in shape)
            or (-1 not in shape and known != size)
            or (-1 in shape and (known == 0 or size % known))):
        if shape.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return fnp.reshape(input, shape)


def reshape(input: Any, shape: Any) -> Any:
    """The same elements in another shape (``-1`` infers one dimension)."""
    return _reshape(input, tuple(shape) if not isinstance(shape, int) else (shape,))


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = np.shape(input)
    s, e = dim_index(start_dim, len(shape)), dim_index(end_dim, len(shape))
    if not shape:
        return fnp.reshape(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    new = shape[:s] + (int(np.prod(shape[s:e + 1], dtype=np.int64)),) + shape[e + 1:]
    return relabel(fnp.reshape(input, new), "ViewBackward0", input)


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Any:
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1)."""
    shape = np.shape(input)
    d = dim_index(dim, len(shape))
    return relabel(_reshape(input, shape[:d] + tuple(sizes) + shape[d + 1:]), "ViewBackward0",
                   input)


def unsqueeze(input: Any, dim: int) -> Any:
    """Insert a size-1 dimension at ``dim``."""
    d = dim_index(dim, np.ndim(input) + 1)
    return relabel(fnp.expand_dims(input, d), "UnsqueezeBackward0", input)


def squeeze(input: Any, dim: Any = None) -> Any:
    """Drop size-1 dimensions (only ``dim``'s, an int or a tuple, if they have size 1)."""
    shape = np.shape(input)
    if dim is None:
        return relabel(fnp.squeeze(input), "SqueezeBackward0", input)
    drop = tuple(d for d in dims(dim, len(shape)) if shape[d] == 1)
    if not drop:
        return relabel(fnp.reshape(input, shape), "SqueezeBackward1", input) \
            if isinstance(input, Tensor) else input
    return relabel(fnp.squeeze(input, axis=drop), "SqueezeBackward1", input)


def permute(input: Any, dims: Sequence[int]) -> Any:
    """Reorder dimensions. Example: ``ft.permute(x, (1, 0))``."""
    nd = np.ndim(input)
    order = tuple(dim_index(d, nd) for d in dims)
    if len(order) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input "
                           f"does not match the length of the desired ordering of "
                           f"dimensions i.e. input.dim() = {nd} is not equal to "
                           f"len(dims) = {len(order)}")
    if len(set(order)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return fnp.transpose(input, order) if nd else relabel(input * 1, "PermuteBackward0", input)


def transpose(input: Any, dim0: int, dim1: int) -> Any:
    """Swap two dimensions."""
    nd = np.ndim(input)
    d0, d1 = dim_index(dim0, nd), dim_index(dim1, nd)
    if nd == 0:
        return relabel(input * 1, "TransposeBackward0", input)
    return relabel(fnp.swapaxes(input, d0, d1), "TransposeBackward0", input)


def movedim(input: Any, source: Any, destination: Any) -> Any:
    """Move dimensions ``source`` to positions ``destination`` (ints or sequences)."""
    nd = np.ndim(input)
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = tuple(dim_index(d, nd) for d in src)
    dst = tuple(dim_index(d, nd) for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in `source` or `destination`")
    if nd == 0:
        return relabel(input * 1, "PermuteBackward0", input)
    rest = [d for d in range(nd) if d not in src]
    order = [0] * nd
    for s_, d_ in zip(src, dst):
        order[d_] = s_
    free = iter(rest)
    order = [next(free) if i not in dst else order[i] for i in range(nd)]
    return relabel(fnp.transpose(input, tuple(order)), "PermuteBackward0", input)


def t(input: Any) -> Any:
    """Transpose a matrix (0-D and 1-D tensors are returned as they are)."""
    nd = np.ndim(input)
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return input if nd < 2 else relabel(fnp.transpose(input), "TBackward0", input)


def flip(input: Any, dims: Any) -> Any:
    """Reverse the order along ``dims`` (an int or a sequence)."""
    axes = (dims,) if isinstance(dims, int) else tuple(dims)
    order = tuple(dim_index(d, np.ndim(input)) for d in axes)
    if len(set(order)) != len(order):
        raise RuntimeError(f"dims has duplicates, original flip dims size={len(order)}, but "
                           f"unique flip dims size={len(set(order))}")
    if np.ndim(input) == 0:
        return relabel(input * 1, "FlipBackward0", input)
    return fnp.flip(input, axis=order)


def roll(input: Any, shifts: Any, dims: Any = None) -> Any:
    """Rotate elements by ``shifts`` along ``dims`` (of the flattened tensor when None)."""
    sh = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    ax = () if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
    if (ax or len(sh) != 1) and len(sh) != len(ax):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, "
                           f"dims:{len(ax)}")
    ax = tuple(dim_index(d, np.ndim(input)) for d in ax)
    if np.ndim(input) == 0:
        return relabel(input * 1, "RollBackward0", input)
    out = fnp.roll(input, sh[0] if not ax else sh, axis=None if not ax else ax)
    return relabel(out, "RollBackward0", input)


def tile(input: Any, dims: Sequence[int]) -> Any:
    """Repeat the tensor ``dims[i]`` times along each dimension (leading 1s added)."""
    reps = tuple(dims)
    return relabel(fnp.tile(input, reps), "RepeatBackward0", input)


def repeat_interleave(input: Any, repeats: Any, dim: Optional[int] = None) -> Any:
    return fnp.repeat(input, repeats, axis=dim)


def narrow(input: Any, dim: int, start: Any, length: int) -> Any:
    """``length`` elements along ``dim`` from ``start`` (negative: from the end)."""
    if np.ndim(input) == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = dim_index(dim, np.ndim(input))
    n = np.shape(input)[d]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but "
                         f"got {start})")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def select(input: Any, dim: int, index: int) -> Any:
    """The slice at ``index`` along ``dim`` (the dimension removed)."""
    if np.ndim(input) == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = dim_index(dim, np.ndim(input))
    n = np.shape(input)[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(np.shape(input))} at dimension {d}")
    return input[(slice(None),) * d + (int(index),)]


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of size ``split_size_or_sections`` (an int; the last may be smaller), or of
    the listed sizes (which must add up to the dimension's size)."""
    if np.ndim(tensor) == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = dim_index(dim, np.ndim(tensor))
    n = np.shape(tensor)[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
        name = "SplitBackward0"
    else:
        sizes = [int(k) for k in split_size_or_sections]
        if sum(sizes) != n or any(k < 0 for k in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
        name = "SplitWithSizesBackward0"
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(relabel(narrow(tensor, d, int(s), k), name) for s, k in zip(starts, sizes))


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of equal size (the last may be smaller) along ``dim``."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " f"{chunks}")
    if np.ndim(input) == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = dim_index(dim, np.ndim(input))
    n = np.shape(input)[d]
    if n == 0:                      # torch gives ``chunks`` empty pieces
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


def unbind(input: Any, dim: int = 0) -> tuple:
    """The slices along ``dim``, each without that dimension."""
    if np.ndim(input) == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    n = np.shape(input)[dim_index(dim, np.ndim(input))]
    return tuple(relabel(select(input, dim, i), "UnbindBackward0") for i in range(n))


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """``input`` where ``condition`` else ``other`` (indices of true values when alone)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                           f"tensor with dtype {cond.dtype}")
    return fnp.where(condition, input, other)


def _tri(input: Any, diagonal: int, fn: Any, name: str) -> Any:
    shape = np.shape(input)
    if len(shape) < 2:
        raise RuntimeError(f"{name[:4].lower()}: input tensor must have at least 2 dimensions")
    keep = fn(np.ones(shape[-2:], dtype=bool), diagonal)
    zero = np.zeros((), np.result_type(input._data if isinstance(input, Tensor) else input))
    return relabel(fnp.where(keep, input, zero), name, input)


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
    """``input`` broadcast to ``size`` (``-1`` keeps a dimension)."""
    return expand(input, *tuple(size))


# -- methods with variadic shapes ------------------------------------------------------

def view(self: Tensor, *shape: Any) -> Any:
    """Same data, new shape (``-1`` infers one dimension); ``view(dtype)`` reads the same
    bytes as another dtype (the last dimension rescaled; no gradient, as in torch)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        try:
            return make(self._data.view(np.dtype(shape[0])), None, False)
        except ValueError as e:
            raise RuntimeError(f"view(dtype): {e}") from None
    return relabel(_reshape(self, _shape_arg(shape)), "ViewBackward0", self)


def reshape_method(self: Tensor, *shape: Any) -> Any:
    return _reshape(self, _shape_arg(shape))


def permute_method(self: Tensor, *dims: Any) -> Any:
    return permute(self, _shape_arg(dims))


def expand(self: Tensor, *sizes: Any) -> Any:
    """Broadcast to ``sizes`` (``-1`` keeps a dimension)."""
    sizes = tuple(int(n) for n in _shape_arg(sizes))
    shape = np.shape(self)
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(f"expand({type(self).__name__}{{{list(shape)}}}, size={list(sizes)}): "
                           "the number of sizes provided ({}) must be greater or equal to the "
                           "number of dimensions in the tensor ({})".format(len(sizes),
                                                                             len(shape)))
    full = []
    for i, n in enumerate(sizes):
        own = shape[i - lead] if i >= lead else None
        if n == -1 and own is None:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                               f"leading, non-existing dimension {i}")
        target = own if n == -1 else n
        if own is not None and own != target and own != 1:
            raise RuntimeError(f"The expanded size of the tensor ({target}) must match the "
                               f"existing size ({own}) at non-singleton dimension {i}.  "
                               f"Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}")
        full.append(target)
    if tuple(full) == tuple(shape) and isinstance(self, Tensor):
        return relabel(fnp.broadcast_to(self, tuple(full)), "ExpandBackward0", self)
    return fnp.broadcast_to(self, tuple(full))


def expand_as(self: Tensor, other: Tensor) -> Any:
    return expand(self, *other.shape)


def view_as(self: Tensor, other: Tensor) -> Any:
    return view(self, *other.shape)


def reshape_as(self: Tensor, other: Tensor) -> Any:
    return fnp.reshape(self, other._data.shape)


def repeat(self: Tensor, *sizes: Any) -> Any:
    """Tile the tensor ``sizes[i]`` times along each dimension."""
    reps = _shape_arg(sizes)
    if len(reps) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return relabel(fnp.tile(self, reps), "RepeatBackward0", self)


def flip_method(self: Tensor, *dims: Any) -> Any:
    return flip(self, _shape_arg(dims))


def tile_method(self: Tensor, *dims: Any) -> Any:
    return tile(self, _shape_arg(dims))


def where_method(self: Tensor, condition: Any, other: Any) -> Any:
    """``self`` where ``condition`` else ``other``."""
    return where(condition, self, other)
