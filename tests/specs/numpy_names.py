"""Spec rows: the numpy names of issue 10 composed from existing primitives
(``functrace/numpy/_math_extra.py``, ``_statistics.py``, ``_shape_more.py``,
``_calculus.py``, ``_creation_traced.py``) and the constant primitives of
``functrace/primitives/nondiff_extra.py``.

Each row checks the function against numpy's (value and dtype) and its derivatives
to second order by finite differences, in float64 and float32. Functions whose output
shape depends on the values (``unique``, set operations, ``trim_zeros``) cannot be
batched by vmap, which every row is (tests/test_batching_rules.py): they are checked
the same way in tests/test_numpy_names.py.
"""
import numpy as np

import functrace.numpy as fnp
from functrace.flatten_util import ravel_pytree
from functrace.primitives.nondiff_extra import nextafter_p

from ._spec import Spec, away_from_zero, choice_of
from .shape import distinct

SPECS: list = []
_F64 = {"scale_invisible": "numpy computes this in float64: float32 input is cast first"}


def _row(name, prims, fn, shapes, reference, **kw):
    SPECS.append(Spec(name, prims, fn, shapes, reference=reference, **kw))


def _same(name, prims, shapes, *consts, label=None, **kw):
    """A row for ``fnp.<name>(*arrays, *consts)`` against ``np.<name>``."""
    def fn(*a):
        return getattr(fnp, name)(*a, *consts)

    def ref(*a):
        return getattr(np, name)(*a, *consts)
    _row(label or name, prims, fn, shapes, ref, **kw)


def increasing(rng, shape, dtype):
    """Sorted values at least 0.5 apart (coordinates, sample points)."""
    return np.cumsum(rng.uniform(0.5, 1.5, size=shape), axis=-1)


def positive(rng, shape, dtype):
    return rng.uniform(0.5, 2.0, size=shape)


def with_nans(rng, shape, dtype):
    """Values with NaN at fixed places (one per row), never a whole slice of NaN."""
    x = distinct(rng, shape, dtype)
    flat = x.reshape(-1)
    flat[::4] = np.nan
    return x


# -- elementwise ----------------------------------------------------------------------------
for _name in ("deg2rad", "rad2deg", "radians", "degrees"):    # (tight: d/dx is only pi/180)
    _same(_name, ("multiply",), [(2, 3)], rtol=1e-4, atol=1e-7)
_same("fabs", ("absolute",), [(2, 3)], domain=away_from_zero(0.1, 2.0))
_same("logaddexp2", ("logaddexp", "multiply"), [(3,), (2, 3)])
_same("sinc", ("sin", "where", "divide"), [(2, 3)], domain=away_from_zero(0.05, 2.0))
_same("sinc", ("multiply", "where"), [(2, 3)], label="sinc/near-zero",
      domain=choice_of(0.0, 0.0005, -0.0007, 0.002))
_same("nan_to_num", ("where",), [(2, 4)], domain=choice_of(np.nan, np.inf, -np.inf, 0.5, -1.5),
      order=2)
_same("fmod", ("subtract", "multiply"), [(2, 3), (3,)], domain=((2.1, 2.9), (1.5, 1.9)))
_same("copysign", ("absolute", "where"), [(2, 3), (3,)],
      domain=(away_from_zero(0.2, 2.0), away_from_zero(0.2, 2.0)))
_STEPS = np.array([[-1.0, 0.0, 1.0], [0.0, 2.0, 0.0]])      # x1 fixed: jumps at 0
_row("heaviside", ("where",), lambda x2: fnp.heaviside(_STEPS.astype(x2.dtype), x2), [(2, 3)],
     lambda x2: np.heaviside(_STEPS.astype(x2.dtype), x2))
_row("modf", ("subtract",), lambda x: fnp.modf(x), [(2, 3)], np.modf,
     domain=away_from_zero(0.1, 0.9))
_row("ldexp", ("multiply",), lambda x: fnp.ldexp(x, np.array([1, -2, 3])), [(2, 3)],
     lambda x: np.ldexp(x, np.array([1, -2, 3])))

# -- constants (the non-differentiable primitives) -------------------------------------------
# (inputs at the jumps on purpose: finite differences cannot see "locally constant" there)
_same("signbit", ("signbit",), [(2, 3)], domain=choice_of(-1.0, 0.0, -0.0, 2.0), order=0,
      extra={"locally_constant": False})
