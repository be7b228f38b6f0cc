"""More numpy shape functions, as exact composites of the shape primitives.

stack-likes (``hstack``, ``vstack``, ``dstack``, ``column_stack``) are
``concatenate``; ``split`` and friends are basic slices (``getitem``); ``roll``
is a ``concatenate`` of two slices per axis; ``tile`` and scalar ``repeat`` are
``reshape`` + ``broadcast_to`` + ``reshape``; per-element ``repeat``, ``take``,
``take_along_axis`` and ``sort`` are ``getitem`` with constant integer arrays
(so duplicated indices accumulate in the gradient); ``pad`` is the ``pad``
primitive. Integer arguments (shifts, indices, repeats) are constants.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.grad(lambda x: fnp.sum(fnp.roll(x, 1) * np.arange(3.0)))(np.ones(3))
array([1., 2., 0.])
"""
from __future__ import annotations

import operator
from typing import Any, Optional, Sequence, Union

import numpy as np

from ..core import concrete, concrete_value, is_tracer
from ..primitives import indexing as S
from ..primitives.nondiff import argsort_p
from ._shape import broadcast_to, concatenate, ravel, reshape
from ._ufuncs import astype

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "dstack",
           "column_stack", "split", "array_split", "hsplit", "vsplit", "dsplit", "roll",
           "tile", "repeat", "pad", "take", "take_along_axis", "sort"]

Axis = Optional[int]


def _arr(a: Any) -> Any:
    """Tracers unchanged; lists and numbers as numpy arrays (so ``a[idx]`` works)."""
    return a if is_tracer(a) else np.asarray(a)


def _shape(a: Any) -> tuple:
    return tuple(np.shape(a))


