"""numpy interoperability of Tensors: ``np.exp(t)``, ``np.sum(t)``, ``arr * t``.

numpy ufuncs and functions that ``functrace.numpy`` implements dispatch to it
(so they record the graph and return Tensors). Metadata queries (``np.shape``,
``np.ndim``, ``np.result_type``, ...) read the data. Anything else computes on
the data when no argument requires grad, and raises a ``TypeError`` naming
the function otherwise (never a silently dropped gradient).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..numpy._dispatch import FUNCTIONS, UFUNCS, ufunc_advice, ufunc_name
from ._tensor import TENSOR_TYPES, Tensor, make

_META = frozenset({np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj,
                   np.isrealobj, np.may_share_memory, np.shares_memory, np.can_cast,
                   np.min_scalar_type, np.isscalar})


def _unwrap(x: Any) -> Any:
    if type(x) in TENSOR_TYPES:
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    return x


def _needs_grad(values: Any) -> bool:
    for v in values:
        if type(v) in TENSOR_TYPES:
            if v._rg:
                return True
        elif isinstance(v, (list, tuple)) and _needs_grad(v):
            return True
    return False


def _wrap(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return make(x, None, False)
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    return x


def array_ufunc(self: Tensor, ufunc: np.ufunc, method: str, *inputs: Any,
                **kwargs: Any) -> Any:
    fn = UFUNCS.get(ufunc)
    if method == "__call__" and fn is not None and not kwargs:
        return fn(*inputs)
    if _needs_grad(inputs) or _needs_grad(kwargs.get("out", ())):
        raise TypeError(f"functrace cannot differentiate {ufunc_name(ufunc)}"
                        f"{'' if method == '__call__' else '.' + method}"
                        f"{' with arguments ' + str(sorted(kwargs)) if kwargs else ''} "
                        "on tensors that require grad; "
                        + ("use the functrace function instead" if fn is not None
                           else ufunc_advice(ufunc)))
    kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
    return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **kwargs))


def array_function(self: Tensor, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    if func in _META:
        return func(*_unwrap(args), **kwargs)
    fn = FUNCTIONS.get(func)
    if fn is not None:
        return fn(*args, **kwargs)
    if _needs_grad(args) or _needs_grad(kwargs.values()):
        raise TypeError(f"functrace has no differentiation rule for numpy."
                        f"{getattr(func, '__name__', func)} on tensors that require grad; "
                        "use functrace functions or detach() the tensor first")
    return func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
