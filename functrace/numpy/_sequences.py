"""Lists and tuples of traced values where numpy takes an array.

numpy turns ``np.mean([a, b])`` into an array first; a list holding tracers cannot
become a numpy array without losing their derivatives. The public functions of
``functrace.numpy`` whose array parameters (``a``, ``x``, ``x1``, ...) may receive
such a list are wrapped so that a list or tuple containing a tracer is stacked
differentiably (``fnp.array``) first. Parameters that take sequences of arrays on
purpose (``concatenate(arrays)``, ``stack``, ``select(condlist, choicelist)``, shapes,
axes) are left alone. A call without such a list pays one loop over its arguments.

>>> import functrace, functrace.numpy as fnp
>>> float(functrace.grad(lambda x: fnp.mean([x, 3.0 * x]))(1.0))
2.0
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from ..core import Tracer

# parameter names that hold one array (numpy's spellings)
ARRAY_PARAMETERS = frozenset({"a", "x", "x1", "x2", "y", "m", "v", "b", "arr", "ary", "array",
                              "condition", "p", "xp", "fp", "f", "weights", "values",
                              "a1", "a2", "ar", "element", "prototype", "fill_value",
                              "start", "stop", "base"})


def _holds_tracer(obj: Any) -> bool:
    pending = [obj]
    while pending:
        item = pending.pop()
        if isinstance(item, Tracer):
            return True
        if isinstance(item, (list, tuple)):
            pending.extend(item)
    return False


def _array_positions(fn: Callable) -> tuple:
    """``(positions, names)`` of ``fn``'s array parameters (read from its code object:
    ``inspect.signature`` would cost milliseconds at import for a few hundred names)."""
    code = inspect.unwrap(fn).__code__
    positional = code.co_varnames[:code.co_argcount]
    keyword = code.co_varnames[code.co_posonlyargcount:code.co_argcount + code.co_kwonlyargcount]
    positions = tuple(i for i, name in enumerate(positional) if name in ARRAY_PARAMETERS)
    return positions, frozenset(keyword) & ARRAY_PARAMETERS


def stacking_lists(fn: Callable, to_array: Callable[[Any], Any]) -> Callable:
    """``fn`` whose array parameters accept (nested) lists of tracers."""
    positions, names = _array_positions(fn)
    if not positions and not names:
        return fn

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        n = len(args)
        for i in positions:               # (type tests: this runs on every call)
            if i < n and type(args[i]) in _SEQUENCES and _holds_tracer(args[i]):
                args = args[:i] + (to_array(args[i]),) + args[i + 1:]
        if kwargs and not names.isdisjoint(kwargs):
            for name in names.intersection(kwargs):
                if type(kwargs[name]) in _SEQUENCES and _holds_tracer(kwargs[name]):
                    kwargs[name] = to_array(kwargs[name])
        return fn(*args, **kwargs)
    return wrapper


_SEQUENCES = (list, tuple)


# functions taking sequences of arrays, or building arrays from them, on purpose
KEEP = frozenset({"array", "asarray", "concatenate", "concat", "stack", "hstack", "vstack",
                  "dstack", "column_stack", "row_stack", "block", "einsum", "meshgrid",
                  "broadcast_arrays", "select", "atleast_1d", "atleast_2d", "atleast_3d",
                  "result_type", "lexsort", "shape", "ndim", "size", "at"})


def add_list_stacking(namespace: dict, to_array: Callable[[Any], Any]) -> None:
    """Wrap the public functions of ``namespace`` (one wrapper per function, so that
    aliases stay identical)."""
    wrapped: dict = {}
    for name, fn in list(namespace.items()):
        if name.startswith("_") or name in KEEP or not inspect.isfunction(fn):
            continue
        if id(fn) not in wrapped:
            wrapped[id(fn)] = stacking_lists(fn, to_array)
        namespace[name] = wrapped[id(fn)]
