"""Spec rows: shape primitives (``functrace/primitives/shape_ops.py``) and the numpy shape
functions composed from them (``functrace/numpy/_shape.py``, ``_shape_extra.py``).

Each row names the primitives its function binds; composites (split, roll, tile, sort,
...) get rows too, so their exact use of the primitives is checked to second order.
"""
import numpy as np

import functrace.numpy as fnp
from functrace.primitives import indexing as S

from ._spec import Spec

SPECS: list = []


def distinct(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Values at least 0.3 apart, so finite differences never reorder them (for sort)."""
    n = int(np.prod(shape, dtype=np.int64))
    values = 0.4 * (rng.permutation(n) - n / 2) + rng.uniform(-0.05, 0.05, size=n)
    return values.reshape(shape)


def _row(name, prims, fn, shapes, reference=None, **kw):
    SPECS.append(Spec(name, prims, fn, shapes, reference=reference or fn, **kw))


# -- the primitives themselves ------------------------------------------------------------
_row("reshape", ("reshape",), lambda x: fnp.reshape(x, (3, -1)), [(2, 3, 2)],
     lambda x: np.reshape(x, (3, -1)))
_row("reshape/method-ravel", ("reshape",), lambda x: x.reshape(6, 2).ravel(), [(2, 3, 2)],
     lambda x: x.reshape(6, 2).ravel())
_row("reshape/expand-squeeze", ("reshape",),
     lambda x: fnp.squeeze(fnp.expand_dims(x, (0, -1)), 0), [(2, 3)],
     lambda x: np.squeeze(np.expand_dims(x, (0, -1)), 0))
_row("broadcast_to", ("broadcast_to",), lambda x: fnp.broadcast_to(x, (4, 2, 3)), [(2, 1)],
     lambda x: np.broadcast_to(x, (4, 2, 3)))
_row("broadcast_to/scalar", ("broadcast_to",), lambda x: fnp.broadcast_to(x, (2, 3)), [()],
     lambda x: np.broadcast_to(x, (2, 3)))
_row("transpose", ("transpose",), fnp.transpose, [(2, 3, 4)], np.transpose)
_row("transpose/axes", ("transpose",), lambda x: fnp.transpose(x, (1, -1, 0)), [(2, 3, 4)],
     lambda x: np.transpose(x, (1, -1, 0)))
_row("transpose/T", ("transpose",), lambda x: x.T, [(2, 3)], lambda x: x.T)
_row("transpose/swap-move", ("transpose",),
     lambda x: fnp.moveaxis(fnp.swapaxes(x, 0, 2), 0, -1), [(2, 3, 4)],
     lambda x: np.moveaxis(np.swapaxes(x, 0, 2), 0, -1))
_row("flip", ("flip",), fnp.flip, [(2, 3)], np.flip)
_row("flip/axis", ("flip",), lambda x: fnp.flip(x, -1), [(2, 3)], lambda x: np.flip(x, -1))
_row("concatenate", ("concatenate",), lambda x, y: fnp.concatenate([x, y]),
     [(2, 3), (1, 3)], lambda x, y: np.concatenate([x, y]))
_row("concatenate/axis1-three", ("concatenate",),
     lambda x, y: fnp.concatenate([x, y, x], axis=-1), [(2, 3), (2, 1)],
     lambda x, y: np.concatenate([x, y, x], axis=-1))
_row("concatenate/axis-none", ("concatenate", "reshape"),
     lambda x, y: fnp.concatenate([x, y], axis=None), [(2, 3), (4,)],
     lambda x, y: np.concatenate([x, y], axis=None))
_row("concatenate/stack", ("concatenate", "reshape"), lambda x, y: fnp.stack([x, y], 1),
     [(2, 3), (2, 3)], lambda x, y: np.stack([x, y], 1))
_row("astype/to-float64", ("astype",), lambda x: fnp.astype(x, np.float64) * 2.0, [(2, 3)],
     lambda x: x.astype(np.float64) * 2.0)
_row("astype/to-float32", ("astype",), lambda x: fnp.astype(x, np.float32), [(2, 3)],
     lambda x: x.astype(np.float32), eps=1e-2, atol=1e-4, rtol=1e-4)
_row("pad", ("pad",), lambda x: fnp.pad(x, 1), [(2, 3)], lambda x: np.pad(x, 1))
_row("pad/pairs-values", ("pad",),
     lambda x: fnp.pad(x, ((1, 0), (0, 2)), constant_values=((1.0, 2.0), (3.0, 4.0))),
     [(2, 3)], lambda x: np.pad(x, ((1, 0), (0, 2)), constant_values=((1.0, 2.0), (3.0, 4.0))))
_row("pad/3d-scalar-value", ("pad",), lambda x: fnp.pad(x, (2, 1), constant_values=-1.5),
     [(2, 1, 2)], lambda x: np.pad(x, (2, 1), constant_values=-1.5))

# -- getitem (and its transpose scatter_add), every kind of index ------------------------
MASK = np.array([[True, False, True], [False, False, True]])
INDEXES = {
    "int": 1, "negative-int": -1, "0d-int-array": np.array(1),
    "slice": (slice(None), slice(1, None)), "negative-step": (slice(None, None, -1),
                                                              slice(2, 0, -2)),
    "newaxis-ellipsis": (None, Ellipsis, 1, None), "int-array-duplicates": np.array([1, 0, 1, 1]),
    "int-arrays-2d": (np.array([[0, 1], [1, 1]]), np.array([2, 2])), "list": [0, 0],
    "bool-mask": MASK, "bool-row-mask": np.array([False, True]),
    "slice-and-array": (slice(None), np.array([2, 0, 2])),
}
for label, idx in INDEXES.items():
    _row(f"getitem/{label}", ("getitem",), lambda x, idx=idx: x[idx], [(2, 3)],
         lambda x, idx=idx: x[idx])
_row("getitem/empty-list", ("getitem",), lambda x: x[[]], [(2, 3)], lambda x: x[[]],
     extra={"scale_invisible": "the output is empty: there is no derivative to scale"})
_row("getitem/3d-mixed", ("getitem",), lambda x: x[1:, ..., np.array([0, 3, 0])][::-1],
     [(3, 2, 4)], lambda x: x[1:, ..., np.array([0, 3, 0])][::-1])


def _scatter_ref(ct, idx, shape):
    out = np.zeros(shape, dtype=ct.dtype)
    np.add.at(out, idx, ct)
    return out


SCATTERS = {"int-array": ((np.array([0, 2, 0]),), (4, 3), (3, 3)),
            "slice": ((slice(1, 3), slice(None, None, -1)), (4, 3), (2, 3)),
            "bool-mask": ((MASK,), (2, 3), (3,))}
for label, (idx, shape, ct_shape) in SCATTERS.items():
    _row(f"scatter_add/{label}", ("scatter_add",),
         lambda ct, idx=idx, shape=shape: S.scatter(ct, S.normalize_index(idx), shape),
         [ct_shape], lambda ct, idx=idx, shape=shape: _scatter_ref(ct, idx, shape))

# -- composites: stacking and splitting ----------------------------------------------------
_row("hstack/1d", ("concatenate",), lambda x, y: fnp.hstack([x, y]), [(3,), (2,)],
     lambda x, y: np.hstack([x, y]))
_row("hstack/2d", ("concatenate",), lambda x, y: fnp.hstack((x, y)), [(2, 3), (2, 1)],
     lambda x, y: np.hstack((x, y)))
_row("vstack", ("concatenate", "reshape"), lambda x, y: fnp.vstack([x, y]), [(3,), (2, 3)],
     lambda x, y: np.vstack([x, y]))
_row("dstack", ("concatenate", "reshape"), lambda x, y: fnp.dstack([x, y]), [(2, 3), (2, 3)],
     lambda x, y: np.dstack([x, y]))
_row("column_stack", ("concatenate", "reshape"), lambda x, y: fnp.column_stack([x, y]),
     [(3,), (3, 2)], lambda x, y: np.column_stack([x, y]))
_row("atleast_nd", ("reshape",),
     lambda x, y: (fnp.atleast_1d(x), fnp.atleast_2d(y), fnp.atleast_3d(y)), [(), (3,)],
     lambda x, y: (np.atleast_1d(x), np.atleast_2d(y), np.atleast_3d(y)))
_row("split/sections", ("getitem",), lambda x: fnp.split(x, 2, axis=1), [(3, 4)],
     lambda x: np.split(x, 2, axis=1))
_row("split/indices", ("getitem",), lambda x: fnp.split(x, [1, 3, -1]), [(6, 2)],
     lambda x: np.split(x, [1, 3, -1]))
_row("array_split", ("getitem",), lambda x: fnp.array_split(x, 3, axis=-1), [(2, 4)],
     lambda x: np.array_split(x, 3, axis=-1))
_row("hsplit-vsplit", ("getitem",), lambda x: fnp.hsplit(x, 2) + fnp.vsplit(x, [1]),
     [(2, 4)], lambda x: np.hsplit(x, 2) + np.vsplit(x, [1]))

# -- composites: rearranging and gathering ---------------------------------------------
_row("roll/flat", ("concatenate", "getitem", "reshape"), lambda x: fnp.roll(x, 4), [(2, 3)],
     lambda x: np.roll(x, 4))
_row("roll/axis-negative", ("concatenate", "getitem"), lambda x: fnp.roll(x, -4, axis=1),
     [(2, 3)], lambda x: np.roll(x, -4, axis=1))
_row("roll/tuples", ("concatenate", "getitem"),
     lambda x: fnp.roll(x, (1, 2, 1), axis=(0, 2, 0)), [(3, 2, 4)],
     lambda x: np.roll(x, (1, 2, 1), axis=(0, 2, 0)))
_row("tile/int", ("broadcast_to", "reshape"), lambda x: fnp.tile(x, 3), [(2,)],
     lambda x: np.tile(x, 3))
_row("tile/promote", ("broadcast_to", "reshape"), lambda x: fnp.tile(x, (2, 1, 2)),
     [(2, 3)], lambda x: np.tile(x, (2, 1, 2)))
_row("repeat/flat", ("broadcast_to", "reshape"), lambda x: fnp.repeat(x, 2), [(2, 3)],
     lambda x: np.repeat(x, 2))
_row("repeat/axis", ("broadcast_to", "reshape"), lambda x: fnp.repeat(x, 3, axis=0),
     [(2, 3)], lambda x: np.repeat(x, 3, axis=0))
_row("repeat/per-element", ("getitem",), lambda x: fnp.repeat(x, [2, 0, 1], axis=-1),
     [(2, 3)], lambda x: np.repeat(x, [2, 0, 1], axis=-1))
_row("take/flat-duplicates", ("getitem", "reshape"), lambda x: fnp.take(x, [0, 5, 0, -1]),
     [(2, 3)], lambda x: np.take(x, [0, 5, 0, -1]))
_row("take/axis-2d-indices", ("getitem",),
     lambda x: fnp.take(x, np.array([[2, 2], [0, 1]]), axis=1), [(2, 3)],
     lambda x: np.take(x, np.array([[2, 2], [0, 1]]), axis=1))
_row("take/wrap", ("getitem",), lambda x: fnp.take(x, [4, -5], axis=1, mode="wrap"),
     [(2, 3)], lambda x: np.take(x, [4, -5], axis=1, mode="wrap"))
_row("take_along_axis", ("getitem",),
     lambda x: fnp.take_along_axis(x, np.array([[0, 0], [2, 1]]), axis=1), [(2, 3)],
     lambda x: np.take_along_axis(x, np.array([[0, 0], [2, 1]]), axis=1))
_row("sort", ("getitem",), fnp.sort, [(3, 4)], np.sort, domain=distinct)
_row("sort/axis0", ("getitem",), lambda x: fnp.sort(x, axis=0), [(3, 4)],
     lambda x: np.sort(x, axis=0), domain=distinct)
_row("sort/flat", ("getitem", "reshape"), lambda x: fnp.sort(x, axis=None), [(3, 4)],
     lambda x: np.sort(x, axis=None), domain=distinct)
