"""``functrace.explain_grad``: why a gradient is zero, None or NaN, with source lines.

``explain_grad(f, argnums)(*args)`` runs ``f`` once while logging every operation
on values derived from the chosen arguments (:mod:`functrace.debugging.flow`), differentiated or
not, with its source line; runs the backward pass collecting NaN/inf origins
and the rules that turned a nonzero cotangent into zeros (:class:`functrace.debugging.mode.FaultLog`);
and says, for every input leaf, what its gradient is and why:

* the output does not depend on it (and where its value went: a comparison, a
  conversion to a Python value that decided control flow, ...);
* the gradient stops on every path to the output: ``stop_gradient``, a
  comparison, a cast to an integer dtype, a piecewise-constant function, a
  Python conversion, and on Tensors ``detach()``, a ``no_grad()`` block;
* it is an integer; on Tensors: ``requires_grad=False``, a frozen parameter, a
  non-leaf tensor without ``retain_grad()`` (whose ``.grad`` stays None);
* it is connected but zero: the rule that zeroed it (``relu`` of negatives, a
  ``where`` that selects the other branch), or contributions that cancel;
* it is NaN or inf: the first operation where that entered.

Tensors (and modules, whose parameters are the leaves) are explained on the
facade's graph; everything else on a functional tape.

>>> import numpy as np, functrace as ft, functrace.numpy as fnp
>>> def loss(w, b):
...     return fnp.sum(ft.stop_gradient(w) * 3.0) + b
>>> report = ft.explain_grad(loss, argnums=(0, 1))(np.ones(2), 1.0)
>>> [(r.name, r.status) for r in report]
[('argument 0', 'disconnected'), ('argument 1', 'flows')]
>>> report[0].causes[0].kind
'stop_gradient'
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterator, Optional

import numpy as np

from .argnums import ArgNums, call_traced, check_callable, normalize_argnums
from .core import Tracer, call_under, concrete, current_trace
from .debugging.flow import REASONS, FlowLog, reason_of
from .debugging.mode import DebugSetting, FaultLog
from .debugging.source import Source
from .grad_mode import call_with_debug
from .reverse import ReverseTrace, ReverseTracer, backward_pass
from .tape import ALL
from .tree import _sorted_keys, tree_flatten, tree_unflatten


class Cause:
    """One reason: ``kind`` (a key of :data:`KINDS`), ``message`` and ``source``."""

    __slots__ = ("kind", "message", "source")

    def __init__(self, kind: str, message: str, source: Optional[Source] = None):
        self.kind = kind
        self.message = message
        self.source = source

    def __str__(self) -> str:
        if self.source is None:
            return self.message
        code = self.source.code()
        return f"{self.message} at {self.source.short()}" + (f": {code}" if code else "")

    def __repr__(self) -> str:
        return f"Cause({self.kind}, {self.source!r})"


#: every kind of cause explain_grad reports
KINDS = ("no_dependence", "integer_dtype", "requires_grad_false", "frozen_parameter",
         "non_leaf", "zero_derivative", "cancellation", "nan", *REASONS)


class InputReport:
    """The gradient of one input leaf: ``status`` is ``"flows"`` (nonzero and
    finite), ``"zero"`` (connected, but all zero), ``"disconnected"`` (no
    differentiable path: ``ft.grad`` gives zeros, the facade ``None``), ``"nan"``
    (NaN or inf) or ``"integer"``; ``causes`` say why; ``gradient`` is its value."""

    __slots__ = ("name", "status", "causes", "gradient")

    def __init__(self, name: str, status: str, causes: list, gradient: Any = None):
        self.name = name
        self.status = status
        self.causes = causes
        self.gradient = gradient

    def __str__(self) -> str:
        lines = [f"{self.name}: {_STATUS[self.status]}"]
        lines += [f"    - {c}" for c in self.causes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"InputReport({self.name!r}, {self.status!r}, {self.causes!r})"


_STATUS = {"flows": "the gradient flows (nonzero, finite)",
           "zero": "the gradient is zero",
           "disconnected": "no gradient (zero / None): no differentiable path to the output",
           "nan": "the gradient is not finite (NaN or inf)",
           "integer": "no gradient: an integer input"}


class GradReport:
    """What :func:`explain_grad` found: one :class:`InputReport` per input leaf
    (iterate, index by position, or look up by name); printable."""

    def __init__(self, title: str, inputs: list):
        self.title = title
        self.inputs = inputs

    def __iter__(self) -> Iterator[InputReport]:
        return iter(self.inputs)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, key: Any) -> InputReport:
        if isinstance(key, str):
            for r in self.inputs:
                if r.name == key:
                    return r
            raise KeyError(key)
        return self.inputs[key]

    def __str__(self) -> str:
        return "\n".join([self.title] + [str(r) for r in self.inputs])

    __repr__ = __str__


def explain_grad(f: Callable, argnums: ArgNums = 0) -> Callable[..., GradReport]:
    """``explain_grad(f, argnums)(*args)``: a :class:`GradReport` on the gradient of
    ``f`` with respect to ``args[argnums]`` (every leaf of those pytrees; the
    parameters of a module). A non-scalar output is explained as its sum.

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> r = ft.explain_grad(lambda x: fnp.sum(fnp.maximum(x, 0.0)))(-np.ones(2))
    >>> r[0].status, r[0].causes[0].kind
    ('zero', 'zero_derivative')
    """
    check_callable(f, "explain_grad")
    title = f"explain_grad({getattr(f, '__qualname__', f)!s}):"

    @functools.wraps(f)
    def explain(*args: Any, **kwargs: Any) -> GradReport:
        nums = normalize_argnums(argnums, len(args))
        named = [leaf for i in nums for leaf in _named_leaves(args[i], f"argument {i}")]
        if any(_is_tensor(v) for _, v in named):
            return GradReport(title, explain_tensors(f, args, kwargs, nums, named))
        return GradReport(title, _explain_functional(f, args, kwargs, nums, named))

    return explain


def _is_tensor(x: Any) -> bool:
    return hasattr(type(x), "requires_grad_") and hasattr(x, "_id")


def _named_leaves(arg: Any, prefix: str) -> list:
    """``(name, leaf)`` pairs of one argument: a module's parameters by name,
    else the pytree's leaves (dict keys and list positions in their names)."""
    if hasattr(arg, "named_parameters") and callable(arg.named_parameters):
        return [(f"{prefix}: {n}", p) for n, p in arg.named_parameters()]
    leaves = tree_flatten(arg)[0]
    named = list(_walk(arg, prefix))
    if len(named) != len(leaves) or any(v is not w for (_, v), w in zip(named, leaves)):
        named = [(prefix if len(leaves) == 1 else f"{prefix}, leaf {k}", v)
                 for k, v in enumerate(leaves)]
    return named


