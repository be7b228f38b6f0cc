"""Deprecated name of :mod:`functrace.activations` (relu, sigmoid, softplus, softmax, ...).

``functrace.special`` held the array-level activations up to 54ad03b; they live in
:mod:`functrace.activations` now, and scipy's special functions in
:mod:`functrace.scipy.special`. This module re-exports the activations so that
code written for the old name keeps working, with a ``DeprecationWarning`` at import.

>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", DeprecationWarning)
...     import functrace.special as S
>>> import functrace.activations
>>> S.relu is functrace.activations.relu
True
"""
import warnings

from .activations import (erf, gelu, log_sigmoid, log_softmax, logsumexp, relu,  # noqa: F401
                          sigmoid, softmax, softplus)

__all__ = ["relu", "sigmoid", "log_sigmoid", "softplus", "softmax", "log_softmax", "gelu",
           "logsumexp", "erf"]

warnings.warn("functrace.special is deprecated: import functrace.activations instead "
              "(scipy's special functions are in functrace.scipy.special)",
              DeprecationWarning, stacklevel=2)
