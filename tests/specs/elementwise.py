"""Spec rows: elementwise primitives (``functrace/primitives/arithmetic.py``,
``transcendental.py``, ``selection.py``) and the elementwise non-differentiable ones
(``functrace/primitives/nondiff.py``).

Every unary op gets one row on a small matrix inside its domain; every binary op
gets one row per shape pair in :data:`BROADCAST_PAIRS`, plus rows for Python
scalars mixed in. Non-differentiable ops are ``order=0`` rows (see ``Spec``); rounding,
piecewise constant, has ordinary rows (its derivatives are zero away from the jumps).
The rows marked ``kernel=True`` also drive the compiled kernels' tests: the unary
rows on a matrix, the binary rows on two matrices of one shape, and the selection
rows with ties (and NaN for fmax/fmin).
"""
import numpy as np

import functrace
import functrace.numpy as fnp

from ._spec import BROADCAST_PAIRS, Spec, away_from_zero, choice_of, pair_id

SPECS: list = []

POSITIVE = (0.5, 2.0)
UNIT = (-0.8, 0.8)
NONZERO = away_from_zero(0.3, 2.0)

# -- unary: (primitive, functrace fn, numpy fn, domain, overrides) -------------------
UNARY = [
    ("negative", fnp.negative, np.negative, (-2.0, 2.0), {}),
    ("square", fnp.square, np.square, (-2.0, 2.0), {}),
    ("sqrt", fnp.sqrt, np.sqrt, POSITIVE, {}),
    ("cbrt", fnp.cbrt, np.cbrt, NONZERO, {}),
    ("reciprocal", fnp.reciprocal, np.reciprocal, away_from_zero(0.5, 2.0), {}),
    ("absolute", fnp.absolute, np.absolute, NONZERO, {}),
    ("exp", fnp.exp, np.exp, (-2.0, 2.0), {}),
    ("exp2", fnp.exp2, np.exp2, (-2.0, 2.0), {}),
    ("expm1", fnp.expm1, np.expm1, (-2.0, 2.0), {}),
    ("log", fnp.log, np.log, POSITIVE, {}),
    ("log2", fnp.log2, np.log2, POSITIVE, {}),
    ("log10", fnp.log10, np.log10, POSITIVE, {}),
    ("log1p", fnp.log1p, np.log1p, (-0.5, 2.0), {}),
    ("sin", fnp.sin, np.sin, (-3.0, 3.0), {}),
    ("cos", fnp.cos, np.cos, (-3.0, 3.0), {}),
    ("tan", fnp.tan, np.tan, (-1.2, 1.2), {}),
    ("arcsin", fnp.arcsin, np.arcsin, UNIT, {}),
    ("arccos", fnp.arccos, np.arccos, UNIT, {}),
    ("arctan", fnp.arctan, np.arctan, (-2.0, 2.0), {}),
    ("sinh", fnp.sinh, np.sinh, (-2.0, 2.0), {}),
    ("cosh", fnp.cosh, np.cosh, (-2.0, 2.0), {}),
    ("tanh", fnp.tanh, np.tanh, (-2.0, 2.0), {}),
    ("arcsinh", fnp.arcsinh, np.arcsinh, (-2.0, 2.0), {}),
    ("arccosh", fnp.arccosh, np.arccosh, (1.2, 3.0), {}),
    ("arctanh", fnp.arctanh, np.arctanh, UNIT, {}),
]

for prim, f, ref, domain, kw in UNARY:
    SPECS.append(Spec(prim, (prim,), f, [(2, 3)], domain, reference=ref, kernel=True, **kw))
    SPECS.append(Spec(f"{prim}/0d", (prim,), f, [()], domain, reference=ref, **kw))

