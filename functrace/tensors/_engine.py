"""``Tensor.backward`` and ``autograd.grad``: walk the graph, run the one backward pass.

The reachable nodes are collected iteratively (no recursion, so 100,000-node
chains work), sorted by creation order (a node's ``out_id``) descending, and
handed to :func:`functrace.reverse.backward_pass`, the same backward pass the
functional transforms use. Leaf cotangents come back keyed by the leaves' ids.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any, Optional, Sequence

import numpy as np

from .. import numpy as fnp
from ..grad_mode import call_with_grad_enabled
from ..reverse import backward_pass
from ._graph import Node, relabel
from ._tensor import TENSOR_TYPES, Size, Tensor, bump_version, make

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")

_out_id = attrgetter("out_id")


def type_name(data: np.ndarray) -> str:
    """PyTorch's legacy tensor type name, e.g. ``FloatTensor``."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    return f"functrace.{names.get(data.dtype.name, data.dtype.name)}Tensor"


def _modified_error(data: np.ndarray, node_name: Optional[str], now: int,
                    expected: int) -> RuntimeError:
    which = f", which is output 0 of {node_name}," if node_name else ""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{type_name(data)} {list(data.shape)}]{which} is at version "
        f"{now}; expected version {expected} instead. Hint: the operation that modified it "
        "is the one that produced its current grad_fn; use an out-of-place version of it "
        "(or .clone() the tensor before modifying it).")


def _check_node(node: Node) -> None:
    if node.freed:
        raise RuntimeError(SECOND_BACKWARD)
    args = node.args
    if args is not None:
        vers = node.vers
        for i, a in enumerate(args):
            if type(a) in TENSOR_TYPES and a._vc is not None:
                expected = vers[i] if vers is not None else 0
                if a._vc[0] != expected:
                    name = a._node.name() if a._node is not None else None
                    raise _modified_error(a._data, name, a._vc[0], expected)
    vc = node.out_vc
    if vc is not None and vc[0] != 0:
        raise _modified_error(node.out, node.name(), vc[0], 0)


def collect(roots: Sequence[Tensor]) -> tuple:
    """(nodes in reverse creation order, leaves by id, whether any node has hooks).

    Visited nodes are marked by storing this walk's token in their ``seen`` slot,
    which is cheaper than a set of ids.
    """
    token = object()
    stack: list = []
    leaves: dict = {}
    for r in roots:
        node = r._node
        if node is None:
            leaves[r._id] = r
        elif node.seen is not token:
            node.seen = token
            stack.append(node)
    nodes: list = []
    hooked = False
    push, pop, append = stack.append, stack.pop, nodes.append
    while stack:
        node = pop()
        if node.freed or node.args is not None or node.out_vc is not None:
            _check_node(node)
        append(node)
        if node.hooks is not None:
            hooked = True
        for p in node.parents:
            if p is None:
                continue
            if type(p) in TENSOR_TYPES:
                leaves[p._id] = p
            elif p.seen is not token:
                p.seen = token
                push(p)
    nodes.sort(key=_out_id, reverse=True)
    return nodes, leaves, hooked


# -- cotangents as tensors --------------------------------------------------------------

def as_tensor_ct(ct: Any) -> Tensor:
    """A cotangent as a Tensor (for hooks): numpy cotangents are wrapped."""
    return ct if isinstance(ct, Tensor) else make(np.asarray(ct), None, False)


def _from_hook(result: Any, create_graph: bool) -> Any:
    if create_graph:
        return result if isinstance(result, Tensor) else make(np.asarray(result), None, False)
    return result._data if isinstance(result, Tensor) else np.asarray(result)


def run_hooks(fns: dict, ct: Any, create_graph: bool) -> Any:
    """Apply tensor hooks in registration order; a hook may replace the gradient."""
    for fn in list(fns.values()):
        result = fn(as_tensor_ct(ct))
        if result is not None:
            ct = _from_hook(result, create_graph)
    return ct


class _CtHook:
    """The ``ct_hook`` of one backward: tensor hooks, retain_grad and captures."""

    __slots__ = ("create_graph", "capture", "captured")

    def __init__(self, create_graph: bool, capture: Optional[set]) -> None:
        self.create_graph = create_graph
        self.capture = capture
        self.captured: dict = {}

    def __call__(self, eqn: Node, ct: Any) -> Any:
        hooks = eqn.hooks
        if hooks is not None:
            if hooks.fns:
                ct = run_hooks(hooks.fns, ct, self.create_graph)
            target = hooks.retain() if hooks.retain is not None else None
            if target is not None and target._node is eqn:
                accumulate(target, ct, self.create_graph)
        if self.capture is not None and eqn.out_id in self.capture:
            self.captured[eqn.out_id] = ct
        return ct


