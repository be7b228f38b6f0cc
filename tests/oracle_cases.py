"""The cases of tests/test_facade_torch_oracle.py: arguments for every row of the facade's
name table (functrace/tensors/_names.py), written once for both libraries.

An argument is an :class:`A` (a tensor: its values as a numpy array, and whether
it requires grad), a :class:`Dt` (a dtype by name), or a plain Python value;
:func:`value_in` makes it a functrace or torch object. ``cases(name, arity)``
gives a row's ``(label, args, kwargs)`` variants: the row's own family (unary,
binary, reduction, ...) from :data:`FAMILY`, or, for a row not listed there, the
unary or binary family by the number of tensors its function takes. The
families cover broadcasting, 0-d, empty, integer and bool inputs and torch's
argument forms (``dim`` as int, tuple or list, negative; ``axis=``/``keepdims=``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

_RNG = np.random.default_rng(20240601)


@dataclass
class A:
    """A tensor argument: ``array``'s values; floating ones require grad if ``grad``."""

    array: np.ndarray
    grad: bool = True


@dataclass
class Dt:
    """A dtype argument, by name (``Dt("float32")``)."""

    name: str


def x(*shape: int, dtype: str = "float64", lo: float = -2.0, hi: float = 2.0,
      grad: bool = True) -> A:
    """Random values of ``shape``: uniform in [lo, hi), integers in [lo, hi], or bools."""
    if dtype == "bool":
        return A(_RNG.random(shape) < 0.5, False)
    if dtype.startswith(("int", "uint")):
        return A(_RNG.integers(int(lo), int(hi) + 1, shape).astype(dtype), False)
    return A(_RNG.uniform(lo, hi, shape).astype(dtype), grad)


def ints(values: Any) -> A:
    return A(np.array(values, dtype=np.int64), False)


def mask(*shape: int) -> A:
    return x(*shape, dtype="bool")


def value_in(obj: Any, m: Any) -> Any:
    """``obj`` as a functrace (``m=ft``) or torch (``m=torch``) argument."""
    if isinstance(obj, A):
        rg = obj.grad and obj.array.dtype.kind == "f"
        return m.tensor(obj.array.copy(), requires_grad=rg)
    if isinstance(obj, Dt):
        return getattr(m, obj.name)
    if isinstance(obj, list):
        return [value_in(o, m) for o in obj]
    if isinstance(obj, tuple) and any(isinstance(o, (A, Dt, list)) for o in obj):
        return tuple(value_in(o, m) for o in obj)
    if isinstance(obj, dict):
        return {k: value_in(v, m) for k, v in obj.items()}
    return obj


# -- families of variants ---------------------------------------------------------------------

def unary(lo: float = -2.0, hi: float = 2.0, integers: bool = True) -> list:
    out = [("f64", (x(2, 3, lo=lo, hi=hi),), {}),
           ("f32", (x(2, 3, dtype="float32", lo=lo, hi=hi),), {}),
           ("0d", (x(lo=lo, hi=hi),), {}),
           ("empty", (x(0, 3),), {})]
    if integers:
        out += [("int64", (x(2, 3, dtype="int64", lo=max(lo, -3), hi=min(hi, 3) + 1),), {}),
                ("int32", (x(2, 3, dtype="int32", lo=max(lo, -3), hi=min(hi, 3) + 1),), {}),
                ("bool", (mask(2, 3),), {})]
    return out