# -- binary, one row per broadcasting pair ------------------------------------------
BINARY = [
    ("add", fnp.add, np.add, (-2.0, 2.0)),
    ("subtract", fnp.subtract, np.subtract, (-2.0, 2.0)),
    ("multiply", fnp.multiply, np.multiply, (-2.0, 2.0)),
    ("divide", fnp.divide, np.divide, ((-2.0, 2.0), away_from_zero(0.5, 2.0))),
    ("power", fnp.power, np.power, (POSITIVE, (-2.0, 2.0))),
    ("arctan2", fnp.arctan2, np.arctan2, (away_from_zero(0.3, 2.0), (-2.0, 2.0))),
    ("maximum", fnp.maximum, np.maximum, (-2.0, 2.0)),
    ("minimum", fnp.minimum, np.minimum, (-2.0, 2.0)),
    ("fmax", fnp.fmax, np.fmax, (-2.0, 2.0)),
    ("fmin", fnp.fmin, np.fmin, (-2.0, 2.0)),
    ("hypot", fnp.hypot, np.hypot, (NONZERO, NONZERO)),
    ("logaddexp", fnp.logaddexp, np.logaddexp, (-2.0, 2.0)),
]

SELECTION = ("maximum", "minimum", "fmax", "fmin")      # kernel rows with ties, below
for prim, f, ref, domain in BINARY:
    for shapes in BROADCAST_PAIRS:
        SPECS.append(Spec(f"{prim}/{pair_id(shapes)}", (prim,), f, list(shapes), domain,
                          reference=ref,
                          kernel=shapes == ((2, 3), (2, 3)) and prim not in SELECTION))

# Ties split the gradient evenly; the one-sided finite differences agree there (1/2
# each), but the derivative jumps, so order 1. fmax/fmin give the whole gradient to
# the argument that is not NaN.
TIES = choice_of(-1.5, -0.5, 0.25, 1.0, 2.0)
TIES_NAN = choice_of(-1.5, -0.5, 0.25, 1.0, 2.0, np.nan)
for prim, f, ref, domain in BINARY:
    if prim in SELECTION:
        nan = prim in ("fmax", "fmin")
        SPECS.append(Spec(f"{prim}/ties{'-nan' if nan else ''}", (prim,), f, [(2, 3), (2, 3)],
                          (TIES, TIES_NAN if nan else TIES), order=1, reference=ref,
                          kernel=True))

# -- operators and Python scalars mixed in -----------------------------------------
SPECS += [
    Spec("add/operator-scalar", ("add",), lambda x: 1.5 + x + 2, [(3,)],
         reference=lambda x: 1.5 + x + 2),
    Spec("subtract/operator-rscalar", ("subtract",), lambda x: 1.0 - x, [(3,)],
         reference=lambda x: 1.0 - x),
    Spec("multiply/operator-scalar", ("multiply",), lambda x: 2.5 * x * 3, [(3,)],
         reference=lambda x: 2.5 * x * 3),
    Spec("multiply/same-operand", ("multiply",), lambda x: x * x, [(3,)],
         reference=lambda x: x * x),
    Spec("divide/operator-rscalar", ("divide",), lambda x: 1.0 / x, [(3,)], NONZERO,
         reference=lambda x: 1.0 / x),
    Spec("divide/operator-scalar", ("divide",), lambda x: x / 4.0, [(3,)],
         reference=lambda x: x / 4.0),
    Spec("negative/operator", ("negative",), lambda x: -x, [(3,)], reference=lambda x: -x),
    Spec("absolute/operator", ("absolute",), lambda x: abs(x), [(3,)], NONZERO,
         reference=np.abs),
    Spec("power/int-exponent", ("power",), lambda x: x ** 3, [(2, 3)],
         reference=lambda x: x ** 3),
    Spec("power/negative-int-exponent", ("power",), lambda x: x ** -2, [(2, 3)], NONZERO,
         reference=lambda x: x ** -2.0),
    Spec("power/float-exponent", ("power",), lambda x: x ** 1.5, [(2, 3)], POSITIVE,
         reference=lambda x: x ** 1.5),
    Spec("power/scalar-base", ("power",), lambda x: 2.0 ** x, [(2, 3)],
         reference=lambda x: 2.0 ** x),
    # the exponent takes x's dtype: a float64 exponent would promote the float32 row
    # to float64, leaving float32 power unchecked
    Spec("power/array-exponent-negative-base", ("power",),
         lambda x: fnp.power(x, np.array([2.0, 3.0, 4.0], x.dtype)), [(2, 3)],
         reference=lambda x: np.power(x, np.array([2.0, 3.0, 4.0], x.dtype))),
    Spec("power/zero-exponent", ("power",), lambda x: x ** 0 + x, [(3,)],
         reference=lambda x: x ** 0 + x,
         extra={"scale_invisible": "d/dx x**0 = 0: a relative error in power's rule "
                                   "does not change it"}),
]

