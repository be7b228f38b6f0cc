"""Cases of tests/test_facade_torch_oracle.py for Tensor methods: operators, methods whose
arguments differ from their function's (``x.view(3, 2)``), and Tensor-only methods.
See tests/oracle_cases.py for how a case is written."""
from __future__ import annotations

from oracle_cases import FAMILY, Dt, binary, ints, mask, unary, x

# -- Tensor methods whose arguments differ from their function's, and Tensor-only methods ----
_ROUND_DOWN = binary(lo2=0.5, hi2=2.0)
METHOD_CASES: dict = {
    **{n: binary() for n in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
                             "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__")},
    "__truediv__": _ROUND_DOWN, "__rtruediv__": binary(lo=0.5, hi=2.0),
    "__floordiv__": _ROUND_DOWN, "__rfloordiv__": binary(lo=0.5, hi=2.0),
    "__mod__": _ROUND_DOWN, "__rmod__": binary(lo=0.5, hi=2.0),
    "__pow__": binary(0.2, 2.0), "__rpow__": binary(lo2=0.2, hi2=2.0),
    "__matmul__": FAMILY["matmul"], "__rmatmul__": [("2d", (x(3, 4), x(2, 3)), {}),
                                                    ("1d", (x(3, 2), x(3)), {})],
    "__neg__": unary(), "__pos__": unary(), "__abs__": unary(),
    "__and__": FAMILY["bitwise_and"], "__or__": FAMILY["bitwise_or"],
    "__xor__": FAMILY["bitwise_xor"], "__invert__": FAMILY["bitwise_not"],
    "__getitem__": [("int", (x(2, 3), 1), {}), ("negative", (x(2, 3), -1), {}),
                    ("slice", (x(2, 3), slice(0, 1)), {}),
                    ("tuple", (x(2, 3), (slice(None), 2)), {}),
                    ("none", (x(2, 3), (None, 0)), {}),
                    ("ellipsis", (x(2, 3, 4), (Ellipsis, 1)), {}),
                    ("mask", (x(2, 3), mask(2, 3)), {}),
                    ("int-tensor", (x(3, 2), ints([2, 0, 2])), {}),
                    ("list", (x(3, 2), [0, 2]), {}), ("step", (x(5), slice(None, None, 2)), {}),
                    ("out-of-range", (x(2, 3), 5), {}), ("0d-ellipsis", (x(), Ellipsis), {})],
    "T": [("2d", (x(2, 3),), {}), ("1d", (x(3),), {})],
    "reshape": [("varargs", (x(2, 3), 3, 2), {}), ("tuple", (x(2, 3), (6,)), {})],
    "permute": [("varargs", (x(2, 3, 4), 2, 0, 1), {}), ("tuple", (x(2, 3), (1, 0)), {})],
    "flip": [("varargs", (x(2, 3), 0, 1), {}), ("tuple", (x(2, 3), (0,)), {})],
    "tile": [("varargs", (x(2, 3), 2, 1), {}), ("tuple", (x(2, 3), (2,)), {})],
    "where": [("f64", (x(2, 3), mask(2, 3), x(2, 3)), {}),
              ("scalar", (x(2, 3), mask(2, 3), 0.0), {})],
    "view": [("varargs", (x(2, 3), 3, 2), {}), ("tuple", (x(2, 3), (6,)), {}),
             ("infer", (x(2, 3), -1), {}), ("bad", (x(2, 3), 4), {}),
             ("dtype", (x(2, 3), Dt("float32")), {}), ("dtype-same-size", (x(2, 3), Dt("int64")),
                                                       {})],
    "view_as": [("f64", (x(2, 3), x(3, 2)), {})], "reshape_as": [("f64", (x(2, 3), x(6)), {})],
    "expand": [("varargs", (x(1, 3), 2, 3), {}), ("keep", (x(2, 1), -1, 4), {}),
               ("new-dims", (x(3), 2, 2, 3), {}), ("tuple", (x(1, 3), (2, 3)), {}),
               ("bad", (x(2, 3), 3, 3), {})],
    "expand_as": [("f64", (x(1, 3), x(2, 3)), {})],
    "repeat": [("f64", (x(2, 3), 2, 1), {}), ("more-dims", (x(3), 2, 2), {}),
               ("too-few", (x(2, 3), 2), {})],
    "unfold": [("f64", (x(2, 5), 1, 2, 1), {}), ("step2", (x(7), 0, 3, 2), {}),
               ("too-big", (x(2, 3), 1, 4, 1), {})],
    "new_tensor": [("f64", (x(2, 3), [1.0, 2.0]), {}),
                   ("int", (x(2, 3, dtype="int64"), [1, 2]), {})],
    "new_full": [("f64", (x(2, 3), (2,), 0.5), {}), ("int", (x(2, 3, dtype="int32"), [2, 1], 7),
                                                     {})],
    **{n: [("f64", (x(2, 3), 2, 3), {}), ("tuple", (x(2, 3, dtype="float32"), (2,)), {}),
           ("dtype", (x(2, 3), 2), {"dtype": Dt("int64")})]
       for n in ("new_zeros", "new_ones")},
    "to": [("dtype", (x(2, 3), Dt("float32")), {}), ("same", (x(2, 3), Dt("float64")), {}),
           ("int", (x(2, 3), Dt("int64")), {}), ("device-dtype", (x(2, 3), "cpu", Dt("float32")),
                                                 {})],
    **{n: [("f64", (x(2, 3),), {}), ("int", (x(2, 3, dtype="int64"),), {})]
       for n in ("float", "double", "half", "long", "int", "bool", "contiguous", "cpu")},
    # in place (run on y = x * 1, see the test)
    **{n: [("f64", (x(2, 3), x(2, 3, lo=0.5)), {}), ("broadcast", (x(2, 3), x(3, lo=0.5)), {}),
           ("python", (x(2, 3), 1.5), {}), ("int-float", (x(2, 3, dtype="int64"), 1.5), {}),
           ("bad-broadcast", (x(3), x(2, 3)), {})]
       for n in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__")},
    "__ipow__": [("f64", (x(2, 3, lo=0.5), 2.0), {}), ("tensor", (x(2, 3, lo=0.5), x(2, 3)), {})],
    "__setitem__": [("int", (x(2, 3), 0, x(3)), {}), ("slice", (x(2, 3), (slice(None), 1), 0.5),
                                                     {}),
                    ("mask", (x(2, 3), mask(2, 3), 0.0), {}),
                    ("int-tensor", (x(3, 2), ints([2, 0]), x(2, 2)), {})],
    "zero_": [("f64", (x(2, 3),), {})],
    "fill_": [("f64", (x(2, 3), 0.5), {}), ("tensor", (x(2, 3), x()), {})],
    "copy_": [("f64", (x(2, 3), x(2, 3)), {}), ("broadcast", (x(2, 3), x(3)), {}),
              ("cast", (x(2, 3), x(2, 3, dtype="float32")), {})],
}
#: methods that modify their tensor: the test runs them on a non-leaf copy
MODIFYING = {n for n in METHOD_CASES if n.startswith("__i") and n != "__invert__"} | {
    "__setitem__", "zero_", "fill_", "copy_"}
