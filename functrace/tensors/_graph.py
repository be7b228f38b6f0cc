"""The persistent graph of the Tensor facade: nodes, leaves and the root handler.

A primitive bound on Tensors outside any functional transform reaches
:func:`handle` (registered with :func:`functrace.core.register_root_handler`).
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

from .. import core
from ..core import EVAL_TRACE, Primitive, _current_trace
from ..grad_mode import is_grad_enabled
from ..reverse import broadcast_shapes
from ..tape import Eqn
from ._promotion import promote
from ._tensor import Tensor, next_id

_new = object.__new__
_ndarray = np.ndarray
_asarray = np.asarray

TENSOR_TYPES: set = set()


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
    ``hooks``. Its ``out_id`` is also its creation order, and the ``aval`` slot
    (used by tapes for printing) marks the nodes a graph walk has visited.
    """

    __slots__ = ("args", "parents", "vers", "out_vc", "freed", "hooks")

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
    if node is not None and all(out is not i for i in inputs):
        node.__class__ = node_class(name)
    return out


# -- the root handler -----------------------------------------------------------------

def handle(prim: Primitive, args: tuple, params: dict) -> Any:
    """Compute ``prim`` on Tensor arguments and record a node when needed."""
    if _current_trace.get() is not EVAL_TRACE:
        return _as_constants(prim, args, params)
    datas = list(args)
    in_ids = parents = None
    i = 0
    for a in args:
        if type(a) in TENSOR_TYPES:
            datas[i] = a._data
            if a._rg:
                if in_ids is None:
                    in_ids = [None] * len(args)
                    parents = [None] * len(args)
                in_ids[i] = a._id
                parents[i] = a._node or a
        i += 1
    promote(prim, datas)                   # torch's dtypes (numpy's: the functional API)
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
        return t
    return record(prim, args, datas, params, in_ids, parents, out)


def _as_constants(prim: Primitive, args: Any, params: dict) -> Any:
    """Inside a functional transform Tensors are constants: compute on their data.

    When ``args`` is a list it is the calling trace's own list of primals, which
    that trace keeps as the equation's residuals; the Tensors are replaced by
    their data in place so the transform's backward pass sees plain arrays too
    (otherwise its rules would bind on the Tensors and record facade graphs).
    """
    if type(args) is not list:
        args = list(args)
    for i, a in enumerate(args):
        if type(a) in TENSOR_TYPES:
            args[i] = a._data
    return prim.impl(*args, **params)


def record(prim: Primitive, args: tuple, datas: list, params: dict, in_ids: list,
           parents: list, out: np.ndarray) -> Tensor:
    """Make the node for ``out = prim(*args)`` and the output tensor it produced."""
    cls = _PRIM_CLASSES.get(prim)
    node = _new(cls if cls is not None else _class_for(prim, params))
    node.prim = prim
    node.params = params
    node.in_ids = in_ids
    node.parents = parents
    tid = node.out_id = next_id()
    node.vers = None
    if prim.saves_in:
        node.ins = datas
        node.args = args
        for a in args:
            if type(a) in TENSOR_TYPES and a._vc is not None:
                node.vers = [version_or_none(a) for a in args]
                break
    else:
        node.ins = node.args = None
    node.out = out if prim.saves_out else None
    node.out_vc = None
    node.in_shapes = broadcast_shapes(datas, in_ids, out) if prim.broadcasts else None
    node.aval = None
    node.freed = False
    node.hooks = None
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
    t = record(prim, args, datas, params, in_ids, parents, _asarray(out))
    t._node.__class__ = node_class(name)
    return t


def _data_of(t: Tensor) -> np.ndarray:
    return t._data


def register_tensor_type(cls: type) -> None:
    """Make the root trace hand primitives on ``cls`` instances to :func:`handle`."""
    TENSOR_TYPES.add(cls)
    core.register_root_handler(cls, handle)
    core.register_concrete_type(cls, _data_of)


register_tensor_type(Tensor)
