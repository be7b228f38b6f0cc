"""NAdam (Adam with Nesterov momentum) and RAdam (rectified Adam)."""
from __future__ import annotations

import math
from typing import Any, Iterable, Optional, Tuple

import numpy as np

from .adam import adam_moments
from .optimizer import Optimizer, check_betas, check_options, refuse_flags, weight_decayed


class _AdamFamily(Optimizer):
    """Options shared by NAdam and RAdam (and their validation)."""

    def __init__(self, params: Iterable[Any], lr: float, betas: Tuple[float, float],
                 eps: float, weight_decay: float, decoupled_weight_decay: bool,
                 flags: dict, **extra: Any) -> None:
        check_options(lr=lr, eps=eps, weight_decay=weight_decay, **extra)
        foreach = flags.pop("foreach")
        refuse_flags(type(self).__name__, **flags)
        super().__init__(params, dict(lr=lr, betas=check_betas(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=flags.pop("maximize"),
                                      **extra))

    def _moments(self, param: np.ndarray, grad: np.ndarray, state: dict,
                 group: dict) -> Tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """Weight decay, then ``(step, decayed gradient, m, v)`` after this step."""
        grad = weight_decayed(param, grad, group["lr"], group["weight_decay"],
                              group["decoupled_weight_decay"])
        step = state["step"] = state.get("step", 0) + 1
        b1, b2 = group["betas"]
        m, v = adam_moments(state, param, grad, b1, b2)
        return step, grad, m, v


class NAdam(_AdamFamily):
    """PyTorch's NAdam: with ``mu_t = b1 (1 - 0.96^(t psi) / 2)`` (``psi = momentum_decay``)
    and ``P_t = mu_1 ... mu_t``, ``p -= lr (1 - mu_t) / (1 - P_t) g / d
    + lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d`` where ``d = sqrt(v / (1 - b2^t)) + eps``.
    ``decoupled_weight_decay=True`` gives NAdamW.

    >>> import functrace as ft
    >>> w = ft.tensor([1.0], requires_grad=True)
    >>> opt = ft.optim.NAdam([w], lr=0.1)
    >>> (w * 3).sum().backward(); opt.step(); w
    tensor([0.8944], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: Optional[bool] = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay,
                         dict(foreach=foreach, maximize=maximize, capturable=capturable,
                              differentiable=differentiable),
                         momentum_decay=momentum_decay)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, (b1, b2), psi = group["lr"], group["betas"], group["momentum_decay"]
        step, grad, m, v = self._moments(param, grad, state, group)
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        product = state["mu_product"] = state.get("mu_product", 1.0) * mu
        denom = np.sqrt(v / (1.0 - b2 ** step)) + group["eps"]
        param -= (lr * (1.0 - mu) / (1.0 - product)) * grad / denom
        param -= (lr * mu_next / (1.0 - product * mu_next)) * m / denom


class RAdam(_AdamFamily):
    """PyTorch's RAdam: with ``rho_inf = 2 / (1 - b2) - 1`` and
    ``rho_t = rho_inf - 2 t b2^t / (1 - b2^t)``, the step is Adam's rectified by
    ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``
    when ``rho_t > 5`` (``p -= lr m_hat r_t sqrt(1 - b2^t) / (sqrt(v) + eps)``),
    else plain momentum (``p -= lr m_hat``), where ``m_hat = m / (1 - b1^t)``.
    ``decoupled_weight_decay=True`` gives RAdamW.

    >>> import functrace as ft
    >>> w = ft.tensor([1.0], requires_grad=True)
    >>> opt = ft.optim.RAdam([w], lr=0.1)
    >>> (w * 3).sum().backward(); opt.step(); w     # first steps: momentum SGD
    tensor([0.7000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 foreach: Optional[bool] = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay,
                         dict(foreach=foreach, maximize=maximize, capturable=capturable,
                              differentiable=differentiable))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, (b1, b2) = group["lr"], group["betas"]
        step, _, m, v = self._moments(param, grad, state, group)
        bc1, bc2 = 1.0 - b1 ** step, 1.0 - b2 ** step
        m_hat = m / bc1
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rho_t = rho_inf - 2.0 * step * b2 ** step / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            param -= m_hat * lr * (math.sqrt(bc2) / (np.sqrt(v) + group["eps"])) * rect
        else:
            param -= m_hat * lr
