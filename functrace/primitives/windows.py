"""The numpy implementations behind the convolution and pooling primitives.

Sliding windows are read-only stride-trick views of the padded input (no Python
loop over pixels). A convolution copies its windows into column matrices
(im2col) and makes BLAS matmuls of them; the column layout is chosen so that
the copy moves long contiguous runs (output positions when there are more of
them than kernel positions, kernel positions otherwise), and the batch (or the
channels) is processed in chunks whose columns fit in the cache. The transposed
operations (col2im) add one strided block per kernel position (or per output
position, if there are fewer of those) into a zero-filled padded buffer; with
stride 1 each block is one contiguous run of the flattened planes. Pooling
loops over kernel positions only, vectorised over all windows.

Arrays are ``(..., *spatial)``: the last ``len(kernel)`` axes are spatial.
``padding`` is a tuple of ``(low, high)`` pairs, one per spatial axis.

Why not Numba: loop kernels for the forward pass and both gradients were 1.4 to
47 times slower than these at the benchmark's shapes (one thread; the table is
printed by ``python benchmarks/bench_conv.py``).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided


def out_sizes(spatial: tuple, kernel: tuple, stride: tuple, padding: tuple,
              dilation: tuple) -> tuple:
    """The number of windows along each spatial axis."""
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(spatial, kernel, stride, padding, dilation))


def pad_spatial(x: np.ndarray, padding: tuple, value: float = 0.0) -> np.ndarray:
    """``x`` with its trailing spatial axes padded (``x`` itself when nothing to pad)."""
    if not any(lo or hi for lo, hi in padding):
        return x
    nd = len(padding)
    spatial = x.shape[x.ndim - nd:]
    out = np.full(x.shape[:x.ndim - nd] + tuple(n + lo + hi for n, (lo, hi)
                                                in zip(spatial, padding)), value, x.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(spatial, padding))] = x
    return out


def windows(xp: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple,
            out: tuple) -> np.ndarray:
    """Read-only view ``(..., *out, *kernel)`` of the windows of a padded array."""
    nd = len(kernel)
    lead = xp.ndim - nd
    steps = xp.strides[lead:]
    return as_strided(xp, xp.shape[:lead] + tuple(out) + tuple(kernel),
                      xp.strides[:lead] + tuple(s * t for s, t in zip(stride, steps))
                      + tuple(d * t for d, t in zip(dilation, steps)), writeable=False)


def _block(offset: tuple, stride: tuple, dilation: tuple, out: tuple) -> tuple:
    """The strided slice of the padded input read at kernel position ``offset``."""
    return (Ellipsis,) + tuple(slice(o * d, o * d + s * (m - 1) + 1, s)
                               for o, s, d, m in zip(offset, stride, dilation, out))


def _window_slice(pos: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """The strided slice of the padded input covered by the window at output ``pos``."""
    return (Ellipsis,) + tuple(slice(p * s, p * s + d * (k - 1) + 1, d)
                               for p, k, s, d in zip(pos, kernel, stride, dilation))


def _padded_buffer(lead: tuple, spatial: tuple, kernel: tuple, stride: tuple,
                   padding: tuple, dilation: tuple, out: tuple, dtype: np.dtype) -> np.ndarray:
    """Zeros large enough for every window (and for the padded input)."""
    sizes = tuple(max(n + lo + hi, s * (m - 1) + d * (k - 1) + 1)
                  for n, (lo, hi), k, s, d, m in zip(spatial, padding, kernel, stride,
                                                      dilation, out))
    return np.zeros(lead + sizes, dtype)


def _crop(buf: np.ndarray, spatial: tuple, padding: tuple) -> np.ndarray:
    return buf[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(spatial, padding))]


def col2im(cols: np.ndarray, spatial: tuple, stride: tuple, padding: tuple,
           dilation: tuple) -> np.ndarray:
    """The transpose of taking windows: ``cols`` ``(..., *kernel, *out)`` summed back
    into an array ``(..., *spatial)`` (each input element gets every window's share)."""
    nd = len(spatial)
    lead_nd = cols.ndim - 2 * nd
    kernel, out = cols.shape[lead_nd:lead_nd + nd], cols.shape[lead_nd + nd:]
    buf = _padded_buffer(cols.shape[:lead_nd], spatial, kernel, stride, padding, dilation,
                         out, cols.dtype)
    head = (slice(None),) * lead_nd
    if math.prod(kernel) <= math.prod(out):
        for offset in itertools.product(*map(range, kernel)):
            buf[_block(offset, stride, dilation, out)] += cols[head + offset]
    else:
        for pos in itertools.product(*map(range, out)):
            buf[_window_slice(pos, kernel, stride, dilation)] += cols[head + (Ellipsis,) + pos]
    return _crop(buf, spatial, padding)


# -- convolution ---------------------------------------------------------------------

# Column matrices are built and used in chunks of about this many bytes, so that
# they are still in the cache when the matmul (or col2im) reads them: at the
# benchmark's 28 x 28 shapes this saves 15-20 % over one large column matrix.
CHUNK_BYTES = 1 << 21


def _chunks(n: int, per_item: int, itemsize: int) -> list:
    """Slices of ``range(n)`` whose column matrices take about :data:`CHUNK_BYTES`."""
    step = max(1, CHUNK_BYTES // max(per_item * itemsize, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def conv(x: np.ndarray, w: np.ndarray, stride: tuple, padding: tuple, dilation: tuple,
         groups: int) -> np.ndarray:
    """Cross-correlation of ``x`` ``(N, C, *spatial)`` with ``w`` ``(O, C // groups, *kernel)``."""
    kernel = w.shape[2:]
    n, c = x.shape[:2]
    out = out_sizes(x.shape[2:], kernel, stride, padding, dilation)
    win = windows(pad_spatial(x, padding), kernel, stride, dilation, out)  # (N, C, *out, *k)
    dtype = np.result_type(x, w)
    if math.prod(out) >= math.prod(kernel):
        return _conv_by_positions(win, w, groups, out, dtype)
    return _conv_by_kernel(win.reshape((n, groups, c // groups) + out + kernel), w, out, dtype)


def _conv_by_positions(win: np.ndarray, w: np.ndarray, groups: int, out: tuple,
                       dtype: np.dtype) -> np.ndarray:
    """Columns ``(C / g * K, positions)`` per example: the copy moves runs of output
    positions, and one matmul per example and group gives the output in place."""
    n, c = win.shape[:2]
    o, nd = w.shape[0], len(out)
    cg_k, positions = c // groups * math.prod(w.shape[2:]), math.prod(out)
    perm = (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd))
    w2 = w.reshape(groups, o // groups, cg_k)
    result = np.empty((n, o) + out, dtype)
    flat = result.reshape(n, groups, o // groups, positions)
    for part in _chunks(n, c * math.prod(w.shape[2:]) * positions, win.itemsize):
        cols = win[part].transpose(perm).reshape(-1, groups, cg_k, positions)
        np.matmul(w2, cols, out=flat[part])
    return result


def _conv_by_kernel(win: np.ndarray, w: np.ndarray, out: tuple, dtype: np.dtype) -> np.ndarray:
    """Few output positions (the weight gradient's convolution, whose "kernel" is the
    cotangent): columns ``(positions, C / g * K)``, the copy moving runs of the
    kernel; the matmul sums over channels chunk by chunk."""
    n, groups, cg = win.shape[:3]
    o, nd = w.shape[0], len(out)
    kernel, positions = w.shape[2:], math.prod(out)
    perm = (1, 0) + tuple(range(3, 3 + nd)) + (2,) + tuple(range(3 + nd, 3 + 2 * nd))
    w3 = w.reshape(groups, o // groups, cg, math.prod(kernel))
    res = np.zeros((groups, n * positions, o // groups), dtype)
    for part in _chunks(cg, groups * n * positions * math.prod(kernel), win.itemsize):
        cols = win[:, :, part].transpose(perm).reshape(groups, n * positions, -1)
        w2 = w3[:, :, part].reshape(groups, o // groups, -1)
        res += np.matmul(cols, w2.transpose(0, 2, 1))          # (g, N * P, O / g)
    res = res.reshape(groups, n, positions, o // groups).transpose(1, 0, 3, 2)
    return np.ascontiguousarray(res).reshape((n, o) + out)


def conv_transpose(y: np.ndarray, w: np.ndarray, stride: tuple, padding: tuple,
                   dilation: tuple, groups: int, spatial: tuple) -> np.ndarray:
    """The transpose of :func:`conv` in ``x``: ``y`` ``(N, O, *out)`` to ``(N, C, *spatial)``."""
    kernel = w.shape[2:]
    n, o = y.shape[:2]
    out = y.shape[2:]
    cg = w.shape[1]
    w2 = w.reshape(groups, o // groups, cg * math.prod(kernel)).transpose(0, 2, 1)
    flat = all(s == 1 for s in stride) and math.prod(kernel) <= math.prod(out)
    result = np.empty((n, groups * cg) + tuple(spatial), np.result_type(y, w))
    per_item = groups * cg * math.prod(kernel) * math.prod(out)
    for part in _chunks(n, per_item, result.itemsize):
        if flat:
            result[part] = _conv_transpose_flat(y[part], w2, kernel, padding, dilation, spatial)
            continue
        cols = np.matmul(w2, y[part].reshape(-1, groups, o // groups, math.prod(out)))
        cols = cols.reshape((-1, groups * cg) + tuple(kernel) + tuple(out))
        result[part] = col2im(cols, spatial, stride, padding, dilation)
    return result


def _conv_transpose_flat(y: np.ndarray, w2: np.ndarray, kernel: tuple, padding: tuple,
                         dilation: tuple, spatial: tuple) -> np.ndarray:
    """Stride 1: each kernel position adds one contiguous run of the flattened planes.

    ``y`` is laid out on the rows of the padded output (zeros beyond its own
    columns), so that kernel position ``k`` shifts every column product by the
    same flat offset; the zeros land harmlessly on the row ends. ``w2`` is the
    weight as ``(groups, C / g * K, O / g)``.
    """
    n, o = y.shape[:2]
    out = y.shape[2:]
    groups = w2.shape[0]
    sizes = tuple(max(size + lo + hi, m + d * (k - 1)) for size, m, (lo, hi), k, d
                  in zip(spatial, out, padding, kernel, dilation))
    wide = np.zeros((n, o, out[0]) + sizes[1:], y.dtype)
    wide[(Ellipsis,) + tuple(slice(0, m) for m in out)] = y
    run = out[0] * math.prod(sizes[1:])
    cols = np.matmul(w2, wide.reshape(n, groups, o // groups, run))
    cols = cols.reshape(n, -1, math.prod(kernel), run)
    plane = math.prod(sizes[1:])
    buf = np.zeros((n, cols.shape[1], (sizes[0] + 1) * plane), cols.dtype)
    steps = np.cumprod((1,) + sizes[:0:-1])[::-1]          # flat stride of each axis
    for k, offset in enumerate(itertools.product(*map(range, kernel))):
        shift = int(sum(i * d * st for i, d, st in zip(offset, dilation, steps)))
        buf[:, :, shift:shift + run] += cols[:, :, k]
    buf = buf[:, :, :sizes[0] * plane].reshape((n, cols.shape[1]) + sizes)
    return _crop(buf, spatial, padding)


# -- pooling -------------------------------------------------------------------------

def window_sum(x: np.ndarray, kernel: tuple, stride: tuple, padding: tuple,
               dilation: tuple) -> np.ndarray:
    """The sum of each window (zero padding), ``(..., *spatial)`` to ``(..., *out)``."""
    xp = pad_spatial(x, padding)
    out = out_sizes(x.shape[x.ndim - len(kernel):], kernel, stride, padding, dilation)
    offsets = itertools.product(*map(range, kernel))
    acc = np.array(xp[_block(next(offsets), stride, dilation, out)])
    for offset in offsets:
        acc += xp[_block(offset, stride, dilation, out)]
    return acc


def window_sum_transpose(ct: np.ndarray, kernel: tuple, stride: tuple, padding: tuple,
                         dilation: tuple, spatial: tuple) -> np.ndarray:
    """The transpose of :func:`window_sum`: each window's value added to all its elements."""
    nd = len(kernel)
    lead, out = ct.shape[:ct.ndim - nd], ct.shape[ct.ndim - nd:]
    buf = _padded_buffer(lead, spatial, kernel, stride, padding, dilation, out, ct.dtype)
    for offset in itertools.product(*map(range, kernel)):
        buf[_block(offset, stride, dilation, out)] += ct
    return _crop(buf, spatial, padding)


def _lowest(dtype: np.dtype) -> float:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def window_argmax(x: np.ndarray, kernel: tuple, stride: tuple, padding: tuple,
                  dilation: tuple) -> np.ndarray:
    """int64 flat index (into the spatial axes of ``x``) of each window's maximum.

    As in PyTorch: the first maximum in row-major window order wins, except that
    a NaN always takes over (so the last NaN wins); padding never wins, and a
    window whose elements all equal the lowest value picks its first element.
    Vectorised over windows: the maximum, then one comparison per kernel position
    (the index counts the positions before the first maximum).
    """
    nd = len(kernel)
    spatial = x.shape[x.ndim - nd:]
    out = out_sizes(spatial, kernel, stride, padding, dilation)
    lowest = _lowest(x.dtype)
    xp = pad_spatial(x, padding, lowest)
    offsets = list(itertools.product(*map(range, kernel)))
    blocks = [xp[_block(offset, stride, dilation, out)] for offset in offsets]
    best = np.array(blocks[0])
    for block in blocks[1:]:
        np.maximum(best, block, out=best)
    below = np.less(blocks[0], best)     # the first maximum wins: count the positions
    pick = below.astype(np.int8 if len(blocks) <= 127 else np.int64)   # before it
    for block in blocks[1:-1]:
        below &= np.less(block, best)
        pick += below
    if x.dtype.kind == "f" and np.isnan(best).any():   # the last NaN wins
        for k, block in enumerate(blocks):
            np.copyto(pick, k, where=np.isnan(block))
    plane = np.cumprod((1,) + spatial[:0:-1])[::-1]       # flat stride of each axis
    delta = np.array([sum(o * d * p for o, d, p in zip(off, dilation, plane))
                      for off in offsets], np.int64)
    flat = _window_starts(spatial, stride, padding, out, plane) + delta[pick]
    stuck = best == lowest               # maybe padding: every element is the lowest value
    if stuck.any():
        first = _window_starts(spatial, stride, padding, out, plane) + _first_inside(
            spatial, kernel, stride, padding, dilation, out, plane)
        flat = np.where(stuck, first, flat)
    return flat


def _window_starts(spatial: tuple, stride: tuple, padding: tuple, out: tuple,
                   plane: np.ndarray) -> np.ndarray:
    """Flat index of each window's first element (which may lie in the padding)."""
    nd = len(spatial)
    base = np.zeros(out, np.int64)
    for i, (s, (lo, _), p) in enumerate(zip(stride, padding, plane)):
        base += ((np.arange(out[i]) * s - lo) * p).reshape((-1,) + (1,) * (nd - 1 - i))
    return base


def _first_inside(spatial: tuple, kernel: tuple, stride: tuple, padding: tuple,
                  dilation: tuple, out: tuple, plane: np.ndarray) -> np.ndarray:
    """Flat offset, from its start, of each window's first element inside the input."""
    nd = len(spatial)
    steps = np.zeros(out, np.int64)
    for i, (s, (lo, _), d, p) in enumerate(zip(stride, padding, dilation, plane)):
        start = np.arange(out[i]) * s - lo
        inside = np.where(start < 0, -(start // d), 0) * d      # kernel steps to get inside
        steps += (inside * p).reshape((-1,) + (1,) * (nd - 1 - i))
    return steps
