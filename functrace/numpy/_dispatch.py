"""Which numpy ufuncs and functions dispatch to functrace on traced arrays.

A numpy function dispatches when ``functrace.numpy`` (or ``functrace.numpy.linalg``)
defines a function of the same name. Any other numpy function applied to a
tracer raises a ``TypeError`` naming it (never a silent constant).
"""
from __future__ import annotations

import types

import numpy as np

from .. import numpy as fnp


def _table(ours: types.ModuleType, theirs: types.ModuleType, ufuncs: bool) -> dict:
    table = {}
    for name, fn in vars(ours).items():
        target = getattr(theirs, name, None)
        if name.startswith("_") or not callable(fn) or target is None or target is fn:
            continue
        if isinstance(target, np.ufunc) == ufuncs:
            table[target] = fn
    return table


UFUNCS = _table(fnp, np, ufuncs=True)
_TOP_LEVEL = _table(fnp, np, ufuncs=False)
_LINALG = _table(fnp.linalg, np.linalg, ufuncs=False)
FUNCTIONS = {**_TOP_LEVEL, **_LINALG}


def dispatched_names() -> list:
    """Names of the numpy ufuncs and functions that dispatch to functrace."""
    top = {f"numpy.{f.__name__}" for f in [*UFUNCS, *_TOP_LEVEL]}
    linalg = {f"numpy.linalg.{f.__name__}" for f in _LINALG}
    return sorted(top | linalg)
