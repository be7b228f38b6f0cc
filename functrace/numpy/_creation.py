"""Array creation. Results are constants, except ``array``/``asarray`` of tracers."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Tracer
from ..primitives import nondiff as N
from ._creation_traced import full, geomspace, linspace, logspace, meshgrid  # noqa: F401
from ._shape import stack
from ._ufuncs import astype


def _contains_tracer(obj: Any) -> bool:
    if isinstance(obj, Tracer):
        return True
    if isinstance(obj, (list, tuple)):
        return any(_contains_tracer(o) for o in obj)
    return False


def array(object: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    """Like ``numpy.array``; a (nested) list holding tracers is stacked differentiably."""
    if isinstance(object, Tracer):
        return object if dtype is None else astype(object, dtype)
    if isinstance(object, (list, tuple)) and _contains_tracer(object):
        out = stack([array(o, dtype=dtype) for o in object])
        return out
    return np.array(object, dtype=dtype, copy=copy, ndmin=ndmin)


def asarray(a: Any, dtype: Any = None) -> Any:
    if isinstance(a, (Tracer, list, tuple)):
        return array(a, dtype=dtype)
    return np.asarray(a, dtype=dtype)


def zeros_like(a: Any, dtype: Any = None) -> Any:
    return N.zeros_like_p.bind(a, dtype=dtype)


def ones_like(a: Any, dtype: Any = None) -> Any:
    return N.ones_like_p.bind(a, dtype=dtype)


def full_like(a: Any, fill_value: Any, dtype: Any = None) -> Any:
    return N.full_like_p.bind(a, fill_value=fill_value, dtype=dtype)


zeros = np.zeros
ones = np.ones
empty = np.empty
eye = np.eye
identity = np.identity
arange = np.arange
