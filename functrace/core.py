"""Primitives, traces and the current-trace context variable.

A :class:`Primitive` is bound with ``prim.bind(*arrays, **params)``. Binding asks
the *current trace* (a ``ContextVar``) to process it. The root trace,
:class:`EvalTrace`, just runs the numpy implementation. Transforms push their own
trace whose ``parent`` is the trace that was current when they started; a trace
treats only its own tracers as variables and hands every primal computation to
its parent, so traces nest without levels and without perturbation confusion.

**C1, one dispatch rule.** Everything goes to the *current* trace: a primitive
to ``trace.process(prim, args, params)``, a call of a user function with its own
rules (``custom_vjp``/``custom_jvp``, ``checkpoint``, ``autograd.Function``: a
:class:`Call`) to ``trace.process_call(call, args)`` (``args``: its flat leaves).
A trace that owns none of ``args`` hands the call to its parent; the owner runs
it -- by default as one primitive (``call.bind``, so ``vmap``), a reverse trace
with ``call.reverse``, a forward trace with ``call.forward``; the root with
``call.run``, or ``call.tensors(facade)`` for a call made outside every
transform on Tensors the facade records. A new kind of trace needs ``process``
and, for its own way of running calls, ``process_call``; the calls' code lives
with the calls (:mod:`functrace.calls`), not in tables keyed by trace type.

**C2, ``process`` never mutates its arguments.** A trace unwraps its own tracers
into a new list. Every other argument is a constant: another trace's tracer
(handed down unchanged), or a foreign value -- a Tensor, a pandas Series -- which
the trace lowers to a plain value itself, with :func:`lower_constant`, in the
same loop (one set lookup, :data:`PLAIN`, for the usual constants). So
residuals, rules and parents see plain values only, and the root trace meets a
Tensor only in a call made outside every transform: then it hands it to the
facade, the one object in its slot (:func:`set_facade`). A trace that did not
lower would hand Tensors to the facade, which records them.

Interrupt safety. The current trace is never set and later restored in the
caller's ``contextvars.Context``: :func:`call_under` runs a function in a *copy*
of it with the new trace set inside the copy, so when the function ends -- by
returning, by raising, or by a ``KeyboardInterrupt`` delivered at any bytecode,
even before the trace is set -- the caller's context is exactly as it was and
nothing needs resetting. Every transform and every rule that runs under another
trace (JVP and batching rules run under the parent) goes through it; there is
deliberately no ``with``-statement form, because a context manager's
``__exit__`` can be interrupted before its first instruction. What remains:
context variables that a transformed function sets (a plain
``set_grad_enabled(False)``, the user's own) end with the transform call too;
and an interrupt during a lazy first-use import (the Tensor facade, the
kernels) can leave that import half done, as for any Python import.
"""
from __future__ import annotations

import contextvars
from typing import Any, Callable, Iterable, Optional, Sequence, TypeVar

# The tracer base and the concrete-value helpers live one module down; the
# engine's modules import them from here, as the one public face of the core.
from .tracers import (_CONCRETE_GETTERS, _TRACER_TYPES, _WATCHED, PLAIN,  # noqa: F401
                      ConcretizationError, LostDerivativeError, Tracer, UnexpectedTracerError,
                      check_no_derivative, concrete, concrete_value, is_tracer, lower_constant,
                      register_concrete_type)

from .grad_mode import ARMED, ROOT_CHECK

VjpRule = Callable[..., Any]   # rule(ct, ins, out, argnum, **params) -> cotangent or None
VjpAllRule = Callable[..., Any]   # rule(ct, ins, out, needed, **params) -> one entry per argument
JvpRule = Callable[..., Any]   # rule(primals, tangents, out, **params) -> tangent or None
R = TypeVar("R")


