"""Adamax: Adam with the infinity norm."""
from __future__ import annotations

from typing import Any, Iterable, Optional, Tuple

import numpy as np

from .optimizer import (Optimizer, buffer, check_betas, check_options, refuse_flags,
                        weight_decayed)


class Adamax(Optimizer):
    """PyTorch's Adamax: ``g += wd p``; ``m = b1 m + (1 - b1) g``;
    ``u = max(b2 u, |g| + eps)``; ``p -= lr / (1 - b1^t) * m / u``.

    >>> import functrace as ft
    >>> w = ft.tensor([1.0], requires_grad=True)
    >>> opt = ft.optim.Adamax([w], lr=0.1)
    >>> (w * 3).sum().backward(); opt.step(); w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, foreach: Optional[bool] = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_options(lr=lr, eps=eps, weight_decay=weight_decay)
        refuse_flags("Adamax", differentiable=differentiable, capturable=capturable)
        super().__init__(params, dict(lr=lr, betas=check_betas(betas), eps=eps,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, (b1, b2) = group["lr"], group["betas"]
        grad = weight_decayed(param, grad, lr, group["weight_decay"], False)
        step = state["step"] = state.get("step", 0) + 1
        m = buffer(state, "exp_avg", param)
        u = buffer(state, "exp_inf", param)
        m *= b1
        m += (1.0 - b1) * grad
        u *= b2
        np.maximum(u, np.abs(grad) + group["eps"], out=u)
        param -= (lr / (1.0 - b1 ** step)) * m / u
