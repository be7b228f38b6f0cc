"""Primitives, traces and the current-trace context variable.

A :class:`Primitive` is bound with ``prim.bind(*arrays, **params)``. Binding asks
the *current trace* (a ``ContextVar``) to process it. The root trace,
:class:`EvalTrace`, just runs the numpy implementation. Transforms push their own
trace whose ``parent`` is the trace that was current when they started; a trace
treats only its own tracers as variables and hands every primal computation to
its parent, so traces nest without levels and without perturbation confusion.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

import numpy as np

VjpRule = Callable[..., Any]   # rule(ct, ins, out, argnum, **params) -> cotangent or None
JvpRule = Callable[..., Any]   # rule(primals, tangents, out, **params) -> tangent or None


class Primitive:
    """One differentiable (or constant) operation: impl, VJP, JVP and what it saves.

    Attributes:
        name: printed name, e.g. ``"sin"``.
        impl: numpy implementation ``impl(*arrays, **params)``.
        vjp: ``vjp(ct, ins, out, argnum, **params)`` returning the cotangent of
            argument ``argnum`` (``None`` for "no cotangent"), written with
            differentiable functrace ops. ``None`` for a non-differentiable
            primitive, whose output is always a constant.
        jvp: ``jvp(primals, tangents, out, **params)``; tangents are ``None`` for
            constants. Returns the output tangent or ``None``.
        saves_in / saves_out: whether the backward pass needs the inputs / output.
        broadcasts: whether inputs broadcast against each other (numpy rules);
            the backward pass then reduces cotangents to each input's shape.
        kernel: optional compiled fast path for the VJP (see functrace.kernels).
        batch: batching rule for ``vmap``: ``batch(args, dims, **params)`` with
            ``dims[i]`` the batch axis of argument ``i`` (``None`` if unbatched),
            returning ``(out, out_dim)``.
    """

    __slots__ = ("name", "impl", "vjp", "jvp", "saves_in", "saves_out", "broadcasts",
                 "kernel", "batch", "__weakref__")

    def __init__(self, name: str, impl: Callable[..., Any], vjp: Optional[VjpRule] = None,
                 jvp: Optional[JvpRule] = None, saves: str = "in", broadcasts: bool = False):
        if saves not in ("in", "out", "both", "none"):
            raise ValueError(f"saves must be 'in', 'out', 'both' or 'none', got {saves!r}")
        self.name = name
        self.impl = impl
        self.vjp = vjp
        self.jvp = jvp
        self.saves_in = saves in ("in", "both")
        self.saves_out = saves in ("out", "both")
        self.broadcasts = broadcasts
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


class Trace:
    """Base of all traces. ``parent`` is the trace that computes primal values."""

    __slots__ = ("parent", "alive")

    def __init__(self, parent: Optional["Trace"]):
        self.parent = parent
        self.alive = True

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
_ROOT_HANDLERS: dict = {}


def register_root_handler(cls: type, handler: RootHandler) -> None:
    """Let the root trace hand primitives applied to ``cls`` instances to ``handler``.

    This is how the Tensor facade records its persistent graph: a primitive
    bound with a Tensor argument outside any transform goes to the facade,
    which unwraps, computes (through :data:`EVAL_TRACE`) and records.
    Subclasses must be registered too (lookup is by exact type).
    """
    _ROOT_HANDLERS[cls] = handler


class EvalTrace(Trace):
    """The root trace: runs the numpy implementation, records nothing.

    Values of a type with a registered root handler (Tensors) are handed to
    that handler instead.
    """

    __slots__ = ()

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if _ROOT_HANDLERS:
            for arg in args:
                handler = _ROOT_HANDLERS.get(type(arg))
                if handler is not None:
                    return handler(prim, args, params)
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


@contextmanager
def using_trace(trace: Trace) -> Iterator[Trace]:
    """Make ``trace`` current for the duration of the block."""
    token = _current_trace.set(trace)
    try:
        yield trace
    finally:
        _current_trace.reset(token)


class UnexpectedTracerError(RuntimeError):
    """A tracer was used after the transform that created it had returned."""


class ConcretizationError(TypeError):
    """A value batched by ``vmap`` was used where one concrete value is needed."""


class Tracer:
    """Base class of the values that traces hand to user code.

    ``_value`` is the primal: a numpy array, or a tracer of the parent trace.
    Tracers behave like arrays; the operators and methods are installed by
    :mod:`functrace.numpy._methods`.
    """

    __slots__ = ("_trace", "_value")
    __array_priority__ = 1000

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
        return _observed(self, "bool", bool(self._scalar_value("bool")))

    def __float__(self) -> float:
        """A constant: the gradient does not flow through ``float(t)``."""
        return _observed(self, "float", float(self._scalar_value("float")))

    def __int__(self) -> int:
        """A constant: the gradient does not flow through ``int(t)``."""
        return _observed(self, "int", int(self._scalar_value("int")))

    def __index__(self) -> int:
        return _observed(self, "index", int(self._scalar_value("index")))

    def _scalar_value(self, what: str) -> Any:
        """The concrete value for a Python conversion; an error if vmap batches it."""
        value = concrete(self)
        if np.ndim(value) != len(self.shape):
            raise ConcretizationError(
                f"{what}() of a value batched by vmap: it has one value per batch "
                "element, so Python control flow or conversions cannot use it. Use "
                "fnp.where / arithmetic instead, or move the conversion outside vmap.")
        return value

    def _check_alive(self) -> None:
        if not self._trace.alive:
            raise UnexpectedTracerError(
                f"a {type(self).__name__} of shape {self.shape} escaped the transform that "
                "created it and was used after that transform returned. Return values "
                "from the transformed function instead of storing them in outer "
                "variables, or take a constant copy with functrace.stop_gradient.")


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