# -- saved values ----------------------------------------------------------------------

def _saved_as_tensors(nodes: list, swapped: list) -> None:
    """For ``create_graph``: give rules the saved *tensors*, so they are recorded.
    Each node's residuals go to ``swapped`` before they are replaced."""
    for node in nodes:
        if node.args is None and node.out is None:
            continue
        swapped.append((node, node.ins, node.out))
        if node.args is not None:
            node.ins = list(node.args)
        if node.out is not None:
            out = make(node.out, node, True)
            out._vc = node.out_vc
            node.out = out


def _restore(saved: list) -> None:
    for node, ins, out in saved:
        node.ins = ins
        node.out = out


def _release_plan(nodes: list, kept: list) -> None:
    """Before a consuming pass: mark the nodes whose saved values it frees, and
    add the linear nodes' residuals to put back afterwards to ``kept``: linear
    primitives' rules read only shapes of their saved inputs; PyTorch's
    equivalents save no tensors, so a second backward through them is allowed."""
    for node in nodes:
        if node.ins is None and node.out is None:
            continue
        if node.prim.linear:
            kept.append((node, node.ins, node.out))
        else:
            node.args = None
            node.freed = True


def _free(nodes: list) -> None:
    """After a non-consuming pass (``create_graph``) without ``retain_graph``."""
    _release_plan(nodes, [])
    for node in nodes:
        if node.freed:
            node.ins = node.out = None


# -- the backward run ------------------------------------------------------------------

def _seed(root: Tensor, grad: Any, i: int, create_graph: bool) -> Any:
    data = root._data
    if grad is None:
        if data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        seed = np.array(1, dtype=data.dtype)          # (np.ones costs ~1.5 us)
        if data.ndim:
            seed = seed.reshape(data.shape)
        return make(seed, None, False) if create_graph else seed
    g = grad._data if isinstance(grad, Tensor) else np.asarray(grad)
    if g.dtype.kind not in "biufc":
        raise TypeError(f"gradients can be either Tensors or None, but got "
                        f"{type(grad).__name__}")
    if g.dtype.kind == "c" and data.dtype.kind != "c":    # (as PyTorch; the cast would drop it)
        raise RuntimeError(f"For complex Tensors, both grad_output and output are required to "
                           f"have the same dtype. Mismatch in dtype: grad_output[{i}] has a "
                           f"dtype of {g.dtype} and output[{i}] has a dtype of {data.dtype}.")
    if g.shape != data.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                           f"{Size(g.shape)!r} and output[{i}] has a shape of "
                           f"{Size(data.shape)!r}.")
    if create_graph:
        return grad if isinstance(grad, Tensor) else make(g.astype(data.dtype), None, False)
    return g.astype(data.dtype, copy=False)


def run(roots: list, grads: list, retain_graph: bool, create_graph: bool,
        capture: Optional[set] = None) -> tuple:
    """Run the backward pass from ``roots``; returns (cts, leaves, captured cts)."""
    for i, r in enumerate(roots):
        if not r._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does "
                               "not have a grad_fn (functrace.explain_grad(f)(...) says "
                               "where the gradient stopped: a detach(), a no_grad() block, "
                               "a comparison, requires_grad=False, ...)")
    seeds = [_seed(r, g, i, create_graph) for i, (r, g) in enumerate(zip(roots, grads))]
    nodes, leaves, hooked = collect(roots)
    cts: dict = {}
    for r, s in zip(roots, seeds):
        cts[r._id] = s if r._id not in cts else cts[r._id] + s
    hook = _CtHook(create_graph, capture) if (hooked or capture) else None
    consume = not (retain_graph or create_graph)      # free residuals as the pass goes
    saved: list = []      # residuals to put back: see _release_plan, _saved_as_tensors
    try:                  # (an interrupt anywhere in here must not leave them swapped)
        if consume:
            _release_plan(nodes, saved)
        elif create_graph:
            _saved_as_tensors(nodes, saved)
        call_with_grad_enabled(create_graph, backward_pass, nodes, cts, consume=consume,
                               ct_hook=hook)
    finally:
        _restore(saved)
    if not retain_graph and not consume:
        _free(nodes)
    return cts, leaves, (hook.captured if hook is not None else {})


def accumulate(t: Tensor, ct: Any, create_graph: bool) -> None:
    """Add ``ct`` into ``t.grad`` (a fresh copy the first time)."""
    dtype = t._data.dtype
    if isinstance(ct, Tensor):
        g = relabel(fnp.astype(ct, dtype), "CloneBackward0")   # a differentiable copy
        t._grad = g if t._grad is None else t._grad + g
        return
    if t._grad is None:
        t._grad = make(np.array(ct, dtype=dtype), None, False)
    elif t._grad._rg or t._grad._data.flags.writeable is False:
        t._grad = make(t._grad._data + ct, None, False)
    else:
        t._grad._data += ct
        bump_version(t._grad)