_same("isclose", ("isclose",), [(2, 3), (3,)], domain=choice_of(1.0, 1.0 + 1e-9, 2.0),
      order=0, extra={"locally_constant": False})
_row("searchsorted", ("searchsorted",),
     lambda v: fnp.searchsorted(np.array([-1.0, 0.0, 0.5, 1.0]), v), [(2, 3)],
     lambda v: np.searchsorted(np.array([-1.0, 0.0, 0.5, 1.0]), v), order=0)
_row("searchsorted/right", ("searchsorted",),
     lambda v: fnp.searchsorted(np.array([-1.0, 0.0, 0.5, 1.0]), v, side="right"), [(5,)],
     lambda v: np.searchsorted(np.array([-1.0, 0.0, 0.5, 1.0]), v, side="right"),
     order=0, domain=choice_of(-1.0, 0.0, 0.7), extra={"locally_constant": False})

# -- reductions and statistics ---------------------------------------------------------------
for _name, _prims in (("nansum", ("reduce_sum", "where")), ("nanmean", ("reduce_sum", "where")),
                      ("nanvar", ("reduce_sum", "where")), ("nanstd", ("sqrt", "reduce_sum")),
                      ("nanmax", ("reduce_max", "where")), ("nanmin", ("reduce_min", "where")),
                      ("nanprod", ("reduce_prod", "where")),
                      ("nanmedian", ("getitem",))):
    _same(_name, _prims, [(3, 4)], domain=with_nans)
    _row(f"{_name}/axis", _prims, lambda x, n=_name: getattr(fnp, n)(x, axis=1, keepdims=True),
         [(3, 4)], lambda x, n=_name: getattr(np, n)(x, axis=1, keepdims=True), domain=with_nans)
_same("nancumsum", ("cumsum", "where"), [(3, 4)], 1, domain=with_nans)
_same("nancumprod", ("cumprod", "where"), [(3, 4)], 0, domain=with_nans)
_same("median", ("getitem",), [(3, 4)], domain=distinct)
_same("median", ("getitem",), [(3, 5)], 1, label="median/axis-odd", domain=distinct)
_same("quantile", ("getitem", "multiply"), [(3, 4)], [0.1, 0.5, 0.95], 0, domain=distinct,
      label="quantile/axis0", extra=_F64)
_same("percentile", ("getitem", "multiply"), [(2, 3, 4)], 30.0, (0, 2), domain=distinct)
_same("nanquantile", ("getitem", "multiply"), [(3, 4)], [0.2, 0.7], 1, domain=with_nans,
      extra=_F64)
_same("nanpercentile", ("getitem", "multiply"), [(12,)], 90.0, domain=with_nans)
_row("quantile/traced-q", ("multiply", "getitem"), lambda x, q: fnp.quantile(x, q), [(5,), ()],
     lambda x, q: np.quantile(x, q), domain=(distinct, (0.3, 0.34)))
_row("average/weights", ("reduce_sum", "divide"),
     lambda x, w: fnp.average(x, axis=1, weights=w), [(2, 3), (3,)],
     lambda x, w: np.average(x, axis=1, weights=w), domain=((-2, 2), (0.5, 2.0)))
_row("average/full-weights", ("reduce_sum", "divide"),
     lambda x, w: fnp.average(x, weights=w, returned=True), [(2, 3), (2, 3)],
     lambda x, w: np.average(x, weights=w, returned=True), domain=((-2, 2), (0.5, 2.0)))
_same("average", ("reduce_sum",), [(2, 3)], 0)
_same("ptp", ("reduce_max", "reduce_min"), [(3, 4)], 1, domain=distinct)
_same("cov", ("matmul", "reduce_sum"), [(3, 5)], extra=_F64)
_row("cov/y-rowvar-ddof", ("matmul",), lambda x, y: fnp.cov(x, y, rowvar=False, ddof=0),
     [(5, 2), (5,)], lambda x, y: np.cov(x, y, rowvar=False, ddof=0), extra=_F64)
