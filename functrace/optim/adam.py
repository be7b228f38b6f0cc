"""Adam and AdamW (decoupled weight decay), with optional AMSGrad."""
from __future__ import annotations

import math
from typing import Any, Iterable, Tuple

import numpy as np

from .optimizer import Optimizer, buffer, check_number


class Adam(Optimizer):
    """Adam: ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``,
    ``p -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)``; ``weight_decay`` adds
    ``wd * p`` to the gradient (L2), as in PyTorch's Adam.

    >>> import functrace as ft
    >>> w = ft.tensor([1.0], requires_grad=True)
    >>> opt = ft.optim.Adam([w], lr=0.1)
    >>> (w * 3).sum().backward(); opt.step(); w
    tensor([0.9000], requires_grad=True)
    """

    decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        check_number(lr, "learning rate")
        check_number(eps, "epsilon value")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            check_number(b, f"beta parameter at index {i}")
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {b}")
        check_number(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if wd != 0:
            if self.decoupled:
                param *= 1.0 - lr * wd
            else:
                grad = grad + wd * param
        step = state["step"] = state.get("step", 0) + 1
        m = buffer(state, "exp_avg", param)
        v = buffer(state, "exp_avg_sq", param)
        m *= b1
        m += (1.0 - b1) * grad
        v *= b2
        v += (1.0 - b2) * grad * grad
        if group["amsgrad"]:
            vmax = buffer(state, "max_exp_avg_sq", param)
            np.maximum(vmax, v, out=vmax)
            v = vmax
        bc1 = 1.0 - b1 ** step
        bc2 = 1.0 - b2 ** step
        denom = np.sqrt(v) / math.sqrt(bc2) + eps
        param -= (lr / bc1) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * wd`` before the Adam step
    (``weight_decay`` defaults to 0.01, as in PyTorch)."""

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
