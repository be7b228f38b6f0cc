"""Pooling in ``functrace.nn.functional``: max, average and adaptive average pooling.

PyTorch's signatures and output sizes (``ceil_mode``, ``count_include_pad``,
``divisor_override``, adaptive bins ``floor(i * n / o)`` to ``ceil((i + 1) * n / o)``).
Inputs are ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.

* Max pooling takes the ``window_argmax`` primitive's indices (PyTorch's
  ``return_indices``: flat positions in each input plane; the first maximum
  wins, NaN counts as the maximum) and gathers the input there, so the
  gradient flows to the argmax positions only.
* Average pooling is the ``window_sum`` primitive divided by each window's count.
* Adaptive average pooling is a mean (output 1), an average pooling (bins that
  tile the input) or products with constant bin-averaging matrices.

>>> import numpy as np, functrace.nn.functional as F
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> F.max_pool2d(x, 2)
array([[[[ 5.,  7.],
         [13., 15.]]]])
>>> F.avg_pool2d(x, 2, stride=3, ceil_mode=True)   # the last windows are clipped
array([[[[ 2.5,  5. ],
         [12.5, 15. ]]]])
"""
from __future__ import annotations

import math
from typing import Any, Optional, Union

import numpy as np

from .. import numpy as fnp
from ..primitives.pooling import window_argmax_p, window_sum_p
from ..tensors._graph import relabel
from ._functional_conv import dtype_of, ntuple

IntOrTuple = Union[int, tuple, list]


def _check_rank(input: Any, nd: int, name: str) -> None:
    shape = np.shape(input)
    if len(shape) not in (nd + 1, nd + 2) or 0 in shape[-nd - 1:]:
        raise RuntimeError(f"{name}: non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor "
                           f"expected for input, got size {list(shape)}")


def _pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's ``pooling_output_shape``: the last window must start inside
    the input or its left padding."""
    span = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def pool_geometry(spatial: tuple, kernel: tuple, stride: tuple, padding: tuple,
                  dilation: tuple, ceil_mode: bool) -> tuple:
    """``((low, high) pads, output sizes)``; the high pad reaches the last window."""
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        if k <= 0 or d <= 0:
            raise RuntimeError(f"kernel size and dilation should be greater than zero, but "
                               f"got kernel_size={list(kernel)}, dilation={list(dilation)}")
        if s <= 0:
            raise RuntimeError("stride should not be zero")
        if p < 0 or p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    out = tuple(_pool_out_size(*a, ceil_mode) for a in zip(spatial, kernel, stride, padding,
                                                             dilation))
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, spatial))}). Calculated "
                           f"output size: ({'x'.join(map(str, out))}). Output size is too small")
    pads = tuple((p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)) for n, k, s, p, d, o
                 in zip(spatial, kernel, stride, padding, dilation, out))
    return pads, out


def _pool_args(input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: bool, nd: int, name: str) -> dict:
    _check_rank(input, nd, name)
    kernel = ntuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else \
        ntuple(stride, nd, "stride")
    dilation = ntuple(dilation, nd, "dilation")
    pads, _ = pool_geometry(np.shape(input)[-nd:], kernel, stride,
                            ntuple(padding, nd, "padding"), dilation, ceil_mode)
    return {"kernel": kernel, "stride": stride, "padding": pads, "dilation": dilation}


def _grad_fn_name(kind: str, nd: int) -> str:
    return "SqueezeBackward1" if nd == 1 else f"{kind}{nd}D" + (
        "WithIndicesBackward0" if kind == "MaxPool" else "Backward0")


# -- max pooling ---------------------------------------------------------------------------

def gather_planes(input: Any, indices: Any, nd: int) -> Any:
    """``input`` at flat positions ``indices`` of each of its ``nd``-d planes (a
    ``getitem``, whose gradient scatter-adds into those positions)."""
    shape = np.shape(input)
    lead, plane = shape[:len(shape) - nd], math.prod(shape[len(shape) - nd:])
    offsets = (np.arange(math.prod(lead), dtype=np.int64) * plane).reshape(lead + (1,) * nd)
    return fnp.reshape(input, (-1,))[indices + offsets]


def max_pool(input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool, return_indices: bool, nd: int, name: str) -> Any:
    """The shared body of ``max_pool1d/2d/3d``."""
    params = _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, nd, name)
    indices = window_argmax_p.bind(input, **params)
    out = relabel(gather_planes(input, indices, nd), _grad_fn_name("MaxPool", nd), input)
    return (out, indices) if return_indices else out


def max_pool1d(input: Any, kernel_size: IntOrTuple, stride: Optional[IntOrTuple] = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Maximum over windows of ``(N, C, L)``; ``return_indices`` adds the argmax positions."""
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                    1, "max_pool1d")


def max_pool2d(input: Any, kernel_size: IntOrTuple, stride: Optional[IntOrTuple] = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Maximum over windows of ``(N, C, H, W)`` (stride defaults to the kernel size).

    >>> import functrace as ft, functrace.nn.functional as F
    >>> x = ft.tensor([[[[1.0, 2.0], [4.0, 3.0]]]], requires_grad=True)
    >>> out, idx = F.max_pool2d(x, 2, return_indices=True)
    >>> out.backward(ft.ones(1, 1, 1, 1)); idx.item(), x.grad.flatten().tolist()
    (2, [0.0, 0.0, 1.0, 0.0])
    """
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                    2, "max_pool2d")


def max_pool3d(input: Any, kernel_size: IntOrTuple, stride: Optional[IntOrTuple] = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Maximum over windows of ``(N, C, D, H, W)``."""
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                    3, "max_pool3d")


