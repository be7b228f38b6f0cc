"""PyTorch's keyword names passed to numpy-style functions get a pointed error.

``fnp.sum(x, dim=0)`` would fail with Python's "unexpected keyword argument"; the
functions of ``functrace.numpy`` (and traced arrays' methods) that take ``axis`` or
``keepdims`` are wrapped so that ``dim=``/``keepdim=`` raise a TypeError naming
the function and numpy's names instead. The wrapper costs one dict test per call.
"""
from __future__ import annotations

import functools
import types
from typing import Any, Callable

TORCH_TO_NUMPY = {"dim": "axis", "keepdim": "keepdims"}


def _takes_axis(fn: Any) -> bool:
    code = getattr(fn, "__code__", None)
    if not isinstance(fn, types.FunctionType) or code is None:
        return False
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    return "axis" in names or "keepdims" in names


def _message(label: str, kwargs: dict) -> str:
    given = [k for k in TORCH_TO_NUMPY if k in kwargs]
    use = ", ".join(f"{TORCH_TO_NUMPY[k]}= instead of {k}=" for k in given)
    return (f"{label} takes numpy's keyword names, not PyTorch's: use {use} "
            "(the Tensor facade, ft.sum(t, dim=...), takes dim=/keepdim=)")


def with_keyword_hint(fn: Callable, label: str) -> Callable:
    """``fn`` that rejects ``dim=``/``keepdim=`` naming ``label`` (e.g. ``functrace.numpy.sum()``)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs and ("dim" in kwargs or "keepdim" in kwargs):
            raise TypeError(_message(label, kwargs))
        return fn(*args, **kwargs)
    return wrapper


def add_keyword_hints(namespace: dict, module: str) -> None:
    """Wrap the public functions of ``namespace`` that take ``axis``/``keepdims``
    (one wrapper per function, so aliases such as ``max``/``amax`` stay identical)."""
    wrapped: dict = {}
    for name, fn in list(namespace.items()):
        if name.startswith("_") or not _takes_axis(fn):
            continue
        if id(fn) not in wrapped:
            wrapped[id(fn)] = with_keyword_hint(fn, f"{module}.{fn.__name__}()")
        namespace[name] = wrapped[id(fn)]
