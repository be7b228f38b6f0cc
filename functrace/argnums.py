"""Arguments of the transforms: ``argnums``, their labels in errors, and the checks of
what users pass (functions, inputs, outputs, cotangents, tangents).

Shared by :mod:`functrace.api`, :mod:`functrace.jacobians`, :mod:`functrace.batching`
(which names arguments in its errors) and :mod:`functrace.linearization`, so that
none of them imports another only for these helpers.

>>> normalize_argnums((0, -1), 3)
(0, 2)
>>> arg_label(lambda x, y: x * y, 1)
"1 ('y')"
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence, Union

import numpy as np

from .core import (ConcretizationError, LostDerivativeError, Tracer, UnexpectedTracerError,
                   concrete, is_tracer)
from .tree import tree_flatten, tree_map, unregistered_hint

ArgNums = Union[int, Sequence[int]]


def as_primal(x: Any) -> Any:
    """Tracers pass through; everything else becomes a numpy array (floats -> float64)."""
    if isinstance(x, (Tracer, np.ndarray)):
        return x
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError(f"cannot differentiate with respect to a {type(x).__name__}: "
                        "pass numpy arrays, Python numbers or pytrees of them"
                        + unregistered_hint(x))
    return arr


def as_tree_primals(tree: Any) -> Any:
    """:func:`as_primal` of every leaf of ``tree``."""
    return tree_map(as_primal, tree)


def check_float(x: Any, fn: Callable, position: int, transform: str) -> None:
    """``TypeError`` unless ``x`` (argument ``position`` of ``fn``) is floating-point or
    complex."""
    dtype = np.result_type(concrete(x))
    if dtype.kind not in "fc":
        raise TypeError(
            f"{transform} requires floating-point or complex inputs, but argument "
            f"{arg_label(fn, position)} has dtype {dtype}. Pass floats (e.g. x.astype(float)) "
            "or leave integer arguments out of argnums.")


def check_float_args(trees: Sequence[Any], fn: Callable, positions: Sequence[int],
                     transform: str) -> None:
    """Check every leaf of each argument pytree, naming the argument it belongs to."""
    for tree, position in zip(trees, positions):
        for leaf in tree_flatten(tree)[0]:
            check_float(leaf, fn, position, transform)


def arg_label(fn: Callable, position: int) -> str:
    """``"1 ('y')"``: argument ``position`` of ``fn`` with its name when known."""
    try:
        params = list(inspect.signature(fn).parameters)
        return f"{position} ({params[position]!r})" if position < len(params) else str(position)
    except (TypeError, ValueError):
        return str(position)


def check_argnums(argnums: Any) -> None:
    """``TypeError`` unless ``argnums`` is an int or a sequence of ints (checked
    when the transform is created, where the bad value was written)."""
    nums = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    if isinstance(argnums, (tuple, list)) and not nums:
        raise ValueError("argnums is empty: name at least one argument to differentiate")
    for a in nums:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"argnums must be an int or a tuple of ints (positions of the "
                            f"arguments to differentiate), got {argnums!r}")


def normalize_argnums(argnums: ArgNums, nargs: int) -> tuple:
    """``argnums`` as a tuple of non-negative positions, checked against ``nargs``."""
    check_argnums(argnums)
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(f"argnums={argnums!r} is out of range for a function called "
                             f"with {nargs} positional argument(s)")
    nums = tuple(a % nargs for a in nums)
    if len(set(nums)) != len(nums):
        twice = next(a for a in nums if nums.count(a) > 1)
        raise ValueError(f"argnums={argnums!r} names argument {twice} more than once: list "
                         "each argument to differentiate once")
    return nums


def leaf_positions(in_tree: Any, nums: tuple) -> list:
    """The argument position owning each leaf of the flattened list of arguments."""
    return [pos for sub, pos in zip(in_tree.children, nums) for _ in range(sub.num_leaves)]


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


def check_complex_matches(x: Any, primal: Any, what: str) -> None:
    """``TypeError`` for a complex tangent or cotangent ``x`` of a real ``primal`` (its
    imaginary part would have no meaning: JAX refuses it too)."""
    if np.result_type(concrete(x)).kind == "c" and np.result_type(concrete(primal)).kind != "c":
        raise TypeError(f"{what} is complex ({np.result_type(concrete(x))}) but the value it "
                        f"belongs to is real ({np.result_type(concrete(primal))}): pass a real "
                        "one (e.g. its real part)")


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
