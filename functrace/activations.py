"""Array-level neural-network helpers: relu, sigmoid, softplus, softmax, gelu, ...

Plain functions on arrays and tracers (the Tensor facade re-exports them).
All are stable for large inputs; kinks are deterministic (``relu'(0) = 0``).

>>> import numpy as np, functrace, functrace.activations as S
>>> functrace.grad(lambda x: S.relu(x).sum())(np.array([-1.0, 0.0, 2.0]))
array([0., 0., 1.])
"""
from __future__ import annotations

import math
from typing import Any, Optional, Union

from .numpy import _ufuncs as U
from .numpy import _scipy_special as _sp
from .primitives.selection import relu_p

Axis = Optional[Union[int, tuple]]

__all__ = ["relu", "sigmoid", "log_sigmoid", "softplus", "softmax", "log_softmax", "gelu",
           "logsumexp", "erf"]

logsumexp = _sp.logsumexp
erf = _sp.erf


def relu(x: Any) -> Any:
    """``max(x, 0)``; its derivative at 0 is 0.

    >>> import numpy as np, functrace as ft
    >>> relu(np.array([-1.0, 2.0])), ft.grad(relu)(0.0)
    (array([0., 2.]), np.float64(0.0))
    """
    return relu_p.bind(_sp.as_float(x))


def sigmoid(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))`` (= ``scipy.special.expit``), stable.

    >>> float(sigmoid(0.0)), float(sigmoid(-800.0))
    (0.5, 0.0)
    """
    return _sp.expit(x)


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` without overflow; its derivative is ``sigmoid(x)``.

    >>> float(softplus(1000.0)), round(float(softplus(0.0)), 6)
    (1000.0, 0.693147)
    """
    return U.logaddexp(0.0, _sp.as_float(x))


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, finite for very negative ``x``.

    >>> float(log_sigmoid(-1000.0))
    -1000.0
    """
    return -softplus(-_sp.as_float(x))


def softmax(x: Any, axis: Axis = -1) -> Any:
    """Softmax over ``axis`` (the last by default, as in neural-network code).

    >>> import numpy as np
    >>> softmax(np.array([[0.0, 0.0], [0.0, np.log(3.0)]]))
    array([[0.5 , 0.5 ],
           [0.25, 0.75]])
    """
    return _sp.softmax(x, axis=axis)


def log_softmax(x: Any, axis: Axis = -1) -> Any:
    """Log-softmax over ``axis`` (the last by default), ``x - logsumexp(x)``.

    >>> import numpy as np
    >>> log_softmax(np.array([0.0, 1000.0]))
    array([-1000.,     0.])
    """
    return _sp.log_softmax(x, axis=axis)


def gelu(x: Any, approximate: str = "none") -> Any:
    """Gaussian error linear unit ``x * Phi(x)``.

    ``approximate="none"`` uses ``0.5 x erfc(-x / sqrt 2)`` (exact, accurate for
    very negative ``x``); ``"tanh"`` the tanh approximation
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` as in PyTorch.

    >>> import numpy as np
    >>> gelu(np.array([0.0, 1.0])).round(4), gelu(np.array([1.0]), approximate="tanh").round(4)
    (array([0.    , 0.8413]), array([0.8412]))
    """
    x = _sp.as_float(x)
    if approximate == "none":
        return 0.5 * x * _sp.erfc(x * (-1.0 / math.sqrt(2.0)))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1.0 + U.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
