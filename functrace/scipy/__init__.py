"""``functrace.scipy``: differentiable versions of scipy functions (scipy not required).

>>> import functrace.scipy.special as fsp
>>> float(fsp.logsumexp([1000.0, 1000.0]))
1000.6931471805599
"""
from . import special  # noqa: F401

__all__ = ["special"]
