"""``functrace.numpy`` (import as ``fnp``): numpy's API, differentiable.

Every function here works on numpy arrays, Python numbers and functrace tracers;
on plain arrays it returns plain numpy results.

>>> import functrace, functrace.numpy as fnp
>>> float(functrace.grad(lambda x: fnp.sum(fnp.sin(x) ** 2))(0.5))  # sin(2x)
0.8414709848078965
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import Tracer, concrete
# names imported with `x as x` or `*` are this module's public API (PEP 484)
from . import fft as fft
from . import linalg as linalg
from ._products import (cumprod as cumprod, diag as diag, diagonal as diagonal, dot as dot,
                        einsum as einsum, inner as inner, matmul as matmul, outer as outer,
                        prod as prod, tensordot as tensordot, trace as trace)
from . import _dispatch
from ._creation import (arange as arange, array as array, asarray as asarray, empty as empty,
                        eye as eye, full as full, full_like as full_like, identity as identity,
                        linspace as linspace, logspace as logspace, meshgrid as meshgrid,
                        ones as ones, ones_like as ones_like, zeros as zeros,
                        zeros_like as zeros_like)
from ._keywords import add_keyword_hints as _add_keyword_hints
from ._sequences import add_list_stacking as _add_list_stacking
from ._methods import install_array_methods
from ._reductions import all as all, any as any
from ._reductions import (amax as amax, amin as amin, argmax as argmax, argmin as argmin,
                          argsort as argsort, cumsum as cumsum, max as max, mean as mean,
                          min as min, std as std, sum as sum, var as var)
from ._shape import (broadcast_to as broadcast_to, concatenate as concatenate,
                     expand_dims as expand_dims, flip as flip, getitem as getitem,
                     moveaxis as moveaxis, ravel as ravel,
                     reshape as reshape, squeeze as squeeze, stack as stack,
                     swapaxes as swapaxes, transpose as transpose)
from ._shape_extra import *  # noqa: F401,F403  (split, roll, tile, pad, sort, ...)
from ._ufuncs import *  # noqa: F401,F403  (elementwise functions)
from ._complex import (angle as angle, conj as conj, conjugate as conjugate, imag as imag,
                       iscomplex as iscomplex, iscomplexobj as iscomplexobj, isreal as isreal,
                       isrealobj as isrealobj, real as real, real_if_close as real_if_close)
from ._ufuncs import astype as astype, multiply as multiply
# issue 10: more numpy names (each module's __all__), numpy.random, seterr/errstate
from ._at import at as at    # x.at[idx].set(v) for any array
from ._calculus import *  # noqa: F401,F403  (gradient, trapezoid, interp, convolve, ...)
from ._creation_traced import geomspace as geomspace
from ._index_tricks import c_ as c_, r_ as r_
from ._math_extra import *  # noqa: F401,F403  (deg2rad, sinc, nan_to_num, isclose, ...)
from ._more_names import *  # noqa: F401,F403  (poly*, set operations, piecewise, ...)
from ._shape_more import *  # noqa: F401,F403  (append, rot90, tril, diff, kron, ...)
from ._statistics import *  # noqa: F401,F403  (nan-reductions, median, quantile, cov, ...)
from numpy import errstate as errstate, geterr as geterr, seterr as seterr
if TYPE_CHECKING:          # fnp.random: loaded on first use (__getattr__ below)
    from . import random as random

float32 = np.float32
float64 = np.float64
int32 = np.int32
int64 = np.int64
bool_ = np.bool_
pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
newaxis = None
ndarray = np.ndarray


def __getattr__(name: str) -> Any:
    """``fnp.random`` loads ``numpy.random`` on first use (as numpy itself does)."""
    if name == "random":
        import importlib
        return importlib.import_module(f"{__name__}.random")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def shape(a: Any) -> tuple:
    return a.shape if isinstance(a, Tracer) else np.shape(a)


def ndim(a: Any) -> int:
    return len(shape(a))


def size(a: Any) -> int:
    return int(np.prod(shape(a), dtype=np.int64))


install_array_methods(Tracer)
_add_keyword_hints(globals(), "functrace.numpy")      # fnp.sum(x, dim=0) -> use axis=
_add_list_stacking(globals(), array)                   # fnp.mean([a, b]) with tracers a, b
_dispatch.install(sys.modules[__name__])     # numpy functions on tracers -> ours, by name

from ._example_tables import attach as _attach  # noqa: E402  (docstring examples)
from ._examples import EXAMPLES as _EXAMPLES  # noqa: E402
_attach(globals(), _EXAMPLES)
