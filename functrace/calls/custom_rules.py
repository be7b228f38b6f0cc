"""How each kind of trace runs a ``custom_vjp`` / ``custom_jvp`` call.

See :mod:`functrace.calls.custom` for the design. The call's
:class:`functrace.calls.custom._Spec` is a :class:`functrace.core.Call`; its
methods (chosen by the trace that owns an argument, contract C1 in
:mod:`functrace.core`) delegate here, each getting the trace (or the facade),
the spec and the flat argument leaves and returning the output pytree:

* :func:`reverse` -- a reverse trace records one equation whose VJP runs the rule;
* :func:`forward` -- a forward trace applies the JVP rule (``custom_vjp``: an error);
* :func:`generic` -- any other trace (``vmap``'s) binds a call primitive whose
  rules are those of :class:`GenericCall`;
* :func:`on_tensors` -- on Tensors outside every transform, one node of the
  Tensor graph whose backward runs the rule.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .. import numpy as fnp
from ..batching import vmap
from ..argnums import as_numeric, check_complex_matches
from ..core import EVAL_TRACE, call_under, concrete, current_trace, is_tracer
from ..forward import JVPTrace, JVPTracer
from ..grad_mode import enable_grad, no_grad
from ..reverse import ReverseTrace
from ..tree import tree_flatten, tree_unflatten
from .record import (CallRecord, OutSpec, aval, call_primitive, camel, is_inexact, unwrap_own,
                     vjp_leaves, zeros_like)

custom_vjp_p = call_primitive("custom_vjp")
custom_jvp_p = call_primitive("custom_jvp")
_PRIMS = {"vjp": custom_vjp_p, "jvp": custom_jvp_p}
# On a reverse tape the record holds what the rule needs (fwd's residuals, the
# primals of a custom_jvp), so the equation keeps no inputs of its own.
_TAPE_PRIMS = {"vjp": call_primitive("custom_vjp", saves="none"),
               "jvp": call_primitive("custom_jvp", saves="none")}

def avals(leaves: Sequence[Any]) -> list:
    return [aval(x) for x in leaves]


def bwd_leaves(spec: Any, result: Any, ref: Sequence[Any]) -> list:
    """Check ``bwd``'s result (one cotangent pytree or ``None`` per differentiable
    argument) against the argument leaves ``ref`` (values or ``(shape, dtype)``)."""
    name = spec.cf.__name__
    if not isinstance(result, (tuple, list)) or len(result) != len(spec.counts):
        raise TypeError(f"the bwd rule of custom_vjp function {name} must return a tuple with "
                        f"one cotangent per differentiable argument ({len(spec.counts)}), "
                        f"got {type(result).__name__}"
                        f"{f' of length {len(result)}' if isinstance(result, (tuple, list)) else ''}")
    leaves: list = []
    arg_of: list = []
    for k, (arg_ct, count) in enumerate(zip(result, spec.counts)):
        sub = [None] * count if arg_ct is None else \
            tree_flatten(arg_ct, is_leaf=lambda x: x is None)[0]
        if len(sub) != count:
            raise TypeError(f"the bwd rule of {name} returned a cotangent for argument {k} "
                            "whose structure differs from the argument's")
        leaves.extend(sub)
        arg_of.extend([k] * count)
    out = []
    for g, r, k in zip(leaves, ref, arg_of):
        shape, dtype = r if isinstance(r, tuple) else avals([r])[0]
        if g is None or dtype.kind not in "fc":
            out.append(None)
            continue
        what = f"the cotangent that the bwd rule of {name} returned for argument {k}"
        g = as_numeric(g, what)
        check_complex_matches(g, dtype, what)
        if np.shape(g) != shape:
            raise ValueError(f"the bwd rule of {name} returned a cotangent of shape "
                             f"{np.shape(g)} for an argument of shape {shape}")
        out.append(g if np.result_type(concrete(g)) == dtype else fnp.astype(g, dtype))
    return out


def _wrap_jvp(trace: JVPTrace, name: str, out: Any, t_out: Any) -> Any:
    leaves, tree = tree_flatten(out)
    t_leaves, t_tree = tree_flatten(t_out)
    if tree != t_tree:
        raise TypeError(f"the JVP rule of {name} returned an output with structure {tree} "
                        f"but a tangent with structure {t_tree}")
    result = []
    for o, t in zip(leaves, t_leaves):
        if not is_inexact(o):
            result.append(o)
            continue
        what = f"the tangent that the JVP rule of {name} returned"
        t = as_numeric(t, what)
        check_complex_matches(t, o, what)
        if np.shape(t) != np.shape(o):
            raise ValueError(f"the JVP rule of {name} returned a tangent of shape "
                             f"{np.shape(t)} for an output of shape {np.shape(o)}")
        dtype = np.result_type(concrete(o))
        if np.result_type(concrete(t)) != dtype:
            t = call_under(trace.parent, fnp.astype, t, dtype)
        result.append(JVPTracer(trace, o, t))
    return tree_unflatten(tree, result)


# -- Tensors outside every transform ------------------------------------------------------

def on_tensors(facade: Any, spec: Any, leaves: list) -> Any:
    """Run ``fwd`` (custom_vjp) or the function (custom_jvp) without recording, then
    record one node of the Tensor graph whose backward runs the rule."""
    with no_grad():
        if spec.cf.kind == "vjp":
            out, res = spec.fwd(leaves)
        else:
            out, res = spec.fun(leaves), None
    spec_out = OutSpec.of(out)
    out_leaves = spec_out.leaves_of(out)
    if not spec_out.n:
        return out
    cls = _TensorVjp if spec.cf.kind == "vjp" else _TensorJvp
    rec = cls(spec, spec_out, out_leaves, res, leaves, facade)
    packed = spec_out.pack([concrete(x) for x in out_leaves])
    node = facade.record(_PRIMS[spec.cf.kind], leaves, {"fun": rec}, concrete(packed),
                         camel(spec.cf.__name__) + "Backward")
    return spec_out.rebuild(spec_out.unpack(node), out_leaves)


class _Record(CallRecord):
    """The recorded call: the rule's inputs (``res``, or the primals of a
    custom_jvp) and, for a node of the Tensor graph, the ``facade`` it lives in."""

    def __init__(self, spec: Any, spec_out: OutSpec, out_leaves: list, res: Any,
                 primals: list, facade: Any = None):
        self.name = spec.cf.__name__
        self.facade = facade
        self.spec, self.spec_out, self.res = spec, spec_out, res
        diff = set(spec_out.diff)        # zeros stand in for the non-float outputs' cts
        self.out_zeros = [None if i in diff else zeros_like(x) for i, x in enumerate(out_leaves)]
        # custom_jvp records transpose the rule at the primals; custom_vjp ones only
        # check bwd's cotangents against the inputs' shapes
        self.primals = primals if spec.cf.kind == "jvp" else None
        self.in_avals = avals(primals)

    def ct_tree(self, ct: Any) -> Any:
        return self.spec_out.rebuild(self.spec_out.unpack(ct), self.out_zeros)

    def rule(self) -> Any:
        cf = self.spec.cf
        return cf.bwd if cf.kind == "vjp" else cf.jvp_rule

    def replay(self, args: Any) -> Any:
        out = self.spec.cf(*self.spec.full_args(args))
        return self.spec_out.pack(self.spec_out.leaves_of(out))


class _TensorVjp(_Record):
    """Facade node of a custom_vjp call. With ``create_graph`` the residuals are
    recomputed from the saved input Tensors, so the second backward sees them."""

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        facade = self.facade
        keep = type(ct) in facade.types     # create_graph: the cotangent is a Tensor
        res = self.res
        if keep:
            with enable_grad():
                res = self.spec.fwd(list(ins))[1]
        with enable_grad() if keep else no_grad():
            grads = self.spec.bwd(res, self.ct_tree(facade.constant(ct)), ins)
        return [facade.cotangent(g, keep) for g in grads]


class _TensorJvp(_Record):
    """Facade node of a custom_jvp call: the VJP is the facade's own reverse mode
    over the tangent map ``t -> rule(primals, t)[1]``."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.was_tensor = [type(p) in self.facade.types for p in self.primals]
        self.primals = None

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        facade = self.facade
        keep = type(ct) in facade.types
        primals = [x if keep or not was else facade.constant(x)
                   for x, was in zip(ins, self.was_tensor)]
        ts = [facade.leaf(zeros_like(p)) if is_inexact(p) else zeros_like(p) for p in primals]
        with enable_grad():
            _, t_out = self.spec.rule(primals, ts)
            t_leaves = self.spec_out.leaves_of(t_out)
            cts = self.spec_out.unpack(ct)
        wrt = [t for t in ts if type(t) in facade.types]
        grads = iter(facade.grad([t_leaves[i] for i in self.spec_out.diff], wrt, cts, keep))
        return [facade.cotangent(next(grads), keep) if type(t) in facade.types else None
                for t in ts]


