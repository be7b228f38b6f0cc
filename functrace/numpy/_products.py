"""numpy-named products: matmul, tensordot, einsum, outer, inner, trace, diag, diagonal,
prod, cumprod.

``matmul`` binds one primitive (numpy's ``@`` semantics). ``tensordot``, ``outer``, ``inner``, ``trace`` and ``diag`` are composites of
``matmul``, ``multiply``, shape ops and the ``diagonal`` primitives. ``einsum``
canonicalises numpy's subscripts (implicit output, ``...``, size-1
broadcasting, the interleaved operand/sublist form) before binding one
``einsum`` primitive. ``prod`` and ``cumprod`` have exact gradients with zeros.
"""
from __future__ import annotations

import functools
import string
from collections import Counter
from typing import Any, Optional, Sequence, Union

import numpy as np

from ..primitives import products as P
from ..primitives.linalg import matmul_p
from ._reductions import Axis, normalize_axes
from ._reductions import sum as _sum
from ._shape import ravel, reshape, transpose
from ._ufuncs import astype, multiply


def _no_out(out: Any, name: str) -> None:
    if out is not None:
        raise NotImplementedError(f"functrace.numpy.{name}: the out= argument is not supported")


def _prod_of(dims: Sequence[int]) -> int:
    return int(np.prod(dims, dtype=np.int64))


# -- matmul, tensordot, outer, inner ---------------------------------------------------

def matmul(x1: Any, x2: Any) -> Any:
    """Matrix product with numpy's ``@`` semantics (1-D and batched operands)."""
    if np.ndim(x1) == 0 or np.ndim(x2) == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    return matmul_p.bind(x1, x2)


def _tensordot_axes(axes: Any, nda: int, ndb: int) -> tuple:
    if isinstance(axes, (int, np.integer)):
        if axes < 0 or axes > min(nda, ndb):
            raise ValueError(f"tensordot: axes={axes} does not fit operands of ndim {nda}, {ndb}")
        return list(range(nda - axes, nda)), list(range(axes))
    ax_a, ax_b = axes
    ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
    ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    if len(ax_a) != len(ax_b):
        raise ValueError("shape-mismatch for sum")
    return [int(i) % max(nda, 1) for i in ax_a], [int(i) % max(ndb, 1) for i in ax_b]


def _move_to(x: Any, perm: list) -> Any:
    return x if perm == sorted(perm) else transpose(x, perm)


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """Sum products over ``axes`` (an int N, or a pair of axis lists), as numpy.tensordot.

    A composite of transpose, reshape and one ``matmul``.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5)), axes=2).shape
    (2, 5)
    """
    sa, sb = np.shape(a), np.shape(b)
    ax_a, ax_b = _tensordot_axes(axes, len(sa), len(sb))
    if any(sa[i] != sb[j] for i, j in zip(ax_a, ax_b)):
        raise ValueError("shape-mismatch for sum")
    free_a = [i for i in range(len(sa)) if i not in ax_a]
    free_b = [j for j in range(len(sb)) if j not in ax_b]
    k = _prod_of([sa[i] for i in ax_a])
    a2 = reshape(_move_to(a, free_a + ax_a), (_prod_of([sa[i] for i in free_a]), k)
                 if free_a else (k,))
    b2 = reshape(_move_to(b, ax_b + free_b), (k, _prod_of([sb[j] for j in free_b]))
                 if free_b else (k,))
    out_shape = tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b)
    return reshape(matmul(a2, b2), out_shape)


def dot(a: Any, b: Any) -> Any:
    """numpy.dot: products of scalars, vectors, matrices (and N-D via tensordot).

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.dot(np.ones(3), np.arange(3.0)))
    3.0
    """
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return multiply(a, b)
    if np.ndim(b) <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def outer(a: Any, b: Any, out: None = None) -> Any:
    """Outer product of the flattened inputs: ``out[i, j] = a[i] * b[j]``.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.outer(np.arange(2.0), np.ones(3)).shape
    (2, 3)
    """
    _no_out(out, "outer")
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def inner(a: Any, b: Any) -> Any:
    """Sum product over the last axes (``a * b`` if either is a scalar).

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.inner(np.ones(3), np.arange(3.0)))
    3.0
    """
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return multiply(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


# -- einsum --------------------------------------------------------------------------

def _sublist_label(s: Any) -> str:
    if s is Ellipsis:
        return "..."
    s = int(s)
    if not 0 <= s < 52:
        raise ValueError(f"einsum: subscript {s} is out of range (0 <= s < 52)")
    return chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26)


