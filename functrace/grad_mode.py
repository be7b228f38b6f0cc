"""Grad mode for the Tensor facade: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Grad mode only concerns the Tensor facade's recorded graph; the functional
transforms (``functrace.grad``) are unaffected by it. The same setting also
carries the debugging mode (``functrace.debug_nans``, :mod:`functrace.debugging`),
which concerns both faces and reuses everything below. It lives in a
``contextvars.ContextVar``, so it is

* per thread, as in PyTorch: a new thread starts with grad enabled, also one
  started inside a ``no_grad`` block and a ``concurrent.futures`` worker (on
  Python >= 3.14 run with ``-X thread_inherit_context=1``, the default of
  free-threaded builds, a new thread starts with its starter's mode instead);
* per asyncio task, beyond PyTorch: a task holding ``no_grad`` across an
  ``await`` does not switch recording off for the other tasks (a task starts
  with the mode of the code that created it).

Interrupts. What survives a ``KeyboardInterrupt`` (or any exception) delivered
at any bytecode:

* The decorator forms (``@no_grad()``) and ``Tensor.backward`` run their
  function in a copy of the caller's ``contextvars.Context`` with the mode set
  inside the copy: the caller's mode is never changed, so nothing is restored.
* A ``with`` block: the mode it sets is tied to the ``with`` statement itself.
  Python looks up ``__exit__`` before it calls ``__enter__`` and holds that bound
  method until the statement is done; the mode that ``__enter__`` sets keeps a
  weak reference to it and counts only while it is alive. So when an interrupt
  lands in ``__enter__`` after the change, or at ``__exit__``'s first
  instruction (before it restores anything), the outer mode is back as soon as
  the ``with`` statement is unwound, before any ``except`` clause outside it runs.

What remains (the same as PyTorch in every case):

* ``with set_grad_enabled(mode):`` changes the mode when the object is
  constructed (which is what makes the plain call ``set_grad_enabled(mode)``
  work). An interrupt delivered after that and before ``__enter__`` runs -- a
  window of a few bytecodes -- leaves ``mode`` set. ``no_grad``,
  ``enable_grad`` and ``inference_mode`` have no such window.
* ``__enter__`` called by hand or through ``contextlib.ExitStack`` sets the
  mode until ``__exit__`` is called, which an interrupt can prevent.
* A generator suspended at a ``yield`` inside a ``with no_grad()`` block leaves
  the mode off for the code that iterates it until it resumes (a generator runs
  in its caller's context).

>>> import functrace as ft
>>> x = ft.tensor(2.0, requires_grad=True)
>>> with ft.no_grad():
...     y = x * 3
>>> y.requires_grad
False
>>> @ft.no_grad()
... def f(x):
...     return x * 3
>>> f(x).requires_grad
False
"""
from __future__ import annotations

import contextvars
import functools
import weakref
from types import MethodType
from typing import Any, Callable, Optional, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")

#: true once debugging (functrace.debugging) was switched on anywhere in this process
#: (stays on): the engine's one test per operation while it is off
ARMED = [False]
#: the root trace's NaN check, set by functrace.debugging.checks when it loads
ROOT_CHECK: list = [None]


class _Mode:
    """One grad-mode setting (never modified). ``owner`` is None for a setting
    that lasts until replaced, else a weak reference to the bound ``__exit__`` of
    the ``with`` statement that made it: once that is gone, ``outer`` applies.
    ``debug``: the debugging setting (:mod:`functrace.debugging.mode`), ``None``
    for the process-wide one."""

    __slots__ = ("enabled", "inference", "debug", "outer", "owner")

    def __init__(self, enabled: bool, inference: bool, debug: Any = None,
                 outer: Optional["_Mode"] = None, owner: Optional[weakref.ref] = None):
        self.enabled = enabled
        self.inference = inference
        self.debug = debug
        self.outer = outer
        self.owner = owner


_MODE: contextvars.ContextVar[_Mode] = contextvars.ContextVar(
    "functrace_grad_mode", default=_Mode(True, False))


def _live(mode: _Mode) -> _Mode:
    """``mode``, or the setting in force under it if its ``with`` statement is gone."""
    while mode.owner is not None and mode.owner() is None:
        mode = mode.outer
    return mode


def is_grad_enabled() -> bool:
    """Whether operations on tensors that require grad are recorded (this thread
    and asyncio task).

    >>> is_grad_enabled()
    True
    """
    mode = _MODE.get()
    if mode.owner is not None and mode.owner() is None:
        mode = _live(mode)
    return mode.enabled


def is_inference_mode_enabled() -> bool:
    """Whether an :class:`inference_mode` block is active (this thread and task).

    >>> import functrace as ft
    >>> with ft.inference_mode():
    ...     inside = ft.is_inference_mode_enabled()
    >>> inside, ft.is_inference_mode_enabled()
    (True, False)
    """
    return _live(_MODE.get()).inference


Change = tuple   # (enabled, inference, debug); None keeps that flag as it is


def _changed(mode: _Mode, change: Change) -> tuple:
    enabled, inference, debug = change
    return (mode.enabled if enabled is None else enabled,
            mode.inference if inference is None else inference,
            mode.debug if debug is None else debug)


def debug_setting() -> Any:
    """The debugging setting of this thread and task (``None``: the process-wide one)."""
    return _live(_MODE.get()).debug