def binary(lo: float = -2.0, hi: float = 2.0, lo2: float = -2.0, hi2: float = 2.0,
           integers: bool = True) -> list:
    a = dict(lo=lo, hi=hi)
    b = dict(lo=lo2, hi=hi2)
    out = [("f64", (x(2, 3, **a), x(2, 3, **b)), {}),
           ("f32", (x(2, 3, dtype="float32", **a), x(2, 3, dtype="float32", **b)), {}),
           ("broadcast", (x(2, 3, **a), x(3, **b)), {}),
           ("broadcast-both", (x(2, 1, **a), x(1, 3, **b)), {}),
           ("0d", (x(**a), x(**b)), {}),
           ("with-0d", (x(2, 3, **a), x(**b)), {}),
           ("f32-with-f64-0d", (x(2, 3, dtype="float32", **a), x(**b)), {}),
           ("f32-with-f64", (x(2, 3, dtype="float32", **a), x(2, 3, **b)), {}),
           ("python-float", (x(2, 3, dtype="float32", **a), float(np.mean([lo2, hi2])) + 0.25),
            {}),
           ("empty", (x(0, 3, **a), x(0, 3, **b)), {}),
           ("bad-broadcast", (x(2, 3, **a), x(2, **b)), {})]
    if integers:
        ia = dict(lo=max(lo, -3), hi=min(hi, 3) + 1)
        ib = dict(lo=max(lo2, -3), hi=min(hi2, 3) + 1)
        out += [("int64", (x(2, 3, dtype="int64", **ia), x(2, 3, dtype="int64", **ib)), {}),
                ("int32-with-python-int", (x(2, 3, dtype="int32", **ia), 2), {}),
                ("int-with-python-float", (x(2, 3, dtype="int64", **ia), 1.5), {}),
                ("int-with-f32", (x(2, 3, dtype="int64", **ia), x(2, 3, dtype="float32", **b)),
                 {}),
                ("int32-with-f64-0d", (x(2, 3, dtype="int32", **ia), x(**b)), {}),
                ("bool", (mask(2, 3), mask(2, 3)), {}),
                ("bool-with-int", (mask(2, 3), x(2, 3, dtype="int64", **ib)), {})]
    return out


def reduction(integers: bool = True, tuples: bool = True, lo: float = -2.0,
              hi: float = 2.0) -> list:
    a = dict(lo=lo, hi=hi)
    out = [("all", (x(2, 3, **a),), {}),
           ("f32", (x(2, 3, dtype="float32", **a),), {}),
           ("dim0", (x(2, 3, **a), 0), {}),
           ("dim-1-keepdim", (x(2, 3, 4, **a), -1), {"keepdim": True}),
           ("axis-keepdims", (x(2, 3, **a),), {"axis": 1, "keepdims": True}),
           ("0d", (x(**a),), {}),
           ("0d-dim0", (x(**a), 0), {}),
           ("0d-dim-1", (x(**a), -1), {}),
           ("bad-dim", (x(2, 3, **a), 2), {}),
           ("empty-dim1", (x(3, 0, **a), 1), {})]
    if tuples:
        out += [("dims-tuple", (x(2, 3, 4, **a), (0, 2)), {}),
                ("dims-list", (x(2, 3, 4, **a), [-1, 1]), {})]
    if integers:
        out += [("int", (x(2, 3, dtype="int32"),), {}), ("bool", (mask(2, 3),), {}),
                ("int-dim", (x(2, 3, dtype="int64"), 1), {})]
    return out


def along(integers: bool = True, lo: float = -2.0, hi: float = 2.0) -> list:
    """Operations along one ``dim`` (required)."""
    a = dict(lo=lo, hi=hi)
    out = [("dim1", (x(2, 3, **a), 1), {}),
           ("dim0-f32", (x(3, 2, dtype="float32", **a), 0), {}),
           ("dim-1", (x(2, 3, 4, **a), -1), {}),
           ("0d", (x(**a), 0), {}),
           ("0d-dim-1", (x(**a), -1), {}),
           ("empty", (x(0, 3, **a), 1), {}),
           ("bad-dim", (x(2, 3, **a), 3), {})]
    if integers:
        out += [("int", (x(2, 3, dtype="int32"), 1), {}), ("bool", (mask(2, 3), 1), {})]
    return out


def _with(cases: list, *extra: Any, **kwextra: Any) -> list:
    """``cases`` with ``extra`` arguments after their tensors and ``kwextra`` keywords."""
    return [(label, args + extra, {**kwargs, **kwextra}) for label, args, kwargs in cases]


def _square(n: int = 3, batch: tuple = ()) -> A:
    a = _RNG.uniform(-1, 1, batch + (n, n))
    return A(a @ np.swapaxes(a, -1, -2) + 3 * np.eye(n))


def _specials() -> A:
    """Values with inf, -inf and NaN among finite ones."""
    return A(np.array([[1.5, np.inf, -np.inf], [np.nan, -0.5, 2.0]]))


_IDX = ints([[0, 2], [1, 0]])
_SHAPES = [("f64", (x(2, 3),)), ("f32", (x(2, 3, dtype="float32"),)), ("int", (x(2, 3,
           dtype="int64"),)), ("bool", (mask(2, 3),))]


