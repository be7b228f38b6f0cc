"""The gradient-check spec table: one or more rows per registered primitive.

Rows live in one module per kind (``elementwise``, ``reductions``, ``shape``,
``linalg``, ``decompositions``, ``special``, ``conv``, ``complex``, ``fft``, and ``scipy_*``
for functrace.scipy);
:data:`ALL_SPECS` collects them for ``tests/test_spec_table.py``.
"""
from ._spec import Spec  # noqa: F401
from . import conv, decompositions, elementwise, reductions, shape, linalg, special
from . import scipy_integrate, scipy_linalg, scipy_signal, scipy_special
from . import complex as complex_rows, fft
from . import numpy_names

ALL_SPECS = [*elementwise.SPECS, *reductions.SPECS, *shape.SPECS, *linalg.SPECS,
             *decompositions.SPECS,
             *special.SPECS, *conv.SPECS, *scipy_special.SPECS, *scipy_linalg.SPECS,
             *scipy_signal.SPECS, *scipy_integrate.SPECS, *complex_rows.SPECS, *fft.SPECS,
             *numpy_names.SPECS]
