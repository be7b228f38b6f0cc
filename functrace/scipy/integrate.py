"""``functrace.scipy.integrate``: ``odeint``, differentiable by the adjoint method.

>>> import numpy as np, functrace, functrace.scipy.integrate as fsi
>>> def decay(y, t, k):
...     return -k * y
>>> t = np.array([0.0, 1.0])
>>> float(fsi.odeint(decay, 1.0, t, 2.0)[1])            # exp(-2)  # doctest: +ELLIPSIS
0.1353352...
>>> float(functrace.grad(lambda k: fsi.odeint(decay, 1.0, t, k)[1])(2.0))  # -exp(-2)
... # doctest: +ELLIPSIS
-0.1353352...
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import numpy as fnp
from ..numpy._scipy_special import as_float
from ..core import concrete
from ._odeint import OdeLayout, odeint_p
from ..tree import tree_flatten, tree_unflatten

__all__ = ["odeint"]


def _is_pytree(x: Any) -> bool:
    """Whether ``x`` is a container of arrays rather than one array or number (a list
    counts as a container, as in JAX)."""
    leaves = tree_flatten(x)[0]
    return not (len(leaves) == 1 and leaves[0] is x)


class _PytreeDynamics:
    """``func`` on pytrees, seen as a function of one flat state vector and the leaves
    of the extra arguments (what the ``odeint`` primitive integrates)."""

    def __init__(self, func: Callable[..., Any], y_tree: Any, shapes: list, args_tree: Any):
        self.func, self.y_tree, self.shapes, self.args_tree = func, y_tree, shapes, args_tree

    def unflatten_state(self, flat: Any) -> Any:
        leaves, start = [], 0
        for shape in self.shapes:
            size = math.prod(shape)
            leaves.append(fnp.reshape(flat[..., start:start + size],
                                      tuple(np.shape(flat)[:-1]) + shape))
            start += size
        return tree_unflatten(self.y_tree, leaves)

    def __call__(self, y: Any, t: Any, *arg_leaves: Any) -> Any:
        out = self.func(self.unflatten_state(y), t, *tree_unflatten(self.args_tree,
                                                                    list(arg_leaves)))
        leaves, tree = tree_flatten(out)
        if tree != self.y_tree:
            raise ValueError("odeint: func must return a pytree of the structure of y0")
        return fnp.concatenate([fnp.ravel(leaf) for leaf in leaves])


def odeint(func: Callable[..., Any], y0: Any, t: Any, *args: Any, rtol: float = 1.4e-8,
           atol: float = 1.4e-8, mxstep: float = math.inf, hmax: float = math.inf) -> Any:
    """Solve ``dy/dt = func(y, t, *args)`` from ``y(t[0]) = y0``; ``y`` at each of ``t``.

    JAX's signature (``func(y, t, *args)``, extra arguments positional; scipy's
    ``args=`` tuple is HIPS autograd's, pass them unpacked here). ``t`` must be
    increasing. An adaptive Dormand-Prince 5(4) solver with tolerances
    ``rtol``/``atol``, at most ``mxstep`` steps between two times of ``t``, steps of
    at most ``hmax``. Differentiable in ``y0``, ``t`` and every array in ``args``
    (reverse mode by the adjoint method, forward mode by sensitivities, any order,
    ``vmap``). ``func`` must be written with ``functrace.numpy`` and must not close
    over values being differentiated: pass them in ``args``.

    ``y0`` and the arguments may be pytrees (tuples, dicts, ... of arrays), as in JAX;
    ``func`` then returns a pytree of the structure of ``y0``.

    Returns an array of shape ``(len(t),) + y0.shape`` (float64 unless all inputs are
    float32), or for a pytree ``y0`` the same pytree of such arrays.

    >>> import numpy as np, functrace as ft
    >>> from functrace.scipy.integrate import odeint
    >>> decay = lambda y, t, k: -k * y                  # y(t) = y0 exp(-k t)
    >>> y = odeint(decay, 1.0, np.array([0.0, 1.0]), 2.0)
    >>> bool(np.isclose(y[-1], np.exp(-2.0)))
    True
    >>> dk = ft.grad(lambda k: odeint(decay, 1.0, np.array([0.0, 1.0]), k)[-1])(2.0)
    >>> bool(np.isclose(dk, -np.exp(-2.0)))               # d/dk exp(-k) = -exp(-k)
    True
    """
    if not callable(func):
        raise TypeError(f"odeint: func must be callable, got {type(func).__name__}")
    y_leaves, y_tree = tree_flatten(y0)
    arg_leaves, args_tree = tree_flatten(args)
    if _is_pytree(y0) or any(_is_pytree(a) for a in args):      # flatten them
        shapes = [tuple(np.shape(leaf)) for leaf in y_leaves]
        flat_func = _PytreeDynamics(func, y_tree, shapes, args_tree)
        y_flat = fnp.concatenate([fnp.ravel(as_float(leaf)) for leaf in y_leaves])
        ys = odeint(flat_func, y_flat, t, *arg_leaves, rtol=rtol, atol=atol,
                    mxstep=mxstep, hmax=hmax)
        return flat_func.unflatten_state(ys)
    y0, t = as_float(y0), as_float(t)
    args = tuple(as_float(a) for a in args)
    for i, a in enumerate(args):
        if np.result_type(concrete(a)).kind != "f":
            raise TypeError(f"odeint: argument {i} of *args is not numeric; func's extra "
                            "arguments must be arrays or numbers (close over other values)")
    if np.ndim(t) != 1 or np.shape(t)[0] < 1:
        raise ValueError(f"odeint: t must be a 1-d array of times, got shape {np.shape(t)}")
    layout = OdeLayout(tuple(np.shape(y0)), int(np.shape(t)[0]),
                       tuple(tuple(np.shape(a)) for a in args))
    return odeint_p.bind(layout.pack(y0, t, args), func=func, layout=layout,
                         rtol=float(rtol), atol=float(atol), mxstep=mxstep, hmax=float(hmax))
