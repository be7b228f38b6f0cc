"""The facade object in the root trace's one slot (:func:`functrace.core.set_facade`).

Primitives bound on Tensors outside every transform go to
:func:`._graph.handle`, which records the graph; calls with their own rules
(``custom_vjp``, ``checkpoint``, ``autograd.Function``) get the services below
(listed in :mod:`functrace.calls.record`), among them ``grad`` and ``backward``
from :mod:`._engine`. It sits above both: the graph records, the engine runs
the backward pass, and this module introduces them to the root trace.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import core
from ..core import Primitive
from ..grad_mode import is_grad_enabled
from ._engine import backward, grad
from ._graph import handle, record_custom
from ._tensor import TENSOR_TYPES, Tensor, make


class TensorFacade(core.Facade):
    """The facade in the root trace's slot: primitives on Tensors outside every
    transform go to :func:`handle`; calls (``custom_vjp``, ``checkpoint``,
    ``autograd.Function``) record one node through ``call.tensors(self, args)``
    when an argument requires grad and grad mode is on. The other methods are the
    services those calls use (listed in :mod:`functrace.calls.record`)."""

    __slots__ = ()
    types = TENSOR_TYPES
    process = staticmethod(handle)

    @property  # type: ignore[override]
    def records(self) -> bool:
        return is_grad_enabled()

    def process_call(self, call: core.Call, args: Any) -> Any:
        if is_grad_enabled() and any(type(a) in TENSOR_TYPES and a._rg for a in args):
            return call.tensors(self, args)
        return call.run(args)

    def record(self, prim: Primitive, args: Any, params: dict, out: Any, name: str) -> Tensor:
        return record_custom(prim, tuple(args), params, out, name)

    def requires_grad(self, x: Any) -> bool:
        return type(x) in TENSOR_TYPES and x._rg

    def constant(self, x: Any) -> Tensor:
        return x if type(x) in TENSOR_TYPES else make(np.asarray(core.concrete(x)), None, False)

    def leaf(self, x: Any) -> Tensor:
        return make(np.array(core.concrete(x)), None, True)

    def cotangent(self, g: Any, keep: bool) -> Any:
        if g is None:
            return None
        return self.constant(g) if keep else np.asarray(core.concrete(g))

    def grad(self, outs: list, wrt: list, cts: list, create_graph: bool) -> list:
        pairs = [(o, c) for o, c in zip(outs, cts) if self.requires_grad(o) and c is not None]
        if not pairs or not wrt:
            return [None] * len(wrt)
        return list(grad([o for o, _ in pairs], wrt, [c for _, c in pairs], retain_graph=True,
                         create_graph=create_graph, allow_unused=True))

    def backward(self, outs: list, cts: list) -> None:
        backward(outs, cts)

    def grad_data(self, t: Tensor) -> Optional[np.ndarray]:
        return None if t._grad is None else t._grad._data


FACADE = TensorFacade()
core.set_facade(FACADE, TENSOR_TYPES)
