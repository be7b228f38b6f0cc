"""``vmap``: map a function over an array axis with one batched call per primitive.

``vmap(f)(xs)`` runs ``f`` once on :class:`BatchTracer` values whose user-visible
shape leaves out the batch axis. Each primitive applied to them goes to the
:class:`BatchTrace`, which calls the primitive's batching rule (declared in its
registry entry, see :mod:`functrace.primitives.batch_rules`) with the parent trace current:
one call on the whole batch, no Python loop. Like every trace, it treats only its
own tracers as batched, so ``vmap`` nests and composes with ``grad``, ``vjp`` and
``jvp`` in both orders (``vmap(grad(f))`` gives per-example gradients).

Values under ``vmap`` differ across the batch, so Python control flow on them
(``if x > 0``, ``float(x)``) raises :class:`functrace.core.ConcretizationError`;
use ``fnp.where``. For the same reason, code that builds constants with numpy from
``concrete(x)`` (a mask ``concrete(x) > 0``) is not batch-aware: such a mask holds
the whole batch. Build masks with ``functrace.numpy`` comparisons (non-differentiable
primitives) instead; the rules in the registry do. Integer index arrays may be
batched (``x[i]``, ``fnp.take``, ``fnp.take_along_axis`` with a batched ``i``: one
gather); a plain numpy array indexed by a batched value must go through
``fnp.getitem``. A primitive without a batching rule falls back to a loop over
the batch, with a one-time warning naming it.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> per_example = functrace.vmap(functrace.grad(lambda w, x: fnp.sum(w * x) ** 2),
...                              in_axes=(None, 0))
>>> per_example(np.ones(2), np.array([[1.0, 0.0], [1.0, 1.0]]))
array([[2., 0.],
       [4., 4.]])
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, Optional

import numpy as np

from .argnums import arg_label, call_traced, check_callable
from .core import (PLAIN, Primitive, Trace, Tracer, call_under, concrete, current_trace,
                   lower_constant)
from .primitives.batch_rules import moveaxis, shape_of
from .primitives.indexing import concatenate_p, getitem_p
from .primitives.reductions import broadcast_to_p
from .primitives.shape_ops import reshape_p
from .tree import PyTreeDef, tree_flatten, tree_unflatten, unregistered_hint

AxisSpec = Any   # an int, None, or a pytree prefix of them


class BatchTracer(Tracer):
    """A value with one entry per batch element: ``_value`` carries the batch
    axis at ``_bdim``; ``shape`` (what user code sees) leaves it out."""

    __slots__ = ("_bdim",)

    def __init__(self, trace: "BatchTrace", value: Any, bdim: int):
        self._trace = trace
        self._value = value
        self._bdim = bdim

    @property
    def shape(self) -> tuple:
        s = shape_of(self._value)
        return s[:self._bdim] + s[self._bdim + 1:]

    def __repr__(self) -> str:
        return f"BatchTracer(bdim={self._bdim}, value={self._value!r})"


class BatchTrace(Trace):
    """Hands each primitive on its own tracers to the primitive's batching rule."""

    __slots__ = ("size",)

    def __init__(self, parent: Trace, size: int):
        super().__init__(parent, "vmap")
        self.size = size

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        dims = None
        values: Any = args
        for i, arg in enumerate(args):
            if type(arg) is BatchTracer and arg._trace is self:
                if dims is None:
                    dims = [None] * len(args)
                    values = list(values)
                dims[i] = arg._bdim
                values[i] = arg._value
            elif type(arg) not in PLAIN:      # a Tensor, a pandas Series, ...: constants (C2)
                low = lower_constant(arg)         # (another trace's tracer stays as it is)
                if low is not arg:
                    values = list(values)
                    values[i] = low
        if dims is None:
            return self.parent.process(prim, values, params)
        if prim.batch is None:
            out, out_dim = call_under(self.parent, loop_batch, prim, values, dims, params,
                                      self.size)
        else:
            out, out_dim = call_under(self.parent, prim.batch, values, dims, **params)
        return out if out_dim is None else BatchTracer(self, out, out_dim)


_WARNED: set = set()