_same("corrcoef", ("matmul", "sqrt"), [(3, 5)], extra=_F64)
_row("cumulative_sum", ("cumsum", "pad"),
     lambda x: fnp.cumulative_sum(x, axis=1, include_initial=True), [(2, 3)],
     lambda x: np.concatenate([np.zeros_like(x[:, :1]), np.cumsum(x, axis=1)], axis=1))
_row("cumulative_prod", ("cumprod",), lambda x: fnp.cumulative_prod(x), [(4,)],
     lambda x: np.cumprod(x))

# -- shapes and selection ---------------------------------------------------------------------
_same("append", ("concatenate",), [(2, 3), (3,)])
_same("append", ("concatenate",), [(2, 3), (1, 3)], 0, label="append/axis")
_same("fliplr", ("flip",), [(2, 3)])
_same("flipud", ("flip",), [(2, 3)])
_same("rollaxis", ("transpose",), [(2, 3, 4)], 2, 1)
for _k in (1, 2, 3):
    _same("rot90", ("flip",), [(2, 3, 2)], _k, (0, 2), label=f"rot90/k{_k}")
for _name in ("tril", "triu"):
    _same(_name, ("where",), [(2, 3, 4)], label=f"{_name}/batch")
    _same(_name, ("where",), [(3, 3)], -1, label=f"{_name}/k")
_same("diff", ("subtract",), [(3, 5)], 2, 1)
_row("diff/prepend-append", ("subtract", "concatenate"),
     lambda x, y: fnp.diff(x, prepend=y, append=y), [(2, 3), (2, 1)],
     lambda x, y: np.diff(x, prepend=y, append=y))
_row("ediff1d", ("subtract", "concatenate"), lambda x, y: fnp.ediff1d(x, to_begin=y),
     [(2, 3), (2,)], lambda x, y: np.ediff1d(x, to_begin=y))
_same("kron", ("multiply", "reshape"), [(2, 3), (2, 1, 2)])
_same("cross", ("multiply", "getitem"), [(4, 3), (3,)])
_same("cross", ("multiply", "getitem"), [(3, 4), (3, 4)], 0, 0, label="cross/axes")
_row("select", ("where",),
     lambda x, y: fnp.select([x > 0.5, x < -1.0], [x * y, y], default=x), [(2, 3), (3,)],
     lambda x, y: np.select([x > 0.5, x < -1.0], [x * y, y], default=x))
_same("partition", ("getitem",), [(7,)], 3, domain=distinct)
_same("partition", ("getitem",), [(3, 5)], 1, 0, label="partition/axis0", domain=distinct)
_same("delete", ("getitem",), [(3, 4)], [0, 2], 1)
_row("insert", ("getitem", "concatenate"), lambda x, v: fnp.insert(x, 1, v, axis=1),
     [(3, 4), (3,)], lambda x, v: np.insert(x, 1, v, axis=1))
_row("insert/positions", ("getitem", "concatenate"), lambda x, v: fnp.insert(x, [0, 2, 2], v),
     [(2, 2), (3,)], lambda x, v: np.insert(x, [0, 2, 2], v))
_same("diagflat", ("reshape",), [(2, 2)], 1)
_row("block", ("concatenate",), lambda a, b, c: fnp.block([[a, b], [c, 1.5]]),
     [(2, 2), (2, 1), (1, 2)], lambda a, b, c: np.block([[a, b], [c, 1.5]]))
_same("permute_dims", ("transpose",), [(2, 3, 4)], (2, 0, 1))
_same("matrix_transpose", ("transpose",), [(2, 3, 4)])
_row("broadcast_arrays", ("broadcast_to",), lambda x, y: fnp.broadcast_arrays(x, y),
     [(2, 1), (3,)], lambda x, y: np.broadcast_arrays(x, y))
_row("unstack", ("getitem",), lambda x: fnp.unstack(x, axis=1), [(2, 3)],
     lambda x: tuple(np.moveaxis(x, 1, 0)))
_row("compress", ("getitem",), lambda x: fnp.compress([True, False, True], x, axis=0), [(3, 2)],
     lambda x: np.compress([True, False, True], x, axis=0))
_row("extract", ("getitem",), lambda x: fnp.extract(np.eye(2, 3) > 0, x), [(2, 3)],
     lambda x: np.extract(np.eye(2, 3) > 0, x))
