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
FUNCTIONS = {**_table(fnp, np, ufuncs=False), **_table(fnp.linalg, np.linalg, ufuncs=False)}


def dispatched_names() -> list:
    """Names of the numpy ufuncs and functions that dispatch to functrace."""
    return sorted(f"numpy.{getattr(f, '__name__', f)}" for f in {**UFUNCS, **FUNCTIONS})
