"""Recording a program for :func:`functrace.jit`: a trace with concrete values.

:class:`JitTrace` sits right above the root trace. Every primitive applied to
one of its tracers runs its numpy implementation (so the recording call is an
ordinary eager call) and is appended to a flat list of :class:`Op`; primitives
on constants only are just computed (constant folding comes for free). Under it,
``grad`` and friends record their whole backward pass as primitives too, since
their rules run with the jit trace current.

Whenever Python looks at a traced value -- ``bool``/``int``/``float``/
``__index__`` of a tracer (an ``if``, a loop count) or library code using a
value as a constant (:func:`functrace.core.concrete_value`: index arrays,
masks) -- :meth:`JitTrace.observe` records a :class:`Guard`: the replay checks
that the same expression gives the same result, and records a new path if not.

Random draws are effects, not values: :meth:`JitTrace.draw` records a
:data:`DRAW` op whose replay calls the draw again (from the generator the eager
call would use, in the recorded order), so each replayed call gets fresh
numbers, the same ones an eager call would get from the same generator state.
A draw made with plain numpy inside the recording cannot be replayed: it marks
the recording (``JitTrace.unreplayable``) and the call signature runs
eagerly instead.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, NamedTuple, Optional, Protocol, Sequence

import numpy as np

from ..core import (_CONCRETE_GETTERS, EVAL_TRACE, Call, Primitive, Trace, Tracer,
                    _current_trace)

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Const:
    """A constant operand of an :class:`Op` (anything that is not a tracer)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __repr__(self) -> str:
        return f"Const({self.value!r})"


class Op:
    """``out = prim[params](*ins)``: each of ``ins`` is a variable id or a :class:`Const`."""

    __slots__ = ("prim", "params", "ins", "out")

    def __init__(self, prim: Primitive, params: dict, ins: tuple, out: int):
        self.prim = prim
        self.params = params
        self.ins = ins
        self.out = out

    def in_vars(self) -> list:
        return [i for i in self.ins if type(i) is int]

    def __repr__(self) -> str:
        return f"Op({self.prim.name}, ins={self.ins}, out={self.out})"


class Source(Protocol):
    """A random draw a replay repeats: ``source()`` draws afresh and returns the
    array; ``source.snapshot()`` returns a function that puts the generator back
    where it was (a replay that misses a guard undoes its draws with it)."""

    def __call__(self) -> Any: ...

    def snapshot(self) -> Callable[[], None]: ...


def _draw_impl(*, source: Source) -> Any:
    return source()


# The recorded form of a random draw: no operands, the draw itself in ``source``. It is
# an effect: never merged with another draw, never removed, never moved past one.
DRAW = Primitive("random_draw", _draw_impl, saves="none")


class Guard(NamedTuple):
    """Python saw ``what`` of variable ``var`` after ``pos`` ops and got ``expected``.

    ``what``: ``"bool"``, ``"int"``, ``"index"``, ``"float"`` or ``"value"`` (the
    whole array); ``where``: the user's source line that looked (``file:line``).
    """

    pos: int
    var: int
    what: str
    expected: Any
    where: str


class Aval(NamedTuple):
    """What is known of a variable without its value: shape, dtype, Python type."""

    shape: tuple
    dtype: np.dtype
    type: type


def aval_of(value: Any) -> Aval:
    return Aval(tuple(np.shape(value)), np.result_type(value), type(value))


class JitTracer(Tracer):
    """A recorded value: variable ``_id`` of its :class:`JitTrace`."""

    __slots__ = ("_id",)

    def __init__(self, trace: "JitTrace", value: Any, vid: int):
        self._trace = trace
        self._value = value
        self._id = vid

    def __repr__(self) -> str:
        return f"JitTracer(id={self._id}, value={self._value!r})"


class JitTrace(Trace):
    """Records the primitives applied to its tracers, and the guards (see module doc)."""

    __slots__ = ("ops", "avals", "guards", "unreplayable")

    def __init__(self, parent: Trace = EVAL_TRACE):
        super().__init__(parent)
        self.ops: list = []
        self.avals: list = []
        self.guards: list = []
        self.unreplayable: Optional[str] = None    # why a replay would be wrong

    def new_var(self, value: Any) -> JitTracer:
        vid = len(self.avals)
        self.avals.append(aval_of(value))
        return JitTracer(self, value, vid)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        ins: Optional[list] = None
        primals: Any = args
        for i, arg in enumerate(args):
            if type(arg) is JitTracer and arg._trace is self:
                if ins is None:
                    ins = [Const(a) for a in args]
                    primals = list(args)
                ins[i] = arg._id
                primals[i] = arg._value
            elif type(arg) in _CONCRETE_GETTERS:
                raise TypeError(_TENSOR_MESSAGE)
        out = self.parent.process(prim, primals, params)
        if ins is None:
            return out
        tracer = self.new_var(out)
        self.ops.append(Op(prim, params, tuple(ins), tracer._id))
        return tracer

    def process_call(self, call: Call, args: Sequence[Any]) -> Any:
        # A custom function or checkpoint called on this trace's values: nothing
        # differentiates it here, so its body is recorded like any other code.
        if self.owns(args):
            return call.run(args)
        return self.parent.process_call(call, args)

    def draw(self, source: Source) -> JitTracer:
        """Draw now, and record the draw so that each replay draws again."""
        tracer = self.new_var(source())
        self.ops.append(Op(DRAW, {"source": source}, (), tracer._id))
        return tracer

    def unrecorded_draw(self, what: str) -> None:
        """Random numbers were drawn as a constant (``what``): a replay would
        repeat them, so this recording must not be replayed."""
        if self.unreplayable is None:
            self.unreplayable = f"{what} at {user_line()}"

    def observe(self, tracer: Tracer, what: str, value: Any) -> None:
        if what == "value":
            value = np.array(value, copy=True)      # the caller may mutate its copy
        self.guards.append(Guard(len(self.ops), tracer._id, what, value, user_line()))


_TENSOR_MESSAGE = (
    "functrace.jit records numpy values, not Tensors of the PyTorch-style facade: a "
    "Tensor's data can change in place, which a recorded program would not see. Pass "
    "numpy arrays (t.detach().numpy()), and for an ft.nn module pass its parameters as "
    "a dict of arrays to ft.func.functional_call(module, params, args).")


def user_line() -> str:
    """``file:line`` of the innermost frame outside functrace (the user's code)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "<functrace>"


def recording() -> Optional[JitTrace]:
    """The :class:`JitTrace` recording under the current trace (the innermost one),
    or None when no jitted function is being recorded."""
    trace: Optional[Trace] = _current_trace.get()
    while trace is not None:
        if type(trace) is JitTrace:
            return trace
        trace = trace.parent
    return None


def record(fun: Any, leaves: list) -> tuple:
    """Run ``fun(*tracers)`` on one tracer per leaf; returns (trace, input ids, output).

    The output is whatever ``fun`` returned, with this trace's tracers in it.
    """
    trace = JitTrace(EVAL_TRACE)
    tracers = [trace.new_var(leaf) for leaf in leaves]
    token = _current_trace.set(trace)
    try:
        out = fun(*tracers)
    finally:
        _current_trace.reset(token)
        trace.alive = False
    return trace, [t._id for t in tracers], out