_row("bincount/weights", ("astype", "where"),
     lambda w: fnp.bincount(np.array([0, 2, 2, 4]), weights=w), [(4,)],
     lambda w: np.bincount(np.array([0, 2, 2, 4]), weights=w))

# -- calculus, polynomials, signals -----------------------------------------------------------
_same("gradient", ("subtract", "divide"), [(4, 5)], label="gradient/all-axes")
_row("gradient/edge2-spacing", ("subtract", "divide"),
     lambda f: fnp.gradient(f, 0.5, axis=1, edge_order=2), [(3, 5)],
     lambda f: np.gradient(f, 0.5, axis=1, edge_order=2))
for _order in (1, 2):
    _row(f"gradient/coordinates-edge{_order}", ("multiply", "divide"),
         lambda f, x, o=_order: fnp.gradient(f, x, axis=0, edge_order=o), [(5, 2), (5,)],
         lambda f, x, o=_order: np.gradient(f, x, axis=0, edge_order=o),
         domain=((-2, 2), increasing))
_row("trapezoid/x", ("multiply", "reduce_sum"), lambda y, x: fnp.trapezoid(y, x, axis=0),
     [(4, 2), (4,)], lambda y, x: np.trapezoid(y, x, axis=0), domain=((-2, 2), increasing))
_row("trapezoid/dx", ("reduce_sum",), lambda y: fnp.trapezoid(y, dx=0.3), [(2, 5)],
     lambda y: np.trapezoid(y, dx=0.3))
_row("interp", ("astype", "multiply", "divide", "getitem"), lambda x, xp, fp: fnp.interp(x, xp, fp),
     [(2, 3), (4,), (4,)], lambda x, xp, fp: np.interp(x, xp, fp),
     domain=((0.0, 6.0), increasing, (-2, 2)))
_row("interp/left-right", ("astype", "multiply", "where"),
     lambda x, fp: fnp.interp(x, np.array([0.0, 1.0, 2.0]), fp, left=-3.0, right=fp[0]),
     [(6,), (3,)], lambda x, fp: np.interp(x, np.array([0.0, 1.0, 2.0]), fp, left=-3.0,
                                            right=fp[0]), domain=((-1.0, 3.0), (-2, 2)))
_same("polyval", ("multiply", "add"), [(4,), (2, 3)])
_same("vander", ("astype", "multiply",), [(3,)], 4)
_row("vander/increasing", ("astype", "multiply",), lambda x: fnp.vander(x, increasing=True), [(3,)],
     lambda x: np.vander(x, increasing=True), domain=choice_of(0.0, 1.5, -0.5))
for _mode in ("full", "same", "valid"):
    for _shapes in (((5,), (3,)), ((2,), (4,))):
        _same("convolve", ("convolve_nd",), list(_shapes), _mode,
              label=f"convolve/{_mode}-{_shapes[0][0]}-{_shapes[1][0]}")
        _same("correlate", ("convolve_nd",), list(_shapes), _mode,
              label=f"correlate/{_mode}-{_shapes[0][0]}-{_shapes[1][0]}")
_same("vdot", ("multiply", "reduce_sum"), [(2, 3), (2, 3)])
_same("vecdot", ("multiply", "reduce_sum"), [(2, 3), (3,)])
# References written without numpy >= 2.1's names, so the rows run on the numpy floor (2.0).
_row("matvec", ("matmul",), fnp.matvec, [(2, 3, 4), (4,)],
     lambda a, v: np.einsum("...ij,...j->...i", a, v))
_row("vecmat", ("matmul",), fnp.vecmat, [(3,), (2, 3, 4)],
     lambda v, a: np.einsum("...i,...ij->...j", v, a))

# -- creation with traced values --------------------------------------------------------------
_row("linspace/traced", ("multiply", "add"), lambda a, b: fnp.linspace(a, b, 5), [(), ()],
     lambda a, b: np.linspace(a, b, 5))
_row("linspace/arrays-axis-retstep", ("multiply", "add"),
     lambda a, b: fnp.linspace(a, b, 4, endpoint=False, retstep=True, axis=-1), [(2,), (3, 1)],
     lambda a, b: np.linspace(a, b, 4, endpoint=False, retstep=True, axis=-1))
