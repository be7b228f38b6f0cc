"""The gradient-check spec table: one or more rows per registered primitive.

Rows live in one module per kind (``elementwise``, ``reductions``, ``shape``,
``linalg``, ``special``, ``conv``); :data:`ALL_SPECS` collects them for
``tests/test_spec_table.py``.
"""
from ._spec import Spec  # noqa: F401
from . import conv, elementwise, reductions, shape, linalg, special

ALL_SPECS = [*elementwise.SPECS, *reductions.SPECS, *shape.SPECS, *linalg.SPECS,
             *special.SPECS, *conv.SPECS]
