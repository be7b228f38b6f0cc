"""Pooling primitives over the trailing spatial axes of ``(..., *spatial)`` arrays.

* ``window_sum``: the sum of each (strided, dilated, zero-padded) window; linear,
  its transpose is ``window_sum_transpose``, which adds each window's value to
  all its elements (and whose transpose is ``window_sum`` again). Average
  pooling divides it by a constant count.
* ``window_argmax``: the flat spatial index of each window's maximum (PyTorch's
  ``return_indices``), a constant. Max pooling gathers ``x`` at these indices
  with ``getitem``, so its gradient is ``getitem``'s scatter-add into the
  argmax positions, and both have their own rules and batching rules.

``padding`` holds ``(low, high)`` pairs; a ``high`` larger than the input needs
covers PyTorch's ``ceil_mode``. Batching moves the batch axis in front (the
primitives map over any leading axes).
"""
from __future__ import annotations

import numpy as np

from ..registry import deflinear, defnondiff
from . import windows as W


def _window_sum_impl(x, kernel, stride, padding, dilation):
    return W.window_sum(np.asarray(x), kernel, stride, padding, dilation)


def _window_sum_vjp(ct, ins, out, argnum, kernel, stride, padding, dilation):
    spatial = tuple(np.shape(ins[0])[-len(kernel):])
    return window_sum_transpose_p.bind(ct, kernel=kernel, stride=stride, padding=padding,
                                       dilation=dilation, spatial=spatial)


window_sum_p = deflinear("window_sum", _window_sum_impl, _window_sum_vjp, batch="stacked")


def _window_sum_transpose_impl(ct, kernel, stride, padding, dilation, spatial):
    return W.window_sum_transpose(np.asarray(ct), kernel, stride, padding, dilation, spatial)


def _window_sum_transpose_vjp(ct, ins, out, argnum, kernel, stride, padding, dilation,
                              spatial):
    return window_sum_p.bind(ct, kernel=kernel, stride=stride, padding=padding,
                             dilation=dilation)


window_sum_transpose_p = deflinear("window_sum_transpose", _window_sum_transpose_impl,
                                   _window_sum_transpose_vjp, saves="none", batch="stacked")


window_argmax_p = defnondiff(
    "window_argmax", lambda x, kernel, stride, padding, dilation:
    W.window_argmax(np.asarray(x), kernel, stride, padding, dilation), batch="stacked")
