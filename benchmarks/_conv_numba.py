"""The measurement behind functrace's choice of im2col + BLAS for convolutions.

The alternative: Numba loop kernels (stride 1, no padding) for the forward pass
and both gradients, with the innermost loop over contiguous output columns so
that LLVM vectorises it. Compiled in memory (not cached), outside the timing.
Both implementations are checked against a float64 window-sum reference first.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from _common import TOLERANCE, Check, Table, combine, fmt_ratio, fmt_time, median_time, verify

from functrace.primitives import windows as W

ONE, NO_PAD = (1, 1), ((0, 0), (0, 0))


@njit(error_model="numpy")
def conv_forward_loops(x, w, out):
    n_, c_, _, _ = x.shape
    o_, _, kh_, kw_ = w.shape
    oh, ow = out.shape[2], out.shape[3]
    for n in range(n_):
        for o in range(o_):
            for c in range(c_):
                for kh in range(kh_):
                    for kw in range(kw_):
                        wv = w[o, c, kh, kw]
                        for i in range(oh):
                            for j in range(ow):
                                out[n, o, i, j] += wv * x[n, c, i + kh, j + kw]


@njit(error_model="numpy")
def conv_weight_grad_loops(x, ct, dw):
    n_, c_, _, _ = x.shape
    o_, _, kh_, kw_ = dw.shape
    oh, ow = ct.shape[2], ct.shape[3]
    for n in range(n_):
        for o in range(o_):
            for c in range(c_):
                for kh in range(kh_):
                    for kw in range(kw_):
                        s = 0.0
                        for i in range(oh):
                            for j in range(ow):
                                s += ct[n, o, i, j] * x[n, c, i + kh, j + kw]
                        dw[o, c, kh, kw] += s


@njit(error_model="numpy")
def conv_input_grad_loops(ct, w, dx):
    n_, o_, oh, ow = ct.shape
    _, c_, kh_, kw_ = w.shape
    for n in range(n_):
        for o in range(o_):
            for c in range(c_):
                for kh in range(kh_):
                    for kw in range(kw_):
                        wv = w[o, c, kh, kw]
                        for i in range(oh):
                            for j in range(ow):
                                dx[n, c, i + kh, j + kw] += wv * ct[n, o, i, j]


def _filled(kernel, *args) -> np.ndarray:
    """Run a loop kernel that accumulates into its last argument; return that."""
    kernel(*args)
    return args[-1]


def _windows(x: np.ndarray) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))


def _references(x: np.ndarray, w: np.ndarray) -> dict:
    """Forward pass and both gradients (cotangent of ones) as window sums in float64."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    ct = np.ones((x.shape[0], w.shape[0], x.shape[2] - 2, x.shape[3] - 2))
    padded = np.pad(ct, ((0, 0), (0, 0), (2, 2), (2, 2)))
    return {"forward": np.einsum("nchwij,ocij->nohw", _windows(x), w),
            "weight gradient": np.einsum("nchwij,nohw->ocij", _windows(x), ct),
            "input gradient": np.einsum("nohwij,ocij->nchw", _windows(padded),
                                        w[:, :, ::-1, ::-1])}


def _cases(x: np.ndarray, w: np.ndarray) -> dict:
    """(im2col + BLAS, Numba loops) pairs for the forward pass and both gradients, each
    returning its result in the (O, C, kh, kw) / (N, C, H, W) layouts."""
    out = W.conv(x, w, ONE, NO_PAD, ONE, 1)
    ct = np.ones_like(out)
    return {
        "forward": (lambda: W.conv(x, w, ONE, NO_PAD, ONE, 1),
                    lambda: _filled(conv_forward_loops, x, w, np.zeros_like(out))),
        "weight gradient": (lambda: W.conv(x.transpose(1, 0, 2, 3), ct.transpose(1, 0, 2, 3),
                                           ONE, NO_PAD, ONE, 1).transpose(1, 0, 2, 3),
                            lambda: _filled(conv_weight_grad_loops, x, ct, np.zeros_like(w))),
        "input gradient": (lambda: W.conv_transpose(ct, w, ONE, NO_PAD, ONE, 1, x.shape[2:]),
                           lambda: _filled(conv_input_grad_loops, ct, w, np.zeros_like(x))),
    }


def numba_table() -> Table:
    table = Table("Implementation choice: im2col + BLAS versus Numba loop kernels (batch 64, "
                  "float32, one call)", ["layer, pass", "im2col + BLAS", "Numba loops",
                                         "ratio"], key="conv/numba-loops")
    rng = np.random.default_rng(0)
    for size in (8, 28):
        for c, o in ((1, 16), (16, 32)):
            side = size if c == 1 else size - 2
            x = rng.standard_normal((64, c, side, side)).astype(np.float32)
            w = rng.standard_normal((o, c, 3, 3)).astype(np.float32)
            references = _references(x, w)
            for name, (blas, loops) in _cases(x, w).items():
                check = Check(references[name], TOLERANCE["float32"], REFERENCE)
                status = {"im2col + BLAS": verify(blas, check), "Numba loops": verify(loops, check)}
                row = f"{c}→{o} on {side}×{side}, {name}"
                if not all(s.ok for s in status.values()):
                    table.add_row(row, ["—", "—", "—"], combine(status))
                    continue
                t_blas = median_time(blas, min_time=0.3, warmup=2)
                t_loops = median_time(loops, min_time=0.3, warmup=2)
                table.add_row(row, [fmt_time(t_blas), fmt_time(t_loops),
                                    fmt_ratio(t_loops, t_blas)], combine(status))
    table.notes.append("ratio > 1: the Numba loops are slower; functrace uses im2col + BLAS")
    table.notes.append(Check(None, TOLERANCE["float32"], REFERENCE).note())
    return table


REFERENCE = "window sums in float64"
