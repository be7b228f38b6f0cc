"""``functrace.nn.functional`` (import as ``F``): activations, dropout and losses as functions.

Built on :mod:`functrace.special` and :mod:`functrace.numpy`, so they work on
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

from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from .. import special as S
from ..core import concrete
from ..tensors import _ops
from ..tensors._random import draw
from ..tensors._graph import relabel
from ..tensors._tensor import Tensor, make

relu = _ops.relu
sigmoid = _ops.sigmoid
softmax = _ops.softmax
log_softmax = _ops.log_softmax
logsigmoid = S.log_sigmoid


def tanh(input: Any) -> Any:
    return fnp.tanh(input)


def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """``input @ weight.T + bias`` (weight has shape ``(out_features, in_features)``)."""
    out = fnp.matmul(input, fnp.transpose(weight))
    if bias is None:
        return out
    out = fnp.add(out, bias)
    return relabel(out, "AddmmBackward0") if np.ndim(input) == 2 else out


def relu6(input: Any) -> Any:
    return _ops.clamp(input, 0.0, 6.0)


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Any:
    """``input`` where positive, ``negative_slope * input`` elsewhere."""
    positive = fnp.greater(input, 0.0)
    return relabel(fnp.where(positive, input, input * negative_slope), "LeakyReluBackward0",
                   input)


def elu(input: Any, alpha: float = 1.0) -> Any:
    positive = fnp.greater(input, 0.0)
    return relabel(fnp.where(positive, input, alpha * fnp.expm1(fnp.minimum(input, 0.0))),
                   "EluBackward0", input)


def gelu(input: Any, approximate: str = "none") -> Any:
    return relabel(S.gelu(input, approximate=approximate), "GeluBackward0", input)


def silu(input: Any) -> Any:
    return relabel(input * S.sigmoid(input), "SiluBackward0", input)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """``log(1 + exp(beta x)) / beta`` (linear above ``threshold``, as in PyTorch)."""
    scaled = input * beta if beta != 1.0 else input
    soft = S.softplus(scaled)
    if beta != 1.0:
        soft = soft / beta
    linear_part = fnp.greater(scaled, threshold)
    out = fnp.where(linear_part, input, soft) if np.any(concrete(linear_part)) else soft
    return relabel(out, "SoftplusBackward0", input)


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Any:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    norm = _ops.norm(input, p=p, dim=dim, keepdim=True)
    return input / fnp.maximum(norm, eps)


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Zero elements with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    shape = np.shape(input)
    dtype = np.result_type(concrete(input))
    keep = (draw(None, lambda r: r.random(shape)) >= p).astype(dtype) / dtype.type(1.0 - p)
    return relabel(input * keep, "NativeDropoutBackward0", input)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices (a constant)."""
    idx = np.asarray(concrete(tensor))
    if idx.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    n = (int(idx.max()) + 1 if idx.size else 0) if num_classes == -1 else num_classes
    if idx.size and idx.max() >= n:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return make(np.eye(n, dtype=np.int64)[idx.astype(np.int64)], None, False)


# -- losses ---------------------------------------------------------------------------------

def _reduce(loss: Any, reduction: str, weight_sum: Any = None) -> Any:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return fnp.sum(loss)
    if reduction == "mean":
        if weight_sum is not None:
            return fnp.sum(loss) / weight_sum
        return relabel(fnp.mean(loss), "MeanBackward0", loss)
    raise ValueError(f"{reduction} is not a valid value for reduction")


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean squared error. Example: ``F.mse_loss(pred, target)``."""
    _check_shapes(input, target, "mse_loss")
    diff = input - target
    return relabel(_reduce(diff * diff, reduction), "MseLossBackward0", input)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean absolute error."""
    _check_shapes(input, target, "l1_loss")
    return _reduce(fnp.abs(input - target), reduction)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean",
                   beta: float = 1.0) -> Any:
    """Quadratic below ``beta``, linear above (Huber loss divided by ``beta``)."""
    loss = _huber(input - target, beta) / beta if beta > 0 else fnp.abs(input - target)
    return relabel(_reduce(loss, reduction), "SmoothL1LossBackward0", input)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Any:
    return relabel(_reduce(_huber(input - target, delta), reduction), "HuberLossBackward0",
                   input)


def _huber(diff: Any, delta: float) -> Any:
    a = fnp.abs(diff)
    small = fnp.less(a, delta)
    return fnp.where(small, 0.5 * diff * diff, delta * (a - 0.5 * delta))


