"""Grad mode for the Tensor facade: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Grad mode is thread-local, as in PyTorch: a ``no_grad`` block in one thread does
not affect another. It only concerns the Tensor facade's recorded graph; the
functional transforms (``functrace.grad``) are unaffected by it.

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

import functools
import threading
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradState(threading.local):
    """Per-thread flags; the class attributes are every new thread's defaults."""

    enabled = True
    inference = False


STATE = _GradState()


def is_grad_enabled() -> bool:
    """Whether operations on tensors that require grad are recorded (this thread).

    >>> is_grad_enabled()
    True
    """
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    """Whether an :class:`inference_mode` block is active in this thread."""
    return STATE.inference


class _GradModeContext:
    """Base of the grad-mode context managers; each also works as a decorator,
    with or without parentheses (``@no_grad()`` and ``@no_grad``)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]) and cls._bare_ok:
            inst = object.__new__(cls)
            inst.__init__()
            return inst(args[0])
        return object.__new__(cls)

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, *exc: Any) -> None:
        raise NotImplementedError

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper  # type: ignore[return-value]

    def clone(self) -> "_GradModeContext":
        return type(self)()


class _SetEnabled(_GradModeContext):
    _mode = True
    _bare_ok = True

    def __enter__(self) -> None:
        self._prev = STATE.enabled
        STATE.enabled = self._mode

    def __exit__(self, *exc: Any) -> None:
        STATE.enabled = self._prev


class no_grad(_SetEnabled):
    """Context manager / decorator: operations are not recorded for backward.

    >>> import functrace as ft
    >>> x = ft.ones(2, requires_grad=True)
    >>> with ft.no_grad():
    ...     (x * 2).requires_grad
    False
    """

    _mode = False


class enable_grad(_SetEnabled):
    """Context manager / decorator: turn recording back on (e.g. inside ``no_grad``).

    >>> import functrace as ft
    >>> x = ft.ones(2, requires_grad=True)
    >>> with ft.no_grad():
    ...     with ft.enable_grad():
    ...         (x * 2).requires_grad
    True
    """

    _mode = True


class set_grad_enabled(_SetEnabled):
    """Set grad mode: as a plain call, a context manager or a decorator.

    Called as a function it takes effect immediately; used with ``with`` the
    previous mode is restored at the end of the block.

    >>> import functrace as ft
    >>> with ft.set_grad_enabled(False):
    ...     ft.is_grad_enabled()
    False
    >>> ft.is_grad_enabled()
    True
    """

    _bare_ok = False

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = STATE.enabled
        STATE.enabled = self._mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        STATE.enabled = self._prev

    def __call__(self, fn: F) -> F:
        STATE.enabled = self._prev      # the decorator form does not change the mode now
        return super().__call__(fn)

    def clone(self) -> "set_grad_enabled":
        return set_grad_enabled(self._mode)


class inference_mode(_GradModeContext):
    """Like :class:`no_grad` (for inference): nothing is recorded inside the block.

    ``inference_mode(False)`` leaves grad mode unchanged. Unlike PyTorch,
    tensors made inside are ordinary tensors (no "inference tensor" flag).

    >>> import functrace as ft
    >>> with ft.inference_mode():
    ...     ft.is_inference_mode_enabled()
    True
    """

    _bare_ok = True

    def __init__(self, mode: Any = True) -> None:
        self._mode = True if callable(mode) else bool(mode)

    def __enter__(self) -> None:
        self._prev = (STATE.enabled, STATE.inference)
        if self._mode:
            STATE.enabled = False
            STATE.inference = True

    def __exit__(self, *exc: Any) -> None:
        STATE.enabled, STATE.inference = self._prev

    def clone(self) -> "inference_mode":
        return inference_mode(self._mode)