# -- reverse traces -----------------------------------------------------------------

def reverse(trace: ReverseTrace, spec: Any, leaves: list) -> Any:
    """Run ``fwd`` (custom_vjp) or the function (custom_jvp) one level down, and
    record one equation on ``trace`` whose VJP uses the custom rule."""
    primals, own = unwrap_own(trace, leaves)
    out, res, spec_out, out_leaves, packed = call_under(trace.parent, _primal_call, spec,
                                                        primals)
    if not spec_out.n:
        return out
    cls = _ReverseVjp if spec.cf.kind == "vjp" else _ReverseJvp
    rec = cls(spec, spec_out, out_leaves, res, primals)
    ids = [leaf._id if o else None for leaf, o in zip(leaves, own)]
    tracer = trace.record(_TAPE_PRIMS[spec.cf.kind], {"fun": rec}, ids, primals, packed)
    return spec_out.rebuild(spec_out.unpack(tracer), out_leaves)


def _primal_call(spec: Any, primals: list) -> tuple:
    """``fwd`` (custom_vjp) or the function (custom_jvp) on ``primals``: the output,
    the residuals, the output's spec, leaves and packed form."""
    if spec.cf.kind == "vjp":
        out, res = spec.fwd(primals)
    else:
        out, res = current_trace().process_call(spec, primals), None
    spec_out = OutSpec.of(out)
    out_leaves = spec_out.leaves_of(out)
    return out, res, spec_out, out_leaves, spec_out.pack(out_leaves) if spec_out.n else None


