"""``torch.func``-style helpers for using ``functrace.nn`` modules with the functional
transforms and :func:`functrace.jit`.

:func:`functional_call` runs a module with some of its parameters and buffers
replaced by given values (arrays, or the traced values of a transform), so a
loss over a module can be differentiated, vmapped or jitted with respect to
its parameters as a plain dictionary of arrays:

>>> import numpy as np, functrace as ft
>>> net = ft.nn.Linear(3, 2)
>>> params = {k: v.detach().numpy() for k, v in net.named_parameters()}
>>> loss = lambda p, x: ft.numpy.sum(ft.func.functional_call(net, p, (x,)) ** 2)
>>> g = ft.grad(loss)(params, np.ones((4, 3), np.float32))
>>> sorted(g), g["weight"].shape
(['bias', 'weight'], (2, 3))
"""
from __future__ import annotations

from typing import Any, Optional


def functional_call(module: Any, parameters_and_buffers: dict, args: Any = (),
                    kwargs: Optional[dict] = None, *, strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the named parameters and buffers (dotted
    names, as ``named_parameters`` gives them) replaced by the given values for the
    duration of the call. With ``strict``, every parameter and buffer must be given.

    The module itself is changed during the call and restored afterwards, so do
    not call the same module from several threads at once (as with
    ``torch.func.functional_call``).

    >>> import functrace as ft
    >>> model = ft.nn.Linear(2, 1)
    >>> params = {"weight": ft.tensor([[1.0, 2.0]]), "bias": ft.tensor([0.5])}
    >>> ft.func.functional_call(model, params, (ft.tensor([[3.0, 4.0]]),))
    tensor([[11.5000]])
    >>> bool((model.weight == params["weight"]).all())       # the module is restored
    False
    """
    if not isinstance(args, tuple):
        args = (args,)
    values = dict(parameters_and_buffers)
    if strict:
        known = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        missing = sorted(known - set(values))
        if missing:
            raise RuntimeError(f"functional_call(strict=True): missing {missing}")
    saved = []
    try:
        for name, value in values.items():
            owner, attr = _owner(module, name)
            store = _store(owner, attr, name)
            saved.append((store, attr, store[attr]))
            store[attr] = value
        return module(*args, **(kwargs or {}))
    finally:
        for store, attr, old in reversed(saved):
            store[attr] = old


def _owner(module: Any, name: str) -> tuple:
    *path, attr = name.split(".")
    owner = module
    for part in path:
        sub = owner._modules.get(part)
        if sub is None:
            raise AttributeError(f"functional_call: {type(owner).__name__} has no submodule "
                                 f"{part!r} (in {name!r})")
        owner = sub
    return owner, attr


def _store(owner: Any, attr: str, name: str) -> dict:
    for store in (owner._parameters, owner._buffers):
        if attr in store:
            return store
    raise AttributeError(f"functional_call: {name!r} is not a parameter or buffer of "
                         f"{type(owner).__name__}")


__all__ = ["functional_call"]