def _parse_einsum_args(args: tuple) -> tuple:
    """``(subscripts, operands)`` from either of numpy's two calling conventions."""
    if not args:
        raise TypeError("einsum() missing required argument 'subscripts'")
    if isinstance(args[0], str):
        return args[0], list(args[1:])
    ops, subs = list(args[0::2]), list(args[1::2])
    out = None
    if len(args) % 2 == 1 and len(args) > 1:
        out, ops = "".join(_sublist_label(s) for s in args[-1]), ops[:-1]
    spec = ",".join("".join(_sublist_label(s) for s in sl) for sl in subs)
    return spec + ("" if out is None else "->" + out), ops


def _check_labels(sub: str) -> None:
    bad = set(sub.replace("...", "")) - set(string.ascii_letters)
    if bad:
        raise ValueError(f"einsum: invalid subscript {sorted(bad)[0]!r} in {sub!r}; "
                         "use letters a-z, A-Z and '...'")


def _ellipsis_ndims(in_subs: list, ndims: list) -> list:
    counts = []
    for i, (sub, nd) in enumerate(zip(in_subs, ndims)):
        named = len(sub.replace("...", ""))
        n = nd - named if "..." in sub else 0
        if n < 0 or ("..." not in sub and named != nd):
            many = "many" if named > nd else "few"
            raise ValueError(f"einstein sum subscripts string contains too {many} "
                             f"subscripts for operand {i}")
        counts.append(n)
    return counts


def canonical_subscripts(subscripts: str, ndims: list) -> tuple:
    """Explicit, ellipsis-free ``(in_subs, out_sub)`` for operands of ``ndims``."""
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise ValueError("einsum: subscripts may contain '->' only once")
    ins, out = s.split("->") if "->" in s else (s, None)
    in_subs = ins.split(",")
    if len(in_subs) != len(ndims):
        raise ValueError(f"einsum: {len(in_subs)} operand subscripts for {len(ndims)} operands")
    for sub in in_subs + ([out] if out is not None else []):
        _check_labels(sub)
    counts = _ellipsis_ndims(in_subs, ndims)
    n_ell = max(counts, default=0)
    ell = "".join([c for c in string.ascii_letters if c not in s][:n_ell])
    if len(ell) < n_ell:
        raise ValueError("einsum: too many dimensions for the available subscript letters")
    if out is None:
        once = Counter("".join(in_subs).replace("...", ""))
        out = ell + "".join(sorted(c for c, k in once.items() if k == 1))
    elif "..." in out:
        out = out.replace("...", ell)
    elif n_ell:
        raise ValueError("output has more dimensions than subscripts given in einstein sum, "
                         "but no '...' ellipsis provided to broadcast the extra dimensions.")
    in_subs = [sub.replace("...", ell[n_ell - k:]) for sub, k in zip(in_subs, counts)]
    return in_subs, out


def _label_sizes(in_subs: list, shapes: list) -> dict:
    sizes: dict = {}
    for sub, shape in zip(in_subs, shapes):
        own: dict = {}
        for c, n in zip(sub, shape):
            if own.setdefault(c, n) != n:
                raise ValueError(f"dimensions in single operand for collapsing index {c!r} "
                                 f"don't match ({own[c]} != {n})")
            prev = sizes.get(c, 1)
            if n != 1 and prev != 1 and n != prev:
                raise ValueError(f"einsum: operands could not be broadcast together: index "
                                 f"{c!r} has sizes {prev} and {n}")
            sizes[c] = n if prev == 1 else prev
    return sizes


def _drop_broadcast_axes(in_subs: list, shapes: tuple) -> tuple:
    """Per operand: its subscripts and shape without the size-1 axes that broadcast
    against a larger size of the same index."""
    sizes = _label_sizes(in_subs, shapes)
    subs, new_shapes = [], []
    for sub, shape in zip(in_subs, shapes):
        keep = [k for k, (c, n) in enumerate(zip(sub, shape)) if not (n == 1 and sizes[c] > 1)]
        subs.append("".join(sub[k] for k in keep))
        new_shapes.append(tuple(shape[k] for k in keep) if len(keep) < len(sub) else None)
    return subs, tuple(new_shapes)


