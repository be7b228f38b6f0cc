"""autograd's ``flatten`` and ``flatten_func`` (on top of :func:`ravel_pytree`)."""
from __future__ import annotations

from typing import Any, Callable

from ..flatten_util import ravel_pytree


def flatten(value: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(vector, unflatten)`` for a pytree of arrays, as ``autograd.misc.flatten``.

    Dict entries are ordered by sorted key (as in autograd). Differentiable.

    >>> import numpy as np
    >>> vec, unflatten = flatten({"a": np.ones(2), "b": 3.0})
    >>> vec
    array([1., 1., 3.])
    >>> unflatten(vec)["b"]
    array(3.)
    """
    return ravel_pytree(value)


def flatten_func(func: Callable[..., Any], example: Any) -> tuple[Callable[..., Any],
                                                                  Callable[[Any], Any], Any]:
    """``(flat_func, unflatten, flat_example)``: ``flat_func(vector, *args)`` is
    ``func(unflatten(vector), *args)`` flattened, as ``autograd.misc.flatten_func``.

    >>> import numpy as np
    >>> f, unflatten, x = flatten_func(lambda p: [2 * p[0]], [np.ones(2)])
    >>> f(x)
    array([2., 2.])
    """
    flat_example, unflatten = ravel_pytree(example)

    def flat_func(vector: Any, *args: Any) -> Any:
        return ravel_pytree(func(unflatten(vector), *args))[0]

    return flat_func, unflatten, flat_example
