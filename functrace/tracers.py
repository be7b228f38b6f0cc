"""Tracers and the concrete values under them: what user code holds inside a transform.

A :class:`Tracer` is the value a trace hands to user code in place of an array;
it behaves like one (the operators and methods are installed by
:mod:`functrace.numpy._methods`). Its ``_value`` is the primal: an array, or a
tracer of the parent trace. This module says what may be done with a tracer
outside the traced operations -- convert it (``float(t)``, ``if t > 0``), look
at its concrete value (:func:`concrete`, :func:`concrete_value`), lower a
foreign constant (:func:`lower_constant`) -- and what goes wrong when it is
misused (the three error types).

It sits below :mod:`functrace.core`, which dispatches primitives to traces and
re-exports every name here: a tracer reaches its trace only through the
methods it calls on ``_trace`` (``alive``, ``name``, ``is_running()``,
``observe()``, ``_has_derivative()`` on the tracer itself).
"""
from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np

_TRACER_TYPES: set = set()   # every Tracer subclass (added by Tracer.__init_subclass__)
_WATCHED: set = set()        # what the root trace looks at: tracer types and the facade's


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
        if not trace.is_running():
            raise self._outside_error()

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
                "x.at[idx].set(value) / fnp.where(mask, value, x) to replace entries.")
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


_DTYPE_CODES = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64",
                "int32": "i32", "bool": "bool", "complex128": "c128", "complex64": "c64"}


def type_str(shape: tuple, dtype: Any) -> str:
    """``f64[3,2]`` style type of an array."""
    code = _DTYPE_CODES.get(np.dtype(dtype).name, np.dtype(dtype).name)
    return f"{code}[{','.join(str(d) for d in shape)}]"