# -- average pooling -----------------------------------------------------------------------

def _window_counts(n: int, k: int, s: int, p: int, o: int, include_pad: bool) -> np.ndarray:
    """Elements per window along one axis, as PyTorch counts them (a ceil-mode
    window is clipped to the padded input; without ``include_pad``, to the input)."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def _divide(total: Any, divisor: Any) -> Any:
    """``total / divisor`` in ``total``'s dtype; integers are truncated as in PyTorch."""
    dtype = dtype_of(total)
    if dtype.kind == "f":
        return fnp.divide(total, np.asarray(divisor, dtype))
    return fnp.astype(fnp.trunc(fnp.divide(total, divisor)), dtype)


def avg_pool(input: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
             count_include_pad: bool, divisor_override: Optional[int], nd: int,
             name: str) -> Any:
    """The shared body of ``avg_pool1d/2d/3d``."""
    params = _pool_args(input, kernel_size, stride, padding, 1, ceil_mode, nd, name)
    total = window_sum_p.bind(input, **params)
    if divisor_override:
        divisor: Any = divisor_override
    else:
        out = np.shape(total)[-nd:]
        counts = [_window_counts(n, k, s, p, o, count_include_pad) for n, k, s, (p, _), o
                  in zip(np.shape(input)[-nd:], params["kernel"], params["stride"],
                         params["padding"], out)]
        divisor = counts[0]
        for c in counts[1:]:
            divisor = np.multiply.outer(divisor, c)
        if np.all(divisor == divisor.flat[0]):
            divisor = divisor.flat[0]
    return relabel(_divide(total, divisor), _grad_fn_name("AvgPool", nd), input)


def avg_pool1d(input: Any, kernel_size: IntOrTuple, stride: Optional[IntOrTuple] = None,
               padding: IntOrTuple = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Any:
    """Mean over windows of ``(N, C, L)`` (zero padding counted unless told not to)."""
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                    1, "avg_pool1d")


def avg_pool2d(input: Any, kernel_size: IntOrTuple, stride: Optional[IntOrTuple] = None,
               padding: IntOrTuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Optional[int] = None) -> Any:
    """Mean over windows of ``(N, C, H, W)``; ``divisor_override`` replaces the count."""
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, 2, "avg_pool2d")


def avg_pool3d(input: Any, kernel_size: IntOrTuple, stride: Optional[IntOrTuple] = None,
               padding: IntOrTuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Optional[int] = None) -> Any:
    """Mean over windows of ``(N, C, D, H, W)``."""
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, 3, "avg_pool3d")


# -- adaptive average pooling -----------------------------------------------------------

def _bin_matrix(n: int, o: int, dtype: np.dtype) -> np.ndarray:
    """``(o, n)``: row ``i`` averages ``floor(i n / o) <= j < ceil((i + 1) n / o)``."""
    i = np.arange(o)
    start, end = (i * n) // o, -((-(i + 1) * n) // o)
    j = np.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool(input: Any, output_size: Any, nd: int, name: str) -> Any:
    """The shared body of ``adaptive_avg_pool1d/2d/3d``."""
    _check_rank(input, nd, name)
    spatial = np.shape(input)[-nd:]
    sizes = (output_size,) * nd if isinstance(output_size, (int, np.integer)) or \
        output_size is None else tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"{name}: output_size must have {nd} elements, got {output_size}")
    sizes = tuple(n if o is None else int(o) for n, o in zip(spatial, sizes))
    axes = tuple(range(np.ndim(input) - nd, np.ndim(input)))
    if all(o == 1 for o in sizes):
        name = "SqueezeBackward1" if nd == 1 else "MeanBackward1"   # 1-d pools squeeze a 2-d one
        return relabel(fnp.mean(input, axis=axes, keepdims=True), name, input)
    if all(o > 0 and n % o == 0 for n, o in zip(spatial, sizes)):
        kernel = tuple(n // o for n, o in zip(spatial, sizes))
        out = avg_pool(input, kernel, kernel, 0, False, True, None, nd, name)
    else:
        out = input
        for ax, n, o in zip(axes, spatial, sizes):
            out = fnp.moveaxis(fnp.matmul(fnp.moveaxis(out, ax, -1),
                                          _bin_matrix(n, o, dtype_of(input)).T), -1, ax)
    return relabel(out, "SqueezeBackward1" if nd == 1 else f"AdaptiveAvgPool{nd}DBackward0",
                   input)


def adaptive_avg_pool1d(input: Any, output_size: IntOrTuple) -> Any:
    """Average over ``output_size`` bins of ``(N, C, L)`` that cover the input."""
    return adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:
    """Average over ``output_size`` bins of ``(N, C, H, W)`` (an int, a pair; ``None``
    keeps that size).

    >>> import numpy as np, functrace.nn.functional as F
    >>> F.adaptive_avg_pool2d(np.arange(9.0).reshape(1, 1, 3, 3), 2)
    array([[[[2., 3.],
             [5., 6.]]]])
    """
    return adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Any:
    """Average over ``output_size`` bins of ``(N, C, D, H, W)``."""
    return adaptive_avg_pool(input, output_size, 3, "adaptive_avg_pool3d")


__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d"]