class _ReverseVjp(_Record):
    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        return self.spec.bwd(self.res, self.ct_tree(ct), self.in_avals)


def transpose_rule(spec: Any, spec_out: OutSpec, primals: list, cts: list) -> list:
    """VJP of ``t -> rule(primals, t)[1]`` (linear in ``t``) applied to ``cts``."""
    def tangent_map(*ts: Any) -> list:
        out, t_out = spec.rule(primals, ts)
        o_leaves, t_leaves = spec_out.leaves_of(out), spec_out.leaves_of(t_out)
        for i in spec_out.diff:
            check_complex_matches(t_leaves[i], o_leaves[i], "the tangent that the JVP rule "
                                  f"of {spec.cf.__name__} returned")
        return [t_leaves[i] for i in spec_out.diff]

    return vjp_leaves(tangent_map, [zeros_like(p) for p in primals], cts)


class _ReverseJvp(_Record):
    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        return transpose_rule(self.spec, self.spec_out, self.primals,
                              self.spec_out.unpack(ct))


# -- forward traces ------------------------------------------------------------------

def forward(trace: JVPTrace, spec: Any, leaves: list) -> Any:
    """Apply the JVP rule one level down (``custom_vjp``: an error, as in JAX)."""
    if spec.cf.kind == "vjp":
        raise _no_forward_mode(spec)
    primals, own = unwrap_own(trace, leaves)
    tangents = [leaf._tangent if o and leaf._tangent is not None else zeros_like(p)
                for leaf, o, p in zip(leaves, own, primals)]
    out, t_out = call_under(trace.parent, spec.rule, primals, tangents)
    return _wrap_jvp(trace, spec.cf.__name__, out, t_out)


