"""Array behaviour of tracers: operators, methods and the numpy protocols.

Installed once on :class:`functrace.core.Tracer` (and reusable by any array-like
class) by :func:`install_array_methods`.
"""
from __future__ import annotations

import inspect

import numpy as np

from ..core import Tracer, concrete_value
from . import _complex as C
from . import _products as P
from . import _reductions as R
from . import _shape as S
from . import _shape_extra as X
from . import _ufuncs as U
from ._at import at
from ._dispatch import FUNCTIONS, UFUNCS, ufunc_advice, ufunc_name
from ._keywords import _takes_axis, with_keyword_hint
from ._ufunc_methods import ufunc_method


def _swap(fn):
    def reflected(self, other):
        return fn(other, self)
    reflected.__name__ = f"r{fn.__name__}"
    return reflected


def _iter(self):
    for i in range(len(self)):
        yield self[i]


def _astype(self, dtype, copy=True):
    return U.astype(self, dtype)


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    return S.reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = axes[0]
    return S.transpose(self, axes or None)


def _setitem(self, idx, value):
    raise TypeError("functrace arrays are immutable inside a transform: build a new array "
                    "instead, e.g. x = x.at[idx].set(value) (or .add, .multiply, .min, "
                    ".max), fnp.where(mask, value, x) or fnp.concatenate([...])")


def _item(self, *args):
    """A Python number, for a value without a derivative (see ``Tracer.__float__``)."""
    self._concrete_for(".item()")               # the checks: no derivative, not batched
    return concrete_value(self).item(*args)      # (a jitted replay re-checks the value)


def _tolist(self):
    self._concrete_for(".tolist()")
    return concrete_value(self).tolist()


def _copy(self, order="C"):
    return self


def _prod(self, *args, **kwargs):
    return P.prod(self, *args, **kwargs)


def _cumprod(self, *args, **kwargs):
    return P.cumprod(self, *args, **kwargs)


def _sort(self, axis=-1, kind=None):
    return X.sort(self, axis=axis, kind=kind)


def _take(self, indices, axis=None, mode="raise"):
    return X.take(self, indices, axis=axis, mode=mode)


def _repeat(self, repeats, axis=None):
    return X.repeat(self, repeats, axis=axis)


def _trace(self, offset=0, axis1=0, axis2=1):
    return P.trace(self, offset=offset, axis1=axis1, axis2=axis2)


def _diagonal(self, offset=0, axis1=0, axis2=1):
    return P.diagonal(self, offset=offset, axis1=axis1, axis2=axis2)


def _any(self, axis=None, keepdims=False):
    return R.any(self, axis=axis, keepdims=keepdims)


def _all(self, axis=None, keepdims=False):
    return R.all(self, axis=axis, keepdims=keepdims)


def _dot(self, other):
    return P.dot(self, other)