def _leaf_ct(leaf: Tensor, ct: Any, create_graph: bool) -> Any:
    meta = leaf._meta
    if meta is not None and meta.hooks:
        ct = run_hooks(meta.hooks, ct, create_graph)
    return ct


def _as_list(x: Any) -> list:
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: Optional[bool] = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad``.

    >>> import functrace as ft
    >>> x = ft.tensor([1.0, 2.0], requires_grad=True)
    >>> ft.autograd.backward((x * x).sum())
    >>> x.grad
    tensor([2., 4.])
    """
    roots = _as_list(tensors)
    grads = [None] * len(roots) if grad_tensors is None else _as_list(grad_tensors)
    if len(grads) != len(roots):
        raise RuntimeError(f"got {len(grads)} gradients for {len(roots)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    targets = None if inputs is None else _as_list(inputs)
    if targets is not None and not targets:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    capture = None if targets is None else {t._id for t in targets if t._node is not None}
    cts, leaves, captured = run(roots, grads, retain_graph, create_graph, capture)
    if targets is not None:
        for t in targets:
            ct = captured.get(t._id) if t._node is not None else cts.get(t._id)
            if ct is not None:
                accumulate(t, _leaf_ct(t, ct, create_graph), create_graph)
        return
    for vid, leaf in leaves.items():
        ct = cts.get(vid)
        if ct is not None and leaf._rg:
            accumulate(leaf, _leaf_ct(leaf, ct, create_graph), create_graph)


def tensor_backward(self: Tensor, gradient: Any = None, retain_graph: Optional[bool] = None,
                    create_graph: bool = False, inputs: Any = None) -> None:
    """``Tensor.backward``: accumulate d self / d leaf into every leaf's ``.grad``.

    ``gradient`` is required unless ``self`` has one element. The graph's
    saved values are freed unless ``retain_graph=True``; with
    ``create_graph=True`` the gradients are themselves differentiable.

    >>> import functrace as ft
    >>> x = ft.tensor(3.0, requires_grad=True)
    >>> (x ** 2).backward()
    >>> x.grad
    tensor(6.)
    """
    backward([self], None if gradient is None else [gradient], retain_graph,
             create_graph, inputs)


# Installed here, as the facade's other methods are by their modules: the engine
# imports the Tensor class, so the class cannot import the engine.
tensor_backward.__name__ = "backward"
tensor_backward.__qualname__ = "Tensor.backward"
Tensor.backward = tensor_backward  # type: ignore[method-assign]


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None,
         retain_graph: Optional[bool] = None, create_graph: bool = False,
         allow_unused: Optional[bool] = None, materialize_grads: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, as a tuple; ``.grad`` is untouched.

    >>> import functrace as ft
    >>> x = ft.tensor(3.0, requires_grad=True)
    >>> (g,) = ft.autograd.grad(x ** 3, x, create_graph=True)
    >>> g
    tensor(27., grad_fn=<MulBackward0>)
    >>> ft.autograd.grad(g, x)
    (tensor(18.),)
    """
    roots = _as_list(outputs)
    targets = _as_list(inputs)
    grads = [None] * len(roots) if grad_outputs is None else _as_list(grad_outputs)
    if len(grads) != len(roots):
        raise RuntimeError(f"grad_outputs has {len(grads)} entries for {len(roots)} outputs")
    for t in targets:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture = {t._id for t in targets if t._node is not None}
    cts, _, captured = run(roots, grads, retain_graph, create_graph, capture)
    result = []
    for t in targets:
        ct = captured.get(t._id) if t._node is not None else cts.get(t._id)
        if ct is not None and t._node is None:
            ct = _leaf_ct(t, ct, create_graph)
        result.append(_grad_result(t, ct, create_graph, allow_unused, materialize_grads))
    return tuple(result)


def _grad_result(t: Tensor, ct: Any, create_graph: bool, allow_unused: Optional[bool],
                 materialize: bool) -> Optional[Tensor]:
    dtype = t._data.dtype
    if ct is None:
        if materialize:
            return make(np.zeros(t._data.shape, dtype=dtype), None, False)
        if not allow_unused:
            raise RuntimeError("One of the differentiated Tensors appears to not have been "
                               "used in the graph. Set allow_unused=True if this is the "
                               "desired behavior.")
        return None
    if isinstance(ct, Tensor):
        if ct._data.dtype == dtype:
            return ct
        return fnp.astype(ct, dtype)
    return make(np.array(ct, dtype=dtype), None, False)
