"""Spec rows: reductions (``functrace/primitives/reductions.py``), the composite
reductions built on them (mean, var, std, linalg.norm), and the index-valued
non-differentiable reductions (argmax, argmin, argsort).

Inputs are random, so max/min have no ties here; ties are value-tested in
``tests/test_kinks.py`` (finite differences are invalid at a tie).
"""
import numpy as np

import functrace.numpy as fnp
from functrace.numpy._reductions import normalize_axes
from functrace.primitives.reductions import logcumsumexp_p, reduce_mean_p

from ._spec import Spec

SPECS: list = []

# (axis, keepdims) variants on a (2, 3) matrix, plus 3-D and 0-d/1-d cases.
AXES_2D = [(None, False), (0, False), (1, False), (-1, True), ((0, 1), True), (None, True)]


def _axis_id(axis, keepdims):
    a = "all" if axis is None else "".join(str(i) for i in np.atleast_1d(axis))
    return f"axis={a}" + (",keep" if keepdims else "")


def _reduction_rows(prim, f, ref, extra_prims=(), domain=(-2.0, 2.0), **kw):
    rows = [Spec(f"{prim}/{f.__name__}/{_axis_id(axis, keep)}", (prim, *extra_prims),
                 lambda x, axis=axis, keep=keep: f(x, axis=axis, keepdims=keep), [(2, 3)],
                 domain, reference=lambda x, axis=axis, keep=keep: ref(x, axis=axis,
                                                                       keepdims=keep), **kw)
            for axis, keep in AXES_2D]
    rows.append(Spec(f"{prim}/{f.__name__}/3d-axis=02", (prim, *extra_prims),
                     lambda x: f(x, axis=(0, 2)), [(2, 3, 2)], domain,
                     reference=lambda x: ref(x, axis=(0, 2)), **kw))
    rows.append(Spec(f"{prim}/{f.__name__}/1d", (prim, *extra_prims), f, [(4,)], domain,
                     reference=ref, **kw))
    return rows


SPECS += _reduction_rows("reduce_sum", fnp.sum, np.sum)
SPECS += _reduction_rows("reduce_max", fnp.max, np.max)
SPECS += _reduction_rows("reduce_min", fnp.min, np.min)
SPECS += _reduction_rows("reduce_sum", fnp.mean, np.mean, ("divide",))


def mean_node(x, axis=None, keepdims=False):
    """The Tensor facade's mean: one ``reduce_mean`` node."""
    return reduce_mean_p.bind(x, axes=normalize_axes(axis, np.ndim(x)), keepdims=keepdims)


SPECS += _reduction_rows("reduce_mean", mean_node, np.mean)
SPECS += _reduction_rows("reduce_sum", fnp.var, np.var, ("subtract", "multiply", "divide"))
SPECS += _reduction_rows("reduce_sum", fnp.std, np.std, ("subtract", "multiply", "sqrt"))

SPECS += [
    Spec("reduce_sum/sum-0d", ("reduce_sum",), fnp.sum, [()], reference=np.sum),
    Spec("reduce_sum/method", ("reduce_sum",), lambda x: x.sum(axis=0), [(2, 3)],
         reference=lambda x: x.sum(axis=0)),
    Spec("reduce_max/method", ("reduce_max",), lambda x: x.max(axis=1), [(2, 3)],
         reference=lambda x: x.max(axis=1)),
    Spec("reduce_min/amin", ("reduce_min",), lambda x: fnp.amin(x, axis=0), [(2, 3)],
         reference=lambda x: np.amin(x, axis=0)),
    Spec("reduce_max/amax", ("reduce_max",), lambda x: fnp.amax(x, axis=0), [(2, 3)],
         reference=lambda x: np.amax(x, axis=0)),
    Spec("reduce_sum/var-ddof1", ("reduce_sum",), lambda x: fnp.var(x, axis=1, ddof=1),
         [(2, 3)], reference=lambda x: np.var(x, axis=1, ddof=1)),
    Spec("reduce_sum/std-ddof1", ("reduce_sum", "sqrt"), lambda x: fnp.std(x, ddof=1),
         [(2, 3)], reference=lambda x: np.std(x, ddof=1)),
    Spec("reduce_sum/norm", ("reduce_sum", "sqrt"), fnp.linalg.norm, [(2, 3)],
         reference=np.linalg.norm),
    Spec("reduce_sum/norm-axis", ("reduce_sum", "sqrt"),
         lambda x: fnp.linalg.norm(x, axis=1, keepdims=True), [(2, 3)],
         reference=lambda x: np.linalg.norm(x, axis=1, keepdims=True)),
    Spec("cumsum/flat", ("cumsum",), fnp.cumsum, [(2, 3)], reference=np.cumsum),
    Spec("cumsum/axis=0", ("cumsum",), lambda x: fnp.cumsum(x, axis=0), [(2, 3)],
         reference=lambda x: np.cumsum(x, axis=0)),
    Spec("cumsum/axis=-1", ("cumsum",), lambda x: fnp.cumsum(x, axis=-1), [(2, 3)],
         reference=lambda x: np.cumsum(x, axis=-1)),
    Spec("cumsum/method-nonlinear", ("cumsum", "sin"), lambda x: fnp.sin(x.cumsum(axis=1)),
         [(2, 3)], reference=lambda x: np.sin(x.cumsum(axis=1))),
]


