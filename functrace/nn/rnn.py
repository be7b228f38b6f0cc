"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their cells, with PyTorch's parameters.

Each time step is a handful of differentiable functrace ops, so gradients (and
``functrace.grad`` over the step functions) come from the ops' rules. The input
projection of a whole layer is one matmul before the time loop (both biases
folded in where the equations allow), and each step then does one matmul for
all gates. Gate order, shapes, parameter names (``weight_ih_l0``,
``weight_hh_l1_reverse``, ...) and the initialisation ``U(-1/sqrt(hidden),
1/sqrt(hidden))`` are PyTorch's.

>>> import functrace as ft
>>> lstm = ft.nn.LSTM(3, 5, num_layers=2, batch_first=True)
>>> out, (h, c) = lstm(ft.randn(4, 7, 3))
>>> out.shape, h.shape, c.shape
(functrace.Size([4, 7, 5]), functrace.Size([2, 4, 5]), functrace.Size([2, 4, 5]))
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..tensors._device import check_device
from ..tensors._factories import default_float, empty
from . import init
from .modules import Module, Parameter
from .functional import dropout
from .rnn_steps import GATES, cell_step, check_dtype, step

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]


def _check_sizes(input_size: Any, hidden_size: Any) -> None:
    for name, n in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"{name} should be of type int, got: {type(n).__name__}")
        if n <= 0:
            raise ValueError(f"{name} must be greater than zero")