def _axis(axis: int, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < max(ndim, 1):
        raise np.exceptions.AxisError(
            f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % max(ndim, 1)


def _along(axis: int, item: Any) -> tuple:
    """An index tuple selecting ``item`` along ``axis`` and everything elsewhere."""
    return (slice(None),) * axis + (item,)


def _const_ints(x: Any, what: str) -> np.ndarray:
    arr = np.asarray(concrete_value(x))
    if arr.ndim != np.ndim(x):
        raise TypeError(f"{what} batched by vmap are not supported here")
    if arr.size == 0 and arr.dtype.kind == "f":
        arr = arr.astype(np.intp)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers, got dtype {arr.dtype}")
    return arr


# -- promotion and stacking ---------------------------------------------------------

def _atleast(arys: tuple, fn: Any) -> Any:
    res = [fn(a) for a in arys]
    return res[0] if len(res) == 1 else tuple(res)


def _at_least_1d(a: Any) -> Any:
    return reshape(a, (1,)) if np.ndim(a) == 0 else a


def _at_least_2d(a: Any) -> Any:
    nd = np.ndim(a)
    return reshape(a, (1,) * (2 - nd) + _shape(a)) if nd < 2 else a


def _at_least_3d(a: Any) -> Any:
    shape = _shape(a)
    new = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)
    return reshape(a, new) if new != shape else a


def atleast_1d(*arys: Any) -> Any:
    """At least one dimension. Example: ``fnp.atleast_1d(x).shape == (1,)`` for a 0-d ``x``."""
    return _atleast(arys, _at_least_1d)


def atleast_2d(*arys: Any) -> Any:
    """At least two dimensions; ``(n,)`` becomes ``(1, n)``. Example: ``fnp.atleast_2d(x)``."""
    return _atleast(arys, _at_least_2d)


def atleast_3d(*arys: Any) -> Any:
    """At least three dimensions: ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes ``(m, n, 1)``.

    Example: ``fnp.atleast_3d(x, y)`` returns a tuple of two arrays.
    """
    return _atleast(arys, _at_least_3d)


def _cast(arrays: list, dtype: Any, casting: str) -> list:
    if casting != "same_kind":
        raise NotImplementedError("functrace stacking functions support casting='same_kind' only")
    if dtype is None:
        return arrays
    return [astype(a, dtype) for a in arrays]


def hstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Stack horizontally: along axis 0 for 1-d inputs, else along axis 1.

    Example: ``fnp.hstack([x, y])`` for vectors is their concatenation.
    """
    arrs = _cast([_at_least_1d(a) for a in tup], dtype, casting)
    return concatenate(arrs, axis=0 if arrs and np.ndim(arrs[0]) == 1 else 1)


def vstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Stack vertically (rows); 1-d inputs become rows. Example: ``fnp.vstack([x, y])``."""
    return concatenate(_cast([_at_least_2d(a) for a in tup], dtype, casting), axis=0)


def dstack(tup: Sequence[Any]) -> Any:
    """Stack along the third axis after :func:`atleast_3d`. Example: ``fnp.dstack([x, y])``."""
    return concatenate([_at_least_3d(a) for a in tup], axis=2)


def column_stack(tup: Sequence[Any]) -> Any:
    """1-d inputs become columns; 2-d inputs are stacked as they are, along axis 1.

    Example: ``fnp.column_stack([x, y])`` has shape ``(n, 2)`` for vectors.
    """
    cols = [reshape(a, (-1, 1)) if np.ndim(a) < 2 else a for a in tup]
    return concatenate(cols, axis=1)


# -- splitting ---------------------------------------------------------------------------

def _split_bounds(n: int, sections: Any, equal: bool) -> list:
    if np.ndim(concrete(sections)) == 0:
        k = operator.index(concrete_value(sections))
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        if equal and n % k:
            raise ValueError("array split does not result in an equal division")
        each, extras = divmod(n, k)
        sizes = [each + 1] * extras + [each] * (k - extras)
        return [0] + np.cumsum(sizes).tolist()
    return [0] + [operator.index(i) for i in _const_ints(sections, "split indices")] + [n]


def _split(ary: Any, indices_or_sections: Any, axis: int, equal: bool) -> list:
    ary = _arr(ary)
    axis = _axis(axis, np.ndim(ary))
    bounds = _split_bounds(_shape(ary)[axis], indices_or_sections, equal)
    return [S.getitem_p.bind(ary, idx=_along(axis, slice(start, stop)))
            for start, stop in zip(bounds[:-1], bounds[1:])]


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Split into a list of sub-arrays; an int need not divide the axis evenly.

    Example: ``fnp.array_split(fnp.arange(5.0), 2)`` gives pieces of sizes 3 and 2.
    """
    return _split(ary, indices_or_sections, axis, equal=False)


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Split into equal sections (int) or at the given indices (list); returns a list.

    Example: ``a, b = fnp.split(x, [2])`` gives ``x[:2]`` and ``x[2:]``.
    """
    return _split(ary, indices_or_sections, axis, equal=True)


def hsplit(ary: Any, indices_or_sections: Any) -> list:
    """:func:`split` along axis 1 (axis 0 for 1-d arrays). Example: ``fnp.hsplit(m, 2)``."""
    if np.ndim(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, axis=1 if np.ndim(ary) > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list:
    """:func:`split` along axis 0 (2-d or more). Example: ``top, rest = fnp.vsplit(m, [1])``."""
    if np.ndim(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, axis=0)


def dsplit(ary: Any, indices_or_sections: Any) -> list:
    """:func:`split` along axis 2 (3-d or more). Example: ``fnp.dsplit(t, 2)``."""
    if np.ndim(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, axis=2)


# -- rearranging -------------------------------------------------------------------------

def roll(a: Any, shift: Any, axis: Union[int, Sequence[int], None] = None) -> Any:
    """Roll elements along ``axis`` (the flattened array when None); shifts wrap around.

    ``shift`` and ``axis`` may be tuples (broadcast against each other; shifts of
    the same axis add up). Example: ``fnp.roll(x, 1)`` moves the last element first.
    """
    a = _arr(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    shape, nd = _shape(a), np.ndim(a)
    totals: dict = {}
    for sh, ax in np.broadcast(_const_ints(shift, "shift"), _const_ints(axis, "axis")):
        ax = _axis(int(ax), nd)
        totals[ax] = totals.get(ax, 0) + int(sh)
    for ax, sh in totals.items():
        n = shape[ax]
        cut = n - sh % n if n else 0
        if 0 < cut < n:
            a = concatenate([S.getitem_p.bind(a, idx=_along(ax, slice(cut, None))),
                             S.getitem_p.bind(a, idx=_along(ax, slice(None, cut)))], axis=ax)
    return a


def tile(A: Any, reps: Any) -> Any:
    """Repeat the whole array ``reps`` times per axis (numpy's promotion rules).

    Example: ``fnp.tile(x, 2)`` is ``fnp.concatenate([x, x])`` for a vector.
    """
    reps = tuple(int(r) for r in np.atleast_1d(_const_ints(reps, "reps")))
    shape = _shape(A)
    reps = (1,) * (len(shape) - len(reps)) + reps
    shape = (1,) * (len(reps) - len(shape)) + shape
    interleaved = tuple(d for s in shape for d in (1, s))
    expanded = tuple(d for r, s in zip(reps, shape) for d in (r, s))
    out = broadcast_to(reshape(A, interleaved), expanded)
    return reshape(out, tuple(r * s for r, s in zip(reps, shape)))


def repeat(a: Any, repeats: Any, axis: Axis = None) -> Any:
    """Repeat each element ``repeats`` times (an int, or one count per element).

    With ``axis=None`` the array is flattened first. Example:
    ``fnp.repeat(x, 2)`` turns ``[a, b]`` into ``[a, a, b, b]``.
    """
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    shape = _shape(a)
    axis = _axis(axis, len(shape))
    counts = _const_ints(repeats, "repeats")
    if np.any(counts < 0):
        raise ValueError("repeats may not contain negative values.")
    if counts.size == 1:
        r, n = int(counts.reshape(())), shape[axis]
        wide = broadcast_to(reshape(a, shape[:axis + 1] + (1,) + shape[axis + 1:]),
                            shape[:axis + 1] + (r,) + shape[axis + 1:])
        return reshape(wide, shape[:axis] + (n * r,) + shape[axis + 1:])
    if counts.shape != (shape[axis],):
        raise ValueError(f"operands could not be broadcast together with shape "
                         f"({shape[axis]},) ({counts.size},)")
    return S.gather(a, _along(axis, np.repeat(np.arange(shape[axis]), counts)))


def _as_pairs(x: Any, ndim: int, what: str) -> np.ndarray:
    try:
        return np.broadcast_to(np.asarray(x), (ndim, 2))
    except ValueError:
        raise ValueError(f"{what} {np.asarray(x).tolist()} cannot be broadcast to "
                         f"({ndim}, 2) for a {ndim}-d array") from None


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """Pad with a constant (``mode="constant"`` only; ``constant_values`` defaults to 0).

    ``pad_width`` and ``constant_values`` follow numpy: an int, ``(before, after)``
    or one pair per axis. The fill values are constants (no gradient).
    Example: ``fnp.pad(x, 1)`` surrounds ``x`` with zeros.
    """
    if mode != "constant":
        raise NotImplementedError(f"functrace.numpy.pad supports mode='constant' only, "
                                  f"got mode={mode!r}")
    unknown = set(kwargs) - {"constant_values"}
    if unknown:
        raise ValueError(f"unsupported keyword arguments for mode 'constant': {unknown}")
    values = kwargs.get("constant_values", 0)
    if is_tracer(values):
        raise TypeError("pad: constant_values must be constants, not traced values "
                        "(use fnp.concatenate to pad with differentiable values)")
    nd = np.ndim(array)
    widths = _as_pairs(_const_ints(pad_width, "pad_width"), nd, "pad_width")
    if np.any(widths < 0):
        raise ValueError("index can't contain negative values")
    fills = _as_pairs(values, nd, "constant_values")
    return S.pad_p.bind(array, pad_width=tuple(tuple(int(w) for w in p) for p in widths),
                        constant_values=tuple(tuple(v.item() for v in p) for p in fills))


# -- gathering and sorting ---------------------------------------------------------------

def take(a: Any, indices: Any, axis: Axis = None, out: Any = None, mode: str = "raise") -> Any:
    """Elements at constant ``indices`` along ``axis`` (the flattened array when None).

    Repeated indices receive the sum of their cotangents. ``mode`` is
    ``"raise"``, ``"wrap"`` or ``"clip"`` as in numpy. Example:
    ``fnp.take(x, [0, 0, 2])``.
    """
    if out is not None:
        raise TypeError("take with out= cannot be traced: functrace arrays are immutable")
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, np.ndim(a))
    n = _shape(a)[axis]
    if _traced_indices(indices) and mode == "raise":
        return S.gather(a, _along(axis, indices))
    idx = _const_ints(indices, "indices")
    if mode == "wrap":
        idx = np.mod(idx, n)
    elif mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    elif mode != "raise":
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap', got {mode!r}")
    return S.gather(a, _along(axis, idx))


def take_along_axis(arr: Any, indices: Any, axis: Axis = -1) -> Any:
    """Pick values along ``axis`` with an index array of the same rank (numpy semantics).

    Example: ``fnp.take_along_axis(x, np.argsort(x, axis=1), axis=1)`` sorts rows.
    """
    arr = _arr(arr)
    idx = indices if _traced_indices(indices) else _const_ints(indices, "indices")
    if axis is None:
        if idx.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        arr, axis = ravel(arr), 0
    shape = _shape(arr)
    if idx.ndim != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    return S.take_along(arr, idx, _axis(axis, len(shape)))


def sort(a: Any, axis: Axis = -1, kind: Optional[str] = None, order: Any = None, *,
         stable: Optional[bool] = None) -> Any:
    """Sorted copy; the gradient flows back through the sorting permutation.

    Ties are broken by a stable argsort, so each tied element keeps its own
    cotangent, deterministically. Example: ``fnp.sort(x)[-1]`` is the maximum.
    """
    if order is not None:
        raise NotImplementedError("functrace.numpy.sort does not support order= "
                                  "(structured arrays)")
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    if is_tracer(a):     # traced (vmap: one permutation per batch element; jit: an op)
        perm = argsort_p.bind(a, axis=axis, kind="stable")
    else:
        perm = np.argsort(a, axis=axis, kind="stable")
    return take_along_axis(a, perm, axis=axis)


def _traced_indices(x: Any) -> bool:
    """Whether ``x`` is a traced integer index array that stays traced (an operand
    of the gather, see functrace.primitives.indexing): one with dimensions, or one
    with a vmap batch axis under its tracer layers."""
    if not is_tracer(x) or (np.ndim(x) == 0 and np.ndim(concrete(x)) == 0):
        return False
    if np.result_type(concrete(x)).kind not in "iu":
        raise TypeError(f"indices must be integers, got dtype {np.result_type(concrete(x))}")
    return True


def _vmap_batched(x: Any) -> bool:
    """Whether ``x`` has a vmap batch axis under its tracer layers (its concrete
    value has more dimensions than the tracer itself)."""
    return is_tracer(x) and np.ndim(concrete(x)) != np.ndim(x)
