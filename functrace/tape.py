"""The tape: a list of equations in program order, and its jaxpr-like printer."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np


class Eqn:
    """One recorded primitive application: ``out_id = prim[params] in_ids``.

    ``in_ids[i]`` is the variable id of argument ``i`` or ``None`` for a
    constant. ``ins``/``out`` hold the residuals the VJP needs (``None`` when
    the primitive does not save them); ``in_shapes`` is kept for broadcasting
    primitives so the backward pass can reduce cotangents in one place.
    """

    __slots__ = ("prim", "params", "in_ids", "out_id", "ins", "out", "in_shapes", "aval")

    def __init__(self, prim: Any, params: dict, in_ids: list, out_id: int,
                 ins: Optional[list], out: Any, in_shapes: Optional[tuple], aval: Any = None):
        self.prim = prim
        self.params = params
        self.in_ids = in_ids
        self.out_id = out_id
        self.ins = ins
        self.out = out
        self.in_shapes = in_shapes
        self.aval = aval

    def __repr__(self) -> str:
        return f"Eqn({self.prim.name}, in={self.in_ids}, out={self.out_id})"


_DTYPE_CODES = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64",
                "int32": "i32", "bool": "bool", "complex128": "c128", "complex64": "c64"}


def type_str(shape: tuple, dtype: Any) -> str:
    """``f64[3,2]`` style type of an array."""
    code = _DTYPE_CODES.get(np.dtype(dtype).name, np.dtype(dtype).name)
    return f"{code}[{','.join(str(d) for d in shape)}]"


def var_name(n: int) -> str:
    """a, b, ..., z, ba, bb, ... (jaxpr style)."""
    letters = ""
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n //= 26
        if n == 0:
            return letters


class Tape:
    """What one traced call recorded: ``invars``, ``eqns`` and ``outvars``.

    ``invars``/``outvars`` are variable ids (``None`` for an output that does
    not depend on the inputs). ``avals`` maps each variable id to its
    ``(shape, dtype)``. ``str(tape)`` prints it like a jaxpr::

        { lambda ; a:f64[3]. let
            b:f64[3] = sin a
            c:f64[] = reduce_sum[axes=(0,)] b
          in (c,) }
    """

    def __init__(self, invars: list, eqns: list, outvars: list, avals: dict):
        self.invars = invars
        self.eqns = eqns
        self.outvars = outvars
        self.avals = avals

    def __len__(self) -> int:
        return len(self.eqns)

    def __str__(self) -> str:
        names: dict = {}

        def name(vid: Optional[int]) -> str:
            if vid is None:
                return "_"
            if vid not in names:
                names[vid] = var_name(len(names))
            return names[vid]

        def typed(vid: int) -> str:
            return f"{name(vid)}:{type_str(*self.avals[vid])}"

        head = " ".join(typed(v) for v in self.invars if v is not None)
        lines = ["{ lambda ; " + head + ". let"]
        for eqn in self.eqns:
            args = " ".join(_arg_str(eqn, i, name) for i in range(len(eqn.in_ids)))
            lines.append(f"    {typed(eqn.out_id)} = {eqn.prim.name}{_params_str(eqn.params)} {args}")
        outs = ", ".join(name(v) for v in self.outvars)
        lines.append(f"  in ({outs},) }}")
        return "\n".join(lines)

    __repr__ = __str__


def _arg_str(eqn: Eqn, i: int, name: Any) -> str:
    vid = eqn.in_ids[i]
    if vid is not None:
        return name(vid)
    value = eqn.ins[i] if eqn.ins is not None else None
    if value is None:
        return "_"
    if np.ndim(value) == 0:
        return repr(float(value)) if np.asarray(value).dtype.kind == "f" else str(value)
    return f"const:{type_str(np.shape(value), np.asarray(value).dtype)}"


def _params_str(params: dict) -> str:
    if not params:
        return ""
    return "[" + ",".join(f"{k}={v!r}" for k, v in params.items()) + "]"