def call_with_debug(setting: Any, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``fn(*args, **kwargs)`` with debugging ``setting``, in a copy of the caller's
    context (as :func:`call_with_grad_enabled`)."""
    return contextvars.copy_context().run(_set_and_call, (None, None, setting), fn, args,
                                          kwargs)


def call_with_grad_enabled(enabled: bool, fn: Callable[..., R], *args: Any,
                           **kwargs: Any) -> R:
    """``fn(*args, **kwargs)`` with grad mode ``enabled``, in a copy of the caller's
    context: the caller's mode is never changed, whatever interrupts ``fn``.

    >>> call_with_grad_enabled(False, is_grad_enabled), is_grad_enabled()
    (False, True)
    """
    return contextvars.copy_context().run(_set_and_call, (enabled, None, None), fn, args,
                                          kwargs)


def _set_and_call(change: Change, fn: Callable[..., R], args: tuple, kwargs: dict) -> R:
    _MODE.set(_Mode(*_changed(_live(_MODE.get()), change)))   # in the copied context only
    return fn(*args, **kwargs)


class _ExitOfWith:
    """The ``__exit__`` of the grad-mode context managers, as a descriptor.

    A ``with`` statement looks ``__exit__`` up before calling ``__enter__`` and
    keeps the bound method until the statement ends; this lookup gives it a
    fresh one and leaves a weak reference to it for ``__enter__``, which ties
    the mode it sets to it (see the module docstring). On the class it is the
    plain function, for ``contextlib.ExitStack`` and calls by hand.
    """

    def __init__(self, fn: Callable[..., None]):
        self.fn = fn

    def __get__(self, inst: Any, owner: Optional[type] = None) -> Callable[..., None]:
        if inst is None:
            return self.fn
        bound = MethodType(self.fn, inst)
        inst._with = weakref.ref(bound)
        return bound


class _GradModeContext:
    """Base of the grad-mode context managers; each also works as a decorator,
    with or without parentheses (``@no_grad()`` and ``@no_grad``).

    ``_change`` says what the block sets: ``(enabled, inference, debug)``, ``None``
    keeping a flag as it is.
    """

    _change: Change = (None, None, None)
    _bare_ok = True
    _with: Optional[weakref.ref] = None     # left by the with statement's __exit__ lookup
    _prev: Optional[_Mode] = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]) and cls._bare_ok:
            inst = object.__new__(cls)
            inst.__init__()
            return inst(args[0])
        return object.__new__(cls)

    def __enter__(self) -> None:
        prev = self._prev = _live(_MODE.get())
        _MODE.set(self._scoped(_changed(prev, self._change), prev))

    def _scoped(self, flags: tuple, prev: _Mode) -> _Mode:
        """The setting for the block, owned by this ``with`` statement if there is one."""
        owner, self._with = self._with, None
        if owner is None or owner() is None:        # __enter__ called by hand
            return _Mode(*flags)
        return _Mode(*flags, outer=prev, owner=owner)

    def _exit(self, *exc: Any) -> None:
        if self._prev is not None:      # (None: __exit__ without __enter__)
            _MODE.set(self._prev)

    __exit__ = _ExitOfWith(_exit)

    def __call__(self, fn: F) -> F:
        change = self._change

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return contextvars.copy_context().run(_set_and_call, change, fn, args, kwargs)
        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Context manager / decorator: operations are not recorded for backward.

    >>> import functrace as ft
    >>> x = ft.ones(2, requires_grad=True)
    >>> with ft.no_grad():
    ...     (x * 2).requires_grad
    False
    """

    _change = (False, None, None)


class enable_grad(_GradModeContext):
    """Context manager / decorator: turn recording back on (e.g. inside ``no_grad``).

    >>> import functrace as ft
    >>> x = ft.ones(2, requires_grad=True)
    >>> with ft.no_grad():
    ...     with ft.enable_grad():
    ...         (x * 2).requires_grad
    True
    """

    _change = (True, None, None)


class set_grad_enabled(_GradModeContext):
    """Set grad mode: as a plain call, a context manager or a decorator.

    Called as a function it takes effect immediately; used with ``with`` the
    previous mode is restored at the end of the block. (Taking effect at once
    leaves a few bytecodes before the ``with`` statement takes over in which an
    interrupt keeps the mode set, as in PyTorch; ``no_grad``/``enable_grad``
    have no such window.)

    >>> import functrace as ft
    >>> with ft.set_grad_enabled(False):
    ...     ft.is_grad_enabled()
    False
    >>> ft.is_grad_enabled()
    True
    """

    _bare_ok = False

    def __init__(self, mode: bool) -> None:
        self._change = (bool(mode), None, None)
        self._set_now()

    def _set_now(self) -> None:
        prev = self._prev = _live(_MODE.get())
        _MODE.set(_Mode(*_changed(prev, self._change)))     # lasts: the plain-call form

    def __enter__(self) -> None:
        prev = self._prev          # the mode is already set: now tie it to the with block
        _MODE.set(self._scoped(_changed(prev, self._change), prev))

    def __call__(self, fn: F) -> F:
        _MODE.set(self._prev)      # the decorator form does not change the mode now
        return super().__call__(fn)


class inference_mode(_GradModeContext):
    """Like :class:`no_grad` (for inference): nothing is recorded inside the block.

    ``inference_mode(False)`` leaves grad mode unchanged. Unlike PyTorch,
    tensors made inside are ordinary tensors (no "inference tensor" flag).

    >>> import functrace as ft
    >>> with ft.inference_mode():
    ...     ft.is_inference_mode_enabled()
    True
    """

    def __init__(self, mode: Any = True) -> None:
        on = True if callable(mode) else bool(mode)
        self._change = (False, True, None) if on else (None, None, None)
