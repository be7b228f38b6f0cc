"""Shared pieces of the distributions: standardising, supports, derived methods.

Values outside a distribution's support are computed on a placeholder inside it and
then replaced (``where`` twice), so that no inf or nan from the unused branch leaks
into a gradient; invalid parameters (``scale <= 0``) give nan, as in scipy.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from ... import numpy as fnp
from ...core import is_tracer
from ...numpy._scipy_special import as_float

LOG_2PI = math.log(2.0 * math.pi)


def arg(x: Any) -> Any:
    """A data or parameter argument: Python numbers stay weak (no float32 promotion)."""
    if is_tracer(x) or isinstance(x, (int, float)):
        return x
    return as_float(x)


def of_params(fn: Callable[..., Any], *params: Any) -> Any:
    """``fn(*params)``, as a Python float when every parameter is a Python number: a
    constant that, like the numbers themselves, does not promote float32 data."""
    out = fn(*params)
    return float(out) if all(isinstance(p, (int, float)) for p in params) else out


def standardize(x: Any, loc: Any, scale: Any) -> Any:
    """``(x - loc) / scale``."""
    return (arg(x) - arg(loc)) / arg(scale)


def on_support(inside: Any, z: Any, fn: Callable[[Any], Any], outside: float,
               placeholder: float) -> Any:
    """``fn(z)`` where ``inside``, ``outside`` elsewhere, with ``fn`` evaluated on
    ``placeholder`` outside (its derivative there never reaches the result)."""
    safe = fnp.where(inside, z, placeholder)
    return fnp.where(inside, fn(safe), outside)


def valid_scale(value: Any, scale: Any) -> Any:
    """``value`` where ``scale > 0``, nan elsewhere (scipy's answer)."""
    if isinstance(scale, (int, float)):
        return value if scale > 0 else value * math.nan
    return fnp.where(fnp.greater(scale, 0), value, math.nan)


def log_scale(scale: Any) -> Any:
    scale = arg(scale)
    return math.log(scale) if isinstance(scale, (int, float)) and scale > 0 else \
        fnp.log(fnp.where(fnp.greater(scale, 0), scale, 1.0))


class Distribution:
    """Methods derived from a distribution's ``logpdf``/``cdf``/``sf``.

    Subclasses define ``logpdf`` (or ``logpmf``) and ``cdf``; ``pdf``, ``logcdf``,
    ``sf`` and ``logsf`` follow unless a subclass has a more accurate formula.
    """

    def pdf(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return fnp.exp(self.logpdf(x, *args, **kwargs))

    def logcdf(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return fnp.log(self.cdf(x, *args, **kwargs))

    def sf(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return 1.0 - self.cdf(x, *args, **kwargs)

    def logsf(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return fnp.log(self.sf(x, *args, **kwargs))

    def __repr__(self) -> str:
        return f"functrace.scipy.stats.{type(self).__name__.lstrip('_').lower()}"