def _walk(x: Any, name: str) -> Iterator[tuple]:
    if type(x) is dict:
        for k in _sorted_keys(x):
            yield from _walk(x[k], f"{name}[{k!r}]")
    elif type(x) in (list, tuple):
        for k, v in enumerate(x):
            yield from _walk(v, f"{name}[{k}]")
    else:
        yield name, x


# -- the functional face ------------------------------------------------------------------

class ExplainTrace(ReverseTrace):
    """A reverse trace that also logs what it does not record (:mod:`functrace.debugging.flow`)."""

    __slots__ = ("log",)

    def __init__(self, parent: Any, log: FlowLog):
        super().__init__(parent, ALL, "explain_grad")
        self.log = log

    def key(self, x: Any) -> Any:
        if type(x) is ReverseTracer and x._trace is self:
            return ("v", x._id)
        k = ("c", id(x))
        return k if k in self.log.tracked else None

    def process(self, prim: Any, args: tuple, params: dict) -> Any:
        n = len(self.eqns)
        out = super().process(prim, args, params)
        ins = [(self.key(a), type(a) is ReverseTracer and a._trace is self) for a in args]
        if not any(k is not None for k, _ in ins):
            return out
        if len(self.eqns) > n:
            eqn = self.eqns[-1]
            self.log.add(prim.name, ins, ("v", eqn.out_id), None, eqn.source)
        else:
            self.log.alive.append(out)          # its id is its key
            reason = reason_of(prim.name) if prim.vjp is None else "constant"
            self.log.add(prim.name, ins, ("c", id(out)), reason)
        return out

    def record(self, prim: Any, params: dict, ids: list, primals: list, out: Any) -> Any:
        """A call's equation (a custom rule, a checkpoint, an autograd.Function)."""
        tracer = super().record(prim, params, ids, primals, out)
        ins = [(None if i is None else ("v", i), i is not None) for i in ids]
        self.log.add(prim.name, ins, ("v", tracer._id), None, self.eqns[-1].source)
        return tracer

    def observe(self, tracer: Any, what: str, value: Any) -> None:
        if what != "value" and tracer._trace is self:
            self.log.add(f"{what}()", [(("v", tracer._id), False)], None, "python_conversion")


