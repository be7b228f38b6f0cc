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

from .._special_base import _float
from ..core import concrete
from ..primitives.ode import OdeLayout, odeint_p

__all__ = ["odeint"]


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

    Returns an array of shape ``(len(t),) + y0.shape`` (float64 unless all inputs are
    float32).
    """
    if not callable(func):
        raise TypeError(f"odeint: func must be callable, got {type(func).__name__}")
    y0, t = _float(y0), _float(t)
    args = tuple(_float(a) for a in args)
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
