"""PyTorch's type promotion for primitives bound on Tensors (the functional API keeps numpy's).

:func:`promote` runs in the facade's root handler (:func:`._graph.handle`)
before a primitive computes: it casts the arguments to the dtype torch would
compute in, so the numpy ``impl`` returns torch's dtype and the recorded node
saves the cast values (its rules see consistent dtypes).

torch's rule (``at::result_type``) is by category, bool < integer < floating <
complex, and by rank of the operand: dimensioned tensors, then zero-dim
tensors, then Python numbers ("wrapped numbers"). A lower rank changes the
result only when its category is higher, and then a Python float gives the
default dtype (float32) rather than float64::

    int64 tensor / 2                  -> float32   (numpy: float64)
    float32 tensor * 2.5              -> float32
    int32 tensor + 1                  -> int32
    float32 tensor + float64 0-d      -> float32   (numpy: float64)
    int32 tensor + float64 0-d        -> float64
    float32 tensor + float64 tensor   -> float64
    int64 tensor + float16 tensor     -> float16   (numpy: float64)

Operations that compute in floating point (``/``, ``exp``, ``atan2``, ...)
give the default dtype for integer or bool results. Matrix products refuse
operands of different dtypes, as torch's do. Broadcasting errors are
RuntimeErrors with torch's message.

>>> import functrace as ft
>>> (ft.tensor([1, 2]) / 2).dtype
dtype('float32')
>>> (ft.tensor([1.0], dtype=ft.float32) + ft.tensor(2.0, dtype=ft.float64)).dtype
dtype('float32')
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from ._types import default_float

_ndarray = np.ndarray
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_BOOL = np.dtype(np.bool_)
_INT64 = np.dtype(np.int64)
_COMPLEX64 = np.dtype(np.complex64)
_COMPLEX128 = np.dtype(np.complex128)


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch's ``promote_types``: the higher category wins whole (int64 with float16 is
    float16); within a category, and complex with float, numpy's promotion."""
    if a == b:
        return a
    ca, cb = _CATEGORY.get(a.kind, 3), _CATEGORY.get(b.kind, 3)
    if ca != cb and (ca < 2 or cb < 2):
        return a if ca > cb else b
    return np.promote_types(a, b)


def _complex_of(d: np.dtype) -> np.dtype:
    return _COMPLEX128 if d == np.float64 else _COMPLEX64


def _combine(higher: Optional[np.dtype], lower: Optional[np.dtype]) -> Optional[np.dtype]:
    """torch's ``combine_categories``: a lower-ranked dtype counts only for a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind == "c":
        return higher
    if lower.kind == "c":
        return _complex_of(higher) if higher.kind == "f" else lower
    if higher.kind == "f":
        return higher
    if higher == _BOOL or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def _wrapped_dtype(value: Any) -> Optional[np.dtype]:
    """The dtype a Python (or numpy) number takes part with, or None for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return _BOOL
    if isinstance(value, (int, np.integer)):
        return _INT64
    if isinstance(value, (float, np.floating)):
        return default_float()
    if isinstance(value, (complex, np.complexfloating)):
        return _COMPLEX64 if default_float() == np.float32 else _COMPLEX128
    return None


def result_type(values: list) -> np.dtype:
    """torch's ``result_type`` of arrays (the Tensors' data) and Python numbers."""
    dim = zero = wrapped = None
    for v in values:
        if type(v) is _ndarray:
            if v.ndim:
                dim = v.dtype if dim is None else promote_types(dim, v.dtype)
            else:
                zero = v.dtype if zero is None else promote_types(zero, v.dtype)
        else:
            d = _wrapped_dtype(v)
            if d is not None:
                wrapped = d if wrapped is None else promote_types(wrapped, d)
    out = _combine(dim, _combine(zero, wrapped))
    return _BOOL if out is None else out


