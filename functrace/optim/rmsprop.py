"""RMSprop, optionally centered and with momentum."""
from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from .optimizer import Optimizer, buffer, check_options, refuse_flags, weight_decayed


class RMSprop(Optimizer):
    """PyTorch's RMSprop: ``g += wd p``; ``v = alpha v + (1 - alpha) g^2``; centered:
    ``gbar = alpha gbar + (1 - alpha) g`` and ``avg = sqrt(v - gbar^2) + eps``, else
    ``avg = sqrt(v) + eps``; with momentum ``b = mu b + g / avg`` and ``p -= lr b``,
    else ``p -= lr g / avg``.

    >>> import functrace as ft
    >>> w = ft.tensor([1.0], requires_grad=True)
    >>> opt = ft.optim.RMSprop([w], lr=0.01)
    >>> (w * 3).sum().backward(); opt.step(); w      # first step: lr / sqrt(1 - alpha)
    tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, capturable: bool = False,
                 foreach: Optional[bool] = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_options(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                      alpha=alpha)
        refuse_flags("RMSprop", capturable=capturable, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, foreach=foreach,
                                      maximize=maximize))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        alpha, eps, mu = group["alpha"], group["eps"], group["momentum"]
        grad = weight_decayed(param, grad, group["lr"], group["weight_decay"], False)
        state["step"] = state.get("step", 0) + 1
        square_avg = buffer(state, "square_avg", param)
        square_avg *= alpha
        square_avg += (1.0 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = buffer(state, "grad_avg", param)
            grad_avg *= alpha
            grad_avg += (1.0 - alpha) * grad
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            avg = np.sqrt(square_avg) + eps
        if mu > 0:
            buf = buffer(state, "momentum_buffer", param)
            buf *= mu
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / avg