_row("logspace/traced", ("power",), lambda a, b: fnp.logspace(a, b, 4, base=2.0), [(), (2,)],
     lambda a, b: np.logspace(a, b, 4, base=2.0))
_row("geomspace/traced", ("exp", "log"), lambda a, b: fnp.geomspace(a, b, 4), [(), ()],
     lambda a, b: np.geomspace(a, b, 4), domain=positive, extra=_F64)
_row("full/traced", ("broadcast_to",), lambda v: fnp.full((2, 3), v), [()],
     lambda v: np.full((2, 3), v))
_row("meshgrid/traced", ("broadcast_to", "reshape"), lambda x, y: fnp.meshgrid(x, y), [(2,), (3,)],
     lambda x, y: np.meshgrid(x, y))
_row("meshgrid/ij-sparse", ("reshape",), lambda x, y: fnp.meshgrid(x, y, indexing="ij",
                                                               sparse=True),
     [(2,), (3,)], lambda x, y: np.meshgrid(x, y, indexing="ij", sparse=True))
_row("ravel_pytree", ("concatenate", "reshape"),
     lambda x, y: ravel_pytree({"b": x, "a": [y]})[1](2.0 * ravel_pytree({"b": x, "a": [y]})[0]),
     [(2, 3), ()], lambda x, y: {"b": 2.0 * x, "a": [2.0 * y]})

# -- polynomials, sets, user functions (functrace/numpy/_more_names.py) ------------------------
for _name in ("polyadd", "polysub", "polymul"):
    _same(_name, ("convolve_nd",) if _name == "polymul" else ("concatenate",), [(3,), (5,)])
_INT_POWERS = {"scale_invisible": "numpy scales by int64 powers: the result is float64"}
_same("polyder", ("multiply",), [(5,)], 2, extra=_INT_POWERS)
_row("polyint", ("divide", "concatenate"), lambda p, k: fnp.polyint(p, 2, k), [(3,), (2,)],
     lambda p, k: np.polyint(p, 2, k), extra=_INT_POWERS)
_same("poly", ("convolve_nd",), [(3,)])
_row("apply_along_axis", ("multiply", "getitem"),
     lambda x: fnp.apply_along_axis(lambda v: v[:2] * v[1:], 1, x), [(2, 3)],
     lambda x: np.apply_along_axis(lambda v: v[:2] * v[1:], 1, x))
_row("apply_over_axes", ("reduce_sum",), lambda x: fnp.apply_over_axes(fnp.sum, x, [0, 2]),
     [(2, 3, 2)], lambda x: np.apply_over_axes(np.sum, x, [0, 2]))
_row("piecewise", ("where", "multiply"),
     lambda x: fnp.piecewise(x, [x < -0.5, x > 0.5], [lambda t: t * t, lambda t: -t, 0.25]),
     [(3, 4)], lambda x: np.piecewise(x, [x < -0.5, x > 0.5], [lambda t: t * t, lambda t: -t,
                                                                0.25]),
     domain=away_from_zero(0.1, 2.0))
_row("choose", ("where",), lambda x, y: fnp.choose(np.array([[0, 1, 1], [1, 0, 0]]), [x, y]),
     [(2, 3), (3,)], lambda x, y: np.choose(np.array([[0, 1, 1], [1, 0, 0]]), [x, y]))
_same("resize", ("getitem", "reshape"), [(2, 3)], (4, 2))
_row("unwrap", ("add", "subtract"), lambda p: fnp.unwrap(p * 3.0), [(6,)],
     lambda p: np.unwrap(p * 3.0), domain=(0.1, 2.0))
_same("frexp", ("multiply",), [(2, 3)], domain=away_from_zero(0.3, 3.0))
_row("nextafter", ("add",), lambda x: fnp.nextafter(x, 5.0), [(2, 3)],
     lambda x: np.nextafter(x, 5.0))
_row("nextafter/primitive", ("nextafter",), lambda x: nextafter_p.bind(x, 5.0), [(2, 3)],
     lambda x: np.nextafter(x, 5.0), order=0, extra={"locally_constant": False})
_row("frexp/exponent", ("frexp_exponent",), lambda x: fnp.frexp(x)[1], [(2, 3)],
     lambda x: np.frexp(x)[1], order=0, domain=away_from_zero(0.3, 3.0))