def _explain_functional(f: Callable, args: tuple, kwargs: dict, nums: tuple,
                        named: list) -> list:
    flat, in_tree = tree_flatten([args[i] for i in nums])
    log, faults = FlowLog(), FaultLog()
    trace = ExplainTrace(current_trace(), log)

    def run() -> tuple:
        leaves = [trace.new_input(np.asarray(concrete(v)))
                  if np.result_type(concrete(v)).kind == "f" else v for v in flat]
        log.tracked.update(("v", t._id) for t in leaves if isinstance(t, ReverseTracer))

        def flat_f(*ls: Any) -> Any:
            full = list(args)
            for i, sub in zip(nums, tree_unflatten(in_tree, ls)):
                full[i] = sub
            return f(*full, **kwargs)

        try:
            out = call_under(trace, call_traced, flat_f, *leaves)
        finally:
            trace.alive = False
        outs = [trace.key(o) for o in tree_flatten(out)[0]]
        seeds = {k[1]: np.ones(np.shape(o._value), np.result_type(concrete(o._value)))
                 for k, o in zip(outs, tree_flatten(out)[0])
                 if k is not None and k[0] == "v" and np.result_type(concrete(o)).kind == "f"}
        cts = backward_pass(list(reversed(trace.eqns)), dict(seeds), consume=False)
        return leaves, [k for k in outs if k is not None], cts

    setting = DebugSetting(nans=True, source=True, faults=faults)
    leaves, outs, cts = call_with_debug(setting, run)
    graph = Graph(log.entries, outs, faults, _functional_edge)
    reports = []
    for (name, value), leaf in zip(named, leaves):
        if not isinstance(leaf, ReverseTracer):
            reports.append(InputReport(name, "integer", [_integer_cause(value)]))
            continue
        reports.append(graph.explain(name, ("v", leaf._id), cts.get(leaf._id)))
    return reports


def _functional_edge(eqn: Any, argnum: int) -> Any:
    vid = eqn.in_ids[argnum]
    return None if vid is None else ("v", vid)


def _integer_cause(value: Any) -> Cause:
    dtype = np.result_type(concrete(value))
    return Cause("integer_dtype", f"it has dtype {dtype}: integers have no gradient (pass "
                 "floats, e.g. x.astype(float), if it should have one)")


# -- the analysis (both faces) ------------------------------------------------------------

