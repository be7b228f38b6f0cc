"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from ..tensors._tensor import make
from .optimizer import Optimizer, check_options, refuse_flags, required


class SGD(Optimizer):
    """PyTorch's SGD: ``g = grad + wd * p``; with momentum ``b = mu * b + (1 - dampening) * g``
    (``b = g`` at the first step); ``g = g + mu * b`` (Nesterov) or ``g = b``; ``p -= lr * g``.

    >>> import functrace as ft
    >>> w = ft.tensor([1.0], requires_grad=True)
    >>> opt = ft.optim.SGD([w], lr=0.1)
    >>> (w * 3).sum().backward(); opt.step(); w
    tensor([0.7000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False, foreach: Optional[bool] = None,
                 differentiable: bool = False, fused: Optional[bool] = None) -> None:
        if lr is not required:
            check_options(lr=lr)
        check_options(momentum=momentum, weight_decay=weight_decay)
        refuse_flags("SGD", differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        wd, mu = group["weight_decay"], group["momentum"]
        if wd != 0:
            grad = grad + wd * param
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = make(np.array(grad, dtype=param.dtype),
                                                      None, False)
            else:
                buf._data *= mu
                buf._data += (1.0 - group["dampening"]) * grad
            grad = grad + mu * buf._data if group["nesterov"] else buf._data
        param -= group["lr"] * grad
