"""Complex parts: real, imag, conj, and the complex dtype helpers of the rules.

Conventions (JAX's and HIPS autograd's): a VJP is the transpose of the JVP for the
real bilinear pairing ``<a, b> = Re(a * b)`` (no conjugation). So a holomorphic
function's VJP is ``ct * f'(z)``, and a real-valued function of a complex ``z``
gets the gradient ``df/dx - i df/dy``. Two consequences the engine applies in one
place each: the cotangent of a real value is the real part of what the rules give
(:func:`functrace.reverse.backward_pass`), and the tangent of a real output is the
real part of what its JVP rule gives (``functrace.forward.JVPTrace.process``).

``real_p`` and ``imag_p`` take complex arrays only (``fnp.real`` of a real array
is the array itself, ``fnp.imag`` of it a constant zero), so their transposes
always give a complex cotangent.

>>> import numpy as np
>>> z = np.array([1 + 2j])
>>> real_p.bind(z), imag_p.bind(z), conj_p.bind(z)
(array([1.]), array([2.]), array([1.-2.j]))
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import concrete
from ..registry import deflinear
from .shape_ops import astype_p


def is_complex(x: Any) -> bool:
    """Whether ``x`` (array, number or tracer) has a complex dtype."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        dtype = np.result_type(concrete(x))
    return dtype.kind == "c"


def complex_dtype(x: Any) -> np.dtype:
    """The complex dtype matching ``x``'s precision (float32 -> complex64)."""
    return np.result_type(concrete(x), np.complex64)


def real_dtype(x: Any) -> np.dtype:
    """The real dtype matching ``x``'s precision (complex64 -> float32)."""
    return np.finfo(np.result_type(concrete(x))).dtype


def as_complex(x: Any) -> Any:
    """``x`` cast (differentiably) to the complex dtype of its precision."""
    return x if is_complex(x) else astype_p.bind(x, dtype=complex_dtype(x))


def _real_transpose(ct, ins, out, argnum):
    return as_complex(ct)


def _imag_transpose(ct, ins, out, argnum):
    c = as_complex(ct)
    return c * np.asarray(-1j, dtype=c.dtype)


def _conj_transpose(ct, ins, out, argnum):
    return conj_p.bind(ct)


real_p = deflinear("real", np.real, _real_transpose, saves="none", batch="elementwise")
imag_p = deflinear("imag", np.imag, _imag_transpose, saves="none", batch="elementwise")
conj_p = deflinear("conj", np.conjugate, _conj_transpose, saves="none", batch="elementwise")


def real_part(x: Any) -> Any:
    """The real part of ``x`` (``x`` itself when real): differentiable."""
    return real_p.bind(x) if is_complex(x) else x


def conj(x: Any) -> Any:
    """The complex conjugate of ``x`` (``x`` itself when real): differentiable."""
    return conj_p.bind(x) if is_complex(x) else x
