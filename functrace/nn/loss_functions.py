"""The loss functions of ``nn.functional`` (``F.mse_loss``, ``F.cross_entropy``, ...).

Same signatures as PyTorch's (the deprecated ``size_average``/``reduce`` map to
``reduction`` with PyTorch's warning), built from differentiable functrace ops:
gradients flow to the input and, where PyTorch differentiates it, the target.

>>> import functrace as ft
>>> import functrace.nn.functional as F
>>> F.huber_loss(ft.tensor([0.0, 3.0]), ft.tensor([0.5, 0.0]))
tensor(1.3125)
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from .. import activations as S
from ..core import concrete, concrete_value, is_tracer
from ..tensors import _ops
from ..tensors._graph import relabel

_TORCH_DTYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double",
                      "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _legacy(size_average: Optional[bool], reduce: Optional[bool], reduction: str) -> str:
    """``reduction`` from PyTorch's deprecated ``size_average``/``reduce`` (when given)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    out = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{out}' instead.", UserWarning, stacklevel=3)
    return out


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


def _check_shapes(input: Any, target: Any) -> None:
    if np.shape(input) != np.shape(target):
        warnings.warn(f"Using a target size ({list(np.shape(target))}) that is different to "
                      f"the input size ({list(np.shape(input))}). This will likely lead to "
                      "incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=3)


def _pointwise(loss: Any, input: Any, reduction: str, weight: Any, name: str) -> Any:
    """Reduce an elementwise loss, optionally weighted (``mean`` then divides by the
    weights' sum, as PyTorch's weighted ``mse_loss``/``l1_loss``/``huber_loss``)."""
    if weight is None:
        return relabel(_reduce(loss, reduction), name, input)
    if np.shape(weight) != np.shape(input):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    return _reduce(loss, reduction, fnp.sum(weight) if reduction == "mean" else None)


def mse_loss(input: Any, target: Any, size_average: Optional[bool] = None,
             reduce: Optional[bool] = None, reduction: str = "mean",
             weight: Any = None) -> Any:
    """Mean squared error. Example: ``F.mse_loss(pred, target)``."""
    _check_shapes(input, target)
    diff = input - target
    return _pointwise(diff * diff, input, _legacy(size_average, reduce, reduction), weight,
                      "MseLossBackward0")


def l1_loss(input: Any, target: Any, size_average: Optional[bool] = None,
            reduce: Optional[bool] = None, reduction: str = "mean", weight: Any = None) -> Any:
    """Mean absolute error."""
    _check_shapes(input, target)
    return _pointwise(fnp.abs(input - target), input, _legacy(size_average, reduce, reduction),
                      weight, "MeanBackward0")


def _huber(diff: Any, delta: float) -> Any:
    a = fnp.abs(diff)
    return fnp.where(fnp.less(a, delta), 0.5 * diff * diff, delta * (a - 0.5 * delta))


def smooth_l1_loss(input: Any, target: Any, size_average: Optional[bool] = None,
                   reduce: Optional[bool] = None, reduction: str = "mean",
                   beta: float = 1.0) -> Any:
    """Quadratic ``0.5 d² / beta`` below ``beta``, ``|d| - beta/2`` above (``d = input -
    target``); ``beta=0`` is the L1 loss."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _check_shapes(input, target)
    diff = input - target
    loss = _huber(diff, beta) / beta if beta > 0 else fnp.abs(diff)
    return _pointwise(loss, input, _legacy(size_average, reduce, reduction), None,
                      "SmoothL1LossBackward0")


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Any:
    """Quadratic ``0.5 d²`` below ``delta``, linear ``delta (|d| - delta/2)`` above."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check_shapes(input, target)
    return _pointwise(_huber(input - target, delta), input, reduction, weight,
                      "HuberLossBackward0")


def kl_div(input: Any, target: Any, size_average: Optional[bool] = None,
           reduce: Optional[bool] = None, reduction: str = "mean",
           log_target: bool = False) -> Any:
    """``target * (log target - input)`` with ``input`` given as log-probabilities
    (``target`` too when ``log_target``); ``reduction="batchmean"`` divides the sum by
    the batch size, the KL divergence's definition."""
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns "
                      "with the KL div math definition.'mean' will be changed to behave the "
                      "same as 'batchmean' in the next major release.", UserWarning,
                      stacklevel=2)
    if log_target:
        loss = fnp.exp(target) * (target - input)
    else:
        positive = fnp.greater(target, 0.0)
        safe = fnp.where(positive, target, 1.0)
        loss = fnp.where(positive, target * fnp.log(safe), 0.0) - target * input  # xlogy
    if reduction == "batchmean":
        total = fnp.sum(loss)
        return total / np.shape(input)[0] if np.ndim(input) else total
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0,
                          size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                          reduction: str = "mean") -> Any:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1`` (rows of ``(N, D)`` inputs, or two ``(D,)`` vectors and a 0-d target)."""
    reduction = _legacy(size_average, reduce, reduction)
    t = np.asarray(concrete_value(target))
    if t.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = t.ndim + 1
    if np.ndim(input1) != want or np.ndim(input2) != want:
        raise RuntimeError(f"{t.ndim}D target tensor expects {want}D input tensors, but found "
                           f"inputs with sizes {list(np.shape(input1))} and "
                           f"{list(np.shape(input2))}.")
    axis = t.ndim
    eps = 1e-12                                   # PyTorch's EPSILON
    dot = fnp.sum(input1 * input2, axis=axis)
    sq1 = fnp.sum(input1 * input1, axis=axis) + eps
    sq2 = fnp.sum(input2 * input2, axis=axis) + eps
    cos = dot / fnp.sqrt(sq1 * sq2)
    neg = fnp.where(fnp.less(cos - margin, 0.0), 0.0, cos - margin)
    loss = fnp.where(t == 1, 1.0 - cos, 0.0) + fnp.where(t == -1, neg, 0.0)
    return _reduce(loss, reduction)


def nll_loss(input: Any, target: Any, weight: Any = None, size_average: Optional[bool] = None,
             ignore_index: int = -100, reduce: Optional[bool] = None,
             reduction: str = "mean") -> Any:
    """Negative log-likelihood of class indices ``target`` given log-probabilities
    ``input`` of shape ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)`` (one sample)."""
    reduction = _legacy(size_average, reduce, reduction)
    if np.ndim(input) == 1:
        out = nll_loss(fnp.expand_dims(input, 0), _batch_of_one(target), weight,
                       ignore_index=ignore_index, reduction=reduction)
        return fnp.squeeze(out, 0) if reduction == "none" else out
    # (functrace operations on the targets: traced targets stay traced, so that a jitted
    # step takes new labels as inputs of its program instead of recording again)
    t = _class_targets(input, target, weight, ignore_index)
    valid = fnp.not_equal(t, ignore_index)
    safe = fnp.where(valid, t, 0)
    picked = fnp.take_along_axis(input, fnp.expand_dims(safe, 1), axis=1)
    picked = fnp.squeeze(picked, axis=1)
    dtype = np.result_type(concrete(input))
    w = fnp.astype(valid, dtype)
    if weight is not None:
        w = w * fnp.take(np.asarray(concrete_value(weight), dtype=dtype), safe)
    loss = -picked * w
    out = _reduce(loss, reduction, weight_sum=fnp.sum(w) if reduction == "mean" else None)
    return relabel(out, "NllLossBackward0", input)


def _class_targets(input: Any, target: Any, weight: Any, ignore_index: int) -> np.ndarray:
    """Class indices ``target`` for scores ``input`` of shape (N, C, d1, ...) as int64,
    checked as PyTorch checks them (same error types and messages). Any integer
    dtype is accepted (PyTorch wants int64 or uint8). Traced targets stay traced (not
    under vmap): their range check is then a traced test, which ``functrace.jit``
    checks on each call."""
    t = target if _traced_targets(target) else np.asarray(concrete_value(target))
    in_shape, t_shape, t_dtype = np.shape(input), np.shape(t), np.result_type(concrete(t))
    if len(in_shape) == 2 and len(t_shape) > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if t_dtype.kind not in "iu":
        name = _TORCH_DTYPE_NAMES.get(t_dtype.name, t_dtype.name)
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {name}")
    if not t_shape or t_shape[0] != in_shape[0]:
        raise ValueError(f"Expected input batch_size ({in_shape[0]}) to match target "
                         f"batch_size ({t_shape[0] if t_shape else 0}).")
    if t_shape[1:] != in_shape[2:]:
        raise RuntimeError(f"Expected target size {list(in_shape[:1] + in_shape[2:])}, got "
                           f"{list(t_shape)}")
    n_classes = in_shape[1]
    if weight is not None and np.shape(weight) != (n_classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                           "classes or no classes but got weight tensor of shape: "
                           f"{list(np.shape(weight))}")
    bad = fnp.logical_and(fnp.not_equal(t, ignore_index),
                          fnp.logical_or(fnp.less(t, 0), fnp.greater_equal(t, n_classes)))
    if fnp.any(bad):
        values = np.asarray(concrete(t))
        raise IndexError(f"Target {values[np.asarray(concrete(bad))].flat[0]} is out of bounds.")
    return fnp.astype(t, np.int64)


def _traced_targets(target: Any) -> bool:
    """Targets traced by a transform other than a batching vmap (whose value, with its
    batch axis, the checks here would misread)."""
    return is_tracer(target) and np.ndim(concrete(target)) == np.ndim(target)


def _batch_of_one(target: Any) -> Any:
    return np.asarray(concrete_value(target)).reshape(1, *np.shape(target))


def cross_entropy(input: Any, target: Any, weight: Any = None,
                  size_average: Optional[bool] = None, ignore_index: int = -100,
                  reduce: Optional[bool] = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Any:
    """``nll_loss(log_softmax(input, 1), target)`` for class indices (numerically stable);
    ``target`` may also hold class probabilities with ``input``'s shape. With
    ``label_smoothing`` the target mixes in the uniform distribution (PyTorch's formula,
    class weights included)."""
    reduction = _legacy(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    soft = (np.result_type(concrete(target)).kind == "f"
            and np.shape(target) == np.shape(input))
    if np.ndim(input) == 1:
        input = fnp.expand_dims(input, 0)
        target = fnp.expand_dims(target, 0) if soft else _batch_of_one(target)
        out = cross_entropy(input, target, weight, ignore_index=ignore_index,
                            reduction=reduction, label_smoothing=label_smoothing)
        return fnp.squeeze(out, 0) if reduction == "none" else out
    logp = _ops.log_softmax(input, dim=1)
    if soft:
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing)
    out = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing > 0.0:
        smooth = _smoothing_term(logp, target, weight, ignore_index, reduction)
        out = (1.0 - label_smoothing) * out + smooth * (label_smoothing / np.shape(logp)[1])
    return out


def _class_weights(weight: Any, ndim: int, dtype: Any) -> np.ndarray:
    """The class weights shaped to broadcast along dimension 1 of an ``ndim`` input."""
    w = np.asarray(concrete_value(weight), dtype=dtype)
    return w.reshape((1, w.size) + (1,) * (ndim - 2))


def _smoothing_term(logp: Any, target: Any, weight: Any, ignore_index: int,
                    reduction: str) -> Any:
    """``-sum_c w_c log p_c`` per sample, ignored samples zeroed, reduced as ``nll_loss``
    reduces (a weighted mean divides by the targets' weights)."""
    dtype = np.result_type(concrete(logp))
    t = np.asarray(concrete_value(target))
    valid = t != ignore_index
    if weight is not None:
        logp = logp * _class_weights(weight, np.ndim(logp), dtype)
    per_sample = -fnp.sum(logp, axis=1) * valid.astype(dtype)
    if reduction != "mean":
        return _reduce(per_sample, reduction)
    if weight is None:
        return fnp.sum(per_sample) / dtype.type(valid.sum())
    w = np.asarray(concrete_value(weight), dtype=dtype)
    return fnp.sum(per_sample) / dtype.type(w[t[valid]].sum())


def _soft_cross_entropy(logp: Any, target: Any, weight: Any, reduction: str,
                        label_smoothing: float) -> Any:
    n_classes = np.shape(logp)[1]
    if label_smoothing > 0.0:
        target = target * (1.0 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        if np.shape(weight) != (n_classes,):
            raise RuntimeError(f"cross_entropy: weight tensor should be defined either for "
                               f"all {n_classes} classes or no classes but got weight tensor "
                               f"of shape: {list(np.shape(weight))}")
        prod = prod * _class_weights(weight, np.ndim(logp), np.result_type(concrete(logp)))
    return _reduce(-fnp.sum(prod, axis=1), reduction)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                         reduction: str = "mean") -> Any:
    """``-(t log x + (1 - t) log(1 - x))`` for probabilities ``x``; logs clamped at -100."""
    reduction = _legacy(size_average, reduce, reduction)
    if np.shape(target) != np.shape(input):
        raise ValueError(f"Using a target size ({list(np.shape(target))}) that is different "
                         f"to the input size ({list(np.shape(input))}) is deprecated. Please "
                         "ensure they have the same size.")
    x = np.asarray(concrete_value(input))
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    log_x = fnp.clip(fnp.log(input), -100.0, None)
    log_1mx = fnp.clip(fnp.log1p(-input), -100.0, None)
    loss = -(target * log_x + (1.0 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return relabel(_reduce(loss, reduction), "BinaryCrossEntropyBackward0", input)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     size_average: Optional[bool] = None,
                                     reduce: Optional[bool] = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Any:
    """``binary_cross_entropy(sigmoid(input), target)``, computed stably from logits;
    ``pos_weight`` weighs the positive term (per class, broadcast along the last dim)."""
    reduction = _legacy(size_average, reduce, reduction)
    if np.shape(target) != np.shape(input):
        raise ValueError(f"Target size ({list(np.shape(target))}) must be the same as input "
                         f"size ({list(np.shape(input))})")
    if pos_weight is None:
        loss = S.softplus(input) - input * target
    else:
        log_weight = 1.0 + (pos_weight - 1.0) * target
        loss = (1.0 - target) * input + log_weight * S.softplus(-input)
    if weight is not None:
        loss = loss * weight
    return relabel(_reduce(loss, reduction), "BinaryCrossEntropyWithLogitsBackward0", input)
