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
    """``max(x, 0)``; its derivative at 0 is 0. Example: ``relu(np.array([-1.0, 2.0]))``."""
    return relu_p.bind(_sp.as_float(x))


def sigmoid(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))`` (= ``scipy.special.expit``), stable.

    Example: ``sigmoid(0.0) == 0.5``.
    """
    return _sp.expit(x)


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` without overflow; its derivative is ``sigmoid(x)``.

    Example: ``softplus(1000.0) == 1000.0``.
    """
    return U.logaddexp(0.0, _sp.as_float(x))


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, finite for very negative ``x``.

    Example: ``log_sigmoid(-1000.0) == -1000.0``.
    """
    return -softplus(-_sp.as_float(x))


def softmax(x: Any, axis: Axis = -1) -> Any:
    """Softmax over ``axis`` (the last by default, as in neural-network code).

    Example: ``softmax(np.array([[0.0, 0.0]]))`` is ``[[0.5, 0.5]]``.
    """
    return _sp.softmax(x, axis=axis)


def log_softmax(x: Any, axis: Axis = -1) -> Any:
    """Log-softmax over ``axis`` (the last by default), ``x - logsumexp(x)``.

    Example: ``log_softmax(np.array([0.0, 1000.0]))`` is ``[-1000.0, 0.0]``.
    """
    return _sp.log_softmax(x, axis=axis)


def gelu(x: Any, approximate: str = "none") -> Any:
    """Gaussian error linear unit ``x * Phi(x)``.

    ``approximate="none"`` uses ``0.5 x erfc(-x / sqrt 2)`` (exact, accurate for
    very negative ``x``); ``"tanh"`` the tanh approximation
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` as in PyTorch.
    Example: ``gelu(np.array([0.0, 1.0]))`` is about ``[0, 0.8413]``.
    """
    x = _sp.as_float(x)
    if approximate == "none":
        return 0.5 * x * _sp.erfc(x * (-1.0 / math.sqrt(2.0)))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1.0 + U.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