def _cast(datas: list, positions: tuple, dtype: np.dtype) -> None:
    """Cast the arrays at ``positions`` to ``dtype``. Python numbers are left for numpy to
    take in the arrays' dtype (they are "weak"), unless no array is there to set it."""
    arrays = any(type(datas[i]) is _ndarray for i in positions)
    for i in positions:
        v = datas[i]
        if type(v) is _ndarray:
            if v.dtype != dtype:
                datas[i] = v.astype(dtype)
        elif isinstance(v, np.generic) or (not arrays and _wrapped_dtype(v) is not None):
            datas[i] = np.asarray(v, dtype)    # numpy scalars are not weak in numpy's rules


def _check_broadcast(datas: list, positions: tuple) -> None:
    shapes = [datas[i].shape for i in positions if type(datas[i]) is _ndarray]
    if len(shapes) > 1 and any(s != shapes[0] for s in shapes):
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            raise RuntimeError(_broadcast_message(shapes)) from None


def _broadcast_message(shapes: list) -> str:
    """torch's message for the first pair of shapes that do not broadcast."""
    a = shapes[0]
    for b in shapes[1:]:
        for k in range(1, min(len(a), len(b)) + 1):
            if a[-k] != b[-k] and a[-k] != 1 and b[-k] != 1:
                return (f"The size of tensor a ({a[-k]}) must match the size of tensor b "
                        f"({b[-k]}) at non-singleton dimension {max(len(a), len(b)) - k}")
        a = np.broadcast_shapes(a, b)
    return f"shapes {shapes} cannot be broadcast together"


def _same_float(datas: list, positions: tuple, to_float: bool) -> bool:
    """The common case, decided without :func:`result_type`: arrays of one dtype (a
    float one for ``to_float`` operations) of one shape, with Python floats or ints."""
    first = None
    for i in positions:
        v = datas[i]
        t = type(v)
        if t is _ndarray:
            if first is None:
                first = v
            elif v.dtype != first.dtype or v.shape != first.shape:
                return False
        elif t is not float and t is not int:
            return False
    if first is None:
        return False
    kind = first.dtype.kind
    return kind == "f" or (not to_float and kind in "iu" and
                           all(type(datas[i]) is not float for i in positions))


def _elementwise(positions: Optional[tuple], to_float: bool,
                 broadcasts: bool = True) -> Callable[[list], None]:
    """The rule of an elementwise primitive over the arguments at ``positions`` (all:
    None); ``broadcasts=False`` for ``concatenate``, whose shapes differ anyway."""
    def rule(datas: list) -> None:
        where = positions if positions is not None else tuple(range(len(datas)))
        if broadcasts:
            if _same_float(datas, where, to_float):
                return
            _check_broadcast(datas, where)
        dtype = result_type([datas[i] for i in where])
        if to_float and dtype.kind not in "fc":
            dtype = default_float()
        _cast(datas, where, dtype)
    return rule


def _no_bool_subtract(rule: Callable[[list], None]) -> Callable[[list], None]:
    """torch refuses ``-`` with a bool tensor (``^`` or ``~`` are meant, it says)."""
    def checked(datas: list) -> None:
        bools = sum(1 for v in datas if type(v) is _ndarray and v.dtype == _BOOL)
        if bools == len(datas):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        if bools:
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                               "supported. If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        rule(datas)
    return checked


def _no_bool_negative(datas: list) -> None:
    if type(datas[0]) is _ndarray and datas[0].dtype == _BOOL:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _square(datas: list) -> None:
    """``square`` is ``pow(x, 2)`` in torch: a bool tensor gives int64 (numpy: int8)."""
    if type(datas[0]) is _ndarray and datas[0].dtype == _BOOL:
        datas[0] = datas[0].astype(_INT64)


def _broadcasting(datas: list) -> None:
    """Comparisons and logical operations: torch's error for shapes that do not broadcast."""
    _check_broadcast(datas, tuple(range(len(datas))))


def _unary_float(datas: list) -> None:
    x = datas[0]
    if type(x) is _ndarray and x.dtype.kind not in "fc":
        datas[0] = x.astype(default_float())