def _constant(name, prims, fn, shapes, reference):
    return Spec(name, prims, fn, shapes, order=0, reference=reference)


SPECS += [
    _constant("argmax/flat", ("argmax",), fnp.argmax, [(2, 3)], np.argmax),
    _constant("argmax/axis=1,keep", ("argmax",),
              lambda x: fnp.argmax(x, axis=1, keepdims=True), [(2, 3)],
              lambda x: np.argmax(x, axis=1, keepdims=True)),
    _constant("argmax/method", ("argmax",), lambda x: x.argmax(axis=0), [(2, 3)],
              lambda x: x.argmax(axis=0)),
    _constant("argmin/flat", ("argmin",), fnp.argmin, [(2, 3)], np.argmin),
    _constant("argmin/axis=0", ("argmin",), lambda x: fnp.argmin(x, axis=0), [(2, 3)],
              lambda x: np.argmin(x, axis=0)),
    _constant("any/flat", ("reduce_any",), lambda x: fnp.any(x > 0), [(2, 3)],
              lambda x: np.any(x > 0)),
    _constant("any/axis=1,keep", ("reduce_any",), lambda x: fnp.any(x > 0.5, axis=1, keepdims=True),
              [(2, 3)], lambda x: (x > 0.5).any(axis=1, keepdims=True)),
    _constant("all/flat", ("reduce_all",), lambda x: fnp.all(x > -1.5), [(2, 3)],
              lambda x: np.all(x > -1.5)),
    _constant("all/axis=0", ("reduce_all",), lambda x: fnp.all(x > 0, axis=0), [(2, 3)],
              lambda x: (x > 0).all(axis=0)),
    _constant("argsort/last", ("argsort",), fnp.argsort, [(2, 3)], np.argsort),
    _constant("argsort/axis=0", ("argsort",), lambda x: fnp.argsort(x, axis=0), [(3, 2)],
              lambda x: np.argsort(x, axis=0)),
    _constant("argsort/method-stable", ("argsort",), lambda x: x.argsort(kind="stable"),
              [(4,)], lambda x: x.argsort(kind="stable")),
]

# logcumsumexp: inputs spanning a wide range too (a shift by the maximum would underflow)
SPECS += [
    Spec("logcumsumexp/axis=1", ("logcumsumexp",),
         lambda x: logcumsumexp_p.bind(x, axis=1), [(2, 3)],
         reference=lambda x: np.log(np.cumsum(np.exp(x), axis=1))),
    Spec("logcumsumexp/axis=0", ("logcumsumexp",),
         lambda x: logcumsumexp_p.bind(x, axis=0), [(3, 2)],
         reference=lambda x: np.log(np.cumsum(np.exp(x), axis=0))),
    Spec("logcumsumexp/wide", ("logcumsumexp", "multiply"),
         lambda x: logcumsumexp_p.bind(x * 300.0, axis=0), [(4,)], dtypes=("float64",),
         reference=lambda x: np.logaddexp.accumulate(x * 300.0)),
]