class RNNBase(Module):
    """The multi-layer recurrent network behind ``RNN``, ``LSTM`` and ``GRU``."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        _check_sizes(input_size, hidden_size)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or \
                not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", UserWarning,
                          stacklevel=3)
        for name, flag in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(flag).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        self._flat_weights_names: list = []
        self._make_parameters(dtype or default_float())
        self.reset_parameters()

    def _make_parameters(self, dtype: Any) -> None:
        gate = GATES[self.mode] * self.hidden_size
        real_hidden = self.proj_size or self.hidden_size
        for layer in range(self.num_layers):
            for suffix in ("", "_reverse")[:self.num_directions]:
                width = self.input_size if layer == 0 else real_hidden * self.num_directions
                shapes = [("weight_ih", (gate, width)), ("weight_hh", (gate, real_hidden))]
                if self.bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name)

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters per layer and direction, in PyTorch's order."""
        per = len(self._flat_weights_names) // (self.num_layers * self.num_directions)
        flat = self._flat_weights
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def flatten_parameters(self) -> None:
        """Nothing to do: functrace keeps no fused weight buffer (PyTorch's cuDNN one)."""

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward --------------------------------------------------------------------------

    def _hidden_shape(self, batch: int, size: int) -> tuple:
        return (self.num_layers * self.num_directions, batch, size)

    def _initial_states(self, hx: Any, batched: bool, batch: int, dtype: Any) -> list:
        """``[h0]`` (or ``[h0, c0]`` for an LSTM) as ``(layers * directions, N, size)``."""
        name = type(self).__name__
        sizes = [self.proj_size or self.hidden_size]
        if self.mode == "LSTM":
            sizes.append(self.hidden_size)
        if hx is None:
            return [np.zeros(self._hidden_shape(batch, s), dtype) for s in sizes]
        states = list(hx) if self.mode == "LSTM" else [hx]
        if len(states) != len(sizes):
            raise RuntimeError(f"{name}: expected hx to be a tuple (h_0, c_0)")
        want = 3 if batched else 2
        dims = [np.ndim(s) for s in states]
        if any(d != want for d in dims):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            what = "hx and cx" if self.mode == "LSTM" else "hx"
            got = ", ".join(f"{d}-D" for d in dims)
            got = f"({got}) tensors" if self.mode == "LSTM" else f"{got} tensor"
            raise RuntimeError(f"For {kind} input, {what} should also be {want}-D but got {got}")
        if not batched:
            states = [fnp.expand_dims(s, 1) for s in states]
        for i, (s, size) in enumerate(zip(states, sizes)):
            expected = self._hidden_shape(batch, size)
            if tuple(np.shape(s)) != expected:
                label = f"hidden[{i}]" if self.mode == "LSTM" else "hidden"
                raise RuntimeError(f"Expected {label} size {expected}, got {list(np.shape(s))}")
        return states

    def forward(self, input: Any, hx: Any = None) -> Any:
        name = type(self).__name__
        nd = np.ndim(input)
        if nd not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {nd}D input instead")
        if np.shape(input)[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {np.shape(input)[-1]}")
        dtype = check_dtype(input, self._flat_weights[0])
        batched = nd == 3
        seq = input if not batched or not self.batch_first else fnp.swapaxes(input, 0, 1)
        if not batched:
            seq = fnp.expand_dims(seq, 1)
        states = self._initial_states(hx, batched, np.shape(seq)[1], dtype)
        out, finals = self._layers(seq, states)
        if batched and self.batch_first:
            out = fnp.swapaxes(out, 0, 1)
        if not batched:
            out = fnp.squeeze(out, 1)
            finals = [fnp.squeeze(f, 1) for f in finals]
        return (out, tuple(finals)) if self.mode == "LSTM" else (out, finals[0])

    def _layers(self, seq: Any, states: list) -> tuple:
        """Run every layer and direction over the time-major ``seq``."""
        flat = self._flat_weights
        per = len(flat) // (self.num_layers * self.num_directions)
        finals: list = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                k = layer * self.num_directions + d
                params = _unpack(flat[k * per:(k + 1) * per], self.bias, bool(self.proj_size))
                init_states = [s[k] for s in states]
                out, last = _run(self.mode, seq, init_states, params, reverse=d == 1)
                outs.append(out)
                for f, s in zip(finals, last):
                    f.append(s)
            seq = outs[0] if len(outs) == 1 else fnp.concatenate(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                seq = dropout(seq, self.dropout, True)
        return seq, [fnp.stack(f, axis=0) for f in finals]


def _unpack(params: list, bias: bool, proj: bool) -> dict:
    names = ["w_ih", "w_hh"] + (["b_ih", "b_hh"] if bias else []) + (["w_hr"] if proj else [])
    out = dict(zip(names, params))
    return {k: out.get(k) for k in ("w_ih", "w_hh", "b_ih", "b_hh", "w_hr")}


def _run(mode: str, seq: Any, states: list, p: dict, reverse: bool) -> tuple:
    """One direction of one layer over the whole sequence: (outputs, final states)."""
    fold_hh = mode != "GRU"                  # GRU keeps b_hn inside r * (W_hn h + b_hn)
    proj = fnp.matmul(seq, fnp.transpose(p["w_ih"]))
    if p["b_ih"] is not None:
        proj = proj + (p["b_ih"] + p["b_hh"] if fold_hh else p["b_ih"])
    w_hh_t = fnp.transpose(p["w_hh"])
    b_hh = None if fold_hh else p["b_hh"]
    w_hr_t = None if p["w_hr"] is None else fnp.transpose(p["w_hr"])
    steps = range(np.shape(seq)[0])
    outs = []
    for t in (reversed(steps) if reverse else steps):
        states = step(mode, proj[t], states, w_hh_t, b_hh, w_hr_t)
        outs.append(states[0])
    if reverse:
        outs.reverse()
    if not outs:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    return fnp.stack(outs, axis=0), states


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ReLU)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "nonlinearity" and "_parameters" not in self.__dict__:
            object.__setattr__(self, name, value)     # set before Module.__init__ runs
            return
        super().__setattr__(name, value)


class LSTM(RNNBase):
    """Long short-term memory; returns ``output, (h_n, c_n)``; gates in the order i, f, g, o.
    ``proj_size > 0`` projects each ``h_t`` with ``weight_hr``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit; gates in the order r, z, n, with
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) n + z h``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)


# -- cells ----------------------------------------------------------------------------------

class RNNCellBase(Module):
    _mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        _check_sizes(input_size, hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = dtype or default_float()
        gate = GATES[self._mode] * hidden_size
        self.weight_ih = Parameter(empty(gate, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(gate, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(gate, dtype=dtype))
            self.bias_hh = Parameter(empty(gate, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def forward(self, input: Any, hx: Any = None) -> Any:
        name = type(self).__name__
        if np.ndim(input) not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {np.ndim(input)}D "
                             "instead")
        states = None if hx is None else (list(hx) if self._mode == "LSTM" else [hx])
        if states is not None and any(np.ndim(s) not in (1, 2) for s in states):
            bad = next(np.ndim(s) for s in states if np.ndim(s) not in (1, 2))
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {bad}D instead")
        dtype = check_dtype(input, self.weight_ih)
        batched = np.ndim(input) == 2
        x = input if batched else fnp.expand_dims(input, 0)
        n = np.shape(x)[0]
        if states is None:
            count = 2 if self._mode == "LSTM" else 1
            states = [np.zeros((n, self.hidden_size), dtype)] * count
        elif not batched:
            states = [fnp.expand_dims(s, 0) for s in states]
        out = cell_step(self._mode, x, states, self.weight_ih, self.weight_hh, self.bias_ih,
                        self.bias_hh)
        if not batched:
            out = [fnp.squeeze(s, 0) for s in out]
        return tuple(out) if self._mode == "LSTM" else out[0]


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        object.__setattr__(self, "_mode", "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    """One LSTM step; returns ``(h', c')``."""

    _mode = "LSTM"


class GRUCell(RNNCellBase):
    """One GRU step."""

    _mode = "GRU"

