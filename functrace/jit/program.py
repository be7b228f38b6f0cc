"""One recorded path of a jitted function, and its simplification.

A :class:`Program` is what one recording produced: the input variables, a
schedule of ops and guards in program order, the output references and the
abstract values (shape, dtype, type) of every variable. :func:`simplify`
removes common subexpressions and dead code; constants need no folding, as ops
on constants only were computed while recording and never recorded.

Guards are barriers: no op recorded after a guard is moved before it (the op
may only be valid when the guard holds, e.g. an index that the ``if`` checked).
Random draws (:data:`~functrace.jit.trace.DRAW`) are effects: each is kept, even
unused (it advances the generator as the eager call did), and none is merged.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..tape import type_str, var_name
from .trace import DRAW, Aval, Const, Guard, Op


class Program:
    """``inputs`` (variable ids), ``items`` (:class:`Op` and :class:`Guard` in
    order), ``outputs`` (variable ids or :class:`Const`), ``out_tree`` (pytree of
    the outputs) and ``avals`` (variable id -> :class:`Aval`)."""

    def __init__(self, inputs: list, items: list, outputs: list, out_tree: Any,
                 avals: list):
        self.inputs = inputs
        self.items = items
        self.outputs = outputs
        self.out_tree = out_tree
        self.avals = avals

    @property
    def ops(self) -> list:
        return [it for it in self.items if type(it) is Op]

    @property
    def guards(self) -> list:
        return [it for it in self.items if type(it) is Guard]

    @property
    def draws(self) -> list:
        """The sources of the program's random draws, in program order."""
        return [it.params["source"] for it in self.items
                if type(it) is Op and it.prim is DRAW]

    def __str__(self) -> str:
        return format_items(self, self.items)


def build(trace: Any, inputs: list, outputs: list, out_tree: Any) -> Program:
    """The :class:`Program` of a finished recording (ops and guards interleaved)."""
    items: list = []
    guards = iter(trace.guards)
    guard = next(guards, None)
    for k, op in enumerate(trace.ops):
        while guard is not None and guard.pos <= k:
            items.append(guard)
            guard = next(guards, None)
        items.append(op)
    while guard is not None:
        items.append(guard)
        guard = next(guards, None)
    return Program(inputs, items, outputs, out_tree, trace.avals)


# Primitives whose implementation returns its (only) argument itself.
_IDENTITIES = frozenset({"stop_gradient"})


def simplify(program: Program) -> Program:
    """Identity ops forwarded, common subexpressions merged, dead code removed."""
    return _dce(_cse(program))


def _cse(program: Program) -> Program:
    same: dict = {}          # variable id -> the id of an identical earlier value
    seen: dict = {}          # op key -> output id
    items = []
    for item in program.items:
        if type(item) is Guard:
            items.append(item._replace(var=same.get(item.var, item.var)))
            continue
        ins = tuple(same.get(i, i) if type(i) is int else i for i in item.ins)
        if item.prim.name in _IDENTITIES and type(ins[0]) is int:
            same[item.out] = ins[0]          # the same object as its input
            continue
        op = Op(item.prim, item.params, ins, item.out) if ins != item.ins else item
        key = _op_key(op)
        if key is not None:
            prev = seen.get(key)
            if prev is not None:
                same[op.out] = prev
                continue
            seen[key] = op.out
        items.append(op)
    outputs = [same.get(o, o) if type(o) is int else o for o in program.outputs]
    return Program(program.inputs, items, outputs, program.out_tree, program.avals)


def _op_key(op: Op) -> Optional[tuple]:
    """A hashable identity of what ``op`` computes, or None (not comparable)."""
    if op.prim is DRAW:
        return None                      # two draws give different numbers
    try:
        params = tuple(sorted(op.params.items()))
        hash(params)
    except TypeError:
        return None
    ins = []
    for i in op.ins:
        if type(i) is int:
            ins.append(i)
            continue
        v = i.value
        if isinstance(v, (bool, int, float, complex, np.generic)):
            # bitwise, with the type: 0.0 and -0.0 (or 1 and 1.0) differ
            ins.append((type(v), np.asarray(v).tobytes()))
        else:
            ins.append(("id", id(v)))      # arrays and other objects: the same object
    return (op.prim, params, tuple(ins))


def _dce(program: Program) -> Program:
    live = {o for o in program.outputs if type(o) is int}
    live.update(it.var for it in program.items if type(it) is Guard)
    kept = []
    for item in reversed(program.items):
        if type(item) is Op:
            if item.out not in live and item.prim is not DRAW:
                continue
            live.update(i for i in item.ins if type(i) is int)
        kept.append(item)
    kept.reverse()
    return Program(program.inputs, kept, program.outputs, program.out_tree, program.avals)


# -- printing -----------------------------------------------------------------------------

def format_items(program: Program, items: list) -> str:
    """A jaxpr-like listing of ``items`` (ops, guards and fused kernels)."""
    names: dict = {}

    def name(vid: int) -> str:
        if vid not in names:
            names[vid] = var_name(len(names))
        return names[vid]

    def typed(vid: int) -> str:
        aval: Aval = program.avals[vid]
        return f"{name(vid)}:{type_str(aval.shape, aval.dtype)}"

    def ref(r: Any) -> str:
        return name(r) if type(r) is int else const_str(r)

    def op_line(op: Op, indent: str) -> str:
        args = " ".join(ref(i) for i in op.ins)
        return f"{indent}{typed(op.out)} = {op.prim.name}{_params(op.params)} {args}"

    for v in program.inputs:          # names in program order
        name(v)
    for item in items:
        for op in ([item] if isinstance(item, Op) else getattr(item, "ops", [])):
            name(op.out)
    lines = ["{ lambda ; " + " ".join(typed(v) for v in program.inputs) + ". let"]
    for item in items:
        if type(item) is Guard:
            lines.append(f"    guard {item.what}({name(item.var)}) == "
                         f"{_short(item.expected)}  # {item.where}")
        elif isinstance(item, Op):
            lines.append(op_line(item, "    "))
        else:        # a fused kernel: its ops, and which of their results it writes
            kplan = item.kplan
            shape = type_str(kplan.group.shape, kplan.out_dtypes[0] if kplan.out_dtypes
                             else np.float64)
            writes = " ".join(name(v) for v in kplan.outputs)
            lines.append(f"    kernel {item.number} over {shape.split('[')[1][:-1] or '()'}"
                         f" ({len(item.ops)} ops) writes {writes or '-'}:")
            lines.extend(op_line(op, "      | ") for op in item.ops)
    lines.append(f"  in ({', '.join(ref(o) for o in program.outputs)},) }}")
    return "\n".join(lines)


def const_str(c: Const) -> str:
    v = c.value
    if np.ndim(v) == 0 and isinstance(v, (bool, int, float, np.generic)):
        return repr(v.item() if isinstance(v, np.generic) else v)
    if isinstance(v, np.ndarray):
        return f"const:{type_str(v.shape, v.dtype)}"
    return f"const:{type(v).__name__}"


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray) and v.size > 4:
        return f"<{type_str(v.shape, v.dtype)} recorded>"
    return repr(v)


def _params(params: dict) -> str:
    if not params:
        return ""
    return "[" + ",".join(f"{k}={v!r}" for k, v in params.items()) + "]"
