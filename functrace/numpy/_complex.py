"""Complex parts and predicates: ``real``, ``imag``, ``conj``/``conjugate``, ``angle``,
``iscomplex``, ``isreal``, ``iscomplexobj``, ``isrealobj``, ``real_if_close``.

Derivatives follow JAX's convention (see :mod:`functrace.primitives.complex_parts`):

>>> import functrace, functrace.numpy as fnp
>>> functrace.grad(lambda z: fnp.imag(z))(1.0 + 2.0j)
np.complex128(-1j)
>>> functrace.grad(lambda z: fnp.real(fnp.conj(z) * z))(1.0 + 2.0j)
np.complex128(2-4j)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete_value as _concrete
from ..primitives import arithmetic as _ar
from ..primitives import complex_parts as _cp
from ..primitives import nondiff as _nd
from ..primitives import transcendental as _tr

ArrayLike = Any


def real(val: ArrayLike) -> Any:
    """The real part (``val`` itself when real)."""
    return _cp.real_part(val)


def imag(val: ArrayLike) -> Any:
    """The imaginary part (a constant zero array when ``val`` is real)."""
    if _cp.is_complex(val):
        return _cp.imag_p.bind(val)
    return np.zeros_like(np.asarray(_concrete(val)))


def conjugate(x: ArrayLike) -> Any:
    """The complex conjugate (``x`` itself when real)."""
    return _cp.conj(x)


conj = conjugate


def angle(z: ArrayLike, deg: bool = False) -> Any:
    """The argument of ``z`` (``arctan2(imag, real)``), in radians or degrees."""
    if _cp.is_complex(z):
        a = _tr.arctan2_p.bind(_cp.imag_p.bind(z), _cp.real_p.bind(z))
    else:            # 0 or pi (+0 * |z| keeps numpy's pi at -0.0): piecewise constant
        a = _nd.stop_gradient_p.bind(_tr.arctan2_p.bind(0.0 * _ar.absolute_p.bind(z), z))
    return a * (180.0 / np.pi) if deg else a


def iscomplexobj(x: ArrayLike) -> bool:
    """Whether ``x`` has a complex dtype (whatever its values)."""
    return _cp.is_complex(x)


def isrealobj(x: ArrayLike) -> bool:
    """Whether ``x`` has a non-complex dtype."""
    return not _cp.is_complex(x)


def iscomplex(x: ArrayLike) -> Any:
    """Elementwise: whether the imaginary part is nonzero (a constant boolean array)."""
    return np.iscomplex(_concrete(x))


def isreal(x: ArrayLike) -> Any:
    """Elementwise: whether the imaginary part is 0 (a constant boolean array; all True
    for a real array, as numpy).

    >>> import numpy as np, functrace.numpy as fnp
    >>> fnp.isreal(np.array([1.0 + 2.0j, -3.0 + 0.0j]))
    array([False,  True])
    """
    return np.isreal(_concrete(x))


def real_if_close(a: ArrayLike, tol: float = 100) -> Any:
    """The real part when every imaginary part is within ``tol`` machine epsilons of 0,
    else ``a`` (as numpy; the choice is made on the values, like numpy's)."""
    if not _cp.is_complex(a):
        return a
    if np.isrealobj(np.real_if_close(_concrete(a), tol=tol)):
        return _cp.real_p.bind(a)
    return a
