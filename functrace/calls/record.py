"""Shared machinery of :mod:`functrace.calls.custom` and :mod:`functrace.calls.checkpointing`.

* :func:`call_primitive` -- a primitive whose impl and rules delegate to a
  per-call record passed as the parameter ``fun`` (a :class:`CallRecord`). The
  engine's equations are single-output, so these primitives are too.
* :class:`OutSpec` -- the flattened output of a user function. Its floating-point
  leaves are *packed* (ravelled and concatenated, in the widest float dtype) into
  the one array the primitive produces, and *unpacked* again with ordinary
  differentiable ops (``getitem``, ``reshape``, ``astype``); a single float leaf
  is used as is. Integer and boolean leaves are constants.
* :func:`vjp_leaves` / :func:`jvp_leaves` -- VJP/JVP of a flat function with
  respect to its floating-point leaves only.

The Tensor facade. A call on Tensors that require grad, made outside every
transform, reaches ``call.tensors(facade, leaves)`` (C1 in :mod:`functrace.core`).
This package does not import the facade, which sits above it; it uses only these
services of the ``facade`` object it is handed
(:class:`functrace.tensors._graph.TensorFacade`):

* ``facade.types`` -- the Tensor classes (exact types);
* ``facade.record(prim, args, params, out, name)`` -- a node of the Tensor graph for
  ``out = prim[params](args)`` computed elsewhere, its ``grad_fn`` named ``name``;
  returns the output Tensor;
* ``facade.requires_grad(x)`` -- whether ``x`` is a Tensor that requires grad;
* ``facade.constant(x)`` / ``facade.leaf(x)`` -- ``x`` as a Tensor without
  gradient (Tensors pass through) / a fresh copy that requires grad;
* ``facade.cotangent(g, keep)`` -- a rule's result as the backward pass wants it:
  a Tensor when recording (``keep``, ``create_graph``), else a numpy array;
* ``facade.grad(outs, wrt, cts, create_graph)`` -- ``autograd.grad`` (``None`` for
  unused inputs); ``facade.backward(outs, cts)`` and ``facade.grad_data(t)`` --
  ``autograd.backward`` and the data of ``t.grad``.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .. import numpy as fnp
from ..api import jvp, vjp
from ..core import Primitive, Tracer, concrete, lower_constant
from ..tree import tree_flatten, tree_unflatten


def is_inexact(x: Any) -> bool:
    """Whether ``x`` (array, tracer, Tensor or number) has a floating/complex dtype."""
    return np.result_type(concrete(x)).kind in "fc"


def aval(x: Any) -> tuple:
    """``(shape, dtype)`` of ``x`` as user code sees it (under ``vmap`` a tracer's
    shape leaves out the batch axis, its concrete value does not)."""
    value = concrete(x)
    shape = tuple(x.shape) if isinstance(x, Tracer) else np.shape(value)
    return shape, np.result_type(value)


def zeros_like(x: Any) -> np.ndarray:
    """Constant zeros shaped like ``x`` (any tracer layer)."""
    shape, dtype = aval(x)
    return np.zeros(shape, dtype=dtype)


# -- the call primitive ---------------------------------------------------------------

class CallRecord:
    """Per-call state of a call primitive; subclasses implement ``pullback``,
    which gives every input's cotangent at once (the primitive's all-arguments
    VJP rule, called once per backward pass)."""

    name = "call"

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        raise NotImplementedError

    def impl(self, args: tuple) -> Any:
        raise NotImplementedError(f"{self.name} has no implementation at the root trace")

    def jvp(self, primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
        raise NotImplementedError(f"{self.name} has no forward-mode rule")

    def batch(self, args: Sequence[Any], dims: Sequence[Optional[int]]) -> tuple:
        raise NotImplementedError(f"{self.name} has no batching rule")

    def replay(self, args: Sequence[Any]) -> Any:
        """Recompute the (packed) output from the inputs under the current trace."""
        raise NotImplementedError(f"{self.name} cannot be replayed")

    def rule(self) -> Optional[Callable]:
        """The user's function that computes the derivative, if one does (named by
        ``functrace.debug_nans`` when its result is not finite)."""
        return None

    def __repr__(self) -> str:
        return self.name


def _call_impl(*args: Any, fun: CallRecord) -> Any:
    return fun.impl(args)


def _call_vjp_all(ct: Any, ins: Any, out: Any, needed: frozenset, fun: CallRecord) -> list:
    return fun.pullback(ct, ins)


def _call_jvp(primals: Any, tangents: Any, out: Any, fun: CallRecord) -> Any:
    return fun.jvp(primals, tangents)


def _call_batch(args: Any, dims: Any, fun: CallRecord) -> tuple:
    return fun.batch(args, dims)


def call_primitive(name: str, saves: str = "in") -> Primitive:
    """An unregistered primitive whose impl and rules are the methods of its
    ``fun`` parameter (a :class:`CallRecord`). It saves its inputs, unless the
    record keeps what its pullback needs itself (``saves="none"``)."""
    prim = Primitive(name, _call_impl, jvp=_call_jvp, saves=saves, vjp_all=_call_vjp_all)
    prim.batch = _call_batch
    return prim


def replay(eqns: Sequence[tuple], env: dict, frees: Optional[list] = None) -> None:
    """Re-run recorded equations ``(prim, params, in_ids, out_id, consts)`` under
    the current trace, reading and writing values by id in ``env``. Equations of
    call primitives re-run their ``fun.replay(args)``. ``frees[k]`` lists the ids
    to drop from ``env`` after equation ``k`` (see :func:`last_uses`)."""
    for k, (prim, params, in_ids, out_id, consts) in enumerate(eqns):
        args = [consts[i] if vid is None else env[vid] for i, vid in enumerate(in_ids)]
        fun = params.get("fun")
        if isinstance(fun, CallRecord):
            env[out_id] = fun.replay(args)
        else:
            env[out_id] = prim.bind(*args, **params)
        if frees is not None:
            for vid in frees[k]:
                del env[vid]


def last_uses(eqns: Sequence[tuple], keep: Sequence[int]) -> list:
    """For :func:`replay`: after each equation, the ids no later equation reads
    (except ``keep``), so intermediates are freed as in a normal run."""
    last: dict = {}
    for k, (_, _, in_ids, out_id, _) in enumerate(eqns):
        last[out_id] = k
        for vid in in_ids:
            if vid is not None:
                last[vid] = k
    frees: list = [[] for _ in eqns]
    kept = set(keep)
    for vid, k in last.items():
        if vid not in kept:
            frees[k].append(vid)
    return frees


def skeleton(eqns: Sequence[Any]) -> list:
    """Equations without their residuals: only the constant inputs are kept
    (they must have been recorded, e.g. with the ``ALL`` residual policy)."""
    return [(e.prim, e.params, e.in_ids, e.out_id,
             [v if vid is None else None for v, vid in zip(e.ins, e.in_ids)])
            for e in eqns]


def unwrap_own(trace: Any, leaves: Sequence[Any]) -> tuple:
    """(values one layer down, mask of the leaves that are ``trace``'s own tracers);
    the other leaves are constants, lowered to plain values (contract C2)."""
    values, own = [], []
    for leaf in leaves:
        mine = getattr(leaf, "_trace", None) is trace
        values.append(leaf._value if mine else lower_constant(leaf))
        own.append(mine)
    return values, own


# -- packing a function's outputs ------------------------------------------------------

class OutSpec:
    """The flattened output of a call: which leaves are differentiable and how
    they are packed into one array.

    >>> spec = OutSpec.of((np.ones(2), np.float32(3.0), 4))
    >>> spec.pack(spec.leaves_of((np.ones(2), np.float32(3.0), 4)))
    array([1., 1., 3.])
    >>> [np.asarray(x).tolist() for x in spec.unpack(np.arange(3.0))]
    [[0.0, 1.0], 2.0]
    """

    __slots__ = ("tree", "diff", "shapes", "dtypes", "dtype", "bounds")

    def __init__(self, tree: Any, leaves: list, diff: Optional[Sequence[int]] = None):
        self.tree = tree
        self.diff = [i for i, leaf in enumerate(leaves) if is_inexact(leaf)] \
            if diff is None else list(diff)
        self.shapes = [aval(leaves[i])[0] for i in self.diff]
        self.dtypes = [aval(leaves[i])[1] for i in self.diff]
        self.dtype = np.result_type(*self.dtypes) if self.dtypes else np.dtype(np.float64)
        self.bounds = [0]
        for shape in self.shapes:
            size = 1
            for d in shape:
                size *= int(d)
            self.bounds.append(self.bounds[-1] + size)

    @classmethod
    def of(cls, out: Any) -> "OutSpec":
        leaves, tree = tree_flatten(out)
        return cls(tree, leaves)

    @property
    def n(self) -> int:
        """How many differentiable output leaves."""
        return len(self.diff)

    def leaves_of(self, out: Any) -> list:
        """All leaves of an output with this structure (checked)."""
        leaves, tree = tree_flatten(out)
        if tree != self.tree:
            raise TypeError(f"output structure {tree} differs from the expected {self.tree}")
        return leaves

    def pack(self, leaves: list) -> Any:
        """One array holding the differentiable leaves (ops under the current trace)."""
        diff = [leaves[i] for i in self.diff]
        if len(diff) == 1:
            return diff[0]
        if not diff:
            return np.zeros(0, self.dtype)
        parts = [fnp.ravel(d if np.result_type(concrete(d)) == self.dtype
                           else fnp.astype(d, self.dtype)) for d in diff]
        return fnp.concatenate(parts)

    def unpack(self, packed: Any) -> list:
        """The differentiable leaves back from a packed array (or cotangent)."""
        if self.n == 1:
            return [packed]
        out = []
        for k, (shape, dtype) in enumerate(zip(self.shapes, self.dtypes)):
            part = fnp.reshape(fnp.getitem(packed, slice(self.bounds[k], self.bounds[k + 1])),
                               shape)
            out.append(part if np.result_type(concrete(part)) == dtype
                       else fnp.astype(part, dtype))
        return out

    def rebuild(self, diff_leaves: list, leaves: list) -> Any:
        """The output pytree: ``diff_leaves`` at the differentiable positions, the
        other leaves taken from ``leaves`` (constants)."""
        full = list(leaves)
        for i, d in zip(self.diff, diff_leaves):
            full[i] = d
        return tree_unflatten(self.tree, full)


# -- VJP / JVP with respect to the floating-point leaves ---------------------------------

def _on_float_leaves(f: Callable, leaves: Sequence[Any]) -> tuple:
    idx = [i for i, leaf in enumerate(leaves) if is_inexact(leaf)]

    def f_float(*fl: Any) -> Any:
        full = list(leaves)
        for i, v in zip(idx, fl):
            full[i] = v
        return f(*full)

    return idx, f_float


def vjp_leaves(f: Callable, leaves: Sequence[Any], ct: Any) -> list:
    """Cotangents of ``f(*leaves)`` (one output array) for every leaf; ``None``
    for the integer/boolean leaves."""
    idx, f_float = _on_float_leaves(f, leaves)
    grads: list = [None] * len(leaves)
    if idx:
        _, pull = vjp(f_float, *[leaves[i] for i in idx])
        for i, g in zip(idx, pull(ct)):
            grads[i] = g
    return grads


def jvp_leaves(f: Callable, leaves: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """``(f(*leaves), tangent)`` by forward mode; ``None`` tangents are zeros."""
    idx, f_float = _on_float_leaves(f, leaves)
    tans = tuple(zeros_like(leaves[i]) if tangents[i] is None else tangents[i] for i in idx)
    return jvp(f_float, tuple(leaves[i] for i in idx), tans)


# -- the Tensor facade ---------------------------------------------------------------------

def camel(name: str) -> str:
    """``clip_gradient`` -> ``ClipGradient`` (PyTorch-style node names)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_")) or "Custom"
