"""Generated Python for a lowered program: numpy calls, kernel calls and guard checks.

:class:`Emitter` collects the lines of one function ``run(v0, v1, ...)`` (one
parameter per input variable) and the objects its lines refer to (impls,
parameters, constants, kernels), which live in the function's globals under
generated names, so each line is one direct call: no tracers, no dispatch, no
dictionary lookups. The source is built only from our own program (variable
numbers and generated names), never from user data, and executed from memory.

A guard line raises :class:`GuardMiss` with the guard's number and the outcome
seen, which the caller uses to pick (or record) the path for these inputs.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

import numpy as np

from .trace import Const, Guard, Op


class GuardMiss(Exception):
    """A replayed guard gave another outcome than recorded: ``(index, outcome)``."""

    def __init__(self, index: int, outcome: Any):
        super().__init__(index, outcome)
        self.index = index
        self.outcome = outcome


def _miss(index: int, outcome: Any) -> None:
    raise GuardMiss(index, outcome)


def freeze(value: Any) -> tuple:
    """A hashable, exact summary of an array value (for ``"value"`` guard outcomes)."""
    arr = np.asarray(value)
    return (type(value), arr.dtype.str, arr.shape, arr.tobytes())


def same_value(value: Any, expected: np.ndarray) -> bool:
    """Whether ``value`` equals the recorded array exactly (NaN equals NaN)."""
    arr = np.asarray(value)
    if arr.shape != expected.shape or arr.dtype != expected.dtype:
        return False
    return arr.tobytes() == expected.tobytes()


def same_float(value: float, expected: float) -> bool:
    return value == expected or (math.isnan(value) and math.isnan(expected))


class Emitter:
    """Lines and names of one generated function."""

    def __init__(self, n_inputs_hint: int = 0):
        self.lines: list = []
        self.names: dict = {"_miss": _miss, "_same_value": same_value,
                            "_same_float": same_float, "_freeze": freeze}
        self._ids: dict = {}

    def name(self, obj: Any, prefix: str) -> str:
        """The global name holding ``obj`` (one per object)."""
        key = (prefix, id(obj))
        found = self._ids.get(key)
        if found is None:
            found = f"{prefix}{len(self._ids)}"
            self._ids[key] = found
            self.names[found] = obj
        return found

    def ref(self, r: Any) -> str:
        """Source text of an op input: a variable or a constant."""
        return f"v{r}" if type(r) is int else self.name(r.value, "c")

    def op(self, op: Op) -> None:
        """``v_out = impl(args, param=...)``: the primitive's numpy implementation."""
        fn = self.name(op.prim.impl, "f")
        args = [self.ref(i) for i in op.ins]
        args += [f"{k}={self.name(v, 'k')}" for k, v in op.params.items()]
        self.lines.append(f"v{op.out} = {fn}({', '.join(args)})")

    def guard(self, guard: Guard, index: int) -> None:
        v = f"v{guard.var}"
        what, expected = guard.what, guard.expected
        if what == "bool":
            test, seen = f"bool({v}) is {bool(expected)}", f"bool({v})"
        elif what in ("int", "index"):
            test, seen = f"int({v}) == {int(expected)}", f"int({v})"
        elif what == "complex":
            test = f"complex({v}) == {self.name(complex(expected), 'g')}"
            seen = f"complex({v})"
        elif what == "float":
            test = f"_same_float(float({v}), {self.name(float(expected), 'g')})"
            seen = f"float({v})"
        else:
            test = f"_same_value({v}, {self.name(expected, 'g')})"
            seen = f"_freeze({v})"
        self.lines.append(f"if not ({test}): _miss({index}, {seen})")

    def line(self, text: str) -> None:
        self.lines.append(text)

    def outputs(self, outputs: list, tree: Any = None) -> bool:
        """``return`` the outputs: as the output pytree itself when ``tree`` is made
        of tuples, lists, dicts and None only (returns True), else as a flat tuple."""
        refs = []
        for o in outputs:
            if type(o) is Const and isinstance(o.value, np.ndarray):
                refs.append(f"{self.name(o.value, 'c')}.copy()")   # never hand out ours
            else:
                refs.append(self.ref(o))
        built = None if tree is None else _tree_expr(tree, iter(refs), self)
        if built is not None:
            self.lines.append(f"return {built}")
            return True
        self.lines.append(f"return ({', '.join(refs)}{',' if len(refs) == 1 else ''})")
        return False

    def source(self, inputs: list, fname: str = "run") -> str:
        params = ", ".join(f"v{i}" for i in inputs)
        body = "\n".join("    " + line for line in self.lines)
        return f"def {fname}({params}):\n{body}\n"

    def build(self, inputs: list, filename: str) -> Callable:
        source = self.source(inputs)
        namespace = dict(self.names)
        exec(compile(source, filename, "exec"), namespace)  # our own generated source
        run = namespace["run"]
        run.source = source
        return run


def _tree_expr(tree: Any, refs: Any, em: Emitter) -> Optional[str]:
    """Source text building the pytree ``tree`` from ``refs`` (None if a node is not
    a plain tuple, list, dict or None)."""
    kind = tree.node_type
    if kind is None:
        return next(refs)
    children = []
    for child in tree.children:
        text = _tree_expr(child, refs, em)
        if text is None:
            return None
        children.append(text)
    if kind is tuple:
        return f"({', '.join(children)}{',' if len(children) == 1 else ''})"
    if kind is list:
        return f"[{', '.join(children)}]"
    if kind is type(None):
        return "None"
    if kind is dict:
        keys = [em.name(k, "key") for k in tree.aux]
        return "{" + ", ".join(f"{k}: {c}" for k, c in zip(keys, children)) + "}"
    return None