def _check_shapes(input: Any, target: Any, name: str) -> None:
    if np.shape(input) != np.shape(target):
        import warnings
        warnings.warn(f"Using a target size ({list(np.shape(target))}) that is different to "
                      f"the input size ({list(np.shape(input))}). This will likely lead to "
                      "incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=3)


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Any:
    """Negative log-likelihood of class indices ``target`` given log-probabilities
    ``input`` of shape ``(N, C)`` or ``(N, C, d1, ...)``."""
    t = _class_targets(input, target, weight, ignore_index)
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    picked = fnp.take_along_axis(input, np.expand_dims(safe, 1), axis=1)
    picked = fnp.squeeze(picked, axis=1)
    dtype = np.result_type(concrete(input))
    w = valid.astype(dtype)
    if weight is not None:
        w = w * np.asarray(concrete(weight), dtype=dtype)[safe]
    loss = -picked * w
    out = _reduce(loss, reduction, weight_sum=dtype.type(w.sum()) if reduction == "mean"
                  else None)
    return relabel(out, "NllLossBackward0", input)


_TORCH_DTYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double",
                      "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _class_targets(input: Any, target: Any, weight: Any, ignore_index: int) -> np.ndarray:
    """Class indices ``target`` for scores ``input`` of shape (N, C, d1, ...) as int64,
    checked as PyTorch checks them (same error types and messages). Any integer
    dtype is accepted (PyTorch wants int64 or uint8)."""
    t = np.asarray(concrete(target))
    in_shape = np.shape(input)
    if len(in_shape) == 2 and t.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if t.dtype.kind not in "iu":
        name = _TORCH_DTYPE_NAMES.get(t.dtype.name, t.dtype.name)
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {name}")
    if t.ndim == 0 or t.shape[0] != in_shape[0]:
        raise ValueError(f"Expected input batch_size ({in_shape[0]}) to match target "
                         f"batch_size ({t.shape[0] if t.ndim else 0}).")
    if t.shape[1:] != in_shape[2:]:
        raise RuntimeError(f"Expected target size {list(in_shape[:1] + in_shape[2:])}, got "
                           f"{list(t.shape)}")
    n_classes = in_shape[1]
    if weight is not None and np.shape(weight) != (n_classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                           "classes or no classes but got weight tensor of shape: "
                           f"{list(np.shape(weight))}")
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    return t.astype(np.int64)


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Any:
    """``nll_loss(log_softmax(input, 1), target)`` for class indices (numerically stable);
    ``target`` may also hold class probabilities with ``input``'s shape."""
    logp = _ops.log_softmax(input, dim=1 if np.ndim(input) > 1 else 0)
    if np.ndim(input) == 1:
        logp = fnp.expand_dims(logp, 0)
        target = np.asarray(concrete(target)).reshape(1, *np.shape(concrete(target)))
    if np.result_type(concrete(target)).kind == "f" and np.shape(target) == np.shape(logp):
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing)
    out = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing > 0.0:
        out = (1.0 - label_smoothing) * out + label_smoothing * _uniform_nll(
            logp, target, ignore_index, reduction)
    return out


def _uniform_nll(logp: Any, target: Any, ignore_index: int, reduction: str) -> Any:
    """The cross entropy against the uniform distribution (for label smoothing)."""
    valid = np.asarray(concrete(target)) != ignore_index
    per_sample = -fnp.mean(logp, axis=1) * valid.astype(np.result_type(concrete(logp)))
    if reduction == "mean":
        return fnp.sum(per_sample) / max(int(valid.sum()), 1)
    return _reduce(per_sample, reduction)


def _soft_cross_entropy(logp: Any, target: Any, weight: Any, reduction: str,
                        label_smoothing: float) -> Any:
    n_classes = np.shape(logp)[1]
    if label_smoothing > 0.0:
        target = target * (1.0 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        shape = (1, n_classes) + (1,) * (np.ndim(logp) - 2)
        prod = prod * np.reshape(np.asarray(concrete(weight)), shape)
    loss = -fnp.sum(prod, axis=1)
    return _reduce(loss, reduction)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Any:
    """``-(t log x + (1 - t) log(1 - x))`` for probabilities ``x``; logs clamped at -100."""
    log_x = fnp.clip(fnp.log(input), -100.0, None)
    log_1mx = fnp.clip(fnp.log1p(-input), -100.0, None)
    loss = -(target * log_x + (1.0 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return relabel(_reduce(loss, reduction), "BinaryCrossEntropyBackward0", input)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    """``binary_cross_entropy(sigmoid(input), target)``, computed stably from logits."""
    if pos_weight is None:
        loss = S.softplus(input) - input * target
    else:
        log_weight = 1.0 + (pos_weight - 1.0) * target
        loss = (1.0 - target) * input + log_weight * S.softplus(-input)
    if weight is not None:
        loss = loss * weight
    return relabel(_reduce(loss, reduction), "BinaryCrossEntropyWithLogitsBackward0", input)


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False) -> Any:
    """``target * (log target - input)`` with ``input`` given as log-probabilities."""
    if log_target:
        loss = fnp.exp(target) * (target - input)
    else:
        t = np.asarray(concrete(target))
        log_t = np.log(np.where(t > 0, t, 1.0))
        loss = target * (log_t - input)
    if reduction == "batchmean":
        return fnp.sum(loss) / np.shape(input)[0]
    return _reduce(loss, reduction)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    num = fnp.sum(x1 * x2, axis=dim)
    den = fnp.maximum(_ops.norm(x1, dim=dim) * _ops.norm(x2, dim=dim), eps)
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


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "annotations", "math", "np", "fnp", "S", "Any", "Optional", "Tensor", "make", "concrete",
    "draw", "relabel")]
