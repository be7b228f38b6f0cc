"""Which recorded ops a fused kernel may compute, and the scalar code for each.

A fused kernel computes, per element, exactly what numpy computes: only ops
whose numpy result is the correctly rounded IEEE result (``+ - * /``, ``sqrt``,
comparisons, selections, casts) are fused, so a kernel is bitwise equal to the
numpy calls it replaces. Transcendental functions (``exp``, ``tanh``, ``sin``,
general ``power``, ...) stay numpy calls between kernels: numpy's SIMD versions
are both faster than the scalar libm calls a Numba loop would make (no SVML)
and what eager mode computes. ``x ** 2``, ``x ** 0.5``, ``x ** -1``, ``x ** 1``
and ``x ** 0`` are fused: numpy computes them as square, sqrt, reciprocal, copy
and ones.

Each entry of :data:`SCALAR` builds the expression from the operands' source
text, already cast to the op's computation dtype (``T``, a name bound to
``np.float32``/``np.float64`` in the kernel's module).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from .trace import Aval, Const, Op

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
KERNEL_DTYPES = FLOATS + (np.dtype(np.bool_),)


def _binary(symbol: str) -> Callable:
    return lambda a, T: f"({a[0]} {symbol} {a[1]})"


def _maximum(a: list, T: str) -> str:       # numpy: NaN wins; ties keep the first
    return f"({a[0]} if ({a[0]} >= {a[1]} or {a[0]} != {a[0]}) else {a[1]})"


def _minimum(a: list, T: str) -> str:
    return f"({a[0]} if ({a[0]} <= {a[1]} or {a[0]} != {a[0]}) else {a[1]})"


def _fmax(a: list, T: str) -> str:          # numpy: NaN loses
    return f"({a[0]} if ({a[0]} >= {a[1]} or {a[1]} != {a[1]}) else {a[1]})"


def _fmin(a: list, T: str) -> str:
    return f"({a[0]} if ({a[0]} <= {a[1]} or {a[1]} != {a[1]}) else {a[1]})"


def _clip(a: list, T: str) -> str:          # np.clip = minimum(maximum(x, lo), hi)
    return _minimum([_maximum(a[:2], T), a[2]], T)


def _sign(a: list, T: str) -> str:
    x = a[0]
    return (f"({T}(1) if {x} > 0 else ({T}(-1) if {x} < 0 else "
            f"({x} if {x} != {x} else {T}(0))))")


SCALAR: dict = {
    "add": _binary("+"), "subtract": _binary("-"), "multiply": _binary("*"),
    "divide": _binary("/"),
    "negative": lambda a, T: f"(-{a[0]})",
    "square": lambda a, T: f"({a[0]} * {a[0]})",
    "sqrt": lambda a, T: f"np.sqrt({a[0]})",
    "reciprocal": lambda a, T: f"({T}(1) / {a[0]})",
    "absolute": lambda a, T: f"abs({a[0]})",
    "maximum": _maximum, "minimum": _minimum, "fmax": _fmax, "fmin": _fmin,
    "relu": lambda a, T: _maximum([a[0], f"{T}(0)"], T),
    "clip": _clip,
    "where": lambda a, T: f"({a[1]} if {a[0]} else {a[2]})",
    "sign": _sign,
    "floor": lambda a, T: f"np.floor({a[0]})", "ceil": lambda a, T: f"np.ceil({a[0]})",
    "trunc": lambda a, T: f"np.trunc({a[0]})",
    "equal": _binary("=="), "not_equal": _binary("!="), "less": _binary("<"),
    "less_equal": _binary("<="), "greater": _binary(">"), "greater_equal": _binary(">="),
    "logical_and": lambda a, T: f"(bool({a[0]}) and bool({a[1]}))",
    "logical_or": lambda a, T: f"(bool({a[0]}) or bool({a[1]}))",
    "logical_xor": lambda a, T: f"(bool({a[0]}) != bool({a[1]}))",
    "logical_not": lambda a, T: f"(not {a[0]})",
    "isnan": lambda a, T: f"({a[0]} != {a[0]})",
    "isinf": lambda a, T: f"np.isinf({a[0]})",
    "isfinite": lambda a, T: f"np.isfinite({a[0]})",
    "astype": lambda a, T: a[0], "astype_nonfloat": lambda a, T: a[0],
    "broadcast_to": lambda a, T: a[0],     # the operand is read through its broadcast
    "stop_gradient": lambda a, T: a[0],
}

# Ops whose computation dtype is the common dtype of their inputs, not their output's.
_COMPARES = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
             "isnan", "isinf", "isfinite", "sign", "floor", "ceil", "trunc"}
_LOGICAL = {"logical_and", "logical_or", "logical_xor", "logical_not"}
_FAST_POWERS = {2.0: "square", 0.5: "sqrt", -1.0: "reciprocal", 1.0: "copy", 0.0: "one"}


def power_form(op: Op) -> Optional[str]:
    """For ``power`` with a constant scalar exponent numpy special-cases, its form."""
    y = op.ins[1]
    if type(y) is not Const or not isinstance(y.value, (int, float, np.floating, np.integer)):
        return None
    if isinstance(y.value, bool):
        return None
    return _FAST_POWERS.get(float(y.value))


def compute_dtype(op: Op, avals: list) -> Optional[np.dtype]:
    """The dtype the op computes in (what its operands are cast to), or None if the
    op cannot be fused."""
    name = op.prim.name
    out = avals[op.out]
    if out.dtype not in KERNEL_DTYPES:
        return None
    if name == "power":
        return out.dtype if power_form(op) is not None and out.dtype in FLOATS else None
    if name not in SCALAR:
        return None
    if name in _LOGICAL:
        return np.dtype(np.bool_)
    if name in ("astype", "astype_nonfloat", "where", "broadcast_to"):
        return out.dtype
    if name in _COMPARES:
        dt = np.result_type(*[_operand_for_typing(i, avals) for i in op.ins])
        return dt if dt in KERNEL_DTYPES else None
    return out.dtype if out.dtype in FLOATS or name == "stop_gradient" else None


def _operand_for_typing(ref: Any, avals: list) -> Any:
    """A stand-in for numpy's type resolution: a dtype for variables, the value
    itself for constants (so Python scalars stay weak)."""
    if type(ref) is int:
        aval: Aval = avals[ref]
        if aval.type in (float, int, bool, complex):
            return aval.type(0)
        return np.empty(0, aval.dtype) if aval.shape else np.empty((), aval.dtype)
    return ref.value


def scalar_code(op: Op, args: list, T: str) -> str:
    """The expression computing ``op`` from its cast operands ``args``."""
    if op.prim.name == "power":
        form = power_form(op)
        x = args[0]
        return {"square": f"({x} * {x})", "sqrt": f"np.sqrt({x})",
                "reciprocal": f"({T}(1) / {x})", "copy": f"(+{x})",
                "one": f"{T}(1)"}[form]
    return SCALAR[op.prim.name](args, T)
