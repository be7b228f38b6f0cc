"""Argument checks shared by the transforms."""
from __future__ import annotations

from typing import Any


def require_function(fun: Any, transform: str) -> None:
    """A TypeError unless ``fun`` is callable (``grad(f(x))`` is a common slip)."""
    if not callable(fun):
        raise TypeError(f"{transform} expects a function, got a {type(fun).__name__}: "
                        f"pass the function itself (f, not f(x))")
