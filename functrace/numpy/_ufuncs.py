"""numpy-named elementwise functions (``fnp.sin``, ``fnp.add``, ...)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete as _concrete    # private: fnp star-imports this module
from ..core import concrete_value as _concrete_value
from ..core import is_tracer as _is_tracer
from ..primitives import arithmetic as _ar
from ..primitives import nondiff as N
from ..primitives import selection as _sel
from ..primitives import transcendental as _tr
from ..primitives.shape_ops import astype_p as _astype_p

ArrayLike = Any


def add(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 + x2`` with broadcasting. Example: ``fnp.add(x, 1.0)``."""
    return _ar.add_p.bind(x1, x2)


def subtract(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _ar.subtract_p.bind(x1, x2)


def multiply(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _ar.multiply_p.bind(x1, x2)


def divide(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _ar.divide_p.bind(x1, x2)


true_divide = divide


def negative(x: ArrayLike) -> Any:
    return _ar.negative_p.bind(x)


def positive(x: ArrayLike) -> Any:
    return x


def power(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 ** x2``; differentiable in both arguments (d/dx2 at x1 = 0 is taken as 0)."""
    return _tr.power_p.bind(x1, x2)


def float_power(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _tr.power_p.bind(astype(x1, np.float64), x2)


def square(x: ArrayLike) -> Any:
    return _ar.square_p.bind(x)


def sqrt(x: ArrayLike) -> Any:
    return _ar.sqrt_p.bind(x)


def cbrt(x: ArrayLike) -> Any:
    return _ar.cbrt_p.bind(x)


def reciprocal(x: ArrayLike) -> Any:
    return _ar.reciprocal_p.bind(x)


def absolute(x: ArrayLike) -> Any:
    """``|x|``; its derivative at 0 is taken as 0."""
    return _ar.absolute_p.bind(x)


abs = absolute


def exp(x: ArrayLike) -> Any:
    return _tr.exp_p.bind(x)


def exp2(x: ArrayLike) -> Any:
    return _tr.exp2_p.bind(x)


def expm1(x: ArrayLike) -> Any:
    return _tr.expm1_p.bind(x)


def log(x: ArrayLike) -> Any:
    return _tr.log_p.bind(x)


def log2(x: ArrayLike) -> Any:
    return _tr.log2_p.bind(x)


def log10(x: ArrayLike) -> Any:
    return _tr.log10_p.bind(x)


def log1p(x: ArrayLike) -> Any:
    return _tr.log1p_p.bind(x)


def logaddexp(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _tr.logaddexp_p.bind(x1, x2)


def sin(x: ArrayLike) -> Any:
    """Elementwise sine. Example: ``functrace.grad(lambda x: fnp.sin(x))(0.0) == 1.0``."""
    return _tr.sin_p.bind(x)


def cos(x: ArrayLike) -> Any:
    return _tr.cos_p.bind(x)


def tan(x: ArrayLike) -> Any:
    return _tr.tan_p.bind(x)


def arcsin(x: ArrayLike) -> Any:
    return _tr.arcsin_p.bind(x)


def arccos(x: ArrayLike) -> Any:
    return _tr.arccos_p.bind(x)


def arctan(x: ArrayLike) -> Any:
    return _tr.arctan_p.bind(x)


def arctan2(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _tr.arctan2_p.bind(x1, x2)


def sinh(x: ArrayLike) -> Any:
    return _tr.sinh_p.bind(x)


def cosh(x: ArrayLike) -> Any:
    return _tr.cosh_p.bind(x)


def tanh(x: ArrayLike) -> Any:
    return _tr.tanh_p.bind(x)


def arcsinh(x: ArrayLike) -> Any:
    return _tr.arcsinh_p.bind(x)


def arccosh(x: ArrayLike) -> Any:
    return _tr.arccosh_p.bind(x)


def arctanh(x: ArrayLike) -> Any:
    return _tr.arctanh_p.bind(x)


def maximum(x1: ArrayLike, x2: ArrayLike) -> Any:
    """Elementwise maximum; at ties the gradient is split evenly."""
    return _sel.maximum_p.bind(x1, x2)


def minimum(x1: ArrayLike, x2: ArrayLike) -> Any:
    """Elementwise minimum; at ties the gradient is split evenly."""
    return _sel.minimum_p.bind(x1, x2)


def fmax(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _sel.fmax_p.bind(x1, x2)


def fmin(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _sel.fmin_p.bind(x1, x2)


def hypot(x1: ArrayLike, x2: ArrayLike) -> Any:
    return _ar.hypot_p.bind(x1, x2)


def where(condition: ArrayLike, x: ArrayLike = None, y: ArrayLike = None) -> Any:
    """``x`` where ``condition`` else ``y``; the condition carries no gradient."""
    if x is None and y is None:
        return np.where(_concrete_value(condition))
    return _sel.where_p.bind(condition, x, y)


def clip(a: ArrayLike, a_min: ArrayLike = None, a_max: ArrayLike = None, **kwargs: Any) -> Any:
    """Clip to ``[a_min, a_max]``; at a bound the gradient goes to ``a`` (like torch.clamp)."""
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    if kwargs:
        raise TypeError(f"clip() got unexpected arguments {sorted(kwargs)}")
    return _sel.clip_p.bind(a, -np.inf if a_min is None else a_min,
                         np.inf if a_max is None else a_max)


def floor_divide(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 // x2``: piecewise constant, so no gradient flows. Integers stay integers."""
    if not (_is_tracer(x1) or _is_tracer(x2)):
        return np.floor_divide(x1, x2)
    quotient = N.floor_p.bind(_ar.divide_p.bind(x1, x2))
    dtype = _integer_result(x1, x2)
    return quotient if dtype is None else astype(quotient, dtype)


def remainder(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 % x2`` = x1 - floor(x1 / x2) * x2 (gradient 1 in x1 between jumps).
    Integers stay integers."""
    if not (_is_tracer(x1) or _is_tracer(x2)):
        return np.remainder(x1, x2)
    return x1 - floor_divide(x1, x2) * x2


def _integer_result(x1: ArrayLike, x2: ArrayLike) -> Any:
    """numpy's integer result dtype of ``x1`` op ``x2``, or None for a float result."""
    dtype = np.result_type(_concrete(x1), _concrete(x2))
    return dtype if dtype.kind in "iu" else None


mod = remainder


def astype(x: ArrayLike, dtype: Any) -> Any:
    """Cast to ``dtype``; casting to a non-float dtype gives a constant."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return _astype_p.bind(x, dtype=dtype)
    return N.astype_int_p.bind(x, dtype=dtype)


# -- constants: comparisons, rounding and logic carry no gradient -------------------

def sign(x: ArrayLike) -> Any:
    return N.sign_p.bind(x)


def floor(x: ArrayLike) -> Any:
    return N.floor_p.bind(x)


def ceil(x: ArrayLike) -> Any:
    return N.ceil_p.bind(x)


def trunc(x: ArrayLike) -> Any:
    return N.trunc_p.bind(x)


def rint(x: ArrayLike) -> Any:
    return N.rint_p.bind(x)


def round(a: ArrayLike, decimals: int = 0) -> Any:
    return N.round_p.bind(a, decimals=decimals)


around = round


def equal(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.equal_p.bind(x1, x2)


def not_equal(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.not_equal_p.bind(x1, x2)


def less(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.less_p.bind(x1, x2)


def less_equal(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.less_equal_p.bind(x1, x2)


def greater(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.greater_p.bind(x1, x2)


def greater_equal(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.greater_equal_p.bind(x1, x2)


def logical_and(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.logical_and_p.bind(x1, x2)


def logical_or(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.logical_or_p.bind(x1, x2)


def logical_xor(x1: ArrayLike, x2: ArrayLike) -> Any:
    return N.logical_xor_p.bind(x1, x2)


def logical_not(x: ArrayLike) -> Any:
    return N.logical_not_p.bind(x)


def isnan(x: ArrayLike) -> Any:
    return N.isnan_p.bind(x)


def isfinite(x: ArrayLike) -> Any:
    return N.isfinite_p.bind(x)


def isinf(x: ArrayLike) -> Any:
    return N.isinf_p.bind(x)
