"""One time step of the recurrent layers, as pure functions of arrays, tracers or Tensors.

``step`` takes the input projection ``x W_ih^T + b_ih`` (computed for a whole
sequence at once by the caller) and does one matmul for all gates; ``cell_step``
is a full cell (projection included). Both work inside ``functrace.grad``:

>>> import numpy as np, functrace as ft
>>> from functrace.nn.rnn_steps import cell_step
>>> x, h, c = np.ones((1, 2)), np.zeros((1, 3)), np.zeros((1, 3))
>>> w_ih, w_hh = np.full((12, 2), 0.1), np.full((12, 3), 0.1)
>>> g = ft.grad(lambda w: cell_step("LSTM", x, [h, c], w, w_hh, None, None)[0].sum())(w_ih)
>>> g.shape
(12, 2)
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from .. import activations as S
from ..core import concrete

#: gates per mode (stacked along the first axis of the weights)
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def check_dtype(input: Any, weight: Any) -> np.dtype:
    """The input's dtype, which must be the weights' (as PyTorch requires)."""
    dtype = np.result_type(concrete(input))
    wdtype = np.result_type(concrete(weight))
    if dtype != wdtype:
        raise ValueError(f"RNN input dtype ({dtype}) does not match weight dtype ({wdtype}). "
                         f"Convert input: input.to({wdtype}), or convert model: "
                         f"model.to({dtype})")
    return dtype


def step(mode: str, proj: Any, states: list, w_hh_t: Any, b_hh: Optional[Any] = None,
         w_hr_t: Optional[Any] = None) -> list:
    """The next ``[h]`` (``[h, c]`` for an LSTM) from the input projection ``proj``
    (``x W_ih^T + b_ih``, plus ``b_hh`` except for a GRU, whose ``b_hh`` is passed).
    ``w_hh_t`` and ``w_hr_t`` are the transposed weights."""
    h = states[0]
    hh = fnp.matmul(h, w_hh_t)
    if mode == "LSTM":
        return _lstm(proj + hh, states[1], w_hr_t)
    if mode == "GRU":
        return [_gru(proj, hh if b_hh is None else hh + b_hh, h)]
    pre = proj + hh
    return [fnp.tanh(pre) if mode == "RNN_TANH" else S.relu(pre)]


def _lstm(gates: Any, c: Any, w_hr_t: Optional[Any]) -> list:
    n = np.shape(gates)[-1] // 4
    sig = S.sigmoid(gates)                      # i, f and o from one op
    i, f, o = sig[..., :n], sig[..., n:2 * n], sig[..., 3 * n:]
    g = fnp.tanh(gates[..., 2 * n:3 * n])
    c = f * c + i * g
    h = o * fnp.tanh(c)
    if w_hr_t is not None:
        h = fnp.matmul(h, w_hr_t)
    return [h, c]


def _gru(gi: Any, gh: Any, h: Any) -> Any:
    n = np.shape(gi)[-1] // 3
    rz = S.sigmoid(gi[..., :2 * n] + gh[..., :2 * n])
    r, z = rz[..., :n], rz[..., n:]
    new = fnp.tanh(gi[..., 2 * n:] + r * gh[..., 2 * n:])
    return new + z * (h - new)                  # (1 - z) * new + z * h


def cell_step(mode: str, x: Any, states: list, w_ih: Any, w_hh: Any, b_ih: Optional[Any],
              b_hh: Optional[Any]) -> list:
    """One full cell step from the input ``x`` (``(N, input_size)``)."""
    proj = fnp.matmul(x, fnp.transpose(w_ih))
    gru = mode == "GRU"
    if b_ih is not None:
        proj = proj + (b_ih if gru else b_ih + b_hh)
    return step(mode, proj, states, fnp.transpose(w_hh), b_hh if gru else None)
