"""Spec rows: convolution and pooling primitives (``functrace/primitives/conv.py``,
``pooling.py``) through ``functrace.nn.functional``, whose composites (max pooling as
a gather, average pooling, adaptive pooling, batch normalization) get rows too.

References are written independently of the implementations: explicit loops over
output positions in float64 (cast to the input dtype), no stride tricks.
"""
import itertools

import numpy as np

import functrace.nn.functional as F
from functrace.primitives.pooling import window_argmax_p, window_sum_transpose_p

from ._spec import Spec

SPECS: list = []


def _row(name, prims, fn, shapes, reference=None, **kw):
    SPECS.append(Spec(name, tuple(prims), fn, shapes, reference=reference, **kw))


def _pairs(padding, nd):
    if isinstance(padding, int):
        return ((padding, padding),) * nd
    return tuple(p if isinstance(p, tuple) else (p, p) for p in padding)


def ref_conv(x, w, stride=1, padding=0, dilation=1, groups=1):
    """out[n, o, p] = sum_{c, k} w[o, c, k] x[n, g(o) * C/g + c, p * s + k * d - low]."""
    nd = w.ndim - 2
    s = (stride,) * nd if isinstance(stride, int) else stride
    d = (dilation,) * nd if isinstance(dilation, int) else dilation
    pads = _pairs(padding, nd)
    xp = np.pad(np.asarray(x, np.float64), ((0, 0), (0, 0)) + pads)
    w64 = np.asarray(w, np.float64)
    n, c = x.shape[:2]
    o, k = w.shape[0], w.shape[2:]
    out_sp = tuple((xp.shape[2 + i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(nd))
    out = np.zeros((n, o) + out_sp)
    cg, og = c // groups, o // groups
    for pos in itertools.product(*map(range, out_sp)):
        for g in range(groups):
            taps = tuple(slice(p * s[i], p * s[i] + d[i] * (k[i] - 1) + 1, d[i])
                         for i, p in enumerate(pos))
            window = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + taps]
            out[(slice(None), slice(g * og, (g + 1) * og)) + pos] = np.tensordot(
                window, w64[g * og:(g + 1) * og], axes=(list(range(1, 2 + nd)),
                                                        list(range(1, 2 + nd))))
    return out.astype(np.result_type(x, w))


def ref_conv_transpose(y, w, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Every input element ``y[n, i, p]`` adds ``y * w[i, :, k]`` at ``p * s + k * d - pad``."""
    nd = w.ndim - 2
    s = (stride,) * nd if isinstance(stride, int) else stride
    d = (dilation,) * nd if isinstance(dilation, int) else dilation
    pad = (padding,) * nd if isinstance(padding, int) else padding
    op = (output_padding,) * nd if isinstance(output_padding, int) else output_padding
    n, ci = y.shape[:2]
    k = w.shape[2:]
    co_g, ci_g = w.shape[1], ci // groups
    size = tuple((y.shape[2 + i] - 1) * s[i] - 2 * pad[i] + d[i] * (k[i] - 1) + op[i] + 1
                 for i in range(nd))
    full = np.zeros((n, co_g * groups) + tuple(sz + 2 * p + s_ for sz, p, s_ in zip(size, pad, s)))
    for pos in itertools.product(*map(range, y.shape[2:])):
        for off in itertools.product(*map(range, k)):
            at = tuple(p * s[i] + off[i] * d[i] for i, p in enumerate(pos))
            for g in range(groups):
                contrib = np.asarray(y, np.float64)[(slice(None), slice(g * ci_g, (g + 1) * ci_g))
                                                    + pos] @ w[(slice(g * ci_g, (g + 1) * ci_g),
                                                                slice(None)) + off]
                full[(slice(None), slice(g * co_g, (g + 1) * co_g)) + at] += contrib
    crop = tuple(slice(p, p + sz) for p, sz in zip(pad, size))
    return full[(Ellipsis,) + crop].astype(np.result_type(y, w))


def _ref_windows(x, kernel, stride, padding, fill):
    """``{output position: window values}`` over the last ``len(kernel)`` axes (dilation 1)."""
    nd = len(kernel)
    xp = np.pad(np.asarray(x, np.float64), ((0, 0),) * (x.ndim - nd) + padding,
                constant_values=fill)
    out_sp = tuple((xp.shape[x.ndim - nd + i] - kernel[i]) // stride[i] + 1 for i in range(nd))
    return {pos: xp[(Ellipsis,) + tuple(slice(p * stride[i], p * stride[i] + kernel[i])
                                         for i, p in enumerate(pos))]
            for pos in itertools.product(*map(range, out_sp))}, out_sp


def ref_pool(x, kernel, stride, padding, reduce, fill):
    wins, out_sp = _ref_windows(x, kernel, stride, padding, fill)
    out = np.zeros(x.shape[:x.ndim - len(kernel)] + out_sp)
    for pos, win in wins.items():
        out[(Ellipsis,) + pos] = reduce(win.reshape(win.shape[:x.ndim - len(kernel)] + (-1,)),
                                        axis=-1)
    return out.astype(x.dtype)


def ref_argmax(x, kernel, stride, padding):
    """Flat index of the first maximum of each window (2-d, no dilation)."""
    wins, out_sp = _ref_windows(x, kernel, stride, padding, -np.inf)
    out = np.zeros(x.shape[:-2] + out_sp, np.int64)
    for (i, j), win in wins.items():
        flat = win.reshape(win.shape[:-2] + (-1,)).argmax(-1)
        r, c = np.unravel_index(flat, kernel)
        out[..., i, j] = (i * stride[0] + r - padding[0][0]) * x.shape[-1] + (
            j * stride[1] + c - padding[1][0])
    return out


# -- conv -----------------------------------------------------------------------------------

CONV_ROWS = {  # name: (x shape, w shape, options)
    "1d": ((2, 3, 7), (4, 3, 3), {}),
    "1d-stride-dilation-groups": ((2, 4, 9), (6, 2, 2), dict(stride=2, dilation=3, groups=2,
                                                             padding=1)),
    "2d": ((2, 3, 5, 4), (2, 3, 3, 2), dict(padding=1)),
    "2d-asymmetric-stride-padding": ((1, 2, 6, 5), (3, 2, 2, 3), dict(stride=(2, 1),
                                                                       padding=(0, 2))),
    "2d-same-even-kernel": ((2, 2, 5, 4), (2, 2, 2, 4), dict(padding="same", dilation=(2, 1))),
    "2d-depthwise": ((2, 3, 5, 5), (6, 1, 3, 3), dict(groups=3, stride=2, padding=1)),
    "2d-stride-skips-the-end": ((1, 2, 6, 7), (2, 2, 2, 2), dict(stride=3)),
    "3d": ((1, 2, 3, 4, 3), (2, 1, 2, 2, 2), dict(groups=2, padding=(1, 0, 1))),
}
for name, (xs, ws, kw) in CONV_ROWS.items():
    nd = len(xs) - 2
    fn = getattr(F, f"conv{nd}d")
    if kw.get("padding") == "same":
        total = [d * (k - 1) for d, k in zip(kw["dilation"], ws[2:])]
        ref_kw = dict(kw, padding=tuple((t // 2, t - t // 2) for t in total))
    else:
        ref_kw = kw
    _row(f"conv/{name}", ["conv"], lambda x, w, fn=fn, kw=kw: fn(x, w, **kw), [xs, ws],
         lambda x, w, kw=ref_kw: ref_conv(x, w, **kw))

_row("conv/bias", ["conv", "reshape", "add"], lambda x, w, b: F.conv2d(x, w, b, stride=2),
     [(2, 2, 5, 5), (3, 2, 2, 2), (3,)],
     lambda x, w, b: ref_conv(x, w, stride=2) + b.reshape(3, 1, 1))

CONV_T_ROWS = {
    "1d": ((2, 3, 4), (3, 2, 3), dict(stride=2)),
    "2d-groups": ((2, 4, 3, 3), (4, 1, 2, 3), dict(stride=2, padding=1, groups=2,
                                                   output_padding=(1, 0))),
    "2d-dilation": ((1, 2, 3, 4), (2, 2, 3, 2), dict(dilation=2, padding=(2, 1))),
    "2d-output-padding-beyond-stride": ((1, 2, 3, 3), (2, 1, 2, 2), dict(dilation=3,
                                                                          output_padding=2)),
}
for name, (ys, ws, kw) in CONV_T_ROWS.items():
    fn = getattr(F, f"conv_transpose{len(ys) - 2}d")
    _row(f"conv_transpose/{name}", ["conv_transpose"], lambda y, w, fn=fn, kw=kw: fn(y, w, **kw),
         [ys, ws], lambda y, w, kw=kw: ref_conv_transpose(y, w, **kw))

# -- pooling --------------------------------------------------------------------------------

_row("window_sum/avg_pool2d", ["window_sum", "divide"], lambda x: F.avg_pool2d(x, 2),
     [(2, 3, 4, 6)], lambda x: ref_pool(x, (2, 2), (2, 2), ((0, 0), (0, 0)), np.mean, 0.0))
_row("window_sum/avg_pool2d-overlap-exclude-pad",
     ["window_sum", "divide"],
     lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), [(2, 2, 5, 6)],
     lambda x: ref_pool(x, (3, 3), (2, 2), ((1, 1), (1, 1)), np.sum, 0.0)
     / np.outer([2, 3, 2], [2, 3, 3]).astype(x.dtype))
_row("window_sum/avg_pool1d-ceil", ["window_sum", "divide"],
     lambda x: F.avg_pool1d(x, 3, stride=2, ceil_mode=True), [(2, 3, 8)],
     lambda x: ref_pool(x, (3,), (2,), ((0, 1),), np.sum, 0.0)
     / np.array([3, 3, 3, 2], x.dtype))
_row("window_sum_transpose", ["window_sum_transpose"],
     lambda c: window_sum_transpose_p.bind(c, kernel=(2, 3), stride=(1, 2), padding=((1, 0),
                                                                                   (0, 1)),
                                           dilation=(2, 1), spatial=(4, 5)), [(2, 3, 2)])
_row("window_argmax", ["window_argmax"],
     lambda x: window_argmax_p.bind(x, kernel=(2, 3), stride=(2, 1), padding=((1, 1), (0, 0)),
                                    dilation=(1, 1))[..., :1, :1],
     [(2, 3, 5, 4)], lambda x: ref_argmax(x, (2, 3), (2, 1), ((1, 1), (0, 0)))[..., :1, :1],
     order=0)
_row("max_pool2d", ["window_argmax", "reshape", "getitem"],
     lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [(2, 3, 5, 6)],
     lambda x: ref_pool(x, (3, 3), (2, 2), ((1, 1), (1, 1)), np.max, -np.inf))
_row("max_pool1d-dilated-ceil", ["window_argmax", "reshape", "getitem"],
     lambda x: F.max_pool1d(x, 2, stride=2, dilation=2, ceil_mode=True), [(2, 3, 8)])
_row("adaptive_avg_pool2d/bins", ["matmul", "transpose"],
     lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 5, 5)],
     lambda x: np.stack([np.stack([x[..., i0:i1, j0:j1].mean(axis=(-2, -1))
                                   for j0, j1 in ((0, 3), (2, 5))], -1)
                         for i0, i1 in ((0, 2), (1, 4), (3, 5))], -2))
_row("adaptive_avg_pool2d/global", ["reduce_sum"], lambda x: F.adaptive_avg_pool2d(x, 1),
     [(2, 3, 4, 3)], lambda x: x.mean(axis=(-2, -1), keepdims=True))
_row("batch_norm/training", ["reduce_sum", "sqrt", "divide"],
     lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True, eps=1e-3),
     [(4, 3, 2, 2), (3,), (3,)],
     lambda x, w, b: ((x - x.mean((0, 2, 3), keepdims=True))
                      / np.sqrt(x.var((0, 2, 3), keepdims=True) + np.asarray(1e-3, x.dtype))
                      * w.reshape(1, 3, 1, 1) + b.reshape(1, 3, 1, 1)))
