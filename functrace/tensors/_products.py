"""torch-named products: matmul, mm, bmm, mv, dot, outer, inner, einsum, kron, cross, trace.

Each is a composite of ``matmul``/``einsum``/``multiply`` and shape operations,
with torch's argument checks and error messages (operands of different dtypes
are refused by the root handler, :mod:`._promotion`). No derivative lives here.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from ._args import dim_index
from ._graph import relabel
from ._shape import select


def _shape_text(shape: tuple) -> str:
    return "x".join(str(n) for n in shape)


def matmul(input: Any, other: Any) -> Any:
    """Matrix product with ``@`` semantics (1-D, 2-D and batched)."""
    if np.ndim(input) == 0 or np.ndim(other) == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{np.ndim(input)}D and {np.ndim(other)}D")
    return fnp.matmul(input, other)


def mm(input: Any, mat2: Any) -> Any:
    """The product of two matrices."""
    if np.ndim(input) != 2:
        raise RuntimeError("self must be a matrix")
    if np.ndim(mat2) != 2:
        raise RuntimeError("mat2 must be a matrix")
    if np.shape(input)[1] != np.shape(mat2)[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_shape_text(np.shape(input))} and {_shape_text(np.shape(mat2))})")
    return fnp.matmul(input, mat2)


def bmm(input: Any, mat2: Any) -> Any:
    """Batched matrix product of two 3-D tensors with the same batch size."""
    if np.ndim(input) != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if np.ndim(mat2) != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (b, _, m), (b2, m2, _) = np.shape(input), np.shape(mat2)
    if b2 != b or m2 != m:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {m}] but got: [{b2}, {m2}].")
    return relabel(fnp.matmul(input, mat2), "BmmBackward0")


def mv(input: Any, vec: Any) -> Any:
    """Matrix times vector."""
    if np.ndim(input) != 2 or np.ndim(vec) != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {np.ndim(input)}, "
                           f"{np.ndim(vec)}")
    if np.shape(input)[1] != np.shape(vec)[0]:
        raise RuntimeError(f"size mismatch, got input ({np.shape(input)[0]}), mat "
                           f"({_shape_text(np.shape(input))}), vec ({np.shape(vec)[0]})")
    return relabel(fnp.matmul(input, vec), "MvBackward0")


def dot(input: Any, other: Any) -> Any:
    """Inner product of two 1-D tensors."""
    if np.ndim(input) != 1 or np.ndim(other) != 1:
        raise RuntimeError(f"1D tensors expected, but got {np.ndim(input)}D and "
                           f"{np.ndim(other)}D tensors")
    if np.shape(input) != np.shape(other):
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{np.shape(input)[0]}] "
                           f"and src [{np.shape(other)[0]}] to have the same number of "
                           f"elements, but got {np.shape(input)[0]} and {np.shape(other)[0]} "
                           "elements respectively")
    return relabel(fnp.matmul(input, other), "DotBackward0")


def outer(input: Any, vec2: Any) -> Any:
    """The outer product of two vectors."""
    if np.ndim(input) != 1 or np.ndim(vec2) != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {np.ndim(input)}-D"
                           if np.ndim(input) != 1 else
                           f"outer: Expected 1-D argument vec2, but got {np.ndim(vec2)}-D")
    return fnp.multiply(fnp.reshape(input, (-1, 1)), vec2)


def inner(input: Any, other: Any) -> Any:
    """Sum of products over the last dimensions (a product with a 0-d tensor otherwise)."""
    if np.ndim(input) == 0 or np.ndim(other) == 0:
        return fnp.multiply(input, other)
    if np.shape(input)[-1] != np.shape(other)[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(np.shape(input))} and {list(np.shape(other))}")
    name = "DotBackward0" if np.ndim(input) == np.ndim(other) == 1 else "ViewBackward0"
    return relabel(fnp.inner(input, other), name, input, other)


def einsum(equation: str, *operands: Any) -> Any:
    """Einstein summation; the operands may be given as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return fnp.einsum(equation, *operands)


def kron(input: Any, other: Any) -> Any:
    """The Kronecker product (of tensors of any number of dimensions)."""
    nd = max(np.ndim(input), np.ndim(other))
    a = fnp.reshape(input, (1,) * (nd - np.ndim(input)) + tuple(np.shape(input)))
    b = fnp.reshape(other, (1,) * (nd - np.ndim(other)) + tuple(np.shape(other)))
    sa, sb = np.shape(a), np.shape(b)
    spread_a = fnp.reshape(a, tuple(x for n in sa for x in (n, 1)))
    spread_b = fnp.reshape(b, tuple(x for n in sb for x in (1, n)))
    out = fnp.reshape(spread_a * spread_b, tuple(m * n for m, n in zip(sa, sb)))
    return relabel(out, "UnsafeViewBackward0", input, other)


def cross(input: Any, other: Any, dim: Optional[int] = None) -> Any:
    """The cross product of 3-vectors along ``dim`` (by default the first dimension of
    size 3, as torch.cross), with broadcasting."""
    if np.ndim(input) != np.ndim(other):
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    try:
        shape = np.broadcast_shapes(np.shape(input), np.shape(other))
    except ValueError:
        raise RuntimeError(f"linalg.cross: inputs of shapes {list(np.shape(input))} and "
                           f"{list(np.shape(other))} do not broadcast") from None
    if dim is None:
        sizes = [i for i, n in enumerate(shape) if n == 3]
        if not sizes:
            raise RuntimeError("no dimension of size 3 in input")
        dim = sizes[0]
    d = dim_index(dim, len(shape))
    if np.shape(input)[d - len(shape) + np.ndim(input)] != 3 or \
            np.shape(other)[d - len(shape) + np.ndim(other)] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{np.shape(input)[d - len(shape) + np.ndim(input)]} and "
                           f"{np.shape(other)[d - len(shape) + np.ndim(other)]}")
    a, b = fnp.broadcast_to(input, shape), fnp.broadcast_to(other, shape)
    ax, ay, az = (select(a, d, i) for i in range(3))
    bx, by, bz = (select(b, d, i) for i in range(3))
    out = fnp.stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], axis=d)
    return relabel(out, "LinalgCrossBackward0", input, other)


def trace(input: Any) -> Any:
    """The sum of the diagonal of a matrix."""
    if np.ndim(input) != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim "
                           f"{np.ndim(input)}")
    return relabel(fnp.trace(input), "TraceBackward0")
