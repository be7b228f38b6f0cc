"""``functrace.nn.functional`` (import as ``F``): activations, dropout, losses, convolutions
and pooling as functions.

Built on :mod:`functrace.activations` and :mod:`functrace.numpy`, so they work on
Tensors (recording the graph) and, equally, on numpy arrays inside
``functrace.grad``. No derivative is written here.

>>> import functrace as ft
>>> import functrace.nn.functional as F
>>> logits = ft.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
>>> loss = F.cross_entropy(logits, ft.tensor([0]))
>>> round(loss.item(), 4)
0.1698
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..core import concrete, concrete_value
from ..tensors import _ops, _reduce
from ..tensors._random import draw_array
from ..tensors._graph import relabel
from ..tensors._tensor import Tensor, make
from .activation import (_apply, celu, elu, gelu, hardsigmoid, hardswish, hardtanh,
                         leaky_relu, log_softmax, logsigmoid, mish, prelu, relu, relu6, selu,
                         silu, softmax, softmin, softplus, softsign, tanhshrink)
from .loss_functions import (binary_cross_entropy, binary_cross_entropy_with_logits,
                             cosine_embedding_loss, cross_entropy, huber_loss, kl_div, l1_loss,
                             mse_loss, nll_loss, smooth_l1_loss)
from .norms import group_norm, layer_norm, rms_norm
from .sparse import embedding
from ._functional_conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                               conv_transpose3d)
from ._functional_norm import batch_norm
from ._functional_pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
                               avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d,
                               max_pool3d)

sigmoid = _ops.sigmoid


def tanh(input: Any) -> Any:
    return fnp.tanh(input)


def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """``input @ weight.T + bias`` (weight has shape ``(out_features, in_features)``)."""
    out = fnp.matmul(input, fnp.transpose(weight))
    if bias is None:
        return out
    out = fnp.add(out, bias)
    return relabel(out, "AddmmBackward0") if np.ndim(input) == 2 else out


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Any:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    norm = _reduce.norm(input, p=p, dim=dim, keepdim=True)
    return input / fnp.maximum(norm, eps)


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input: Any, p: float, mask_shape: tuple, inplace: bool, name: str) -> Any:
    """``input`` times a random keep-mask of ``mask_shape`` (broadcast), scaled by 1/(1-p)."""
    dtype = np.result_type(concrete(input))
    if p == 1.0:
        keep = np.zeros(mask_shape, dtype)
    else:
        def sample(r: np.random.Generator) -> np.ndarray:
            keep = (r.random(mask_shape) >= p).astype(dtype)
            keep /= dtype.type(1.0 - p)
            return keep
        keep = draw_array(None, sample)   # (a jitted replay draws a fresh mask)
    return _apply(input, inplace, lambda x: x * keep, name)


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Zero elements with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _masked(input, p, np.shape(input), inplace, "NativeDropoutBackward0")


def _feature_dropout(input: Any, p: float, training: bool, inplace: bool,
                     unbatched_ndim: int) -> Any:
    """Zero whole channels ``input[n, c]`` (dimension 1, or 0 for an unbatched input)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    shape = np.shape(input)
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    lead = 1 if len(shape) == unbatched_ndim else 2
    return _masked(input, p, shape[:lead] + (1,) * (len(shape) - lead), inplace,
                   "MulBackward0")


def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` inputs with probability ``p``."""
    if np.ndim(input) not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a "
                           f"{np.ndim(input)}D input. Note that dropout1d exists to provide "
                           "channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, unbatched_ndim=2)


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Zero whole channels ``input[n, c]`` of ``(N, C, H, W)`` inputs with probability ``p``
    (a 3-D input is taken as ``(N, C, L)``, with PyTorch's warning)."""
    nd = np.ndim(input)
    if nd not in (3, 4):
        warnings.warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the "
                      "behavior and silence this warning, please use dropout instead.",
                      UserWarning, stacklevel=2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim.", UserWarning,
                      stacklevel=2)
    return _feature_dropout(input, p, training, inplace, unbatched_ndim=-1)


def dropout3d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs."""
    nd = np.ndim(input)
    if nd not in (4, 5):
        warnings.warn(f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the "
                      "behavior and silence this warning, please use dropout instead.",
                      UserWarning, stacklevel=2)
    return _feature_dropout(input, p, training, inplace, unbatched_ndim=4)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices (a constant)."""
    idx = np.asarray(concrete_value(tensor))
    if idx.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    n = (int(idx.max()) + 1 if idx.size else 0) if num_classes == -1 else num_classes
    if idx.size and idx.max() >= n:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return make(np.eye(n, dtype=np.int64)[idx.astype(np.int64)], None, False)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    num = fnp.sum(x1 * x2, axis=dim)
    den = fnp.maximum(_reduce.norm(x1, dim=dim) * _reduce.norm(x2, dim=dim), eps)
    return num / den


def pad(input: Any, pad: tuple, mode: str = "constant", value: float = 0.0) -> Any:
    """Constant padding; ``pad`` lists (before, after) pairs starting from the last dim."""
    if mode != "constant":
        raise NotImplementedError("functrace nn.functional.pad supports mode='constant' only")
    nd = np.ndim(input)
    widths = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        widths[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return fnp.pad(input, widths, constant_values=value)


__all__ = ["sigmoid", "tanh", "linear", "normalize", "dropout", "dropout1d", "dropout2d",
           "dropout3d", "one_hot", "cosine_similarity", "pad", "relu", "relu6", "hardtanh",
           "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "hardsigmoid",
           "hardswish", "softplus", "prelu", "logsigmoid", "softsign", "tanhshrink", "softmax",
           "softmin", "log_softmax", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "kl_div", "cosine_embedding_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "layer_norm",
           "group_norm", "rms_norm", "embedding", "batch_norm", "conv1d", "conv2d", "conv3d",
           "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "max_pool1d",
           "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d"]
