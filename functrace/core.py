"""Primitives, traces and the current-trace context variable.

A :class:`Primitive` is bound with ``prim.bind(*arrays, **params)``. Binding asks
the *current trace* (a ``ContextVar``) to process it. The root trace,
:class:`EvalTrace`, just runs the numpy implementation. Transforms push their own
trace whose ``parent`` is the trace that was current when they started; a trace
treats only its own tracers as variables and hands every primal computation to
its parent, so traces nest without levels and without perturbation confusion.

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
from typing import Any, Callable, Optional, TypeVar

import numpy as np

VjpRule = Callable[..., Any]   # rule(ct, ins, out, argnum, **params) -> cotangent or None
VjpAllRule = Callable[..., Any]   # rule(ct, ins, out, needed, **params) -> one entry per argument
JvpRule = Callable[..., Any]   # rule(primals, tangents, out, **params) -> tangent or None
R = TypeVar("R")


class Primitive:
    """One differentiable (or constant) operation: impl, VJP, JVP and what it saves.

    Attributes:
        name: printed name, e.g. ``"sin"``.
        impl: numpy implementation ``impl(*arrays, **params)``.
        vjp: ``vjp(ct, ins, out, argnum, **params)`` returning the cotangent of
            argument ``argnum`` (``None`` for "no cotangent"), written with
            differentiable functrace ops. ``None`` for a non-differentiable
            primitive, whose output is always a constant.
        vjp_all: optional all-arguments form, for rules whose arguments' cotangents
            share work (one ``solve`` for both arguments of ``solve``; a call
            primitive's whole pullback): ``vjp_all(ct, ins, out, needed, **params)``
            returns a sequence with one entry per argument (``None`` for "no
            cotangent"); ``needed`` is the set of argument numbers whose
            cotangent is wanted, the others may be ``None``. The backward pass
            calls it once per equation instead of ``vjp`` once per argument.
            Given alone, ``vjp`` is derived from it (``needed = {argnum}``); it
            may also be set later on a primitive that keeps its ``vjp``.
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
    """Base of all traces. ``parent`` is the trace that computes primal values;
    ``name`` is the transform that runs it (``"grad"``, ``"vmap"``, ...), for errors."""

    __slots__ = ("parent", "alive", "name")

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


RootHandler = Callable[[Primitive, tuple, dict], Any]
_ROOT_HANDLERS: dict = {}    # exact type -> handler; once one is registered, tracer types too
_TRACER_TYPES: set = set()   # every Tracer subclass (added by Tracer.__init_subclass__)


def register_root_handler(cls: type, handler: RootHandler) -> None:
    """Let the root trace hand primitives applied to ``cls`` instances to ``handler``.

    This is how the Tensor facade records its persistent graph: a primitive
    bound with a Tensor argument outside any transform goes to the facade,
    which unwraps, computes (through :data:`EVAL_TRACE`) and records.
    Subclasses must be registered too (lookup is by exact type).
    """
    _ROOT_HANDLERS[cls] = handler
    for tracer_type in _TRACER_TYPES:      # the same lookup then rejects tracers
        _ROOT_HANDLERS.setdefault(tracer_type, _reject_tracer)


def _reject_tracer(prim: Primitive, args: tuple, params: dict) -> Any:
    """A tracer reached the root trace: no running transform owns it (it escaped,
    or it is used in another thread). Computing on it would recurse forever."""
    for arg in args:
        if isinstance(arg, Tracer):
            arg._check_alive()
            raise arg._outside_error()


class EvalTrace(Trace):
    """The root trace: runs the numpy implementation, records nothing.

    Values of a type with a registered root handler (Tensors) are handed to
    that handler instead. Tracers never belong here (see :func:`_reject_tracer`).
    """

    __slots__ = ()

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if _ROOT_HANDLERS:            # one lookup per argument: Tensors and tracers
            for arg in args:
                handler = _ROOT_HANDLERS.get(type(arg))
                if handler is not None:
                    return handler(prim, args, params)
        else:
            for arg in args:
                if type(arg) in _TRACER_TYPES:
                    _reject_tracer(prim, args, params)
        return prim.impl(*args, **params)

    def compute(self, prim: Primitive, args: tuple, params: dict) -> Any:
        """Run the numpy implementation directly (for root handlers)."""
        return prim.impl(*args, **params)


EVAL_TRACE = EvalTrace(None)
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
    outside it (in another thread)."""


class ConcretizationError(TypeError):
    """A value batched by ``vmap`` was used where one concrete value is needed."""


class LostDerivativeError(TypeError):
    """A value carrying a derivative was converted to a Python or numpy value
    (``float(t)``, ``out[i] = t``), which would silently drop its gradient."""


def call_traced(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run the user's function ``f`` under a transform.

    numpy reports a tracer conversion that failed while filling an array element
    (``out[0] = t`` calls ``float(t)``) as ``ValueError: setting an array element
    with a sequence`` caused by functrace's error (tracers can be indexed, so numpy
    takes them for sequences). That error is re-raised as it is, at the user's line.
    """
    try:
        return f(*args, **kwargs)
    except ValueError as e:
        cause = e.__cause__
        if isinstance(cause, (LostDerivativeError, ConcretizationError, UnexpectedTracerError)):
            raise cause.with_traceback(e.__traceback__) from None
        raise


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
        if _ROOT_HANDLERS:
            _ROOT_HANDLERS.setdefault(cls, _reject_tracer)

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


def check_callable(f: Any, transform: str) -> None:
    """``TypeError`` at the transform's creation unless ``f`` is a function."""
    if not callable(f):
        raise TypeError(f"{transform} expects a function, got {type(f).__name__} "
                        f"{f!r:.60}: pass the function itself (f, not f(x))")


def as_numeric(x: Any, what: str) -> Any:
    """An output, cotangent or tangent leaf as an array (traced values pass through);
    a ``TypeError`` naming ``what`` for anything that is not numeric (a string, an
    object), which would otherwise fail obscurely or silently give zeros."""
    value = x if isinstance(x, (Tracer, np.ndarray)) or is_tracer(x) else np.asarray(x)
    dtype = np.result_type(concrete(value))
    if dtype.kind not in "biufc":
        shown = f" ({x!r})" if isinstance(x, (str, bytes)) and len(x) < 40 else ""
        kind = (f"numpy array of dtype {dtype}" if isinstance(x, np.ndarray)
                else type(x).__name__ + shown)
        raise TypeError(f"{what} is a {kind}: expected arrays, numbers, or pytrees "
                        "(tuples, lists, dicts) of them")
    return value


def check_not_complex(x: Any, what: str) -> None:
    """``TypeError`` for complex values, which functrace does not differentiate yet
    (the one place to relax when complex support arrives)."""
    if np.result_type(concrete(x)).kind == "c":
        raise TypeError(f"{what} is complex ({np.result_type(concrete(x))}): complex values "
                        "are not supported yet by functrace's transforms (a real function's "
                        "derivative would silently drop the imaginary part). Pass real "
                        "arrays, e.g. the real and imaginary parts separately.")


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


def is_tracer(x: Any) -> bool:
    """Whether ``x`` is a traced value: a tracer, or an instance of a type registered
    with :func:`register_concrete_type` (Tensors), which must not be turned into a
    plain numpy array with ``np.asarray``."""
    return isinstance(x, Tracer) or type(x) in _CONCRETE_GETTERS
