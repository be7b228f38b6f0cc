"""Training with gradients from the cluster: scipy's optimizers, and ``functrace.optim``."""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from .. import tree_flatten, tree_unflatten
from ._api import value_and_grad


class _Flat:
    """A pytree of arrays <-> one float64 vector (what scipy optimizes)."""

    def __init__(self, params: Any) -> None:
        leaves, self.tree = tree_flatten(params)
        leaves = [np.asarray(leaf) for leaf in leaves]
        self.shapes = [leaf.shape for leaf in leaves]
        self.dtypes = [leaf.dtype for leaf in leaves]
        self.stops = np.cumsum([leaf.size for leaf in leaves])[:-1]
        self.x0 = self.vector(leaves)

    def vector(self, leaves: list) -> np.ndarray:
        return np.concatenate([np.ravel(leaf).astype(np.float64) for leaf in leaves])

    def tree_of(self, x: np.ndarray) -> Any:
        parts = np.split(np.asarray(x), self.stops)
        return tree_unflatten(self.tree, [part.reshape(shape).astype(dtype) for part, shape, dtype
                                          in zip(parts, self.shapes, self.dtypes)])


def minimize(loss: Callable, params: Any, *data: Any, reduce: str = "mean",
             method: str = "L-BFGS-B", callback: Optional[Callable] = None,
             options: Optional[dict] = None, **grad_options: Any) -> tuple:
    """Fit ``params`` (a pytree of numpy arrays) with ``scipy.optimize.minimize(fun, x0,
    jac=True)``, each value and gradient computed by :func:`value_and_grad` on the data's
    blocks (on the cluster when a client is running); returns ``(params, result)``.

    ``loss(params, *data)`` obeys the sum/mean contract of :func:`value_and_grad`;
    ``grad_options`` go to it (``timeout=``, ``split_every=``, ...). ``callback(params,
    value)`` is called after each iteration. Needs scipy >= 1.11.

    >>> import numpy as np, dask.array as da, functrace.numpy as fnp, functrace.dask as ftd
    >>> x = da.from_array(np.linspace(0.0, 1.0, 8), chunks=3)
    >>> fit, result = ftd.minimize(lambda p, x: fnp.mean((p["b"] - x) ** 2),
    ...                            {"b": np.zeros(1)}, x)
    >>> np.round(fit["b"], 6), bool(result.success)
    (array([0.5]), True)
    """
    try:
        from scipy.optimize import minimize as scipy_minimize
    except ImportError as exc:
        raise ImportError("functrace.dask.minimize needs scipy: pip install scipy") from exc
    flat = _Flat(params)
    value_and_grad_fn = value_and_grad(loss, 0, reduce, **grad_options)

    def fun(x: np.ndarray) -> tuple:
        value, grads = value_and_grad_fn(flat.tree_of(x), *data)
        return float(value), flat.vector(tree_flatten(grads)[0])

    def each_iteration(intermediate_result: Any) -> None:   # scipy matches this name
        callback(flat.tree_of(intermediate_result.x), float(intermediate_result.fun))

    result = scipy_minimize(fun, flat.x0, jac=True, method=method, options=options,
                            callback=each_iteration if callback is not None else None)
    return flat.tree_of(result.x), result


def optimizer_step(optimizer: Any, value_and_grad_fn: Callable, *data: Any) -> np.ndarray:
    """One step of a ``functrace.optim`` optimizer with gradients computed on the cluster.

    ``value_and_grad_fn`` comes from :func:`value_and_grad` of a loss whose first argument
    is the list of the optimizer's parameters (as numpy arrays, in ``param_groups``
    order); returns the loss value. The optimizer then updates the Tensors in place.

    >>> import numpy as np, dask.array as da, functrace as ft, functrace.numpy as fnp
    >>> import functrace.dask as ftd
    >>> w = ft.zeros(2, requires_grad=True)
    >>> opt = ft.optim.SGD([w], lr=0.5)
    >>> vg = ftd.value_and_grad(lambda ps, x: fnp.mean(fnp.sum((ps[0] - x) ** 2, axis=1)),
    ...                         reduce="mean")
    >>> x = da.from_array(np.array([[1.0, 2.0], [3.0, 4.0]]), chunks=(1, 2))
    >>> for _ in range(3):
    ...     loss = ftd.optimizer_step(opt, vg, x)
    >>> w
    tensor([2., 3.], requires_grad=True)
    """
    from ..tensors import from_numpy   # deferred: functrace.dask loads the facade only here
    params = [p for group in optimizer.param_groups for p in group["params"]]
    arrays = [p.detach().numpy() for p in params]
    value, grads = value_and_grad_fn(arrays, *data)
    for param, array, g in zip(params, arrays, grads):
        param.grad = from_numpy(np.asarray(g, dtype=array.dtype).reshape(array.shape))
    optimizer.step()
    return value
