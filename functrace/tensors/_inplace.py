"""In-place operations: ``add_``, ``mul_``, ``zero_``, ``copy_``, ``t[i] = v``, ``+=``, ...

Each is its out-of-place operation followed by :func:`commit`, which writes the
result into the tensor's own buffer (so ``detach()``-ed aliases see it), bumps
the version counter and, when the result was recorded, makes the tensor the
output of the new node (its ``grad_fn`` changes, as in PyTorch). Nodes that
saved the old value detect the change at backward time through the version
counter and raise PyTorch's "modified by an inplace operation" error.

The Tensor methods built from these (which in-place variant exists for which
operation) are rows of the facade's name table, :mod:`._names`.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import numpy as fnp
from ..grad_mode import is_grad_enabled
from ..primitives import indexing as S
from ._random import draw
from ._graph import Node, relabel
from ._tensor import TENSOR_TYPES, Tensor, bump_version, make, next_id

_VIEW_PRIMS = frozenset({"reshape", "transpose", "getitem", "broadcast_to", "flip"})


def check_inplace(t: Tensor) -> None:
    """PyTorch's errors for in-place operations that would corrupt the graph."""
    if not is_grad_enabled():
        return
    node = t._node
    if node is None and t._rg:
        raise RuntimeError("a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if node is not None and node.prim.name in _VIEW_PRIMS and t._data.base is not None:
        raise RuntimeError(
            f"a view produced by {node.name()} is being modified in-place while gradients "
            "are recorded; functrace does not rebase the base tensor's graph (PyTorch's "
            "CopySlices). Use an out-of-place operation, or .clone() the view first.")


def commit(t: Tensor, result: Any, start: int) -> Tensor:
    """Write ``result`` into ``t`` in place and make ``t`` its graph output (a
    constant when ``result`` is one while gradients are recorded).

    ``start`` is an id taken before ``result`` was computed: nodes recorded since
    then that saved ``t``'s buffer get a private copy before it is overwritten.
    """
    new = result._data if isinstance(result, Tensor) else np.asarray(result)
    data = t._data
    node = getattr(result, "_node", None)
    if node is not None:
        _privatize_saved(node, t, start)
    if new.shape != data.shape:
        if np.broadcast_shapes(new.shape, data.shape) != data.shape:
            raise RuntimeError(f"output with shape {list(data.shape)} doesn't match the "
                               f"broadcast shape {list(np.broadcast_shapes(new.shape, data.shape))}")
    _writable(t)
    try:
        np.copyto(data, new, casting="same_kind")
    except TypeError:
        raise RuntimeError(f"result type {new.dtype} can't be cast to the desired output "
                           f"type {data.dtype}") from None
    bump_version(t)
    if node is not None:
        t._node = node
        t._id = node.out_id
        t._rg = True
    elif t._rg and is_grad_enabled():
        # A constant result (floor_, round_, sign_, //=): the new value depends on
        # nothing, like the out-of-place result; keeping the old node would send
        # gradients through an operation whose output was overwritten.
        t._node = None
        t._rg = False
    return t


def _writable(t: Tensor) -> None:
    if not t._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location (it is an expanded "
                           "view). Please clone() the tensor before performing the operation.")


def _privatize_saved(last: Any, t: Tensor, start: int) -> None:
    """Nodes recorded by this in-place op saved ``t``, about to be overwritten: give
    them a snapshot of the old value instead."""
    snapshot = None
    stack = [last]
    while stack:
        node = stack.pop()
        if node.args is not None:
            for i, a in enumerate(node.args):
                if a is t:
                    if snapshot is None:
                        snapshot = make(t._data.copy(), t._node, t._rg)
                        snapshot._id = t._id
                    node.ins[i] = snapshot._data
                    node.args = node.args[:i] + (snapshot,) + node.args[i + 1:]
                    if node.vers is not None:
                        node.vers[i] = 0
        stack.extend(p for p in node.parents
                     if isinstance(p, Node) and p.out_id > start)


def inplace_of(fn: Callable[..., Any], name: str) -> Callable[..., Tensor]:
    """The in-place method ``name`` (``add_``, ``__iadd__``) of ``fn(self, ...)``."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        check_inplace(self)
        start = next_id()
        return commit(self, fn(self, *args, **kwargs), start)
    method.__name__ = name
    method.__doc__ = f"In-place version of ``{fn.__name__}``: modifies and returns ``self``."
    return method


def _recording(t: Tensor, *others: Any) -> bool:
    return is_grad_enabled() and (t._rg or any(type(o) in TENSOR_TYPES and o._rg for o in others))


def _fill(self: Tensor, value: Any, name: str) -> Tensor:
    check_inplace(self)
    if _recording(self, value):
        start = next_id()
        return commit(self, relabel(self * 0 + value, name), start)
    v = value._data if isinstance(value, Tensor) else value
    _writable(self)
    self._data[...] = v
    bump_version(self)
    if self._node is not None:                       # under no_grad: no longer in the graph
        self._node, self._rg = None, False
    return self


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place."""
    return _fill(self, 0, "ZeroBackward0")


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` in place."""
    return _fill(self, value, "FillBackward3" if isinstance(value, Tensor) else "FillBackward2")


def copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast, cast) into ``self``; the gradient flows to ``src``."""
    return _fill(self, src, "CopyBackwards")


def setitem(self: Tensor, idx: Any, value: Any) -> None:
    """``t[idx] = value``; recorded (``CopySlices``) when gradients are involved."""
    check_inplace(self)
    idx = S.normalize_index(idx)
    if not _recording(self, value):
        _writable(self)
        self._data[idx] = value._data if isinstance(value, Tensor) else value
        bump_version(self)
        return
    start = next_id()
    part = fnp.getitem(self, idx)
    dtype, shape = part._data.dtype, part._data.shape
    value = fnp.astype(value, dtype) if isinstance(value, Tensor) else np.asarray(value, dtype)
    put = S.scatter(fnp.broadcast_to(value, shape), idx, self._data.shape)
    mask = np.zeros(self._data.shape, dtype=bool)
    mask[idx] = True
    commit(self, relabel(fnp.where(mask, put, self), "CopySlices"), start)


def _random_fill(self: Tensor, sample: Callable[[tuple], np.ndarray]) -> Tensor:
    check_inplace(self)
    _writable(self)
    self._data[...] = sample(self._data.shape)
    bump_version(self)
    return self


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with uniform random numbers from ``[a, b)``."""
    return _random_fill(self, lambda s: draw(generator, lambda r: r.uniform(a, b, s)))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Any = None) -> Tensor:
    """Fill with normal random numbers."""
    return _random_fill(self, lambda s: draw(generator, lambda r: r.normal(mean, std, s)))


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 1 with probability ``p`` (a float or a broadcastable tensor), else 0."""
    probs = p._data if isinstance(p, Tensor) else np.asarray(p, dtype=float)
    if np.any((probs < 0) | (probs > 1)) or np.any(np.isnan(probs)):
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _random_fill(self, lambda s: draw(generator, lambda r: r.random(s) < probs))
