"""numpy's ``random`` module, re-exported for data generation (as
``autograd.numpy.random``): the same functions and the same global state, so
``functrace.numpy.random.seed(0)`` seeds ``numpy.random``. Random draws are
constants (no gradient flows into them).

>>> import functrace.numpy as fnp
>>> fnp.random.seed(0); a = fnp.random.randn(2)
>>> import numpy as np; np.random.seed(0); bool(np.all(a == np.random.randn(2)))
True
"""
from numpy.random import *  # noqa: F401,F403
from numpy.random import __all__ as _numpy_all

__all__ = list(_numpy_all)
