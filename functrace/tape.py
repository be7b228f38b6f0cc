"""The tape: equations, the one function that records them, and the jaxpr-like printer.

**C3, one recorder.** :func:`record_eqn` builds every equation: those of a
reverse trace (:class:`functrace.reverse.ReverseTrace`, and through it the call
primitives of custom rules and checkpoints) and the Tensor facade's graph nodes
(subclasses of :class:`Eqn` that add their own links). What an equation keeps
for the backward pass is decided in one place, from two declarations: the
primitive's (``saves``, ``broadcasts``) and the recording trace's residual
policy, a :class:`Residuals` value held as data on the trace:

* :data:`DECLARED` -- what the primitive declares it needs (the default);
* :data:`ALL` -- every input and the output's type too (``make_tape`` prints
  them; ``linearize`` replays them);
* :func:`block` ``(start)`` -- while a checkpointed block records: an equation
  that saves no inputs still keeps its constants and the values recorded before
  ``start`` (what replaying the block needs), not the block's own intermediates.

>>> import numpy as np, functrace
>>> from functrace.primitives.transcendental import sin_p
>>> eqn = record_eqn(Eqn, sin_p, {}, [0], 1, [np.zeros(2)], np.zeros(2), DECLARED)
>>> eqn, eqn.ins is not None, eqn.aval
(Eqn(sin, in=[0], out=1), True, None)
>>> record_eqn(Eqn, sin_p, {}, [0], 1, [np.zeros(2)], np.zeros(2), ALL).aval
((2,), dtype('float64'))
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .core import concrete
from .tracers import type_str
from .debugging.checks import on_record
from .debugging.mode import ARMED


class Eqn:
    """One recorded primitive application: ``out_id = prim[params] in_ids``.

    ``in_ids[i]`` is the variable id of argument ``i`` or ``None`` for a
    constant. ``ins``/``out`` hold the residuals the VJP needs (``None`` when
    the primitive does not save them); ``in_shapes`` is kept for broadcasting
    primitives so the backward pass can reduce cotangents in one place;
    ``aval`` is the output's ``(shape, dtype)`` when the policy keeps it.
    ``source`` is the user's line that bound it
    (:class:`functrace.debugging.source.Source`), set only while debugging
    records source lines (read it with ``getattr(eqn, "source", None)``).
    Built by :func:`record_eqn` only.
    """

    __slots__ = ("prim", "params", "in_ids", "out_id", "ins", "out", "in_shapes", "aval",
                 "source")

    def __repr__(self) -> str:
        return f"Eqn({self.prim.name}, in={self.in_ids}, out={self.out_id})"


class Residuals:
    """A recording trace's residual policy (see the module docstring): keep every
    input (``keep_all``), or, for a checkpointed block, the values recorded
    before ``block_start`` as well as the declared ones."""

    __slots__ = ("keep_all", "block_start")

    def __init__(self, keep_all: bool = False, block_start: Optional[int] = None):
        self.keep_all = keep_all
        self.block_start = block_start

    def __repr__(self) -> str:
        return ("ALL" if self.keep_all else "DECLARED" if self.block_start is None
                else f"block({self.block_start})")


DECLARED = Residuals()
ALL = Residuals(keep_all=True)


def block(start: int) -> Residuals:
    """The policy while a checkpointed block records (its first id is ``start``)."""
    return Residuals(block_start=start)


_new = object.__new__
_ndarray = np.ndarray


def record_eqn(cls: type, prim: Any, params: dict, in_ids: list, out_id: int,
               primals: Any, out: Any, residuals: Residuals) -> Any:
    """The equation ``out_id = prim[params](primals)`` as an instance of ``cls``
    (:class:`Eqn` or a subclass whose extra slots the caller fills), keeping
    what ``prim`` declares and ``residuals`` adds. ``in_ids[i]`` is ``None``
    for a constant argument."""
    eqn = _new(cls)
    eqn.prim = prim
    eqn.params = params
    eqn.in_ids = in_ids
    eqn.out_id = out_id
    keep_all = residuals.keep_all
    if prim.saves_in or keep_all:
        eqn.ins = primals
    else:
        start = residuals.block_start
        eqn.ins = None if start is None else [
            p if vid is None or vid < start else None for p, vid in zip(primals, in_ids)]
    eqn.out = out if prim.saves_out else None
    in_shapes = broadcast_shapes(primals, in_ids, out) if prim.broadcasts else None
    dtype = getattr(out, "dtype", None)
    if (dtype.kind == "c") if dtype is not None else type(out) is complex:
        in_shapes = mark_real_inputs(primals, in_ids, in_shapes)
    eqn.in_shapes = in_shapes
    eqn.aval = (shape_of(out), np.result_type(concrete(out))) if keep_all else None
    if ARMED[0]:            # debugging: the source line and the NaN check (functrace.debugging)
        on_record(eqn, primals, out)
    return eqn


def broadcast_shapes(primals: Any, ids: list, out: Any) -> Optional[tuple]:
    """Shapes of the variable inputs if any differs from the output's, else None
    (the common case: no broadcasting to undo in the backward pass)."""
    out_shape = out.shape if type(out) is _ndarray else shape_of(out)   # (the per-op hot path)
    for p, vid in zip(primals, ids):
        if vid is not None and (p.shape if type(p) is _ndarray else shape_of(p)) != out_shape:
            return tuple([None if v is None else shape_of(q) for q, v in zip(primals, ids)])
    return None


class RealPart(tuple):
    """An ``Eqn.in_shapes`` entry: the shape of a real input of a complex output,
    whose cotangent is the real part of what the rule gives (see
    :mod:`functrace.primitives.complex_parts` for the convention)."""

    __slots__ = ()


def mark_real_inputs(primals: Any, ids: list, in_shapes: Optional[tuple]) -> Optional[tuple]:
    """``in_shapes`` (of an equation with a complex output) with the shapes of its real
    variable inputs marked :class:`RealPart`; None if every variable input is complex."""
    real = [vid is not None and np.result_type(concrete(p)).kind != "c"
            for p, vid in zip(primals, ids)]
    if not any(real):
        return in_shapes
    shapes = in_shapes or tuple([None if v is None else shape_of(p) for p, v in zip(primals, ids)])
    return tuple([RealPart(s) if r else s for s, r in zip(shapes, real)])


def shape_of(x: Any) -> tuple:
    """The shape of an array, tracer or Python number."""
    shape = getattr(x, "shape", None)
    return np.shape(x) if shape is None else shape


def ndim_of(x: Any) -> int:
    """The number of dimensions of an array, tracer, Tensor or Python number (an
    attribute read: ``np.ndim`` of a Tensor or tracer costs ~1.3 us of dispatch)."""
    ndim = getattr(x, "ndim", None)
    return np.ndim(x) if ndim is None else ndim


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
    ``(shape, dtype)``. ``str(tape)`` prints it like a jaxpr; :func:`functrace.make_tape`
    returns the tape of one call:

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> tape = ft.make_tape(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3))
    >>> len(tape), [eqn.prim.name for eqn in tape.eqns]
    (2, ['sin', 'reduce_sum'])
    >>> print(tape)
    { lambda ; a:f64[3]. let
        b:f64[3] = sin a
        c:f64[] = reduce_sum[axes=(0,),keepdims=False] b
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
        body = []
        for eqn in self.eqns:
            args = " ".join(_arg_str(eqn, i, name) for i in range(len(eqn.in_ids)))
            params = _params_str(eqn.params)
            body.append(f"    {typed(eqn.out_id)} = {eqn.prim.name}{params} {args}")
        sources = [getattr(eqn, "source", None) for eqn in self.eqns]
        if any(src is not None for src in sources):     # recorded with source lines
            width = max(len(line) for line in body)
            body = [line if src is None else f"{line.ljust(width)}  # {source_str(src)}"
                    for line, src in zip(body, sources)]
        lines += body
        outs = ", ".join(name(v) for v in self.outvars)
        lines.append(f"  in ({outs},) }}")
        return "\n".join(lines)

    __repr__ = __str__


def source_str(src: Any) -> str:
    """``file.py:12 code`` of a :class:`functrace.debugging.source.Source`."""
    code = src.code()
    return f"{src.short()}  {code}" if code else src.short()


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
