"""Adam and AdamW (decoupled weight decay), with optional AMSGrad."""
from __future__ import annotations

import math
from typing import Any, Iterable, Optional, Tuple

import numpy as np

from .optimizer import (Optimizer, buffer, check_betas, check_options, refuse_flags,
                        weight_decayed)


def adam_moments(state: dict, param: np.ndarray, grad: np.ndarray, b1: float,
                 b2: float) -> Tuple[np.ndarray, np.ndarray]:
    """Update and return ``m = b1 m + (1 - b1) g`` and ``v = b2 v + (1 - b2) g^2``
    (the state buffers ``exp_avg`` and ``exp_avg_sq``)."""
    m = buffer(state, "exp_avg", param)
    v = buffer(state, "exp_avg_sq", param)
    m *= b1
    m += (1.0 - b1) * grad
    v *= b2
    v += (1.0 - b2) * grad * grad
    return m, v


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
                 foreach: Optional[bool] = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: Optional[bool] = None) -> None:
        check_options(lr=lr, eps=eps, weight_decay=weight_decay)
        refuse_flags(type(self).__name__, capturable=capturable,
                     differentiable=differentiable, fused=fused)
        super().__init__(params, dict(lr=lr, betas=check_betas(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      foreach=foreach, maximize=maximize))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        grad = weight_decayed(param, grad, lr, group["weight_decay"], self.decoupled)
        step = state["step"] = state.get("step", 0) + 1
        m, v = adam_moments(state, param, grad, b1, b2)
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
    (``weight_decay`` defaults to 0.01, as in PyTorch).

    >>> import functrace as ft
    >>> p = ft.tensor([1.0], requires_grad=True)
    >>> opt = ft.optim.AdamW([p], lr=0.1)
    >>> (p ** 2).sum().backward(); opt.step()
    >>> p            # 1 * (1 - 0.1 * 0.01), then the first Adam step of size lr
    tensor([0.8990], requires_grad=True)
    """

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 foreach: Optional[bool] = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: Optional[bool] = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused)
