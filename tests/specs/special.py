"""Spec rows: special-function primitives (erf, erfc, relu, expit, logsumexp) and the
composites built on them (``functrace.scipy.special``, ``functrace.activations``).

References are plain formulas (``math.erf``, naive logsumexp on small inputs), so the
rows also check values and dtypes.
"""
import math

import numpy as np

import functrace.scipy.special as fsp
import functrace.activations as fs

from ._spec import Spec, away_from_zero

SPECS: list = []


def _math(fn):
    """A numpy reference from a ``math`` function, keeping the input's dtype."""
    def ref(x):
        return np.vectorize(fn, otypes=[np.float64])(x).astype(x.dtype)
    return ref


def _lse(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def _row(name, prims, fn, shapes, reference, **kw):
    SPECS.append(Spec(name, prims, fn, shapes, reference=reference, **kw))


# -- primitives ---------------------------------------------------------------------------
_row("erf", ("erf",), fsp.erf, [(2, 3)], _math(math.erf), domain=(-2.5, 2.5), kernel=True)
_row("erf/large-array", ("erf",), fsp.erf, [(64, 65)], _math(math.erf), domain=(-6.0, 6.0))
_row("erfc", ("erfc",), fsp.erfc, [(2, 3)], _math(math.erfc), domain=(-2.5, 2.5),
     kernel=True)
_row("erfc/large-array", ("erfc",), fsp.erfc, [(64, 65)], _math(math.erfc),
     domain=(-6.0, 6.0))
_row("relu", ("relu",), fs.relu, [(2, 3)], lambda x: np.maximum(x, 0),
     domain=away_from_zero(0.1, 2.0), kernel=True)
_row("expit", ("expit",), fsp.expit, [(2, 3)], lambda x: 1 / (1 + np.exp(-x)),
     domain=(-4.0, 4.0), kernel=True)
_row("expit/sigmoid", ("expit",), fs.sigmoid, [(3,)], lambda x: 1 / (1 + np.exp(-x)),
     domain=(-4.0, 4.0))
_row("logsumexp", ("logsumexp",), fsp.logsumexp, [(2, 3)], _lse)
_row("logsumexp/axis", ("logsumexp",), lambda x: fsp.logsumexp(x, axis=-1), [(2, 3)],
     lambda x: _lse(x, axis=-1))
_row("logsumexp/axes-keepdims", ("logsumexp",),
     lambda x: fsp.logsumexp(x, axis=(0, 2), keepdims=True), [(2, 3, 2)],
     lambda x: _lse(x, axis=(0, 2), keepdims=True))
_W = np.array([[1.0, 0.0, 2.0]])
_row("logsumexp/weights", ("logsumexp", "add"), lambda x: fsp.logsumexp(x, axis=1, b=_W),
     [(2, 3)], lambda x: np.log(np.sum(_W * np.exp(x), axis=1)).astype(x.dtype))
_row("logsumexp/traced-weights", ("logsumexp", "add", "log"),
     lambda x, w: fsp.logsumexp(x, b=w), [(2, 3), (3,)],
     lambda x, w: np.log(np.sum(w * np.exp(x))), domain=((-2.0, 2.0), (0.5, 2.0)))

# Far from 0 the derivative rules must work from shifted inputs (exp(x - out) is
# off by ulp(out) in the exponent); float64 only: float32 finite differences at
# 1e3 have too few digits to check anything.
_LARGE = dict(domain=(998.0, 1002.0), dtypes=("float64",))


def _shifted_lse(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = _lse(x - m, axis=axis, keepdims=True) + m
    return out if keepdims else np.squeeze(out, axis=axis)


_row("logsumexp/large-offset", ("logsumexp",), lambda x: fsp.logsumexp(x, axis=-1),
     [(2, 3)], lambda x: _shifted_lse(x, axis=-1), **_LARGE)
_row("logaddexp/large-offset", ("logaddexp",), lambda x, y: np.logaddexp(x, y), [(2, 3), (3,)],
     np.logaddexp, **_LARGE)

# -- composites ---------------------------------------------------------------------------
_row("softmax", ("logsumexp", "subtract", "exp"), fsp.softmax, [(2, 3)],
     lambda x: np.exp(x) / np.sum(np.exp(x)))
_row("softmax/last-axis", ("logsumexp", "subtract", "exp"), fs.softmax, [(2, 3)],
     lambda x: np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True))
_row("softmax/large-offset", ("logsumexp", "subtract", "exp"), fs.softmax, [(2, 3)],
     lambda x: np.exp(x - _shifted_lse(x, axis=-1, keepdims=True)), **_LARGE)
_row("log_softmax", ("logsumexp", "subtract"), lambda x: fsp.log_softmax(x, axis=0),
     [(2, 3)], lambda x: x - _lse(x, axis=0, keepdims=True))
_row("log_softmax/last-axis", ("logsumexp", "subtract"), fs.log_softmax, [(2, 3)],
     lambda x: x - _lse(x, axis=-1, keepdims=True))
_row("logit", ("log", "log1p", "subtract", "negative"), fsp.logit, [(2, 3)],
     lambda x: np.log(x / (1 - x)), domain=(0.1, 0.9))
_row("softplus", ("logaddexp",), fs.softplus, [(2, 3)], lambda x: np.log1p(np.exp(x)))
_row("log_sigmoid", ("logaddexp", "negative"), fs.log_sigmoid, [(2, 3)],
     lambda x: -np.log1p(np.exp(-x)))
_row("gelu", ("erfc", "multiply"), fs.gelu, [(2, 3)],
     lambda x: (0.5 * x * (1 + _math(math.erf)(x / np.sqrt(2.0)))).astype(x.dtype))
_row("gelu/tanh", ("tanh", "multiply", "add"), lambda x: fs.gelu(x, approximate="tanh"),
     [(2, 3)], lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))))