class Primitive:
    """One differentiable (or constant) operation: impl, VJP, JVP and what it saves.

    Every primitive is registered in ``functrace.PRIMITIVES`` by name; new ones are
    declared with :func:`functrace.extend.defprimitive`.

    >>> import functrace as ft
    >>> sin = ft.PRIMITIVES["sin"]
    >>> isinstance(sin, ft.Primitive), sin.name, float(sin.impl(0.0))
    (True, 'sin', 0.0)

    Attributes:
        name: printed name, e.g. ``"sin"``.
        impl: numpy implementation ``impl(*arrays, **params)``.
        vjp: ``vjp(ct, ins, out, argnum, **params)`` returning the cotangent of
            argument ``argnum`` (``None`` for "no cotangent"), written with
            differentiable functrace ops. ``None`` for a non-differentiable
            primitive, whose output is always a constant.
        vjp_all: optional all-arguments form for rules whose cotangents share
            work (``solve``, a call primitive's pullback):
            ``vjp_all(ct, ins, out, needed, **params)`` returns one entry per
            argument; ``needed`` is the set of argument numbers wanted (the
            others may be ``None``). The backward pass calls it once per equation
            instead of ``vjp`` per argument. Given alone, ``vjp`` is derived from
            it; it may also be set on a primitive that keeps its ``vjp``.
        jvp: ``jvp(primals, tangents, out, **params)``; tangents are ``None`` for
            constants. Returns the output tangent or ``None``.
        saves_in / saves_out: whether the backward pass needs the inputs / output.
        broadcasts: whether inputs broadcast against each other (numpy rules);
            the backward pass then reduces cotangents to each input's shape.
        linear: linear in all its array arguments (``registry.deflinear``): its JVP
            is the primitive itself and its VJP reads only the shapes (and dtypes)
            of what it saves, so a second backward pass through it needs no values.
        kernel: optional compiled fast path for the VJP (see functrace.kernels).
        batch: batching rule for ``vmap``: ``batch(args, dims, **params)`` with
            ``dims[i]`` the batch axis of argument ``i`` (``None`` if unbatched),
            returning ``(out, out_dim)``.
    """

    __slots__ = ("name", "impl", "vjp", "vjp_all", "jvp", "saves_in", "saves_out",
                 "broadcasts", "linear", "kernel", "batch", "__weakref__")

    def __init__(self, name: str, impl: Callable[..., Any], vjp: Optional[VjpRule] = None,
                 jvp: Optional[JvpRule] = None, saves: str = "in", broadcasts: bool = False,
                 vjp_all: Optional[VjpAllRule] = None, linear: bool = False):
        if saves not in ("in", "out", "both", "none"):
            raise ValueError(f"saves must be 'in', 'out', 'both' or 'none', got {saves!r}")
        self.name = name
        self.impl = impl
        self.vjp = vjp if vjp is not None or vjp_all is None else _one_argument(vjp_all)
        self.vjp_all = vjp_all
        self.jvp = jvp
        self.saves_in = saves in ("in", "both")
        self.saves_out = saves in ("out", "both")
        self.broadcasts = broadcasts
        self.linear = linear
        self.kernel = None
        self.batch = None   # batching rule for vmap: batch(args, dims, **params) -> (out, dim)

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None

    def bind(self, *args: Any, **params: Any) -> Any:
        """Apply the primitive under the current trace."""
        return _current_trace.get().process(self, args, params)

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


def _one_argument(vjp_all: VjpAllRule) -> VjpRule:
    """The per-argument VJP of an all-arguments rule (for callers that want one)."""
    def vjp(ct: Any, ins: Any, out: Any, argnum: int, **params: Any) -> Any:
        return vjp_all(ct, ins, out, frozenset((argnum,)), **params)[argnum]
    vjp.__name__ = vjp.__qualname__ = getattr(vjp_all, "__name__", "vjp_all") + "_one"
    return vjp


class Trace:
    """Base of all traces: ``process`` for primitives, ``process_call`` for
    calls (C1). ``parent`` computes the primal values; ``name`` is the transform
    that runs it (``"grad"``, ``"vmap"``, ...), for errors.

    **C6, "nobody records".** ``records``: whether a primitive bound while this
    trace is current may be seen by anything but its numpy implementation --
    true for every transform; for the root, whether the facade records now
    (grad mode on). The backward pass picks a compiled kernel over a rule only
    when ``current_trace().records`` is false; the functional transforms run
    their backward pass with grad mode off (their Tensors are constants).
    """

    __slots__ = ("parent", "alive", "name")
    records = True

    def __init__(self, parent: Optional["Trace"], name: str = "a transform"):
        self.parent = parent
        self.alive = True
        self.name = name

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError

    def observe(self, tracer: "Tracer", what: str, value: Any) -> None:
        """Python looked at the concrete value of one of this trace's tracers.

        ``what`` is ``"bool"``, ``"int"``, ``"float"``, ``"index"`` (a conversion;
        ``value`` is its result) or ``"value"`` (library code used the whole
        array, see :func:`concrete_value`). Traces that replay a recorded program
        (``functrace.jit``) turn this into a guard; the others ignore it.
        """

    def process_call(self, call: "Call", args: Sequence[Any]) -> Any:
        """Run ``call`` on ``args`` (flat leaves): the parent's business when none of
        them is this trace's own tracer, else the call bound as one primitive."""
        if self.owns(args):
            return call.bind(self, args)
        return self.parent.process_call(call, args)

    def is_running(self) -> bool:
        """Whether this trace is the current trace or one of its parents (so its
        tracers may be used here: not after it returned, not in another thread)."""
        current: Optional[Trace] = _current_trace.get()
        while current is not self:
            if current is None:
                return False
            current = current.parent
        return True

    def owns(self, args: Sequence[Any]) -> bool:
        """Whether one of ``args`` is a tracer of this trace."""
        for arg in args:
            if isinstance(arg, Tracer) and arg._trace is self:
                return True
        return False


