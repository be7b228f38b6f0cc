"""``nn.utils``: gradient clipping and parameters as one flat vector (PyTorch's helpers).

>>> import functrace as ft
>>> w = ft.nn.Parameter(ft.tensor([3.0, 4.0]))
>>> w.grad = ft.tensor([3.0, 4.0])
>>> ft.nn.utils.clip_grad_norm_([w], max_norm=1.0)
tensor(5.)
>>> [round(g, 4) for g in w.grad.tolist()]
[0.6, 0.8]
"""
from __future__ import annotations

import types
import warnings
from typing import Any, Iterable, Union

import numpy as np

from .. import numpy as fnp
from ..grad_mode import no_grad
from ..tensors._tensor import Tensor, bump_version, make

Params = Union[Tensor, Iterable[Tensor]]

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters: Params) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    out = list(parameters)
    if is_generator and not out:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      UserWarning, stacklevel=3)
    return out


def _vector_norm(x: np.ndarray, norm_type: float) -> np.ndarray:
    flat = np.abs(x.ravel())
    if norm_type == np.inf:
        return flat.max(initial=0)
    if norm_type == -np.inf:
        return flat.min(initial=np.inf)
    if norm_type == 0:
        return np.asarray(np.count_nonzero(flat), x.dtype)
    return np.sum(flat ** norm_type) ** (1.0 / norm_type)


def get_total_norm(tensors: Params, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: Any = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` seen as one vector (``inf`` for the max).

    >>> import functrace as ft
    >>> from functrace.nn.utils import get_total_norm
    >>> get_total_norm([ft.tensor([3.0]), ft.tensor([4.0])])
    tensor(5.)
    >>> get_total_norm([ft.tensor([-3.0, 2.0])], norm_type=float("inf"))
    tensor(3.)
    """
    arrays = [t._data for t in ([tensors] if isinstance(tensors, Tensor) else tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return make(np.asarray(0.0, np.float32), None, False)
    dtype = np.result_type(*arrays)
    norms = np.array([_vector_norm(a, norm_type) for a in arrays], dtype=dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return make(total, None, False)


def clip_grads_with_norm_(parameters: Params, max_norm: float, total_norm: Tensor,
                          foreach: Any = None) -> None:
    """Scale the gradients by ``min(1, max_norm / (total_norm + 1e-6))`` in place.

    >>> import functrace as ft
    >>> from functrace.nn.utils import *
    >>> w = ft.tensor([3.0, 4.0], requires_grad=True)
    >>> (w ** 2 / 2).sum().backward(); w.grad          # gradient (3, 4): norm 5
    tensor([3., 4.])
    >>> clip_grads_with_norm_([w], 1.0, get_total_norm([w.grad])); w.grad
    tensor([0.6000, 0.8000])
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = np.minimum(float(max_norm) / (total + total.dtype.type(1e-6)), 1.0).astype(
        total.dtype)
    with no_grad():
        for g in grads:
            g._data *= coef.astype(g._data.dtype)
            bump_version(g)


def clip_grad_norm_(parameters: Params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: Any = None) -> Tensor:
    """Rescale the gradients in place so that their total norm is at most ``max_norm``;
    returns the total norm before clipping (a Tensor).

    >>> import functrace as ft
    >>> from functrace.nn.utils import *
    >>> w = ft.tensor([3.0, 4.0], requires_grad=True)
    >>> (w ** 2 / 2).sum().backward(); w.grad          # gradient (3, 4): norm 5
    tensor([3., 4.])
    >>> clip_grad_norm_([w], max_norm=1.0), w.grad
    (tensor(5.), tensor([0.6000, 0.8000]))
    """
    params = _as_list(parameters)
    total = get_total_norm([p.grad for p in params if p.grad is not None], norm_type,
                           error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters: Params, clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient into ``[-clip_value, clip_value]`` in place.

    >>> import functrace as ft
    >>> from functrace.nn.utils import *
    >>> w = ft.tensor([3.0, 4.0], requires_grad=True)
    >>> (w ** 2 / 2).sum().backward(); w.grad          # gradient (3, 4): norm 5
    tensor([3., 4.])
    >>> clip_grad_value_([w], 3.5); w.grad
    tensor([3.0000, 3.5000])
    """
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
                bump_version(p.grad)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated (differentiable, like PyTorch's ``cat``).

    >>> import functrace as ft
    >>> from functrace.nn.utils import parameters_to_vector
    >>> layer = ft.nn.Linear(3, 2)
    >>> parameters_to_vector(layer.parameters()).shape      # 2 * 3 weights, 2 biases
    functrace.Size([8])
    """
    if isinstance(parameters, Tensor):
        raise TypeError(f"expected an iterable of Tensors, but got: {type(parameters)}")
    return fnp.concatenate([fnp.reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy slices of the flat ``vec`` into the parameters' data (no gradient recorded);
    each parameter then views ``vec``'s memory, as in PyTorch.

    >>> import functrace as ft
    >>> from functrace.nn.utils import vector_to_parameters
    >>> layer = ft.nn.Linear(2, 1)
    >>> vector_to_parameters(ft.tensor([1.0, 2.0, 0.5]), layer.parameters())
    >>> layer.weight.data, layer.bias.data
    (tensor([[1., 2.]]), tensor([0.5000]))
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec)}")
    data = vec._data.reshape(-1)
    params = list(parameters)
    need = sum(int(np.prod(p.shape, dtype=np.int64)) for p in params)
    if need > data.size:
        raise RuntimeError(f"vector_to_parameters: the vector has {data.size} elements, the "
                           f"parameters need {need}")
    pointer = 0
    for p in params:
        n = int(np.prod(p.shape, dtype=np.int64))
        p._data = data[pointer:pointer + n].reshape(p._data.shape)
        bump_version(p)
        pointer += n
