"""A small user program, type-checked by tests/test_typing.py (and run by it too).

It uses both faces the way a user's annotated code would; mypy must accept it as
is, so every name it touches has to be visible to type checkers.
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import Any, Callable, NamedTuple

import numpy as np

import functrace as ft
import functrace.numpy as fnp
from functrace.scipy.special import logsumexp
from functrace.testing import check_grads


class Params(NamedTuple):
    w: np.ndarray
    b: np.ndarray


@ft.tree.register_dataclass(meta_fields=["name"])
@dataclasses.dataclass(frozen=True)
class Layer:
    w: np.ndarray
    name: str = "dense"


def dataclass_params() -> Layer:
    g: Layer = ft.grad(lambda p: fnp.sum(p.w ** 2))(Layer(np.ones(2)))
    assert g.name == "dense"
    return g


def loss(params: Params, x: np.ndarray, y: np.ndarray) -> Any:
    pred = fnp.tanh(x @ params.w + params.b)
    return fnp.mean((pred - y) ** 2) + 0.01 * logsumexp(params.w)


def functional(x: np.ndarray, y: np.ndarray) -> float:
    params = Params(np.zeros(3), np.zeros(()))
    step: Callable[..., Any] = ft.grad(loss)
    value, g = ft.value_and_grad(loss, argnums=0)(params, x, y)
    g2: Params = step(params, x, y)
    out, f_vjp = ft.vjp(fnp.sin, np.ones(3))
    _, tangent = ft.jvp(fnp.cos, (np.ones(3),), (np.ones(3),))
    batched = ft.vmap(fnp.sum, in_axes=0)(np.ones((4, 3)))
    jac = ft.jacobian(fnp.tanh)(np.ones(2))
    hess = ft.hessian(lambda v: fnp.sum(v ** 3), argnums=0)(np.ones(2))
    checked = ft.checkpoint(fnp.sin)
    check_grads(lambda v: fnp.sum(checked(v)), (np.ones(2),), order=1)
    assert f_vjp(np.ones(3))[0].shape == (3,) and tangent.shape == (3,)
    assert batched.shape == (4,) and jac.shape == (2, 2) and hess.shape == (2, 2)
    assert isinstance(g2, Params)
    return float(value) + float(np.sum(g.w))


@ft.custom_vjp
def clip_gradient(x: Any) -> Any:
    return x


def _clip_fwd(x: Any) -> tuple[Any, None]:
    return x, None


def _clip_bwd(_: None, ct: Any) -> tuple[Any]:
    return (fnp.clip(ct, -1.0, 1.0),)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


def facade() -> float:
    ft.manual_seed(0)
    model = ft.nn.Sequential(ft.nn.Linear(3, 4), ft.nn.ReLU(), ft.nn.Linear(4, 1))
    opt = ft.optim.SGD(model.parameters(), lr=0.1)
    x: ft.Tensor = ft.randn(8, 3)
    y = ft.zeros(8, 1, dtype=ft.float32)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss_value = ft.nn.MSELoss()(model(x), y)
        loss_value.backward()
        opt.step()
        losses.append(loss_value.item())
    state: OrderedDict[str, ft.Tensor] = model.state_dict()
    w = ft.tensor([2.0, 3.0], requires_grad=True)
    z = (w * w + 1.0) ** 2 / 2
    z.sum().backward()
    with ft.no_grad():
        doubled = w * 2
    assert w.grad is not None and not doubled.requires_grad and len(state) == 4
    return float(losses[-1]) + float(ft.grad(lambda v: clip_gradient(v) * 3.0)(1.0))


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    print(functional(rng.normal(size=(5, 3)), rng.normal(size=5)), facade(),
          dataclass_params().w)
