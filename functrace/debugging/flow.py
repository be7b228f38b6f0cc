"""The data-flow log of ``explain_grad``: every operation on values derived from the
inputs, differentiated or not, with its source line.

A value is a *key*: a tape id on a functional tape, a Tensor's id in the
facade, or the id of a constant that a non-differentiable operation made from
a traced value (kept alive by the log, so the id stays unique). An
:class:`Entry` says which keys an operation read, whether the gradient flows
along each of them, which key it wrote, and -- where the gradient stops --
why (:data:`REASONS`).
"""
from __future__ import annotations

from typing import Any, Optional

from .mode import active
from .source import Source, capture

#: why the gradient stops at an operation (the keys of explain_grad's causes)
REASONS = {
    "stop_gradient": "stop_gradient",
    "comparison": "a comparison",
    "integer_cast": "a cast to an integer or boolean dtype",
    "piecewise_constant": "a piecewise-constant function (its derivative is 0 almost everywhere)",
    "integer_valued": "an operation returning indices",
    "constant_like": "an operation that uses only the shape",
    "nondifferentiable": "a non-differentiable operation",
    "python_conversion": "a conversion to a Python value",
    "detach": "detach()",
    "no_grad": "run with grad mode off: a no_grad() block, set_grad_enabled(False) or "
               "inference_mode()",
    "requires_grad_false": "an operation on tensors none of which requires grad",
    "constant": "an operation on constants",
}

_KINDS = {
    "stop_gradient": "stop_gradient", "astype_nonfloat": "integer_cast",
    **dict.fromkeys(("equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                     "logical_and", "logical_or", "logical_xor", "logical_not", "isnan",
                     "isfinite", "isinf", "reduce_any", "reduce_all"), "comparison"),
    **dict.fromkeys(("sign", "floor", "ceil", "trunc", "rint", "round"), "piecewise_constant"),
    **dict.fromkeys(("argmax", "argmin", "argsort"), "integer_valued"),
    **dict.fromkeys(("zeros_like", "ones_like", "full_like"), "constant_like"),
}


def reason_of(prim_name: str) -> str:
    """The reason key for a primitive without a derivative rule."""
    return _KINDS.get(prim_name, "nondifferentiable")


class Entry:
    """One operation: ``name`` read ``ins`` (``(key, gradient flows?)`` pairs) and
    wrote ``out`` (``None`` for a conversion to a Python value); ``reason`` is
    why the gradient stops there (``None`` where it flows)."""

    __slots__ = ("name", "ins", "out", "reason", "source")

    def __init__(self, name: str, ins: list, out: Any, reason: Optional[str],
                 source: Optional[Source]):
        self.name = name
        self.ins = ins
        self.out = out
        self.reason = reason
        self.source = source

    def __repr__(self) -> str:
        return f"Entry({self.name}, {self.ins} -> {self.out}, {self.reason})"


class FlowLog:
    """The entries of one ``explain_grad`` call, and the keys derived from its
    inputs (``tracked``): operations on other values are not logged."""

    def __init__(self, tracked: Any = ()):
        self.entries: list = []
        self.tracked: set = set(tracked)
        self.alive: list = []           # constants whose ids are keys

    def add(self, name: str, ins: list, out: Any, reason: Optional[str],
            source: Optional[Source] = None) -> None:
        ins = [(k, d) for k, d in ins if k in self.tracked]
        if not ins:
            return
        if out is not None:
            self.tracked.add(out)
        self.entries.append(Entry(name, ins, out, reason, source or capture()))


# -- the Tensor facade's hooks (called after functrace.debugging.mode.ARMED) ------------

def facade_op(prim: Any, args: tuple, out: Any, grad_enabled: bool) -> None:
    """An operation of the facade made ``out`` from ``args``."""
    flow = active().flow
    if flow is None:
        return
    node = out._node
    keys = [(getattr(a, "_id", None), bool(getattr(a, "_rg", False)) and node is not None)
            for a in args]
    if node is not None:
        reason = None
    elif prim.vjp is None:
        reason = reason_of(prim.name)
    else:
        reason = "requires_grad_false" if grad_enabled else "no_grad"
    flow.add(prim.name, keys, out._id, reason, getattr(node, "source", None))


def facade_cut(x: Any, out: Any, reason: str, name: str) -> None:
    """``out`` (a Tensor, or None for a Python value) made from ``x`` without a gradient."""
    flow = active().flow
    if flow is not None:
        flow.add(name, [(x._id, False)], None if out is None else out._id, reason)
