"""Forward mode: a trace whose tracers carry a primal and a tangent."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .core import PLAIN, Call, Primitive, Trace, Tracer, call_under, concrete, lower_constant
from .debugging.checks import checked_jvp
from .debugging.mode import ARMED
from .primitives.complex_parts import is_complex, real_p
from .primitives.reductions import broadcast_to_p


class JVPTracer(Tracer):
    """A primal ``_value`` with its tangent ``_tangent`` (``None`` = zero)."""

    __slots__ = ("_tangent",)

    def __init__(self, trace: "JVPTrace", value: Any, tangent: Any):
        self._trace = trace
        self._value = value
        self._tangent = tangent

    def __repr__(self) -> str:
        return f"JVPTracer(value={self._value!r}, tangent={self._tangent!r})"

    def _has_derivative(self) -> bool:
        return self._tangent is not None and np.result_type(concrete(self._value)).kind in "fc"


class JVPTrace(Trace):
    """Pushes tangents forward through each primitive's JVP rule.

    Rules run with the parent trace current, so an outer transform records
    them (forward-over-reverse Hessians, nested ``jvp``).
    """

    __slots__ = ()

    def __init__(self, parent: Trace, name: str = "jvp"):
        super().__init__(parent, name)

    def process_call(self, call: Call, args: Sequence[Any]) -> Any:
        if self.owns(args):
            return call.forward(self, args)
        return self.parent.process_call(call, args)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        tangents = None
        primals: Any = args
        for i, arg in enumerate(args):
            if type(arg) is JVPTracer and arg._trace is self:
                if tangents is None:
                    tangents = [None] * len(args)
                    primals = list(primals)
                tangents[i] = arg._tangent
                primals[i] = arg._value
            elif type(arg) not in PLAIN:      # a Tensor, a pandas Series, ...: constants (C2)
                low = lower_constant(arg)         # (another trace's tracer stays as it is)
                if low is not arg:
                    primals = list(primals)
                    primals[i] = low
        out = self.parent.process(prim, primals, params)
        if tangents is None or prim.jvp is None:
            return out
        rule = checked_jvp(prim) if ARMED[0] else prim.jvp
        t_out = call_under(self.parent, rule, primals, tangents, out, **params)
        if t_out is None:
            return out
        if prim.broadcasts and np.shape(t_out) != np.shape(out):
            t_out = self.parent.process(broadcast_to_p, (t_out,), {"shape": np.shape(out)})
        t_dtype = getattr(t_out, "dtype", None)      # (inline: the per-op hot path)
        if t_dtype is not None and t_dtype.kind == "c" and not is_complex(out):
            t_out = self.parent.process(real_p, (t_out,), {})   # a real output's tangent
        return JVPTracer(self, out, t_out)
