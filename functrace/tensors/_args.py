"""torch's argument forms and error types for the facade's functions.

* ``dim`` arguments: an int, a tuple or a list, negative counting from the end; a
  0-d tensor takes ``dim=0`` and ``dim=-1`` (:func:`dims`, :func:`dim_index`).
* ``axis=`` and ``keepdims=`` are aliases of ``dim=`` and ``keepdim=`` wherever
  a function has those parameters, as in torch (:func:`torch_function`).
* Errors are torch's types: a bad ``dim`` is an IndexError, a shape that does
  not fit is a RuntimeError (numpy's ValueErrors become RuntimeErrors).

:func:`torch_function` wraps every function and method of the facade's name
table (:mod:`._table` applies it), so a new row gets all of this.

>>> dims(-1, 3), dims([0, 2], 3), dims(0, 0)
((2,), (0, 2), ())
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])
_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def dim_error(dim: Any, ndim: int) -> IndexError:
    n = max(ndim, 1)
    return IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                      f"but got {dim})")


def dim_index(dim: Any, ndim: int) -> int:
    """One ``dim`` as an index in ``range(max(ndim, 1))`` (0-d tensors take 0 and -1)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, not {type(dim).__name__} ({dim!r})")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise dim_error(dim, ndim)
    return int(dim) % n


def dims(dim: Any, ndim: int) -> tuple:
    """A ``dim`` argument (None: all, an int, a tuple or list) as sorted axes; () on a 0-d
    tensor. An empty tuple or list means all dimensions, as in torch's reductions."""
    if dim is None:
        return tuple(range(ndim))
    items = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not items:
        return tuple(range(ndim))
    out = [dim_index(d, ndim) for d in items]
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {items[len(set(out))]} appears multiple times in the list "
                           "of dims")
    return () if ndim == 0 else tuple(sorted(out))


def _aliases(fn: Callable[..., Any]) -> tuple:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return ()
    return tuple((alias, name) for alias, name in _ALIASES if name in params)


def _torch_error(error: ValueError) -> Exception:
    """numpy's ValueError as the error torch raises there."""
    if isinstance(error, np.exceptions.AxisError):
        axis, ndim = getattr(error, "axis", None), getattr(error, "ndim", None)
        if axis is not None and ndim is not None:
            return dim_error(axis, ndim)
        return IndexError(str(error))
    return RuntimeError(str(error))


def torch_function(fn: F, name: Optional[str] = None) -> F:
    """``fn`` taking torch's keyword aliases and raising torch's error types.

    >>> import functrace as ft
    >>> ft.sum(ft.ones(2, 3), axis=1, keepdims=True).shape
    functrace.Size([2, 1])
    """
    aliases = _aliases(fn)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs and aliases:
            for alias, dest in aliases:
                if alias in kwargs:
                    if dest in kwargs:
                        raise TypeError(f"{name or fn.__name__}() got both '{dest}' and "
                                        f"its alias '{alias}'")
                    kwargs[dest] = kwargs.pop(alias)
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            raise _torch_error(e) from e
    return call  # type: ignore[return-value]