@functools.lru_cache(maxsize=512)
def einsum_plan(subscripts: str, shapes: tuple) -> tuple:
    """``(canonical subscripts, new shape or None per operand)`` for operands of ``shapes``."""
    in_subs, out_sub = canonical_subscripts(subscripts, [len(s) for s in shapes])
    missing = set(out_sub) - set("".join(in_subs))
    if missing or len(set(out_sub)) != len(out_sub):
        raise ValueError(f"einsum: output subscripts {out_sub!r} must be distinct labels "
                         "that appear in the inputs")
    subs, new_shapes = _drop_broadcast_axes(in_subs, shapes)
    return ",".join(subs) + "->" + out_sub, new_shapes


def einsum(*operands: Any, out: None = None, optimize: Union[bool, str, list] = False,
           dtype: Any = None, order: str = "K", casting: str = "safe") -> Any:
    """Einstein summation with numpy's signature, differentiable in every operand.

    Supports explicit (``"ij,jk->ik"``) and implicit (``"ij,jk"``) output,
    ``...``, repeated indices (diagonals, traces), size-1 broadcasting and the
    interleaved ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` form. ``optimize``
    is passed to numpy for the forward and backward einsums (an explicit
    contraction path becomes ``"greedy"``, since the backward einsums have other
    operands); ``order`` and ``casting`` are accepted and ignored.

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.einsum("ii->", np.eye(3)))
    3.0
    """
    _no_out(out, "einsum")
    subscripts, ops = _parse_einsum_args(operands)
    if dtype is not None:
        ops = [astype(op, dtype) for op in ops]
    spec, new_shapes = einsum_plan(subscripts, tuple(np.shape(op) for op in ops))
    ops = [op if s is None else reshape(op, s) for op, s in zip(ops, new_shapes)]
    if not isinstance(optimize, (bool, str)):
        optimize = "greedy"
    return P.einsum_p.bind(*ops, subscripts=spec, optimize=optimize)


# -- diagonals -------------------------------------------------------------------------

def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal of ``a`` over ``axis1``/``axis2``, appended as the last axis.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.diagonal(np.arange(9.0).reshape(3, 3), offset=1)
    array([1., 5.])
    """
    nd = np.ndim(a)
    if nd < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    ax1, ax2 = normalize_axes(axis1, nd)[0], normalize_axes(axis2, nd)[0]
    if ax1 == ax2:
        raise ValueError("axis1 and axis2 cannot be the same")
    return P.diagonal_p.bind(a, offset=int(offset), axis1=ax1, axis2=ax2)


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: None = None) -> Any:
    """Sum along a diagonal (``diagonal`` then ``sum``).

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.trace(np.eye(3)))
    3.0
    """
    _no_out(out, "trace")
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def diag(v: Any, k: int = 0) -> Any:
    """The ``k``-th diagonal of a 2-D array, or a 2-D array with 1-D ``v`` on it.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.diag(np.array([1.0, 2.0]), k=1).shape
    (3, 3)
    """
    nd = np.ndim(v)
    if nd == 2:
        return diagonal(v, k)
    if nd != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = np.shape(v)[0] + abs(int(k))
    return P.embed_diagonal_p.bind(v, offset=int(k), axis1=0, axis2=1, shape=(n, n))


# -- products --------------------------------------------------------------------------

def prod(a: Any, axis: Axis = None, dtype: Any = None, out: None = None,
         keepdims: bool = False, initial: Any = None, where: Any = None) -> Any:
    """Product over ``axis``; exact gradients when ``a`` contains zeros (no division).

    >>> import numpy as np, functrace.numpy as fnp
    >>> float(fnp.prod(np.array([2.0, 3.0])))
    6.0
    """
    _no_out(out, "prod")
    if where is not None:
        raise NotImplementedError("functrace.numpy.prod: the where= argument is not supported")
    if dtype is not None:
        a = astype(a, dtype)
    axes = normalize_axes(axis, np.ndim(a))
    result = P.reduce_prod_p.bind(a, axes=axes, keepdims=bool(keepdims))
    return result if initial is None else multiply(result, initial)


def cumprod(a: Any, axis: Optional[int] = None, dtype: Any = None, out: None = None) -> Any:
    """Cumulative product along ``axis`` (flattened if None); exact gradients with zeros.

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.cumprod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    _no_out(out, "cumprod")
    if axis is None:
        a, axis = ravel(a), 0
    if dtype is not None:
        a = astype(a, dtype)
    return P.cumprod_p.bind(a, axis=normalize_axes(axis, np.ndim(a))[0])