def _shaped(*tail: Any, **kw: Any) -> list:
    return [(label, args + tail, kw) for label, args in _SHAPES]


FAMILY: dict = {
    # pointwise, with their domains
    **{n: unary(0.1, 2.0) for n in ("log", "log2", "log10", "sqrt", "rsqrt")},
    "log1p": unary(-0.5, 2.0), "reciprocal": unary(0.2, 2.0), "tan": unary(-1.2, 1.2),
    **{n: unary(-0.9, 0.9) for n in ("asin", "acos", "atanh", "erfinv")},
    "acosh": unary(1.1, 3.0), "logit": unary(0.1, 0.9) + [("eps", (x(2, 3, lo=0, hi=1),),
                                                           {"eps": 0.2})],
    "round": unary(-3.0, 3.0) + [("decimals", (x(2, 3),), {"decimals": 1})],
    "nan_to_num": unary() + [("specials", (_specials(),), {}),
                             ("values", (_specials(),), {"nan": 1.0, "posinf": 9.0,
                                                         "neginf": -9.0})],
    "isnan": unary() + [("specials", (_specials(),), {})],
    "isinf": [("specials", (_specials(),), {})], "isfinite": [("specials", (_specials(),), {})],
    "isposinf": [("specials", (_specials(),), {})], "isneginf": [("specials", (_specials(),), {})],
    "signbit": [("f64", (A(np.array([-0.0, 0.0, -1.0, 2.0])),), {})],
    "pow": binary(0.2, 2.0) + [("int-negative-int", (x(2, 3, dtype="int64", lo=1, hi=3), -2),
                                {}),
                               ("negative-base-tensor-exp", (-5.5, x(2, 3)), {}),
                               ("zero-base", (A(np.array([0.0, 0.0, 2.0])),
                                              A(np.array([-1.5, 2.0, 0.0]))), {})],
    "float_power": binary(0.2, 2.0),
    "div": binary(lo2=0.5, hi2=2.0) + [("floor", (x(2, 3), x(2, 3, lo=0.5)),
                                        {"rounding_mode": "floor"}),
                                       ("trunc-int", (x(2, 3, dtype="int64", lo=-5, hi=5),
                                                      x(2, 3, dtype="int64", lo=1, hi=3)),
                                        {"rounding_mode": "trunc"}),
                                       ("bad-mode", (x(2, 3), 2.0), {"rounding_mode": "x"})],
    **{n: binary(lo2=0.5, hi2=2.0) for n in ("floor_divide", "remainder", "fmod")},
    "xlogy": binary(lo2=0.1, hi2=2.0), "hypot": binary(), "atan2": binary(),
    "copysign": binary() + [("zeros", (x(2, 3), A(np.array([0.0, -0.0, 1.0]))), {})],
    "lerp": [("f64", (x(2, 3), x(2, 3), 0.3), {}), ("tensor-weight", (x(2, 3), x(2, 3),
                                                                       x(2, 3)), {}),
             ("broadcast", (x(2, 3), x(3), x(2, 1)), {}), ("0d", (x(), x(), 0.7), {})],
    "clamp": [("min", (x(2, 3), -0.5), {}), ("max", (x(2, 3),), {"max": 0.5}),
              ("both", (x(2, 3), -0.5, 0.5), {}), ("tensors", (x(2, 3), x(3), x(2, 3, lo=0.5)),
                                                   {}),
              ("int-min-int", (x(2, 3, dtype="int64"), 0), {}),
              ("int-min-float", (x(2, 3, dtype="int64"), 0.5), {}),
              ("none", (x(2, 3),), {}), ("0d", (x(), 0.1), {})],
    "clamp_min": [("f64", (x(2, 3), 0.3), {}), ("tensor", (x(2, 3), x(2, 3)), {}),
                  ("int", (x(2, 3, dtype="int64"), 1), {})],
    "clamp_max": [("f64", (x(2, 3), 0.3), {}), ("tensor", (x(2, 3), x(3)), {}),
                  ("int", (x(2, 3, dtype="int64"), 1), {})],
    "where": [("f64", (mask(2, 3), x(2, 3), x(2, 3)), {}),
              ("broadcast", (mask(2, 1), x(3), x(2, 3)), {}),
              ("scalars", (mask(2, 3), 1.0, 0.0), {}), ("scalar-other", (mask(2, 3), x(2, 3), 0),
                                                        {}),
              ("f32-f64-0d", (mask(2, 3), x(2, 3, dtype="float32"), x()), {}),
              ("int-float", (mask(2, 3), x(2, 3, dtype="int64"), x(2, 3)), {}),
              ("bool", (mask(2, 3), mask(2, 3), mask(2, 3)), {}),
              ("non-bool-condition", (x(2, 3), x(2, 3), x(2, 3)), {})],
    **{n: [("f64", (x(2, 3), x(2, 3)), {}), ("rtol", (x(2, 3), x(2, 3)), {"rtol": 10.0})]
       for n in ("isclose", "allclose")},
    "equal": [("same", (A(np.ones((2, 3))), A(np.ones((2, 3)))), {}),
              ("other", (x(2, 3), x(2, 3)), {}), ("shapes", (x(2, 3), x(3)), {})],
    **{n: [("int", (x(2, 3, dtype="int64", lo=0, hi=9), x(2, 3, dtype="int64", lo=0, hi=9)),
            {}), ("bool", (mask(2, 3), mask(2, 3)), {}),
           ("int-python-int", (x(2, 3, dtype="int32", lo=0, hi=9), 5), {}),
           ("float", (x(2, 3), x(2, 3)), {})]
       for n in ("bitwise_and", "bitwise_or", "bitwise_xor")},
    "bitwise_not": [("int", (x(2, 3, dtype="int64"),), {}), ("bool", (mask(2, 3),), {}),
                    ("float", (x(2, 3),), {})],
    "softmax": along(integers=False) + [("dtype", (x(2, 3, dtype="float32"), 1, Dt("float64")),
                                         {})],
    "log_softmax": along(integers=False),
    # products
    "matmul": [("2d", (x(2, 3), x(3, 4)), {}), ("1d-2d", (x(3), x(3, 2)), {}),
               ("2d-1d", (x(2, 3), x(3)), {}), ("1d", (x(3), x(3)), {}),
               ("batched", (x(2, 2, 3), x(3, 2)), {}), ("broadcast", (x(2, 1, 2, 3),
                                                                        x(3, 3, 2)), {}),
               ("f32-f64", (x(2, 3, dtype="float32"), x(3, 2)), {}),
               ("bad", (x(2, 3), x(2, 3)), {}), ("0d", (x(), x(3)), {})],
    "mm": [("f64", (x(2, 3), x(3, 4)), {}), ("bad", (x(2, 3), x(2, 3)), {}),
           ("1d", (x(3), x(3, 2)), {})],
    "bmm": [("f64", (x(2, 2, 3), x(2, 3, 2)), {}), ("bad", (x(2, 2, 3), x(3, 3, 2)), {})],
    "mv": [("f64", (x(2, 3), x(3)), {}), ("bad", (x(2, 3), x(2)), {})],
    "dot": [("f64", (x(3), x(3)), {}), ("2d", (x(2, 3), x(2, 3)), {}),
            ("sizes", (x(3), x(4)), {})],
    "outer": [("f64", (x(2), x(3)), {}), ("f32", (x(2, dtype="float32"), x(3, dtype="float32")),
                                          {})],
    "inner": [("1d", (x(3), x(3)), {}), ("2d", (x(2, 3), x(4, 3)), {}), ("0d", (x(), x(2, 3)),
                                                                          {})],
    "einsum": [("mm", ("ij,jk->ik", x(2, 3), x(3, 2)), {}), ("list", ("ii", [x(3, 3)]), {}),
               ("batch", ("bij,bjk->bik", x(2, 2, 3), x(2, 3, 2)), {})],
    "kron": [("2d", (x(2, 3), x(2, 2)), {}), ("1d-2d", (x(2), x(2, 3)), {}),
             ("0d", (x(), x(2)), {})],
    "cross": [("dim1", (x(2, 3), x(2, 3)), {"dim": 1}), ("default", (x(3, 2), x(3, 2)), {}),
              ("broadcast", (x(2, 3), x(3)), {"dim": -1}), ("bad", (x(2, 4), x(2, 4)), {"dim": 1})],
    "trace": [("f64", (x(3, 3),), {}), ("rect", (x(2, 3),), {}), ("1d", (x(3),), {})],
    "dist": [("f64", (x(2, 3), x(2, 3)), {}), ("p1", (x(2, 3), x(3), 1), {}),
             ("pinf", (x(2, 3), x(2, 3), float("inf")), {})],
    "renorm": [("dim0", (x(2, 3), 2, 0, 0.5), {}), ("p1-dim1", (x(2, 3), 1, 1, 1.0), {})],
    "norm": [("fro", (x(2, 3),), {}), ("p1", (x(2, 3), 1), {}), ("p3-dim", (x(2, 3), 3, 1), {}),
             ("inf", (x(2, 3), float("inf")), {}), ("-inf", (x(2, 3), -float("inf")), {}),
             ("p0", (x(2, 3), 0), {}), ("dims-keepdim", (x(2, 3, 2), 2, (0, 2), True), {}),
             ("0d", (x(),), {}), ("f32", (x(2, 3, dtype="float32"),), {}),
             ("zeros", (A(np.zeros((2, 3))),), {})],
}

