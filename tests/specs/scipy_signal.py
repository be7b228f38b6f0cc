"""Spec rows: ``functrace.scipy.signal`` (the ``convolve_nd`` primitive of
``functrace/primitives/convolution.py``), against scipy.signal's values."""
import numpy as np
import scipy.signal as ss

import functrace.scipy.signal as fss

from ._spec import Spec

SPECS: list = []


def _row(name, prims, fn, shapes, reference=None, **kw):
    SPECS.append(Spec(name, prims, fn, shapes, reference=reference, **kw))


def _conv_ref(fn, **kw):
    def ref(a, b):
        return fn(a, b, **kw).astype(np.result_type(a, b))
    return ref


for _mode in ("full", "valid", "same"):
    for _method in ("direct", "fft"):
        _row(f"convolve/{_mode}-{_method}", ("convolve_nd",),
             lambda a, b, m=_mode, k=_method: fss.convolve(a, b, mode=m, method=k),
             [(5, 4), (2, 3)], _conv_ref(ss.convolve, mode=_mode, method=_method))
_row("correlate/1d-swapped-valid", ("convolve_nd",),
     lambda a, b: fss.correlate(a, b, mode="valid"), [(3,), (6,)],
     _conv_ref(ss.correlate, mode="valid"))
_row("correlate/3d-fft", ("convolve_nd",), lambda a, b: fss.correlate(a, b, method="fft"),
     [(3, 2, 4), (2, 2, 2)], _conv_ref(ss.correlate, method="fft"))