def _integer_sum(datas: list) -> None:
    """Sums and products of bool and integer tensors are int64 (numpy: uint64 for uint8)."""
    x = datas[0]
    if type(x) is _ndarray and x.dtype.kind in "biu" and x.dtype != _INT64:
        datas[0] = x.astype(_INT64)


_TORCH_DTYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
                      "int64": "long int", "int32": "int", "bool": "bool"}


def _matmul(datas: list) -> None:
    """Matrix products: torch refuses operands of different dtypes and its messages for
    shapes that do not fit."""
    a, b = datas[0], datas[1]
    if type(a) is not _ndarray or type(b) is not _ndarray:
        return
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    _same_dtype(datas)
    k_a, k_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{k_a}] and src "
                               f"[{k_b}] to have the same number of elements, but got {k_a} "
                               f"and {k_b} elements respectively")
        rows = "x".join(str(n) for n in (a.shape if a.ndim > 1 else (1,) + a.shape)[-2:])
        cols = "x".join(str(n) for n in (b.shape if b.ndim > 1 else b.shape + (1,))[-2:])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows} and {cols})")


def _same_dtype(datas: list) -> None:
    dtypes = [v.dtype for v in datas if type(v) is _ndarray]
    if any(d != dtypes[0] for d in dtypes):
        a, b = (_TORCH_DTYPE_NAMES.get(d.name, d.name) for d in dtypes[:2])
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a} != {b}")


_UNARY_FLOAT = (
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "reciprocal", "sin",
    "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
    "arctanh", "expit", "erf", "erfc", "erfinv", "gammaln", "digamma", "i0", "i0e", "i1",
    "i1e", "ndtri", "log_ndtr", "ndtr", "entr", "logsumexp")

#: primitive name -> the rule that casts its arguments (primitives not listed: numpy's)
RULES: dict[str, Callable[[list], None]] = {name: _unary_float for name in _UNARY_FLOAT}
RULES.update({name: _elementwise(None, False) for name in (
    "add", "subtract", "multiply", "maximum", "minimum", "fmax", "fmin", "power", "clip")})
RULES["concatenate"] = _elementwise(None, False, broadcasts=False)
RULES.update({name: _elementwise(None, True) for name in (
    "divide", "arctan2", "hypot", "logaddexp", "xlogy", "xlog1py")})
RULES["where"] = _elementwise((1, 2), False)
RULES.update({name: _integer_sum for name in ("reduce_sum", "reduce_prod", "cumsum", "cumprod")})
RULES["matmul"] = _matmul
RULES["einsum"] = _same_dtype
RULES["subtract"] = _no_bool_subtract(RULES["subtract"])
RULES["negative"] = _no_bool_negative
RULES["square"] = _square
RULES.update({name: _broadcasting for name in (
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
    "logical_or", "logical_xor")})


#: primitives whose rule must run even on floating arrays of one dtype and shape (with Python
#: numbers), where the other rules change nothing and the root handler skips them
PROMOTE_ALWAYS = frozenset({"matmul"})


def promote(prim: Any, datas: list) -> None:
    """Cast ``datas`` (a primitive's arguments, Tensors unwrapped) in place to the dtype
    torch computes ``prim`` in; raise torch's errors for operands it refuses."""
    rule = RULES.get(prim.name)
    if rule is not None:
        rule(datas)


def check_broadcast(*args: Any) -> None:
    """torch's RuntimeError when the shapes of Tensors and arrays ``args`` do not broadcast."""
    datas = [np.asarray(a._data if hasattr(a, "_data") else a) for a in args]
    _check_broadcast(datas, tuple(range(len(datas))))


def result_type_of(*args: Any) -> np.dtype:
    """torch's ``result_type`` of Tensors and Python numbers (the facade's own checks)."""
    return result_type([a._data if hasattr(a, "_data") else a for a in args])