def loop_batch(p: Primitive, args: list, dims: list, params: dict, size: int) -> tuple:
    """The fallback for a primitive without a batching rule: one call per batch
    element, stacked along axis 0 (warns once per primitive)."""
    if p.name not in _WARNED:
        _WARNED.add(p.name)
        warnings.warn(f"vmap: primitive {p.name!r} has no batching rule; falling back to "
                      "a Python loop over the batch (slow). Give it a batch= rule in its "
                      "registry entry.", RuntimeWarning, stacklevel=4)
    if size == 0:
        raise ValueError(f"vmap: cannot loop {p.name!r} over an empty batch")
    outs = []
    for b in range(size):
        sliced = [a if d is None else
                  getitem_p.bind(a, idx=(slice(None),) * d + (b,))
                  for a, d in zip(args, dims)]
        out = p.bind(*sliced, **params)
        outs.append(reshape_p.bind(out, shape=(1,) + shape_of(out)))
    return concatenate_p.bind(*outs, axis=0), 0


# -- in_axes / out_axes --------------------------------------------------------------

def _is_axis(x: Any) -> bool:
    return x is None or (isinstance(x, (int, np.integer)) and not isinstance(x, bool))


def flat_axes(prefix: AxisSpec, tree: Any, what: str) -> list:
    """One axis per leaf of ``tree``, from ``prefix`` (a pytree prefix of ``tree``
    whose leaves are ints or None), as JAX's ``in_axes``/``out_axes``."""
    pleaves, pdef = tree_flatten(prefix, is_leaf=_is_axis)
    check_axis_spec(pleaves, what)
    out: list = []
    _broadcast(pdef, iter(pleaves), tree_flatten(tree)[1], out, what)
    return out


def check_axis_spec(spec: Any, what: str) -> None:
    """``TypeError`` unless every leaf of ``spec`` (in_axes/out_axes) is an int or None."""
    for leaf in tree_flatten(spec, is_leaf=_is_axis)[0]:
        if not _is_axis(leaf):
            raise TypeError(f"vmap {what} must be an int, None, or a (nested) container "
                            f"of them, got an entry {leaf!r}")


def _check_axis_size(axis_size: Any) -> None:
    if axis_size is not None and (isinstance(axis_size, bool) or not isinstance(
            axis_size, (int, np.integer)) or axis_size < 0):
        raise TypeError(f"vmap axis_size must be a non-negative int (the batch size when no "
                        f"argument is mapped), got {axis_size!r}")


def _broadcast(pdef: PyTreeDef, pleaves: Any, tdef: PyTreeDef, out: list, what: str) -> None:
    if pdef.node_type is None:
        out.extend([next(pleaves)] * tdef.num_leaves)
        return
    if (pdef.node_type != tdef.node_type or pdef.aux != tdef.aux
            or len(pdef.children) != len(tdef.children)):
        raise ValueError(f"vmap {what} specification must be a tree prefix of the "
                         f"corresponding value, got specification {pdef} for value tree "
                         f"{tdef}")
    for pc, tc in zip(pdef.children, tdef.children):
        _broadcast(pc, pleaves, tc, out, what)


def _as_batched_leaf(leaf: Any) -> Any:
    if isinstance(leaf, (Tracer, np.ndarray)):
        return leaf
    arr = np.asarray(concrete(leaf))
    if arr.dtype == object:
        raise TypeError(f"vmap cannot map over a {type(leaf).__name__}: pass arrays, "
                        "numbers, or pytrees of them" + unregistered_hint(leaf))
    return arr


def _leaf_labels(f: Callable, args: tuple, kwargs: dict) -> list:
    labels = []
    for i, a in enumerate(args):
        n = len(tree_flatten(a)[0])
        name = f"argument {arg_label(f, i)}"
        labels += [name] if n == 1 else [f"{name} (leaf {k})" for k in range(n)]
    for key, a in sorted(kwargs.items()):
        labels += [f"keyword argument {key!r}"] * len(tree_flatten(a)[0])
    return labels


def _type_str(x: Any) -> str:
    dtype = np.result_type(concrete(x))
    return f"{dtype}[{','.join(map(str, shape_of(x)))}]"


def _axis_size(leaves: list, axes: list, labels: Callable[[], list],
               axis_size: Optional[int]) -> int:
    """The common size of the mapped axes; errors name the arguments (``labels()``)."""
    sizes = []
    for k, (leaf, ax) in enumerate(zip(leaves, axes)):
        if ax is None:
            continue
        shape = shape_of(leaf)
        if not -len(shape) <= ax < len(shape):
            label = labels()[k]
            raise ValueError(
                f"vmap was requested to map its {label} along axis {ax}, which implies "
                f"that its rank should be at least {ax + 1 if ax >= 0 else -ax}, but is "
                f"only {len(shape)} (its shape is {shape})")
        sizes.append((shape[ax], k, ax))
    if axis_size is not None:
        sizes.append((int(axis_size), None, None))
    if not sizes:
        raise ValueError("vmap must have at least one non-None value in in_axes "
                         "(or be given axis_size)")
    if len({n for n, _, _ in sizes}) > 1:
        names = labels()
        lines = "\n".join(
            f"  * one axis had size {n}: " + ("axis_size" if k is None else
                                               f"axis {ax} of {names[k]} of type "
                                               f"{_type_str(leaves[k])}")
            for n, k, ax in sizes)
        raise ValueError(f"vmap got inconsistent sizes for array axes to be mapped:\n{lines}")
    return sizes[0][0]