def _no_forward_mode(spec: Any) -> TypeError:
    return TypeError(
        f"can't apply forward-mode autodiff (jvp) to a custom_vjp function "
        f"({spec.cf.__name__}): forward mode (jvp, jacfwd, or hessian / hvp, which are "
        "forward-over-reverse, when fwd calls the custom function itself) needs a JVP "
        "rule. Define the function with functrace.custom_jvp instead, or stay in reverse "
        "mode (grad, vjp, jacrev; jacrev(jacrev(f)) for a Hessian, "
        "hvp(..., mode='rev-rev')).")


# -- other traces: a call primitive -------------------------------------------------------

def generic(trace: Any, spec: Any, leaves: list) -> Any:
    """Bind a call primitive processed by ``trace``; its rules run the user's
    functions (see :class:`GenericCall`)."""
    rec = GenericCall(spec)
    packed = trace.process(_PRIMS[spec.cf.kind], tuple(leaves), {"fun": rec})
    return rec.outputs(packed)


class GenericCall(CallRecord):
    """Per-call state of a custom function bound as a primitive (under traces
    without a dedicated handler, ``vmap``'s): the ``fun`` parameter of a bound
    ``custom_vjp`` / ``custom_jvp`` call primitive. Its rules run the user's
    functions on flat leaves:

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

    def __init__(self, spec: Any):
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
        return _PRIMS[self.spec.cf.kind].bind(*args, fun=self)

    def impl(self, args: tuple) -> Any:
        return call_under(EVAL_TRACE, self.flat_fun, *args)

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        if self.spec.cf.kind == "vjp":
            _, res = self.flat_fwd(*ins)
            return list(self.flat_bwd(res, ct))
        self._pack(self.spec.fun(list(ins)))
        return transpose_rule(self.spec, self.spec_out, list(ins), self.spec_out.unpack(ct))

    def jvp(self, primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
        if self.spec.cf.kind == "vjp":
            raise _no_forward_mode(self.spec)
        tans = [zeros_like(p) if t is None else t for p, t in zip(primals, tangents)]
        return self.flat_rule(list(primals), tans)[1]

    def batch(self, args: Sequence[Any], dims: Sequence[Optional[int]]) -> tuple:
        dims = tuple(dims)
        fun = vmap(self.flat_fun, in_axes=dims)
        fun.__name__ = self.name
        if self.spec.cf.kind == "jvp":
            batched = type(self.spec.cf)(fun)
            batched.defjvp(lambda p, t: vmap(self.flat_rule, in_axes=(dims, dims))(p, t))
        else:
            batched = type(self.spec.cf)(fun)
            batched.defvjp(lambda *xs: vmap(self.flat_fwd, in_axes=dims)(*xs),
                           lambda res, ct: _unbatch_cts(
                               vmap(self.flat_bwd)(res, ct), dims))
        return batched(*args), 0


def _unbatch_cts(cts: Sequence[Any], dims: Sequence[Optional[int]]) -> tuple:
    """Cotangents batched along 0 back to each argument's batch axis (summed over
    the batch for unbatched arguments)."""
    out = []
    for g, d in zip(cts, dims):
        if g is None:
            out.append(None)
        elif d is None:
            out.append(fnp.sum(g, axis=0))
        else:
            out.append(fnp.moveaxis(g, 0, d))
    return tuple(out)