ARRAY_METHODS = {
    "__add__": U.add, "__radd__": _swap(U.add),
    "__sub__": U.subtract, "__rsub__": _swap(U.subtract),
    "__mul__": U.multiply, "__rmul__": _swap(U.multiply),
    "__truediv__": U.divide, "__rtruediv__": _swap(U.divide),
    "__pow__": U.power, "__rpow__": _swap(U.power),
    "__matmul__": P.matmul, "__rmatmul__": _swap(P.matmul),
    "__neg__": U.negative, "__pos__": U.positive, "__abs__": U.absolute,
    "__lt__": U.less, "__le__": U.less_equal, "__gt__": U.greater, "__ge__": U.greater_equal,
    "__eq__": U.equal, "__ne__": U.not_equal,
    "__getitem__": S.getitem, "__iter__": _iter,
    "T": property(lambda self: S.transpose(self)),
    "sum": R.sum, "mean": R.mean, "max": R.amax, "min": R.amin, "var": R.var, "std": R.std,
    "cumsum": R.cumsum, "argmax": R.argmax, "argmin": R.argmin, "argsort": R.argsort,
    "reshape": _reshape, "transpose": _transpose, "ravel": S.ravel, "flatten": S.ravel,
    "squeeze": S.squeeze, "swapaxes": S.swapaxes, "dot": _dot, "astype": _astype,
    "clip": U.clip, "round": U.round, "__round__": U.round,
    "__floordiv__": U.floor_divide, "__rfloordiv__": _swap(U.floor_divide),
    "__mod__": U.remainder, "__rmod__": _swap(U.remainder),
    "__setitem__": _setitem, "item": _item, "tolist": _tolist, "copy": _copy,
    "prod": _prod, "cumprod": _cumprod, "sort": _sort, "take": _take, "repeat": _repeat,
    "trace": _trace, "diagonal": _diagonal, "any": _any, "all": _all,
    "real": property(lambda self: C.real(self)), "imag": property(lambda self: C.imag(self)),
    "conj": C.conj, "conjugate": C.conjugate, "at": property(at),
}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    _check_inputs_alive(inputs)
    if method != "__call__":
        fn = UFUNCS.get(ufunc)
        result = None if fn is None else ufunc_method(ufunc, method, fn, inputs, dict(kwargs))
        if result is None:
            raise TypeError(f"functrace does not differentiate {ufunc_name(ufunc)}.{method}; "
                            "use the functrace.numpy function instead (e.g. fnp.sum)")
        return result
    if kwargs.get("out") is not None:
        raise TypeError(f"numpy.{ufunc.__name__} with out= cannot be traced: "
                        "functrace arrays are immutable, drop the out= argument")
    fn = UFUNCS.get(ufunc)
    if fn is None:
        raise TypeError(f"functrace has no differentiation rule for {ufunc_name(ufunc)}: "
                        f"{ufunc_advice(ufunc)}")
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("out", None)
    if kwargs:
        raise TypeError(f"numpy.{ufunc.__name__}: functrace does not support the "
                        f"arguments {sorted(kwargs)} on traced arrays")
    result = fn(*inputs)
    return result if dtype is None else U.astype(result, dtype)


_SHAPE_FUNCTIONS = {np.shape: lambda a: a.shape, np.ndim: lambda a: len(a.shape),
                    np.size: lambda a: a.size}


def _array_function(self, func, types, args, kwargs):
    fast = _SHAPE_FUNCTIONS.get(func)
    if fast is not None and len(args) == 1 and not kwargs:
        return fast(args[0])
    _check_inputs_alive(args)
    fn = FUNCTIONS.get(func)
    if fn is None:
        raise TypeError(f"functrace has no differentiation rule for numpy.{func.__name__}; "
                        "call a functrace.numpy function or register a primitive")
    unsupported = _unsupported_kwargs(fn, kwargs)
    if unsupported:
        raise TypeError(f"numpy.{func.__name__}: functrace does not support the argument(s) "
                        f"{unsupported} on traced arrays (out= is impossible: traced arrays "
                        "are immutable)")
    return fn(*args, **kwargs)


def _unsupported_kwargs(fn, kwargs) -> list:
    if not kwargs:
        return []
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return []
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return []
    return sorted(k for k in kwargs if k not in params)


def _array(self, dtype=None, copy=None):
    """numpy's view of a tracer (``np.asarray(t)``, ``np.array([t])``): only for a
    value without a derivative, which would otherwise be lost. A conversion to an
    integer or boolean dtype (``np.int64(t)``: an index) is piecewise constant, so it
    loses nothing: it goes through ``astype``, a constant."""
    if dtype is not None and np.dtype(dtype).kind in "iub":
        integers = U.astype(self, dtype)
        return _array(integers, None, copy) if isinstance(integers, Tracer) else integers
    value = np.asarray(self._concrete_for(
        "conversion to a numpy array (np.asarray, np.array([...]))"))
    if dtype is not None and value.dtype != dtype:
        return value.astype(dtype)
    return value.copy() if copy else value


def _check_inputs_alive(values):
    for v in values:
        if isinstance(v, Tracer):
            v._check_alive()
        elif isinstance(v, (list, tuple)):
            _check_inputs_alive(v)


def install_array_methods(cls: type) -> None:
    """Give ``cls`` numpy-like operators, methods and numpy dispatch."""
    for name, fn in ARRAY_METHODS.items():
        if _takes_axis(fn):                      # x.sum(dim=0) -> use axis=
            fn = with_keyword_hint(fn, f"the traced array's .{name}()")
        setattr(cls, name, fn)
    cls.__hash__ = None
    cls.__array_ufunc__ = _array_ufunc
    cls.__array_function__ = _array_function
    cls.__array__ = _array
    # pandas (>= 2.1) defers `series * tracer` to the tracer's reflected operator only
    # above its own priorities (Series 3000, DataFrame 4000)
    cls.__pandas_priority__ = 5000
