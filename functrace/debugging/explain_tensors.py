"""``explain_grad`` on the Tensor facade: the graph ``f`` records on Tensors, the
operations it does not record (:func:`functrace.debugging.flow.facade_op`),
and the gradients ``autograd.grad`` gives (see :mod:`.explain`)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..grad_mode import call_with_debug
from ..tensors._engine import grad as autograd_grad
from ..tensors._tensor import Tensor
from ..tree import tree_flatten
from .explain import Cause, Graph, InputReport, _integer_cause
from .flow import FlowLog
from .mode import DebugSetting, FaultLog


def explain_tensors(f: Callable, args: tuple, kwargs: dict, nums: tuple, named: list) -> list:
    """One :class:`~.explain.InputReport` per ``(name, leaf)`` of ``named``."""
    tensors = [t for _, t in named if isinstance(t, Tensor)]
    flow, faults = FlowLog(t._id for t in tensors), FaultLog()

    def run() -> tuple:
        outs = [o for o in tree_flatten(f(*args, **kwargs))[0] if isinstance(o, Tensor)]
        roots = [o for o in outs if o._rg and o._data.dtype.kind == "f"]
        wrt = [t for t in tensors if t._rg]
        grads: Any = [None] * len(wrt)
        if roots and wrt:
            seeds = [np.ones_like(o._data) for o in roots]
            grads = autograd_grad(roots, wrt, seeds, retain_graph=True, allow_unused=True)
        return outs, {t._id: g for t, g in zip(wrt, grads)}

    setting = DebugSetting(nans=True, source=True, faults=faults, flow=flow)
    outs, grads = call_with_debug(setting, run)
    graph = Graph(flow.entries, [o._id for o in outs], faults, _node_edge)
    return [_explain_leaf(graph, name, x, grads) for name, x in named]


def _node_edge(node: Any, argnum: int) -> Any:
    return node.in_ids[argnum]


def _explain_leaf(graph: Graph, name: str, x: Any, grads: dict) -> InputReport:
    if not isinstance(x, Tensor) or x._data.dtype.kind != "f":
        value = x._data if isinstance(x, Tensor) else x
        return InputReport(name, "integer", [_integer_cause(value)])
    causes = []
    if x._node is not None and not x.retains_grad:
        causes.append(Cause("non_leaf", f"it is not a leaf (it was computed by "
                            f"{x._node.name()}): .grad is kept only for leaves; call "
                            ".retain_grad() on it before backward(), or use "
                            "functrace.autograd.grad(loss, it)", getattr(x._node, "source", None)))
    if not x._rg:
        frozen = type(x).__name__ == "Parameter"
        causes.insert(0, Cause("frozen_parameter" if frozen else "requires_grad_false",
                               ("it is a frozen parameter (requires_grad=False): "
                                "p.requires_grad_(True) trains it again") if frozen else
                               "requires_grad=False: create it with requires_grad=True or "
                               "call .requires_grad_()"))
        reaches = graph.forward_reach(x._id, False) & graph.outs
        if not reaches:
            causes.append(Cause("no_dependence", "the output does not depend on it"))
        return InputReport(name, "disconnected", causes, None)
    return graph.explain(name, x._id, grads.get(x._id), causes)
