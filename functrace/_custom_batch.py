"""Custom functions under traces without a dedicated handler (``vmap``'s).

:class:`GenericCall` is the ``fun`` parameter of a bound ``custom_vjp`` /
``custom_jvp`` call primitive. Its rules run the user's functions on flat
leaves:

* impl (root trace) -- the function on concrete values;
* VJP -- ``fwd`` recomputed from the saved inputs under the current trace, then
  ``bwd`` (custom_vjp), or the transposed JVP rule (custom_jvp);
* JVP -- the JVP rule (custom_jvp) or ``TypeError`` (custom_vjp);
* batching -- a new custom function one level down whose function, ``fwd``,
  ``bwd`` and JVP rule are the ``vmap`` of the per-example ones (the JAX
  recipe); cotangents of unbatched arguments are summed over the batch.

The per-example output structure is learnt whenever one of the flat functions
runs (at the root, or inside ``vmap`` on per-example tracers).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ._callprim import CallRecord, OutSpec, zeros_like
from .core import EVAL_TRACE, call_under, is_tracer


class GenericCall(CallRecord):
    """Per-call state of a custom function bound as a primitive."""

    def __init__(self, spec: Any):
        super().__init__()
        self.spec = spec
        self.name = spec.cf.__name__
        self.spec_out: Optional[OutSpec] = None
        self.consts: list = []
        self.in_avals: list = []

    # -- flat per-example functions (they record the output structure) --------------

    def _pack(self, out: Any) -> Any:
        spec_out = self.spec_out = OutSpec.of(out)
        leaves = spec_out.leaves_of(out)
        diff = set(spec_out.diff)
        self.consts = [None if i in diff else x for i, x in enumerate(leaves)]
        return spec_out.pack(leaves)

    def flat_fun(self, *leaves: Any) -> Any:
        return self._pack(self.spec.fun(leaves))

    def flat_fwd(self, *leaves: Any) -> tuple:
        from ._custom_rules import avals
        self.in_avals = avals(leaves)
        out, res = self.spec.fwd(leaves)
        return self._pack(out), res

    def flat_bwd(self, res: Any, ct: Any) -> tuple:
        spec_out = self.spec_out
        cts = spec_out.rebuild(spec_out.unpack(ct), [
            None if i in spec_out.diff else zeros_like(x) for i, x in enumerate(self.consts)])
        return tuple(self.spec.bwd(res, cts, self.in_avals))

    def flat_rule(self, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
        out, t_out = self.spec.rule(primals, tangents)
        packed = self._pack(out)
        return packed, self.spec_out.pack(self.spec_out.leaves_of(t_out))

    def outputs(self, packed: Any) -> Any:
        """The output pytree from the bound primitive's packed result."""
        spec_out = self.spec_out
        for i, leaf in enumerate(self.consts):
            if i not in spec_out.diff and is_tracer(leaf):
                raise NotImplementedError(
                    f"custom function {self.name}: non-float outputs that depend on "
                    "batched values are not supported under vmap")
        return spec_out.rebuild(spec_out.unpack(packed), self.consts)

    # -- the primitive's rules -----------------------------------------------------

    def replay(self, args: Sequence[Any]) -> Any:
        from ._custom_rules import _PRIMS
        return _PRIMS[self.spec.cf.kind].bind(*args, fun=self)

    def impl(self, args: tuple) -> Any:
        return call_under(EVAL_TRACE, self.flat_fun, *args)

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        from ._custom_rules import transpose_rule
        if self.spec.cf.kind == "vjp":
            _, res = self.flat_fwd(*ins)
            return list(self.flat_bwd(res, ct))
        self._pack(self.spec.fun(list(ins)))
        return transpose_rule(self.spec, self.spec_out, list(ins), self.spec_out.unpack(ct))

    def jvp(self, primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
        if self.spec.cf.kind == "vjp":
            from ._custom_rules import _forward_vjp
            _forward_vjp(None, self.spec, list(primals))
        tans = [zeros_like(p) if t is None else t for p, t in zip(primals, tangents)]
        return self.flat_rule(list(primals), tans)[1]

    def batch(self, args: Sequence[Any], dims: Sequence[Optional[int]]) -> tuple:
        from .batching import vmap
        from .custom import custom_jvp, custom_vjp
        dims = tuple(dims)
        fun = vmap(self.flat_fun, in_axes=dims)
        fun.__name__ = self.name
        if self.spec.cf.kind == "jvp":
            batched = custom_jvp(fun)
            batched.defjvp(lambda p, t: vmap(self.flat_rule, in_axes=(dims, dims))(p, t))
        else:
            batched = custom_vjp(fun)
            batched.defvjp(lambda *xs: vmap(self.flat_fwd, in_axes=dims)(*xs),
                           lambda res, ct: _unbatch_cts(
                               vmap(self.flat_bwd)(res, ct), dims))
        return batched(*args), 0


def _unbatch_cts(cts: Sequence[Any], dims: Sequence[Optional[int]]) -> tuple:
    """Cotangents batched along 0 back to each argument's batch axis (summed over
    the batch for unbatched arguments)."""
    from . import numpy as fnp
    out = []
    for g, d in zip(cts, dims):
        if g is None:
            out.append(None)
        elif d is None:
            out.append(fnp.sum(g, axis=0))
        else:
            out.append(fnp.moveaxis(g, 0, d))
    return tuple(out)