def _unbatch(trace: BatchTrace, leaf: Any, ax: Optional[int]) -> Any:
    """An output leaf with its batch axis at ``ax`` (broadcast if it is unbatched)."""
    mapped = type(leaf) is BatchTracer and leaf._trace is trace
    if ax is None:
        if mapped:
            raise ValueError("vmap has mapped output but out_axes is None")
        return leaf
    rank = len(shape_of(leaf)) + 1       # with the batch axis
    if not -rank <= ax < rank:
        raise ValueError(f"vmap out_axes={ax} is out of range for an output of rank "
                         f"{rank - 1}: with the batch axis it has {rank} axes, so out_axes "
                         f"must be in [{-rank}, {rank - 1}] (or None for an unmapped output)")
    if mapped:
        return moveaxis(leaf._value, leaf._bdim, ax)
    if isinstance(leaf, Tracer):
        shape = shape_of(leaf)
        ax %= len(shape) + 1
        expanded = reshape_p.bind(leaf, shape=shape[:ax] + (1,) + shape[ax:])
        return broadcast_to_p.bind(
            expanded, shape=shape[:ax] + (trace.size,) + shape[ax:])
    arr = np.asarray(leaf)
    return np.repeat(np.expand_dims(arr, ax % (arr.ndim + 1)), trace.size,
                     axis=ax % (arr.ndim + 1))


# -- vmap ------------------------------------------------------------------------------

def vmap(f: Callable, in_axes: AxisSpec = 0, out_axes: AxisSpec = 0,
         axis_size: Optional[int] = None) -> Callable:
    """Vectorize ``f`` over an axis of its arguments, as ``jax.vmap``.

    ``in_axes``: an int (the mapped axis of every argument), ``None`` (not
    mapped), or a tuple with one entry per positional argument, each entry a
    pytree prefix of that argument with ints/None as leaves. Keyword arguments
    are mapped over axis 0. ``out_axes`` says where the batch axis goes in each
    output (a pytree prefix of the output); unbatched outputs are broadcast.
    ``axis_size`` gives the batch size when no argument is mapped.

    >>> import numpy as np, functrace.numpy as fnp
    >>> vmap(lambda a, b: a @ b, in_axes=(0, None))(np.ones((3, 2)), np.ones(2))
    array([2., 2., 2.])
    >>> vmap(lambda x: {"twice": 2 * x}, in_axes=1, out_axes={"twice": 1})(np.eye(2))
    {'twice': array([[2., 0.],
           [0., 2.]])}
    """
    check_callable(f, "vmap")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    check_axis_spec(in_axes, "in_axes")
    check_axis_spec(out_axes, "out_axes")
    _check_axis_size(axis_size)

    @functools.wraps(f)
    def vmapped(*args: Any, **kwargs: Any) -> Any:
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(
                "vmap in_axes must be an int, None, or a tuple of entries corresponding "
                f"to the positional arguments passed to the function, but got "
                f"len(in_axes)={len(in_axes)}, len(args)={len(args)}")
        spec = (in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args), 0)
        leaves, tree = tree_flatten((args, kwargs))
        axes = flat_axes(spec, (args, kwargs), "in_axes")
        leaves = [leaf if ax is None else _as_batched_leaf(leaf)
                  for leaf, ax in zip(leaves, axes)]
        size = _axis_size(leaves, axes, lambda: _leaf_labels(f, args, kwargs), axis_size)
        trace = BatchTrace(current_trace(), size)
        try:
            leaves = [leaf if ax is None else BatchTracer(trace, leaf, ax % len(shape_of(leaf)))
                      for leaf, ax in zip(leaves, axes)]
            b_args, b_kwargs = tree_unflatten(tree, leaves)
            out = call_under(trace, call_traced, f, *b_args, **b_kwargs)
        finally:
            trace.alive = False
        out_leaves, out_tree = tree_flatten(out)
        oaxes = flat_axes(out_axes, out, "out_axes")
        return tree_unflatten(out_tree, [_unbatch(trace, leaf, ax)
                                         for leaf, ax in zip(out_leaves, oaxes)])

    return vmapped