# -- where and clip ------------------------------------------------------------------
COND = np.array([[True, False, True], [False, False, True]])

SPECS += [
    Spec("where/const-cond/2x3|2x3", ("where",), lambda x, y: fnp.where(COND, x, y),
         [(2, 3), (2, 3)], reference=lambda x, y: np.where(COND, x, y)),
    Spec("where/const-cond/3|s", ("where",), lambda x, y: fnp.where(COND, x, y),
         [(3,), ()], reference=lambda x, y: np.where(COND, x, y)),
    Spec("where/const-cond/s|2x1", ("where",), lambda x, y: fnp.where(COND, x, y),
         [(), (2, 1)], reference=lambda x, y: np.where(COND, x, y)),
    Spec("where/relu", ("where", "greater"), lambda x: fnp.where(x > 0, x, 0.0), [(2, 3)],
         away_from_zero(0.2, 2.0), reference=lambda x: np.where(x > 0, x, 0.0)),
    Spec("where/traced-cond-both", ("where", "less"),
         lambda x, y: fnp.where(x < y, x * y, fnp.sin(y)), [(3,), (2, 3)],
         reference=lambda x, y: np.where(x < y, x * y, np.sin(y))),
    Spec("clip/scalar-bounds", ("clip",), lambda x: fnp.clip(x, -0.5, 0.7), [(2, 3)],
         reference=lambda x: np.clip(x, -0.5, 0.7)),
    Spec("clip/one-sided", ("clip",), lambda x: fnp.clip(x, None, 0.3), [(2, 3)],
         reference=lambda x: np.clip(x, None, 0.3)),
    Spec("clip/method", ("clip",), lambda x: x.clip(-0.3, 1.0), [(2, 3)],
         reference=lambda x: x.clip(-0.3, 1.0)),
    Spec("clip/array-bounds", ("clip",), fnp.clip, [(2, 3), (3,), ()],
         ((-2.0, 2.0), (-1.5, -0.3), (0.3, 1.5)), reference=np.clip),
    Spec("clip/array-bounds-same-shape", ("clip",), fnp.clip, [(2, 3)] * 3,
         ((-2.0, 2.0), (-1.5, -0.3), (0.3, 1.5)), reference=np.clip, kernel=True),
]


# -- non-differentiable elementwise ops: order=0 rows ----------------------------------
def _constant(name, prims, fn, shapes, domain=(-2.0, 2.0), reference=None, **kw):
    return Spec(name, prims, fn, shapes, domain, order=0, reference=reference, **kw)


# -- piecewise constant (rounding): zero derivatives, checked away from the jumps --------
ROUNDING = [("sign", fnp.sign, np.sign, NONZERO), ("floor", fnp.floor, np.floor, None),
            ("ceil", fnp.ceil, np.ceil, None), ("trunc", fnp.trunc, np.trunc, None),
            ("rint", fnp.rint, np.rint, None)]
_ZERO = {"scale_invisible": "the derivative is zero: 1% of it is zero too"}
for prim, f, ref, domain in ROUNDING:
    SPECS.append(Spec(prim, (prim,), f, [(2, 3)], domain or (-3.0, 3.0), reference=ref,
                      extra=_ZERO))

SPECS += [
    Spec("round", ("round",), fnp.round, [(2, 3)], (-3.0, 3.0), reference=np.round,
         extra=_ZERO),
    Spec("round/decimals", ("round",), lambda x: fnp.round(x, 1), [(2, 3)], (-3.0, 3.0),
         reference=lambda x: np.round(x, 1), extra=_ZERO),
    Spec("round/method", ("round",), lambda x: x.round(), [(2, 3)], (-3.0, 3.0),
         reference=lambda x: x.round(), extra=_ZERO),
    Spec("floor/times-x", ("floor", "multiply"), lambda x: fnp.floor(x) * x, [(2, 3)],
         (-3.0, 3.0), reference=lambda x: np.floor(x) * x, extra=_ZERO),
]