class Call:
    """A call of a user function with its own rules or its own way of being
    recorded, as :meth:`Trace.process_call` dispatches it (C1). Each method gets
    the flat argument leaves and returns the output."""

    __slots__ = ()

    def run(self, args: Sequence[Any]) -> Any:
        """Run it as ordinary code, its operations going to the current trace: at
        the root, when no transform owns an argument (and no Tensor graph records
        it), and in a trace that differentiates nothing (``functrace.jit``)."""
        raise NotImplementedError

    def bind(self, trace: Trace, args: Sequence[Any]) -> Any:
        """``trace`` owns an argument: the call as one primitive ``trace`` processes."""
        raise NotImplementedError

    def reverse(self, trace: Trace, args: Sequence[Any]) -> Any:
        """A reverse trace (``grad``, ``vjp``) owns an argument."""
        return self.bind(trace, args)

    def forward(self, trace: Trace, args: Sequence[Any]) -> Any:
        """A forward trace (``jvp``) owns an argument."""
        return self.bind(trace, args)

    def tensors(self, facade: "Facade", args: Sequence[Any]) -> Any:
        """Record it in the facade's graph (its services: :mod:`functrace.calls.record`)."""
        return self.run(args)


class Facade:
    """The Tensor facade as the root trace sees it (:func:`set_facade`): primitives
    and calls on its types made outside every transform; ``records``: now?"""

    __slots__ = ()
    records = False

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError

    def process_call(self, call: Call, args: Sequence[Any]) -> Any:
        raise NotImplementedError


def set_facade(facade: Facade, types: Iterable[type]) -> None:
    """Install ``facade`` in the root trace's one slot, for instances of ``types``
    (exact types; :func:`add_facade_types` for each new subclass). A second,
    different facade is refused."""
    if EVAL_TRACE.facade is not None and EVAL_TRACE.facade is not facade:
        raise ValueError("a facade is already installed in the root trace")
    EVAL_TRACE.facade = facade
    add_facade_types(types)


def add_facade_types(types: Iterable[type]) -> None:
    """Hand instances of ``types`` (exact types) to the facade too: the facade's
    classes declare themselves (and each new subclass) before or after the facade
    object is installed, which happens once, when the facade is imported."""
    _WATCHED.update(types)


def _reject_tracer(args: tuple) -> None:
    """A tracer reached the root trace: no running transform owns it (escaped, or
    used in another thread)."""
    for arg in args:
        if isinstance(arg, Tracer):
            arg._check_alive()
            raise arg._outside_error()


class EvalTrace(Trace):
    """The root trace: runs the numpy implementation. Values of the facade's types
    go to the facade: by C2 they get here only in calls made outside every
    transform. Tracers never belong here (:func:`_reject_tracer`)."""

    __slots__ = ("facade",)

    def __init__(self) -> None:
        super().__init__(None, "the root trace")
        self.facade: Optional[Facade] = None

    @property  # type: ignore[override]
    def records(self) -> bool:
        """Whether the facade records primitives now (false without a facade)."""
        facade = self.facade
        return facade is not None and facade.records

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        for arg in args:            # one set lookup per argument: Tensors and tracers
            if type(arg) in _WATCHED:
                if type(arg) in _TRACER_TYPES:
                    _reject_tracer(args)
                return self.facade.process(prim, args, params)
        out = prim.impl(*args, **params)
        if ARMED[0]:
            _debug_check(prim, args, params, out)
        return out

    def process_call(self, call: Call, args: Sequence[Any]) -> Any:
        for arg in args:
            if type(arg) in _WATCHED:
                if type(arg) in _TRACER_TYPES:
                    _reject_tracer(args)
                if _current_trace.get() is self:    # else: forwarded by a transform, in
                    return self.facade.process_call(call, args)   # which Tensors are constants
        return call.run(args)


def _debug_check(prim: Primitive, args: tuple, params: dict, out: Any) -> None:
    """``functrace.debug_nans``'s check of a value computed at the root (the check
    is registered by functrace.debugging.checks, which sits above this module)."""
    check = ROOT_CHECK[0]
    if check is not None:
        check(prim, args, params, out)


EVAL_TRACE = EvalTrace()
_current_trace: contextvars.ContextVar[Trace] = contextvars.ContextVar(
    "functrace_current_trace", default=EVAL_TRACE)


def current_trace() -> Trace:
    """The trace that ``bind`` currently dispatches to."""
    return _current_trace.get()


def call_under(trace: Trace, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``fn(*args, **kwargs)`` with ``trace`` current, in a copy of the caller's context.

    The caller's context is not modified at any point, so an exception or a
    ``KeyboardInterrupt`` at any bytecode leaves the caller's current trace as it
    was. Context variables that ``fn`` sets (the trace, grad mode, the user's
    own) are dropped with the copy when it returns. Costs ~0.1 µs per call.

    >>> from functrace.reverse import ReverseTrace
    >>> tape = ReverseTrace(current_trace())
    >>> call_under(tape, current_trace) is tape, current_trace() is EVAL_TRACE
    (True, True)
    """
    return _copy_context().run(_set_and_call, trace, fn, args, kwargs)


_copy_context = contextvars.copy_context


def _set_and_call(trace: Trace, fn: Callable[..., R], args: tuple, kwargs: dict) -> R:
    _current_trace.set(trace)       # in the copied context only
    return fn(*args, **kwargs)
