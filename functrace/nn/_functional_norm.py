"""``batch_norm`` of :mod:`functrace.nn.functional`.

The normalisation is a composite of differentiable ops (mean, subtract, divide
by ``sqrt(var + eps)``), so its gradient, of any order, needs no rule of its own;
the running statistics are updated in place from the concrete batch statistics.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ..core import concrete_value
from ..grad_mode import no_grad
from ..tensors._graph import relabel
from ..tensors._tensor import Tensor, bump_version


def _update_running(buffer: Any, value: Any, momentum: float) -> None:
    """``buffer = (1 - momentum) * buffer + momentum * value``, in place."""
    data = buffer._data if isinstance(buffer, Tensor) else buffer
    value = np.asarray(concrete_value(value))   # (a jitted replay cannot skip this update)
    if value.size != data.size:
        raise RuntimeError("batch_norm: the running statistics cannot be updated from a "
                           "value batched by vmap; pass running_mean=running_var=None or "
                           "use training=False inside vmap")
    with no_grad():
        data *= 1.0 - momentum
        data += momentum * value.reshape(data.shape)
    if isinstance(buffer, Tensor):
        bump_version(buffer)


def batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None,
               bias: Any = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Any:
    """Normalise each channel (axis 1) of ``input`` by batch statistics
    (``training``) or by the running ones, then scale by ``weight`` and shift by ``bias``.

    >>> import numpy as np, functrace.nn.functional as F
    >>> F.batch_norm(np.array([[1.0], [3.0]]), None, None, training=True).ravel()
    array([-0.999995,  0.999995])
    """
    shape = np.shape(input)
    axes = (0,) + tuple(range(2, len(shape)))
    channels = (1, shape[1]) + (1,) * (len(shape) - 2)
    if training:
        count = int(np.prod(shape, dtype=np.int64)) // shape[1]
        if count <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {list(shape)}")
        mean = fnp.mean(input, axis=axes, keepdims=True)
        centered = input - mean
        var = fnp.mean(centered * centered, axis=axes, keepdims=True)
        if running_mean is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None:
            _update_running(running_var, concrete_value(var) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are required when "
                             "training=False")
        centered = input - fnp.reshape(running_mean, channels)
        var = fnp.reshape(running_var, channels)
    out = centered / fnp.sqrt(var + eps)
    if weight is not None:
        out = out * fnp.reshape(weight, channels)
    if bias is not None:
        out = out + fnp.reshape(bias, channels)
    return relabel(out, "NativeBatchNormBackward0", input)


__all__ = ["batch_norm"]