COMPARISONS = [("equal", fnp.equal, np.equal, "=="), ("not_equal", fnp.not_equal,
               np.not_equal, "!="), ("less", fnp.less, np.less, "<"),
               ("less_equal", fnp.less_equal, np.less_equal, "<="),
               ("greater", fnp.greater, np.greater, ">"),
               ("greater_equal", fnp.greater_equal, np.greater_equal, ">=")]
_OPERATORS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
              "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
for prim, f, ref, op in COMPARISONS:
    SPECS.append(_constant(f"{prim}/3|2x3", (prim,), f, [(3,), (2, 3)], reference=ref))
    SPECS.append(_constant(f"{prim}/operator-scalar", (prim,),
                           lambda x, op=op: _OPERATORS[op](x, 0.5), [(2, 3)],
                           reference=lambda x, op=op: _OPERATORS[op](x, 0.5)))
# equal with actual equalities, not only random (distinct) values; true only at
# isolated points, so not locally constant there


def _some_integers(rng, shape, dtype):
    return rng.choice([-1.0, 0.5, 2.0, 1.5, 3.0], size=shape)


SPECS.append(_constant("equal/ties", ("equal", "round"), lambda x: fnp.round(x) == x,
                       [(2, 3)], _some_integers, reference=lambda x: np.round(x) == x,
                       extra={"locally_constant": False}))

LOGICAL = [("logical_and", fnp.logical_and, np.logical_and),
           ("logical_or", fnp.logical_or, np.logical_or),
           ("logical_xor", fnp.logical_xor, np.logical_xor)]
for prim, f, ref in LOGICAL:
    SPECS.append(_constant(prim, (prim, "greater"), lambda x, y, f=f: f(x > 0, y > 0),
                           [(3,), (2, 3)], reference=lambda x, y, ref=ref: ref(x > 0, y > 0)))
SPECS.append(_constant("logical_not", ("logical_not", "greater"),
                       lambda x: fnp.logical_not(x > 0), [(2, 3)],
                       reference=lambda x: np.logical_not(x > 0)))

_SPECIAL_VALUES = np.array([[0.5, np.inf, -np.inf], [np.nan, -1.0, 2.0]])


def _with_specials(x):
    """Mix inf and nan into the (float) argument, as constants."""
    return fnp.where(np.isfinite(_SPECIAL_VALUES), x, _SPECIAL_VALUES.astype(x.dtype))


def _with_specials_np(x):
    return np.where(np.isfinite(_SPECIAL_VALUES), x, _SPECIAL_VALUES.astype(x.dtype))


for prim, f, ref in [("isnan", fnp.isnan, np.isnan), ("isfinite", fnp.isfinite, np.isfinite),
                     ("isinf", fnp.isinf, np.isinf)]:
    SPECS.append(_constant(prim, (prim, "where"), lambda x, f=f: f(_with_specials(x)),
                           [(2, 3)], reference=lambda x, ref=ref: ref(_with_specials_np(x))))

SPECS += [
    _constant("zeros_like", ("zeros_like",), fnp.zeros_like, [(2, 3)],
              reference=np.zeros_like),
    _constant("ones_like", ("ones_like",), fnp.ones_like, [(2, 3)], reference=np.ones_like),
    _constant("full_like", ("full_like",), lambda x: fnp.full_like(x, 2.5), [(2, 3)],
              reference=lambda x: np.full_like(x, 2.5)),
    # not locally constant: finite differences see through it, so only the closed
    # form d/dx [stop_gradient(x) * x] = x is checked
    _constant("stop_gradient", ("stop_gradient",), functrace.stop_gradient, [(2, 3)],
              reference=lambda x: x, extra={"locally_constant": False}),
    _constant("astype_nonfloat/int", ("astype_nonfloat",), lambda x: x.astype(np.int64),
              [(2, 3)], (-3.0, 3.0), reference=lambda x: x.astype(np.int64)),
    _constant("astype_nonfloat/bool", ("astype_nonfloat",), lambda x: fnp.astype(x, bool),
              [(2, 3)], (-3.0, 3.0), reference=lambda x: x.astype(bool)),
]
