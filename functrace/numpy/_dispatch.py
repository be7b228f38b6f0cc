"""Which numpy ufuncs and functions dispatch to functrace on traced arrays.

A numpy function dispatches when ``functrace.numpy`` (or its ``linalg`` or ``fft``)
defines a function of the same name. Any other numpy function applied to a
tracer raises a ``TypeError`` naming it (never a silent constant). The tables are
filled by :func:`install`, which ``functrace.numpy`` calls once its namespace is
complete (so this module imports nothing of it).
"""
from __future__ import annotations

import sys
import types

import numpy as np


def _table(ours: types.ModuleType, theirs: types.ModuleType, ufuncs: bool) -> dict:
    table = {}
    for name, fn in vars(ours).items():
        target = getattr(theirs, name, None)
        if name.startswith("_") or not callable(fn) or target is None or target is fn:
            continue
        if isinstance(target, np.ufunc) == ufuncs:
            table[target] = fn
    return table


UFUNCS: dict = {}         # numpy ufunc -> functrace.numpy function
FUNCTIONS: dict = {}      # numpy function (top level and linalg) -> functrace's
_TOP_LEVEL: dict = {}
_LINALG: dict = {}
_FFT: dict = {}


def install(fnp: types.ModuleType) -> None:
    """Fill the tables from the finished ``functrace.numpy`` namespace ``fnp``."""
    UFUNCS.update(_table(fnp, np, ufuncs=True))
    _TOP_LEVEL.update(_table(fnp, np, ufuncs=False))
    _LINALG.update(_table(fnp.linalg, np.linalg, ufuncs=False))
    _FFT.update(_table(fnp.fft, np.fft, ufuncs=False))
    FUNCTIONS.update({**_TOP_LEVEL, **_LINALG, **_FFT})


def dispatched_names() -> list:
    """Names of the numpy ufuncs and functions that dispatch to functrace."""
    top = {f"numpy.{f.__name__}" for f in [*UFUNCS, *_TOP_LEVEL]}
    linalg = {f"numpy.linalg.{f.__name__}" for f in _LINALG}
    fft = {f"numpy.fft.{f.__name__}" for f in _FFT}
    return sorted(top | linalg | fft)


def ufunc_name(ufunc: np.ufunc) -> str:
    """``numpy.sin``, ``scipy.special.expit``, ... : where the user's ufunc comes from."""
    name = ufunc.__name__
    if getattr(np, name, None) is ufunc:
        return f"numpy.{name}"
    special = sys.modules.get("scipy.special")       # never imported here, only looked up
    if special is not None and getattr(special, name, None) is ufunc:
        return f"scipy.special.{name}"
    return f"the ufunc {name!r}"


def ufunc_advice(ufunc: np.ufunc) -> str:
    """What to call instead of a ufunc that has no functrace rule."""
    label = ufunc_name(ufunc)
    if label.startswith("scipy.special."):           # so scipy is installed
        from ..scipy import special as fsp   # deferred: scipy is optional
        if ufunc.__name__ in fsp.__all__:
            return f"use functrace.scipy.special.{ufunc.__name__} (same signature, differentiable)"
        return ("functrace.scipy.special has " + ", ".join(fsp.__all__) + "; otherwise express "
                "it with functrace.numpy functions or add a primitive (functrace.extend)")
    return "express it with functrace.numpy functions or add a primitive (functrace.extend)"
