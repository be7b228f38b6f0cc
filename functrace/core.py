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
import operator
from typing import Any, Callable, Iterable, Optional, Sequence, TypeVar

import numpy as np

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


_TRACER_TYPES: set = set()   # every Tracer subclass (added by Tracer.__init_subclass__)
_WATCHED: set = set()        # what the root trace looks at: tracer types and the facade's


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
    (exact types; call again for each new subclass). A second, different facade
    is refused."""
    if EVAL_TRACE.facade is not None and EVAL_TRACE.facade is not facade:
        raise ValueError("a facade is already installed in the root trace")
    EVAL_TRACE.facade = facade
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
        return prim.impl(*args, **params)

    def process_call(self, call: Call, args: Sequence[Any]) -> Any:
        for arg in args:
            if type(arg) in _WATCHED:
                if type(arg) in _TRACER_TYPES:
                    _reject_tracer(args)
                if _current_trace.get() is self:    # else: forwarded by a transform, in
                    return self.facade.process_call(call, args)   # which Tensors are constants
        return call.run(args)


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


class UnexpectedTracerError(RuntimeError):
    """A tracer was used after the transform that created it had returned, or
    outside it (in another thread).

    >>> import functrace as ft
    >>> leaked = []
    >>> _ = ft.grad(lambda x: leaked.append(x) or x * 2.0)(1.0)
    >>> try:
    ...     leaked[0] + 1.0
    ... except ft.UnexpectedTracerError:
    ...     print("escaped")
    escaped
    """


class ConcretizationError(TypeError):
    """A value batched by ``vmap`` was used where one concrete value is needed."""


class LostDerivativeError(TypeError):
    """A value carrying a derivative was converted to a Python or numpy value
    (``float(t)``, ``out[i] = t``), which would silently drop its gradient."""


class Tracer:
    """Base class of the values that traces hand to user code.

    ``_value`` is the primal: a numpy array, or a tracer of the parent trace.
    Tracers behave like arrays; the operators and methods are installed by
    :mod:`functrace.numpy._methods`.
    """

    __slots__ = ("_trace", "_value")
    __array_priority__ = 1000

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _TRACER_TYPES.add(cls)
        _WATCHED.add(cls)

    @property
    def shape(self) -> tuple:
        # Asked of the next layer, not of the concrete value: a vmap layer below
        # (functrace.batching.BatchTracer) hides its batch axis from the layers above.
        try:
            return self._value.shape
        except AttributeError:          # a Python number
            return np.shape(concrete(self._value))

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(concrete(self))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of unsized object (a 0-d tracer)")
        return shape[0]

    def __bool__(self) -> bool:
        """Python control flow on a value works (``if x > 0``); no gradient flows
        through a branch decision."""
        return _observed(self, "bool", bool(self._concrete_for("bool()")))

    def __float__(self) -> float:
        """Only for a value without a derivative (else ``TypeError``: the gradient
        would be lost); ``float(functrace.stop_gradient(x))`` for a constant."""
        return _observed(self, "float", float(self._concrete_for("float()")))

    def __int__(self) -> int:
        return _observed(self, "int", int(self._concrete_for("int()")))

    def __complex__(self) -> complex:
        return _observed(self, "complex", complex(self._concrete_for("complex()")))

    def __index__(self) -> int:
        return _observed(self, "index", operator.index(self._concrete_for("use as an index")))

    def _has_derivative(self) -> bool:
        """Whether this layer carries a derivative that a conversion to a numpy or
        Python value would lose (overridden by the differentiating traces)."""
        return False

    def _concrete_for(self, what: str) -> Any:
        """The concrete value for a conversion ``what`` to a Python or numpy value:
        an error if the tracer is used outside its transform, if the value carries a
        derivative (except for ``bool`` and ``index``: control flow and integer
        indices) or if vmap batches it."""
        self._check_alive()
        if what not in ("bool()", "use as an index"):
            check_no_derivative(self, what)
        value = concrete(self)
        if np.ndim(value) != len(self.shape):
            raise ConcretizationError(
                f"{what} of a value batched by vmap: it has one value per batch "
                "element, so Python control flow or conversions cannot use it. Use "
                "fnp.where / arithmetic instead, or move the conversion outside vmap.")
        return value

    def _check_alive(self) -> None:
        """An error unless this tracer's transform is running and is the current
        trace or one of its parents (not in another thread, not finished)."""
        trace = self._trace
        if not trace.alive:
            raise UnexpectedTracerError(
                f"a traced value of shape {self.shape} created by {trace.name} was used "
                f"after {trace.name} returned (it escaped, e.g. stored in an outer "
                "variable or closure). Return values from the transformed function "
                "instead, or store functrace.stop_gradient(x), a constant, rather than x.")
        current = _current_trace.get()
        while current is not trace:
            if current is None:
                raise self._outside_error()
            current = current.parent

    def _outside_error(self) -> "UnexpectedTracerError":
        name = self._trace.name
        return UnexpectedTracerError(
            f"a traced value of shape {self.shape} created by {name} was used outside "
            f"{name}, where it is not running (another thread, e.g. a thread-pool worker, "
            "or another transform's context). Compute with traced values in the thread "
            f"that runs {name}, or hand other threads constants "
            "(functrace.stop_gradient(x)).")


def check_no_derivative(x: Any, conversion: str) -> None:
    """``TypeError`` if ``x`` carries a derivative (in any tracer layer) that
    ``conversion`` would silently drop."""
    layer = x
    while isinstance(layer, Tracer):
        if layer._has_derivative():
            numpy_too = (" (numpy calls it too, to store a value in a numpy array: "
                         "out[i] = t)" if conversion in ("float()", "int()", "complex()") else "")
            raise LostDerivativeError(
                f"{conversion} of a value that carries a derivative (traced by "
                f"{layer._trace.name}) would be a constant, silently dropping the gradient "
                f"through it{numpy_too}. For a constant on purpose, convert "
                "functrace.stop_gradient(t). To build an array from traced values, use "
                "functrace.numpy instead of writing into a numpy array: fnp.stack([...]) "
                "or fnp.array([...]) of the elements, fnp.concatenate, or "
                "fnp.where(mask, value, x) to replace entries.")
        layer = layer._value


_CONCRETE_GETTERS: dict = {}


def register_concrete_type(cls: type, getter: Callable[[Any], Any]) -> None:
    """Let :func:`concrete` see through ``cls`` instances (exact type) via ``getter``.

    The Tensor facade registers its classes so that rules asking for a
    constant value (``concrete(x)``) get the numpy data of a Tensor.
    """
    _CONCRETE_GETTERS[cls] = getter


def concrete(x: Any) -> Any:
    """The concrete numpy value under any number of tracer layers (no gradient)."""
    while isinstance(x, Tracer):
        x = x._value
    getter = _CONCRETE_GETTERS.get(type(x))
    return x if getter is None else getter(x)


def concrete_value(x: Any) -> Any:
    """:func:`concrete`, for code that uses the *value* itself, not only its shape
    or dtype (index arrays, masks built with numpy, ``.item()``): every trace
    under ``x`` is told (:meth:`Trace.observe`), so that a replayed program
    (``functrace.jit``) re-checks the value instead of baking it in."""
    return _observed(x, "value", concrete(x))


def _observed(x: Any, what: str, value: Any) -> Any:
    """Tell each trace under ``x`` that Python saw ``value``; return ``value``."""
    while isinstance(x, Tracer):
        x._trace.observe(x, what, value)
        x = x._value
    return value


PLAIN = frozenset({np.ndarray, float, int, bool, complex, type(None), *np.sctypeDict.values()})


def lower_constant(arg: Any) -> Any:
    """A constant argument of a transform as a plain value (C2): a Tensor's data,
    another library's array (a pandas Series, an xarray DataArray, which keep their
    own type through numpy functions) as ``np.asarray``; anything else as it is.
    Transforms call it in their unwrap loop for arguments whose type is not in
    :data:`PLAIN` (one set lookup for the usual constants) and that are no tracer.

    >>> class Wrapped:
    ...     def __array__(self, dtype=None, copy=None):
    ...         return np.ones(2)
    >>> lower_constant(Wrapped()), lower_constant("text")
    (array([1., 1.]), 'text')
    """
    getter = _CONCRETE_GETTERS.get(type(arg))
    if getter is not None:
        return getter(arg)
    if hasattr(type(arg), "__array__") and not isinstance(arg, (Tracer, np.ndarray)):
        return np.asarray(arg)
    return arg


def is_tracer(x: Any) -> bool:
    """Whether ``x`` is a traced value: a tracer, or an instance of a type registered
    with :func:`register_concrete_type` (Tensors), which must not be turned into a
    plain numpy array with ``np.asarray``."""
    return isinstance(x, Tracer) or type(x) in _CONCRETE_GETTERS