FAMILY.update({
    # reductions
    **{n: reduction() for n in ("sum", "amax", "amin", "all", "any", "nansum")},
    **{n: reduction(integers=False) + [("int", (x(2, 3, dtype="int64"),), {})]
       for n in ("mean", "nanmean")},
    **{n: reduction(integers=False) + [("correction0", (x(2, 3), 1), {"correction": 0}),
                                       ("unbiased-false", (x(2, 3), False), {}),
                                       ("dof-zero", (x(1, 3), 0), {}),
                                       ("correction2", (x(2, 3),), {"correction": 2}),
                                       ("zero-variance", (A(np.ones((2, 3))), 1), {})]
       for n in ("var", "std", "var_mean", "std_mean")},
    "logsumexp": [c for c in reduction(integers=False) if c[0] not in ("all", "f32", "0d")]
    + [("int", (x(2, 3, dtype="int64"), 1), {})],
    "count_nonzero": [c for c in reduction() if "keepdim" not in c[0]],
    "prod": [c for c in reduction(tuples=False)] + [("zeros", (A(np.array([[0.0, 2.0, 3.0],
                                                                           [0.0, 0.0, 1.0]])),
                                                     1), {})],
    **{n: [("all", (x(2, 3),), {}), ("dim", (x(2, 3), 1), {}), ("keepdim", (x(2, 3), 0, True),
                                                                 {}),
           ("0d", (x(),), {}), ("0d-dim", (x(), 0), {}), ("int", (x(2, 3, dtype="int64"), 1), {}),
           ("pair", (x(2, 3), x(3)), {}), ("empty", (x(0, 3),), {}),
           ("empty-dim", (x(0, 3), 0), {}), ("bad-dim", (x(2, 3), 2), {})]
       for n in ("max", "min")},
    **{n: [("all", (x(2, 3),), {}), ("dim", (x(2, 3), 1), {}), ("keepdim", (x(2, 3), 0, True),
                                                                 {}),
           ("all-keepdim", (x(2, 3), None, True), {}),
           ("0d", (x(),), {}), ("0d-dim", (x(), -1), {}), ("int", (x(2, 3, dtype="int64"),), {}),
           ("bad-dim", (x(2, 3), 2), {})]
       for n in ("argmax", "argmin")},
    "aminmax": [("all", (x(2, 3),), {}), ("dim", (x(2, 3),), {"dim": 1}),
                ("keepdim", (x(2, 3),), {"dim": 0, "keepdim": True}), ("0d", (x(),), {})],
    # scans
    **{n: along() for n in ("cumsum", "cumprod", "cummax", "cummin")},
    "logcumsumexp": along(integers=False) + [("wide", (A(np.array([-800.0, 0.0, -900.0, 5.0])),
                                                      0), {})],
    "cumprod_zeros": [],
    "diff": [("f64", (x(2, 4),), {}), ("n2-dim0", (x(4, 3),), {"n": 2, "dim": 0}),
             ("prepend-append", (x(2, 3),), {"prepend": x(2, 1), "append": x(2, 2)}),
             ("int", (x(2, 4, dtype="int64"),), {}), ("bool", (mask(2, 4),), {}),
             ("0d", (x(),), {})],
    # order statistics
    "sort": along(integers=True) + [("descending", (x(2, 4), 1, True), {}),
                                    ("ties", (A(np.array([3.0, 1.0, 3.0, 1.0])),), {}),
                                    ("ties-descending", (A(np.array([3.0, 1.0, 3.0, 1.0])),),
                                     {"descending": True, "stable": True})],
    "argsort": [("f64", (x(2, 4),), {}), ("dim0-desc", (x(3, 2), 0, True), {}),
                ("0d", (x(),), {}), ("int", (x(2, 4, dtype="int64", lo=-50, hi=50),), {})],
    "msort": [("f64", (x(3, 2),), {}), ("1d", (x(4),), {})],
    "topk": [("k2", (x(2, 4), 2), {}), ("smallest-dim0", (x(4, 2), 3, 0, False), {}),
             ("k0", (x(2, 4), 0), {}), ("too-big", (x(2, 4), 5), {}), ("0d", (x(), 1), {})],
    "kthvalue": [("k2", (x(2, 4), 2), {}), ("dim0-keepdim", (x(4, 2), 1, 0, True), {}),
                 ("bad-k", (x(2, 4), 5), {}), ("0d", (x(), 1), {})],
    **{n: [("all", (x(2, 3),), {}), ("even", (x(4),), {}), ("dim", (x(2, 4), 1), {}),
           ("keepdim", (x(3, 2), 0, True), {}), ("0d", (x(),), {}),
           ("nan", (A(np.array([1.0, np.nan, 3.0, 0.5])),), {}),
           ("nan-dim", (A(np.array([[1.0, np.nan, 3.0], [2.0, 0.0, 1.0]])), 1), {})]
       for n in ("median", "nanmedian")},
    "quantile": [("scalar", (x(2, 3), 0.3), {}), ("tensor-q-dim", (x(2, 5), A(np.array(
        [0.25, 0.5, 1.0]), False), 1), {}), ("keepdim", (x(2, 5), 0.5, 1, True), {}),
                 ("all-keepdim", (x(2, 3), A(np.array([0.1, 0.9]), False)), {"keepdim": True}),
                 ("lower", (x(7), 0.4), {"interpolation": "lower"}),
                 ("higher", (x(7), 0.4), {"interpolation": "higher"}),
                 ("nearest", (x(7), 0.4), {"interpolation": "nearest"}),
                 ("midpoint", (x(7), 0.4), {"interpolation": "midpoint"}),
                 ("bad-q", (x(3), 1.5), {}), ("int", (x(3, dtype="int64"), 0.5), {})],
    # shapes
    "cat": [("f64", ([x(2, 3), x(1, 3)],), {}), ("dim1", ([x(2, 3), x(2, 1)], 1), {}),
            ("dim-1", ([x(2, 3), x(2, 2)], -1), {}), ("mixed", ([x(2, 3), x(1, 3, dtype="float32")],),
                                                      {}),
            ("int-float", ([x(1, 3, dtype="int64"), x(1, 3, dtype="float32")],), {}),
            ("bad", ([x(2, 3), x(2, 2)],), {})],
    "stack": [("f64", ([x(2, 3), x(2, 3)],), {}), ("dim-1", ([x(2, 3), x(2, 3)], -1), {}),
              ("0d", ([x(), x()],), {}), ("bad", ([x(2, 3), x(3, 2)],), {})],
    "hstack": [("f64", ([x(2, 3), x(2, 1)],), {}), ("1d", ([x(2), x(3)],), {})],
    "vstack": [("f64", ([x(2, 3), x(1, 3)],), {}), ("1d", ([x(3), x(3)],), {})],
    "reshape": [("f64", (x(2, 3), (3, 2)), {}), ("infer", (x(2, 3), (-1,)), {}),
                ("0d", (x(), (1, 1)), {}), ("bad", (x(2, 3), (4,)), {}),
                ("int", (x(2, 3, dtype="int64"), (6,)), {})],
    "permute": [("f64", (x(2, 3, 4), (2, 0, 1)), {}), ("negative", (x(2, 3), (-1, 0)), {}),
                ("bad", (x(2, 3), (0,)), {}), ("0d", (x(), ()), {})],
    "movedim": [("int", (x(2, 3, 4), 0, 2), {}), ("seq", (x(2, 3, 4), (0, 1), (2, 0)), {}),
                ("negative", (x(2, 3), -1, 0), {})],
    "flip": [("f64", (x(2, 3), (0,)), {}), ("both", (x(2, 3), [0, -1]), {}),
             ("bool", (mask(2, 3), (1,)), {}), ("0d", (x(), (0,)), {})],
    "tile": [("f64", (x(2, 3), (2, 1)), {}), ("short", (x(2, 3), (2,)), {}),
             ("long", (x(3), (2, 2)), {})],
    "broadcast_to": [("f64", (x(3), (2, 3)), {}), ("keep", (x(2, 1), (-1, 3)), {}),
                     ("bad", (x(2, 3), (3, 3)), {})],
    "flatten": [("f64", (x(2, 3, 4),), {}), ("range", (x(2, 3, 4), 1), {}),
                ("0d", (x(),), {}), ("bad", (x(2, 3), 1, 0), {})],
    "unflatten": [("f64", (x(2, 6), 1, (2, 3)), {}), ("infer", (x(6), 0, (-1, 2)), {})],
    "unsqueeze": [("f64", (x(2, 3), 1), {}), ("end", (x(2, 3), -1), {}),
                  ("0d", (x(), 0), {}), ("bad", (x(2, 3), 4), {})],
    "squeeze": [("all", (x(1, 3, 1),), {}), ("dim", (x(1, 3), 0), {}),
                ("not-one", (x(2, 3), 0), {}), ("tuple", (x(1, 3, 1), (0, 2)), {}),
                ("0d", (x(), 0), {})],
    "transpose": [("f64", (x(2, 3), 0, 1), {}), ("negative", (x(2, 3, 4), -1, 0), {}),
                  ("0d", (x(), 0, -1), {}), ("bad", (x(2, 3), 0, 2), {})],
    "t": [("2d", (x(2, 3),), {}), ("1d", (x(3),), {}), ("3d", (x(2, 3, 4),), {})],
    "narrow": [("f64", (x(2, 5), 1, 1, 3), {}), ("negative", (x(2, 5), -1, -2, 2), {}),
               ("bad", (x(2, 5), 1, 3, 3), {})],
    "select": [("f64", (x(2, 3), 1, 2), {}), ("negative", (x(2, 3), 0, -1), {}),
               ("bad", (x(2, 3), 0, 2), {})],
    "split": [("int", (x(5, 2), 2), {}), ("sizes", (x(2, 5), [1, 4], 1), {}),
              ("bad-sizes", (x(5), [1, 2]), {})],
    "chunk": [("f64", (x(5, 2), 3), {}), ("dim1", (x(2, 6), 4, 1), {}),
              ("empty", (x(0, 2), 2), {})],
    "unbind": [("f64", (x(2, 3),), {}), ("dim1", (x(2, 3), 1), {})],
    **{n: [("f64", (x(3, 3),), {}), ("diagonal", (x(3, 4), 1), {}), ("batched", (x(2, 3, 3),
                                                                                -1), {}),
           ("bool", (mask(3, 3),), {}), ("int", (x(3, 3, dtype="int64"),), {}),
           ("1d", (x(3),), {})]
       for n in ("tril", "triu")},
    "diag": [("vector", (x(3),), {}), ("matrix", (x(3, 3),), {}), ("offset", (x(3), -1), {})],
    "diagonal": [("f64", (x(3, 3),), {}), ("dims", (x(2, 3, 3), 0, 1, 2), {})],
    "clone": unary(),
    "roll": [("flat", (x(2, 3), 1), {}), ("dim", (x(2, 3), 1, 1), {}),
             ("dims", (x(2, 3), (1, -1), (0, 1)), {}), ("no-dims", (x(2, 3), (1, 2)), {})],
    "repeat_interleave": [("int", (x(2, 3), 2), {}), ("dim", (x(2, 3), 2, 1), {})],
    # indexing
    "gather": [("f64", (x(2, 3), 1, _IDX), {}), ("dim0", (x(3, 2), 0, ints([[2, 0]])), {}),
               ("negative-dim", (x(2, 3), -1, _IDX), {}),
               ("bad", (x(2, 3), 1, ints([[0, 3]])), {})],
    "take_along_dim": [("f64", (x(2, 3), _IDX, 1), {}), ("flat", (x(2, 3), ints([5, 0, 2])),
                                                          {}),
                       ("broadcast", (x(2, 3), ints([[0], [2]]), 1), {})],
    "take": [("f64", (x(2, 3), ints([[0, 5], [3, 1]])), {})],
    "index_select": [("f64", (x(2, 3), 1, ints([2, 0, 2])), {}),
                     ("bad", (x(2, 3), 0, ints([2])), {})],
    "scatter": [("src", (x(2, 3), 1, _IDX, x(2, 3)), {}), ("value", (x(2, 3), 1, _IDX, 0.5), {}),
                ("dim0", (x(3, 2), 0, ints([[2, 0]]), x(1, 2)), {}),
                ("add", (x(2, 3), 1, ints([[0, 0], [1, 1]]), x(2, 2)), {"reduce": "add"})],
    "scatter_add": [("f64", (x(2, 3), 1, ints([[0, 0], [1, 2]]), x(2, 3)), {})],
    "index_add": [("f64", (x(2, 3), 1, ints([0, 2, 0]), x(2, 3)), {}),
                  ("alpha", (x(2, 3), 0, ints([1]), x(1, 3)), {"alpha": 2.0})],
    "index_copy": [("f64", (x(2, 3), 1, ints([2, 0]), x(2, 2)), {})],
    "index_fill": [("f64", (x(2, 3), 1, ints([2, 0]), 0.5), {}),
                   ("tensor", (x(2, 3), 0, ints([1]), x()), {})],
    "masked_fill": [("f64", (x(2, 3), mask(2, 3), 0.5), {}), ("broadcast", (x(2, 3), mask(3),
                                                                               -1.0), {}),
                    ("int-float", (x(2, 3, dtype="int64"), mask(2, 3), 1.5), {}),
                    ("tensor", (x(2, 3), mask(2, 3), x()), {}),
                    ("not-bool", (x(2, 3), x(2, 3, dtype="int64"), 0.5), {})],
    "masked_select": [("f64", (x(2, 3), mask(2, 3)), {}), ("broadcast", (x(2, 3), mask(3)), {})],
    "nonzero": [("f64", (A(np.array([[0.0, 1.0], [2.0, 0.0]])),), {}),
                ("tuple", (A(np.array([0.0, 1.0, 2.0])),), {"as_tuple": True}),
                ("0d", (x(),), {})],
    "numel": [("f64", (x(2, 3),), {})], "is_tensor": [("f64", (x(2, 3),), {})],
})
del FAMILY["cumprod_zeros"]
FAMILY["cumprod"] += [("zeros", (A(np.array([2.0, 0.0, 3.0, 0.0, 4.0])), 0), {})]
FAMILY["remainder"] += [("negative", (x(2, 3, dtype="int64", lo=-5, hi=5), -3), {}),
                        ("scalar-base", (2.5, x(2, 3, lo=0.5)), {})]
