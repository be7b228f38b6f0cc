"""Constants from other array libraries (a pandas Series, an xarray DataArray, ...).

Such objects implement numpy's protocols themselves, so a numpy function applied
to one returns its own type -- a Series, whose reductions take other arguments
than numpy's. Inside a trace they are constants like any array: each trace
converts them with ``np.asarray`` where it first meets them, so primitives only
ever see numpy values. ``PLAIN`` keeps that check to one set lookup for the usual
constants.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .core import _ROOT_HANDLERS, Tracer

PLAIN = frozenset({np.ndarray, float, int, bool, complex, type(None), *np.sctypeDict.values()})


def is_foreign(arg: Any) -> bool:
    """Whether ``arg`` (of a type not in ``PLAIN``) is another library's array-like."""
    return (hasattr(type(arg), "__array__") and not isinstance(arg, (Tracer, np.ndarray))
            and type(arg) not in _ROOT_HANDLERS)
