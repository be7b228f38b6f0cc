"""Adagrad with learning-rate decay."""
from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from ..tensors._tensor import make
from .optimizer import Optimizer, check_options, refuse_flags, weight_decayed


class Adagrad(Optimizer):
    """PyTorch's Adagrad: ``g += wd p``; ``clr = lr / (1 + (t - 1) lr_decay)``;
    ``s += g^2``; ``p -= clr g / (sqrt(s) + eps)``. The sum starts at
    ``initial_accumulator_value`` and, as in torch, the state exists from construction.

    >>> import functrace as ft
    >>> w = ft.tensor([1.0], requires_grad=True)
    >>> opt = ft.optim.Adagrad([w], lr=0.1)
    >>> (w * 3).sum().backward(); opt.step(); w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, foreach: Optional[bool] = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 fused: Optional[bool] = None) -> None:
        check_options(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                      initial_accumulator_value=initial_accumulator_value, eps=eps)
        refuse_flags("Adagrad", differentiable=differentiable, fused=fused)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize))

    def add_param_group(self, param_group: dict) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            _init_state(self.state.setdefault(p, {}), p._data, group)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        grad = weight_decayed(param, grad, group["lr"], group["weight_decay"], False)
        _init_state(state, param, group)
        step = state["step"] = state["step"] + 1
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"]._data
        total += grad * grad
        param -= clr * grad / (np.sqrt(total) + group["eps"])


def _init_state(state: dict, param: np.ndarray, group: dict) -> None:
    if "sum" not in state:
        state["step"] = 0
        state["sum"] = make(np.full_like(param, group["initial_accumulator_value"]), None, False)
