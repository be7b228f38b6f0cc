"""The :class:`Optimizer` base: parameter groups, ``zero_grad``, ``state_dict``.

Optimizers update the parameters' numpy data in place (outside any graph, as
PyTorch's ``step`` runs under ``no_grad``) and bump their version counters, so
a graph that saved a parameter before the step refuses to backward through it.
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Iterable, Optional

import numpy as np

from ..grad_mode import enable_grad
from ..tensors._tensor import Tensor, bump_version, make


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def check_number(value: Any, what: str, low: float = 0.0) -> None:
    """PyTorch's ``Invalid <what>: <value>`` for a value below ``low``, and a
    ``TypeError`` naming ``what`` for a value that is not a number at all."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Invalid {what}: {value!r} (expected a number)")
    if value < low:
        raise ValueError(f"Invalid {what}: {value}")


class Optimizer:
    """Base class: ``params`` is an iterable of tensors or of dicts (parameter groups).

    >>> import functrace as ft
    >>> class SignSGD(ft.optim.Optimizer):
    ...     def __init__(self, params, lr=0.1):
    ...         super().__init__(params, {"lr": lr})
    ...     def step(self):
    ...         with ft.no_grad():
    ...             for group in self.param_groups:
    ...                 for p in group["params"]:
    ...                     p -= group["lr"] * p.grad.sign()
    >>> w = ft.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = SignSGD([w])
    >>> (w ** 2).sum().backward(); opt.step(); w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = defaults
        self.state: dict = {}
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (e.g. a different ``lr``)."""
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params "
                                f"is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients (to ``None`` by default, else to zeros in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p._grad = None
                elif p._grad is not None:
                    p._grad = p._grad.detach()
                    p._grad._data[...] = 0
                    bump_version(p._grad)

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """Update every parameter that has a gradient (frozen ones are skipped)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = p._grad._data
                if group.get("maximize", False):
                    g = -g
                state = self.state.setdefault(p, {})
                self._update(p._data, g, state, group)
                bump_version(p)
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError

    # -- state dict ------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``."""
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (v.detach() if isinstance(v, Tensor) else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the options and per-parameter state saved by :meth:`state_dict`."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params = []
        for own, saved in zip(self.param_groups, groups):
            if len(own["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
            for k, v in saved.items():
                if k != "params":
                    own[k] = copy.deepcopy(v)
            params.extend(zip(saved["params"], own["params"]))
        self.state = {}
        saved_state = {int(k): v for k, v in state_dict["state"].items()}
        for idx, p in params:
            if idx in saved_state:
                self.state[p] = {k: _as_state(v, p) for k, v in saved_state[idx].items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)


def _as_state(value: Any, param: Tensor) -> Any:
    """A private copy of a saved state value (floating tensors cast to ``param``'s dtype)."""
    if isinstance(value, Tensor):
        data = value._data
        if data.dtype.kind == "f":
            data = data.astype(param._data.dtype)
        return make(np.array(data), None, False)
    if isinstance(value, (list, tuple)):
        return type(value)(_as_state(v, param) for v in value)
    return value


def buffer(state: dict, name: str, like: np.ndarray, init: Any = 0.0) -> np.ndarray:
    """The numpy data of state tensor ``name`` (created filled with ``init``)."""
    t = state.get(name)
    if t is None:
        t = state[name] = make(np.full_like(like, init), None, False)
    return t._data


_OPTION_NAMES = {"lr": "learning rate", "eps": "epsilon value"}


def check_options(**options: float) -> None:
    """PyTorch's ``ValueError`` for a negative option, e.g. ``Invalid learning rate: -1``."""
    for name, value in options.items():
        check_number(value, _OPTION_NAMES.get(name, name + " value"))


def check_betas(betas: Any) -> tuple:
    """``betas`` as a pair of floats in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    betas = tuple(betas)
    for i, b in enumerate(betas):
        check_number(b, f"beta parameter at index {i}")
        if not 0.0 <= b < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")
    return betas


def refuse_flags(optimizer: str, **flags: Any) -> None:
    """Raise for torch options that have no meaning here (``capturable``, ``fused``, ...).

    ``foreach`` is not among them: it only picks torch's implementation, never the numbers.
    """
    for name, value in flags.items():
        if value:
            raise ValueError(f"{optimizer}({name}=True) is not supported: functrace's "
                             "optimizers update numpy arrays eagerly on the CPU (no CUDA graphs, "
                             "fused kernels or differentiable steps); leave it False")


def weight_decayed(param: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float,
                   decoupled: bool) -> np.ndarray:
    """Apply weight decay: decoupled shrinks ``param`` in place, else L2 adds ``wd * param``
    to the gradient (returned)."""
    if weight_decay == 0:
        return grad
    if decoupled:
        param *= 1.0 - lr * weight_decay
        return grad
    return grad + weight_decay * param
