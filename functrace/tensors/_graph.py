"""The persistent graph of the Tensor facade: nodes and leaves.

A primitive bound on Tensors outside any functional transform reaches
:func:`handle` through the facade object in the root trace's one slot
(:mod:`._facade`, :func:`functrace.core.set_facade`); inside a transform Tensors are constants,
which the transform lowers to their data itself (contract C2 in
:mod:`functrace.core`), so the facade never sees them.
It unwraps the data, runs the primitive's numpy ``impl`` and, when grad mode
is on and an input requires grad, records a :class:`Node`: an
:class:`~functrace.tape.Eqn` (so the one ``backward_pass`` can run it) plus the
links PyTorch users expect (``next_functions``, hooks, version snapshots).

Each node's class is named like PyTorch's ``grad_fn`` (``MulBackward0``); the
names come from :data:`TORCH_NAMES`, the node names of the facade's name table
(:mod:`._names`).
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Optional, Union

import numpy as np

from ..core import Primitive
from ..debugging.checks import check_value
from ..debugging.flow import facade_op
from ..debugging.mode import ARMED
from ..grad_mode import is_grad_enabled
from ..tape import DECLARED, Eqn, record_eqn
from ._promotion import PROMOTE_ALWAYS, promote
from ._tensor import TENSOR_TYPES, Tensor, make, next_id

_new = object.__new__
_ndarray = np.ndarray
_asarray = np.asarray

#: primitive name -> PyTorch grad_fn name (or a function of the params), filled from the
#: facade's name table (tensors/_names.py) when functrace.tensors is imported: the table
#: imports the facade's functions, which import this module. Primitives not listed get
#: ``<Name>Backward0``.
TORCH_NAMES: dict[str, Union[str, Callable[[dict], str]]] = {}


class NodeHooks:
    """Tensor hooks of a non-leaf tensor (kept on its node) and its retain_grad target."""

    __slots__ = ("fns", "retain")

    def __init__(self) -> None:
        self.fns: dict = {}
        self.retain: Optional[weakref.ref] = None


class Node(Eqn):
    """A recorded operation (PyTorch's ``grad_fn``), runnable by ``backward_pass``.

    Besides the :class:`~functrace.tape.Eqn` slots it keeps ``parents`` (per
    argument: the input's node, the input leaf tensor, or ``None``), the input
    tensors ``args`` and their versions ``vers`` (when inputs are saved and one
    has a version counter; otherwise all are at version 0), the output's
    version counter ``out_vc`` (once one exists for a saved output), ``freed``
    (saved values released by a backward without ``retain_graph``) and
    ``hooks``. Its ``out_id`` is also its creation order; ``seen`` holds the token
    of the last graph walk that visited it. Its class, named like PyTorch's
    ``grad_fn``, is chosen when it is recorded.
    """

    __slots__ = ("args", "parents", "vers", "out_vc", "freed", "hooks", "seen")

    def name(self) -> str:
        """The PyTorch-style name, e.g. ``"MulBackward0"``."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """``((node_or_AccumulateGrad_or_None, 0), ...)``, one pair per input."""
        return tuple((grad_fn_of(p), 0) for p in self.parents)

    def get_hooks(self) -> NodeHooks:
        if self.hooks is None:
            self.hooks = NodeHooks()
        return self.hooks

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class AccumulateGrad:
    """The node that accumulates a leaf's gradient into ``variable.grad``."""

    __slots__ = ("variable", "__weakref__")

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


def grad_fn_of(parent: Any) -> Any:
    """The node for a ``parents`` entry: a Node, a leaf's AccumulateGrad, or None."""
    if parent is None or isinstance(parent, Node):
        return parent
    meta = parent._get_meta()
    acc = meta.accum() if meta.accum is not None else None
    if acc is None:
        acc = AccumulateGrad(parent)
        meta.accum = weakref.ref(acc)
    return acc


_CLASSES: dict[str, type] = {}
_PRIM_CLASSES: dict[Primitive, type] = {}


def node_class(name: str) -> type:
    """The (cached) Node subclass called ``name``: one class per name, even when
    threads ask for a new one at once (``setdefault`` keeps the first)."""
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES.setdefault(
            name, type(name, (Node,), {"__slots__": (), "__module__": __name__}))
    return cls


def _class_for(prim: Primitive, params: dict) -> type:
    entry = TORCH_NAMES.get(prim.name)
    if callable(entry):
        return node_class(entry(params))
    name = entry or "".join(p.capitalize() for p in prim.name.split("_")) + "Backward0"
    cls = _PRIM_CLASSES[prim] = node_class(name)
    return cls


def relabel(out: Any, name: str, *inputs: Any) -> Any:
    """Rename ``out``'s grad_fn (for composites: ``mean`` shows ``MeanBackward0``)."""
    node = getattr(out, "_node", None)
    if node is not None:
        for i in inputs:
            if out is i:           # the input itself, not a result
                return out
        node.__class__ = node_class(name)
    return out


# -- the root handler -----------------------------------------------------------------

def handle(prim: Primitive, args: tuple, params: dict) -> Any:
    """Compute ``prim`` on Tensor arguments and record a node when needed."""
    datas = list(args)
    in_ids = parents = first = None
    uniform = True      # the Tensors' data all of first's dtype and shape, the rest Python numbers
    i = 0
    for a in args:
        kind = type(a)
        if kind in TENSOR_TYPES:
            data = datas[i] = a._data
            if first is None:
                first = data
            elif data.dtype is not first.dtype or data.shape != first.shape:
                uniform = False      # (numpy's dtypes of one type are one object, or promote)
            if a._rg:
                if in_ids is None:
                    in_ids = [None] * len(args)
                    parents = [None] * len(args)
                in_ids[i] = a._id
                parents[i] = a._node or a
        elif kind is not float and kind is not int:
            uniform = False
        i += 1
    # torch's dtypes (numpy's: the functional API); floating Tensors of one dtype and shape
    # with Python numbers already compute in torch's dtype (the usual case: ~0.4 us saved)
    if not uniform or first is None or first.dtype.kind != "f" or prim.name in PROMOTE_ALWAYS:
        promote(prim, datas)
    out = prim.impl(*datas, **params)
    if type(out) is not _ndarray:
        out = _asarray(out)
    if in_ids is None or prim.vjp is None or not is_grad_enabled():
        # _tensor.make() inlined here and in record(): calling it costs ~8 % per
        # facade op on tiny arrays (measured with a 100-op chain).
        t = _new(Tensor)
        t._data = out
        t._node = None
        t._id = next_id()
        t._rg = False
        t._vc = None
        t._grad = None
        t._meta = None
        if ARMED[0]:        # debugging: the NaN check (recorded ops: in record_eqn)
            check_value(prim, datas, params, out)
            facade_op(prim, args, t, is_grad_enabled())
        return t
    t = record(prim, args, datas, params, in_ids, parents, out)
    if ARMED[0]:
        facade_op(prim, args, t, True)
    return t


def record(prim: Primitive, args: tuple, datas: list, params: dict, in_ids: list,
           parents: list, out: np.ndarray, cls: Optional[type] = None) -> Tensor:
    """Make the node for ``out = prim(*args)`` and the output tensor it produced;
    ``cls`` is the node's class (its ``grad_fn`` name), else the primitive's.

    The node is built by the one recorder (:func:`functrace.tape.record_eqn`);
    the facade fills only its own slots (links, versions, hooks)."""
    if cls is None:
        cls = _PRIM_CLASSES.get(prim) or _class_for(prim, params)
    tid = next_id()
    node = record_eqn(cls, prim, params, in_ids, tid, datas, out, DECLARED)
    node.parents = parents
    node.vers = None
    if node.ins is not None:
        node.args = args
        for a in args:
            if type(a) in TENSOR_TYPES and a._vc is not None:
                node.vers = [version_or_none(a) for a in args]
                break
    else:
        node.args = None
    node.out_vc = None
    node.freed = False
    node.hooks = None
    node.seen = None
    t = _new(Tensor)
    t._data = out
    t._node = node
    t._id = tid
    t._rg = True
    t._vc = None
    t._grad = None
    t._meta = None
    return t


def version_or_none(a: Any) -> Optional[int]:
    """A Tensor argument's version (None for constants)."""
    if type(a) in TENSOR_TYPES:
        return 0 if a._vc is None else a._vc[0]
    return None


def record_custom(prim: Primitive, args: tuple, params: dict, out: np.ndarray,
                  name: str) -> Tensor:
    """Record ``out`` as the result of ``prim(*args)`` computed elsewhere
    (``autograd.Function``); the caller checked that grad mode is on."""
    n = len(args)
    in_ids: list = [None] * n
    parents: list = [None] * n
    datas = list(args)
    for i, a in enumerate(args):
        if type(a) in TENSOR_TYPES:
            datas[i] = a._data
            if a._rg:
                in_ids[i] = a._id
                parents[i] = a._node or a
    t = record(prim, args, datas, params, in_ids, parents, _asarray(out), node_class(name))
    if ARMED[0]:
        facade_op(prim, args, t, True)
    return t