class Graph:
    """The logged data flow, the outputs' keys and the collected faults."""

    def __init__(self, entries: list, outs: list, faults: FaultLog,
                 edge_key: Callable[[Any, int], Any]):
        self.entries = entries
        self.outs = set(outs)
        self.faults = faults
        self.edge_key = edge_key        # (eqn, argnum) -> the key of that input
        self.to_out = self._backward_reach()

    def _backward_reach(self) -> set:
        feeds: dict = {}
        for e in self.entries:
            for k, _ in e.ins:
                feeds.setdefault(e.out, []).append(k)
        seen, stack = set(self.outs), list(self.outs)
        while stack:
            for k in feeds.get(stack.pop(), ()):
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
        return seen

    def forward_reach(self, start: Any, diff_only: bool) -> set:
        uses: dict = {}
        for e in self.entries:
            if e.out is None or (diff_only and e.reason is not None):
                continue
            for k, d in e.ins:
                if d or not diff_only:
                    uses.setdefault(k, []).append(e.out)
        seen, stack = {start}, [start]
        while stack:
            for k in uses.get(stack.pop(), ()):
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
        return seen

    def explain(self, name: str, key: Any, grad: Any, causes: Optional[list] = None) -> InputReport:
        causes = list(causes or [])
        diff = self.forward_reach(key, True)
        if diff & self.outs:
            return self._connected(name, diff, grad, causes)
        # where the gradient stops: on a logged path to the output if there is one,
        # else wherever its value went (numpy code on a constant is not logged)
        cuts = [e for e in self.entries if e.reason is not None
                and any(k in diff for k, _ in e.ins)]
        reaching = [e for e in cuts if e.out is not None and e.out in self.to_out]
        causes += _dedupe(Cause(e.reason, f"the gradient stops at {_cut_phrase(e)}", e.source)
                          for e in reaching or cuts)
        if not cuts:
            causes.append(Cause("no_dependence", "the output does not depend on it"))
        return InputReport(name, "disconnected", causes, grad)

    def _connected(self, name: str, diff: set, grad: Any, causes: list) -> InputReport:
        g = None if grad is None else np.asarray(concrete(grad))
        if g is not None and not np.isfinite(g).all():
            fault = self._first_fault(diff)
            if fault is not None:
                causes.append(Cause("nan", fault.headline(), fault.source))
            return InputReport(name, "nan", causes, grad)
        if g is not None and np.any(g):
            return InputReport(name, "flows", causes, grad)
        zeroed = [(eqn, a) for eqn, a in self.faults.zeroed if self.edge_key(eqn, a) in diff]
        for eqn, argnum in zeroed[:3]:
            causes.append(_zeroed_cause(eqn, argnum))
        if not zeroed:
            causes.append(Cause("cancellation", "the contributions of its uses cancel (they "
                                "sum to zero)"))
        return InputReport(name, "zero", causes, grad)

    def _first_fault(self, diff: set) -> Any:
        faults = self.faults.faults
        forward = [x for x in faults if x.phase == "forward"]
        if forward:
            return forward[0]
        for fault in faults:
            if fault.eqn is not None and fault.argnum is not None \
                    and self.edge_key(fault.eqn, fault.argnum) in diff:
                return fault
        return faults[0] if faults else None


def _zeroed_cause(eqn: Any, argnum: int) -> Cause:
    """A rule that made zeros: a piecewise-constant function's (floor, round, sign:
    zero everywhere, as in PyTorch), or any other rule at these inputs."""
    source = getattr(eqn, "source", None)
    if reason_of(eqn.prim.name) == "piecewise_constant":
        return Cause("piecewise_constant", f"the gradient stops at {eqn.prim.name} "
                     f"({REASONS['piecewise_constant']})", source)
    return Cause("zero_derivative", f"the VJP rule of {_rule_name(eqn)} turned a nonzero "
                 f"cotangent into zeros for its argument {argnum} (its derivative is 0 at "
                 "these inputs)", source)


def _rule_name(eqn: Any) -> str:
    """``sqrt``, or ``sqrt (SqrtBackward0)`` for a node of the Tensor facade."""
    node_name = getattr(eqn, "name", None)
    return eqn.prim.name if node_name is None else f"{eqn.prim.name} ({node_name()})"


def _cut_phrase(e: Any) -> str:
    """``stop_gradient``, ``greater (a comparison)``, ..."""
    if e.reason in ("stop_gradient", "detach"):
        return e.name
    if e.reason == "python_conversion":
        return (f"{e.name}, a conversion to a Python value (a branch or a constant made from "
                "it is not differentiated)")
    return f"{e.name} ({REASONS.get(e.reason, e.reason)})"


def _dedupe(causes: Any) -> list:
    out, seen = [], set()
    for c in causes:
        key = (c.kind, None if c.source is None else (c.source.file, c.source.line))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# -- the Tensor facade: its graph, the operations it does not record
#    (functrace.debugging.flow.facade_op) and the gradients autograd.grad gives --------

def explain_tensors(f: Callable, args: tuple, kwargs: dict, nums: tuple, named: list) -> list:
    """One :class:`~.explain.InputReport` per ``(name, leaf)`` of ``named``."""
    from .tensors._engine import grad as autograd_grad     # (the facade loads on first use)
    from .tensors._tensor import Tensor                    # (the facade loads on first use)
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


def _explain_leaf(graph: "Graph", name: str, x: Any, grads: dict) -> "InputReport":
    if not _is_tensor(x) or x._data.dtype.kind != "f":
        value = x._data if _is_tensor(x) else x
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
