"""Bessel-function primitives (values from scipy.special; imported by functrace.scipy).

Derivatives in ``x`` by the recurrences (DLMF 10.6.2, 10.29.1), which hold at
``x = 0`` too (no division by ``x``)::

    J_v' = (J_{v-1} - J_{v+1}) / 2      Y_v' = (Y_{v-1} - Y_{v+1}) / 2
    I_v' = (I_{v-1} + I_{v+1}) / 2      J_0' = -J_1,  Y_0' = -Y_1,  I_0' = I_1

and for the exponentially scaled ``ive(v, x) = iv(v, x) exp(-|x|)``:
``ive' = (ive_{v-1} + ive_{v+1}) / 2 - sign(x) ive`` (a kink at 0, like ``|x|``).
The order ``v`` is not differentiable.
"""
from __future__ import annotations

import scipy.special as sc

from ..registry import defelementwise
from .nondiff import sign_p
from .special_functions import scipy_ufunc

j0_p = defelementwise("j0", scipy_ufunc(sc.j0), (lambda x, out: -j1_p.bind(x),))
j1_p = defelementwise("j1", scipy_ufunc(sc.j1),
                      (lambda x, out: 0.5 * (j0_p.bind(x) - jv_p.bind(2, x)),))
jv_p = defelementwise("jv", scipy_ufunc(sc.jv, (1,)), (
    None, lambda v, x, out: 0.5 * (jv_p.bind(v - 1, x) - jv_p.bind(v + 1, x))))
y0_p = defelementwise("y0", scipy_ufunc(sc.y0), (lambda x, out: -y1_p.bind(x),))
y1_p = defelementwise("y1", scipy_ufunc(sc.y1),
                      (lambda x, out: 0.5 * (y0_p.bind(x) - yv_p.bind(2, x)),))
yv_p = defelementwise("yv", scipy_ufunc(sc.yv, (1,)), (
    None, lambda v, x, out: 0.5 * (yv_p.bind(v - 1, x) - yv_p.bind(v + 1, x))))
i0_p = defelementwise("i0", scipy_ufunc(sc.i0), (lambda x, out: i1_p.bind(x),))
i1_p = defelementwise("i1", scipy_ufunc(sc.i1),
                      (lambda x, out: 0.5 * (i0_p.bind(x) + iv_p.bind(2, x)),))
iv_p = defelementwise("iv", scipy_ufunc(sc.iv, (1,)), (
    None, lambda v, x, out: 0.5 * (iv_p.bind(v - 1, x) + iv_p.bind(v + 1, x))))
i0e_p = defelementwise("i0e", scipy_ufunc(sc.i0e),
                       (lambda x, out: i1e_p.bind(x) - sign_p.bind(x) * out,), saves="both")
i1e_p = defelementwise("i1e", scipy_ufunc(sc.i1e), (
    lambda x, out: 0.5 * (i0e_p.bind(x) + ive_p.bind(2, x)) - sign_p.bind(x) * out,),
    saves="both")
ive_p = defelementwise("ive", scipy_ufunc(sc.ive, (1,)), (
    None, lambda v, x, out: (0.5 * (ive_p.bind(v - 1, x) + ive_p.bind(v + 1, x))
                             - sign_p.bind(x) * out)), saves="both")
