"""autograd's functional optimizers, over pytrees: ``sgd``, ``rmsprop``, ``adam``.

Each takes ``grad(params, i)`` (the gradient at iteration ``i``), the initial
parameters ``x0`` (any pytree of float arrays), an optional
``callback(params, i, gradient)`` called before each step, and returns the final
parameters as a pytree like ``x0``. The defaults and update formulas are
autograd's, so a program moving from ``autograd.misc.optimizers`` gets the same
iterates.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional

import numpy as np

from ..flatten_util import ravel_pytree

Grad = Callable[[Any, int], Any]
Callback = Optional[Callable[[Any, int, Any], Any]]


def _over_pytrees(optimize: Callable[..., Any]) -> Callable[..., Any]:
    """An optimizer of flat vectors as one of pytrees (autograd's ``unflatten_optimizer``)."""
    @functools.wraps(optimize)
    def optimize_tree(grad: Grad, x0: Any, callback: Callback = None, *args: Any,
                      **kwargs: Any) -> Any:
        if not callable(grad):
            raise TypeError(f"{optimize.__name__}: grad must be a function grad(params, i), "
                            f"got {type(grad).__name__}")
        flat_x0, unflatten = ravel_pytree(x0)
        if np.asarray(flat_x0).dtype.kind != "f":
            raise TypeError(f"{optimize.__name__}: x0 must hold floating-point arrays, got "
                            f"dtype {np.asarray(flat_x0).dtype}")

        def flat_grad(x: np.ndarray, i: int) -> np.ndarray:
            g = np.asarray(ravel_pytree(grad(unflatten(x), i))[0])
            if g.shape != x.shape:
                raise ValueError(f"{optimize.__name__}: grad returned {g.shape[0]} numbers "
                                 f"for {x.shape[0]} parameters; it must return a pytree "
                                 "shaped like x0")
            return g

        flat_callback = None
        if callback is not None:
            def flat_callback(x: np.ndarray, i: int, g: np.ndarray) -> None:
                callback(unflatten(x), i, unflatten(g))
        return unflatten(optimize(flat_grad, np.asarray(flat_x0), flat_callback, *args,
                                  **kwargs))
    return optimize_tree


def _iterate(grad: Grad, x: np.ndarray, callback: Callback, num_iters: int,
             update: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> np.ndarray:
    """``num_iters`` steps ``x = update(x, grad(x, i), i)``, calling back before each."""
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        x = update(x, g, i)
    return x


@_over_pytrees
def sgd(grad: Grad, x: np.ndarray, callback: Callback = None, num_iters: int = 200,
        step_size: float = 0.1, mass: float = 0.9) -> np.ndarray:
    """Stochastic gradient descent with momentum ``mass``.

    >>> import numpy as np
    >>> x = sgd(lambda x, i: 2 * (x - 1.0), np.zeros(2), num_iters=300)
    >>> np.round(x, 4)
    array([1., 1.])
    """
    state = {"velocity": np.zeros(len(x), x.dtype)}

    def update(x: np.ndarray, g: np.ndarray, i: int) -> np.ndarray:
        state["velocity"] = mass * state["velocity"] - (1.0 - mass) * g
        return x + step_size * state["velocity"]
    return _iterate(grad, x, callback, num_iters, update)


@_over_pytrees
def rmsprop(grad: Grad, x: np.ndarray, callback: Callback = None, num_iters: int = 100,
            step_size: float = 0.1, gamma: float = 0.9, eps: float = 1e-8) -> np.ndarray:
    """RMSprop: steps scaled by a running root mean square of the gradient.

    >>> import numpy as np
    >>> x = rmsprop(lambda x, i: 2 * (x - 1.0), np.zeros(2), num_iters=200, step_size=0.01)
    >>> np.round(x, 1)
    array([1., 1.])
    """
    state = {"avg_sq_grad": np.ones(len(x), x.dtype)}

    def update(x: np.ndarray, g: np.ndarray, i: int) -> np.ndarray:
        state["avg_sq_grad"] = state["avg_sq_grad"] * gamma + g ** 2 * (1 - gamma)
        return x - step_size * g / (np.sqrt(state["avg_sq_grad"]) + eps)
    return _iterate(grad, x, callback, num_iters, update)


@_over_pytrees
def adam(grad: Grad, x: np.ndarray, callback: Callback = None, num_iters: int = 100,
         step_size: float = 0.001, b1: float = 0.9, b2: float = 0.999,
         eps: float = 1e-8) -> np.ndarray:
    """Adam (Kingma and Ba, 2015), with bias-corrected moment estimates.

    >>> import numpy as np
    >>> x = adam(lambda x, i: 2 * (x - 1.0), np.zeros(2), num_iters=400, step_size=0.05)
    >>> np.round(x, 3)
    array([1., 1.])
    """
    state = {"m": np.zeros(len(x), x.dtype), "v": np.zeros(len(x), x.dtype)}

    def update(x: np.ndarray, g: np.ndarray, i: int) -> np.ndarray:
        state["m"] = (1 - b1) * g + b1 * state["m"]              # first moment estimate
        state["v"] = (1 - b2) * (g ** 2) + b2 * state["v"]       # second moment estimate
        mhat = state["m"] / (1 - b1 ** (i + 1))                  # bias corrections
        vhat = state["v"] / (1 - b2 ** (i + 1))
        return x - step_size * mhat / (np.sqrt(vhat) + eps)
    return _iterate(grad, x, callback, num_iters, update)
