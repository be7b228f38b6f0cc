"""torch-named comparisons and tests: constant (bool or integer) results, no gradient."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ._ops import constant, data_of
from ._tensor import Tensor


def eq(input: Any, other: Any) -> Any:
    return fnp.equal(input, other)


def ne(input: Any, other: Any) -> Any:
    return fnp.not_equal(input, other)


def lt(input: Any, other: Any) -> Any:
    return fnp.less(input, other)


def le(input: Any, other: Any) -> Any:
    return fnp.less_equal(input, other)


def gt(input: Any, other: Any) -> Any:
    return fnp.greater(input, other)


def ge(input: Any, other: Any) -> Any:
    return fnp.greater_equal(input, other)


def _bitwise(logical: Any, bitwise: Any) -> Any:
    def op(input: Tensor, other: Any) -> Tensor:
        if input.dtype == np.bool_ and getattr(other, "dtype", np.bool_) == np.bool_:
            return logical(input, other)
        for v in (input, other):
            dtype = np.result_type(data_of(v))
            if dtype.kind not in "biu":
                raise RuntimeError(f"\"{bitwise.__name__}_cpu\" not implemented for "
                                   f"'{dtype.name}'")
        return constant(bitwise(data_of(input), data_of(other)))
    op.__name__ = bitwise.__name__
    op.__doc__ = f"``{bitwise.__name__}``; on two bool tensors the same as ``{logical.__name__}``."
    return op


bitwise_and = _bitwise(fnp.logical_and, np.bitwise_and)
bitwise_or = _bitwise(fnp.logical_or, np.bitwise_or)
bitwise_xor = _bitwise(fnp.logical_xor, np.bitwise_xor)


def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: logical not of a bool tensor, bitwise not of an integer one."""
    if input.dtype == np.bool_:
        return fnp.logical_not(input)
    if input.dtype.kind not in "iu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return constant(np.invert(input._data))


def nonzero(input: Any, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements: an ``(n, ndim)`` tensor, or one tensor per
    dimension with ``as_tuple=True``."""
    data = np.asarray(data_of(input))
    idx = np.nonzero(np.atleast_1d(data))
    if as_tuple:
        return tuple(constant(i) for i in idx)
    return constant(np.stack(idx, axis=-1).reshape(-1, data.ndim) if data.ndim
                    else np.zeros((int(bool(data)), 0), np.int64))


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    return constant(np.isclose(data_of(input), data_of(other), rtol=rtol, atol=atol,
                               equal_nan=equal_nan))


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close (a Python bool)."""
    return bool(np.allclose(data_of(input), data_of(other), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def equal(input: Any, other: Any) -> bool:
    """Same shape and same values (a Python bool)."""
    return bool(np.array_equal(data_of(input), data_of(other)))


def isposinf(input: Any) -> Tensor:
    return constant(np.isposinf(data_of(input)))


def isneginf(input: Any) -> Tensor:
    return constant(np.isneginf(data_of(input)))


def signbit(input: Any) -> Tensor:
    return constant(np.signbit(data_of(input)))


def numel(input: Tensor) -> int:
    """The number of elements."""
    return input.numel()


def is_tensor(obj: object) -> bool:
    """Whether ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)