FAMILY["floor_divide"] += [("int-zero", (x(2, 3, dtype="int64"), 0), {})]
for _name in ("sign", "sgn", "floor", "ceil", "trunc", "frac"):
    FAMILY[_name] = unary(-3.0, 3.0)
for _name in ("maximum", "minimum", "fmax", "fmin"):
    FAMILY[_name] = binary() + [("nan", (A(np.array([1.0, np.nan, 2.0])),
                                         A(np.array([np.nan, 0.0, 3.0]))), {})]

#: aliases share their row's cases
ALIASES = {"absolute": "abs", "subtract": "sub", "multiply": "mul", "divide": "div",
           "true_divide": "div", "negative": "neg", "arcsin": "asin", "arccos": "acos",
           "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
           "arctan2": "atan2", "clip": "clamp", "not_equal": "ne", "less": "lt",
           "less_equal": "le", "greater": "gt", "greater_equal": "ge", "concat": "cat",
           "concatenate": "cat", "moveaxis": "movedim", "swapaxes": "transpose",
           "swapdims": "transpose", "ger": "outer", "fix": "trunc"}


def cases(name: str, arity: int) -> list:
    """The ``(label, args, kwargs)`` variants of the row called ``name``."""
    name = ALIASES.get(name, name)
    if name in FAMILY:
        return FAMILY[name]
    return unary() if arity <= 1 else binary()
