"""Shape functions: values against numpy for many argument forms, gradients of the edge
cases (duplicates, ties, empty pieces, masks), numpy dispatch and clear errors.

Second-order gradient checks of every primitive and composite live in the spec table
(``tests/specs/shape.py``); here the expected gradients are written out."""
from __future__ import annotations

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace.testing import check_grads

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5))
M = RNG.standard_normal((4, 3))
V = RNG.standard_normal(6)


def _flat(out):
    if isinstance(out, (list, tuple)):
        return fnp.concatenate([fnp.ravel(p) for p in out])
    return out


def _same(fn, *args):
    """``fn`` (a numpy call) gives numpy's value on arrays and on tracers."""
    expected = fn(*args)
    actual = functrace.vjp(lambda *a: _flat(fn(*a)), *args)[0]
    np.testing.assert_array_equal(actual, np.asarray(_flat(expected)))
    return expected


# -- values: numpy calls on tracers dispatch to functrace ------------------------------
VALUE_CASES = {
    "hstack-0d": (lambda a: np.hstack([a[0], a[1], a[2:4]]), V),
    "vstack-0d": (lambda a: np.vstack([a[0], a[1]]), V),
    "column_stack-mixed": (lambda a: np.column_stack([a[:, 0], a[:, 1:]]), M),
    "split-beyond-end": (lambda a: np.split(a, [2, 10]), V),
    "split-decreasing": (lambda a: np.split(a, [3, 1]), V),
    "array_split-more-than-length": (lambda a: np.array_split(a, 8), V),
    "array_split-list": (lambda a: np.array_split(a, [1, 2], axis=-1), X),
    "dsplit": (lambda a: np.dsplit(a, [1, 4]), X),
    "roll-zero": (lambda a: np.roll(a, 0, axis=0), X),
    "roll-multiple-of-length": (lambda a: np.roll(a, 12, axis=(0, 1)), X),
    "roll-axis-none-tuple": (lambda a: np.roll(a, (1, 2)), X),
    "roll-same-axis-twice": (lambda a: np.roll(a, (2, -3), axis=(1, 1)), X),
    "tile-reps-1": (lambda a: np.tile(a, 1), X),
    "tile-zero": (lambda a: np.tile(a, (0, 2)), M),
    "tile-0d": (lambda a: np.tile(a[0], (2, 3)), V),
    "repeat-0d": (lambda a: np.repeat(a[0], 3), V),
    "repeat-zero": (lambda a: np.repeat(a, 0, axis=1), M),
    "repeat-length-1-list": (lambda a: np.repeat(a, [2], axis=0), M),
    "pad-zero-width": (lambda a: np.pad(a, 0), M),
    "pad-per-axis": (lambda a: np.pad(a, ((0, 1), (2, 0), (1, 1))), X),
    "pad-shape-2x1": (lambda a: np.pad(a, [[1], [2]], constant_values=7.0), M),
    "take-clip": (lambda a: np.take(a, [-9, 9], axis=0, mode="clip"), M),
    "take-scalar-index": (lambda a: np.take(a, 3, axis=2), X),
    "take_along_axis-none": (lambda a: np.take_along_axis(a, np.array([4, 4, 0]), None), X),
    "take_along_axis-broadcast": (
        lambda a: np.take_along_axis(a, np.zeros((1, 2, 1), dtype=int), axis=1), X),
    "sort-last": (lambda a: np.sort(a), X),
    "sort-axis1": (lambda a: np.sort(a, axis=1), X),
    "atleast_3d-2d": (lambda a: np.atleast_3d(a), M),
    "atleast_2d-many": (lambda a: np.atleast_2d(a[0], a, M), V),
}


@pytest.mark.parametrize("fn, arg", VALUE_CASES.values(), ids=VALUE_CASES.keys())
def test_values_match_numpy(fn, arg):
    _same(fn, arg)


def test_plain_arrays_give_plain_numpy_results():
    out = fnp.split(V, 3)
    assert isinstance(out, list) and all(type(p) is np.ndarray for p in out)
    assert type(fnp.roll(M, 1)) is np.ndarray
    np.testing.assert_array_equal(fnp.pad(M, 1, constant_values=2.0),
                                  np.pad(M, 1, constant_values=2.0))


@pytest.mark.parametrize("fn", [lambda a: fnp.hstack([a, a]), lambda a: fnp.split(a, 2)[1],
                                lambda a: fnp.roll(a, 1), lambda a: fnp.tile(a, 2),
                                lambda a: fnp.repeat(a, [1, 2, 0, 1, 1, 2]),
                                lambda a: fnp.pad(a, 1, constant_values=3.0),
                                lambda a: fnp.take(a, [0, 0]), fnp.sort])
def test_float32_stays_float32(fn):
    x = V.astype(np.float32)
    assert fn(x).dtype == np.float32
    g = functrace.grad(lambda a: fnp.sum(fn(a) ** 2))(x)
    assert g.dtype == np.float32 and g.shape == x.shape


# -- gradients of the edge cases --------------------------------------------------------
def _grad_of_sum(fn, x):
    return functrace.grad(lambda a: fnp.sum(_flat(fn(a))))(x)


def test_take_duplicates_accumulate():
    g = _grad_of_sum(lambda a: fnp.take(a, [1, 1, 1, 4, -2]), V)
    np.testing.assert_array_equal(g, [0, 3, 0, 0, 2, 0])


def test_take_along_axis_duplicates_accumulate():
    idx = np.array([[0, 0, 2], [0, 1, 2], [0, 1, 2]])
    g = _grad_of_sum(lambda a: fnp.take_along_axis(a, idx, axis=0), M[:3])
    np.testing.assert_array_equal(g, [[3, 1, 0], [0, 2, 0], [0, 0, 3]])


def test_repeat_gradient_counts_copies():
    g = _grad_of_sum(lambda a: fnp.repeat(a, [3, 0, 1], axis=1), M)
    np.testing.assert_array_equal(g, np.broadcast_to([3.0, 0.0, 1.0], M.shape))
    np.testing.assert_array_equal(_grad_of_sum(lambda a: fnp.repeat(a, 2), M), 2 * np.ones_like(M))


def test_tile_gradient_counts_copies():
    np.testing.assert_array_equal(_grad_of_sum(lambda a: fnp.tile(a, (2, 3, 1)), M),
                                  np.full(M.shape, 6.0))


def test_split_with_empty_pieces_has_full_gradient():
    g = _grad_of_sum(lambda a: fnp.array_split(a, 8), V)
    np.testing.assert_array_equal(g, np.ones_like(V))


def test_pad_gradient_ignores_fill():
    weights = np.arange(30.0).reshape(5, 6)
    g = functrace.grad(lambda a: fnp.sum(fnp.pad(a, ((1, 0), (2, 1)), constant_values=9.0)
                                         * weights))(M)
    np.testing.assert_array_equal(g, weights[1:, 2:5])


def test_roll_gradient_is_inverse_roll():
    w = RNG.standard_normal(X.shape)
    g = functrace.grad(lambda a: fnp.sum(fnp.roll(a, (1, -2), axis=(0, 2)) * w))(X)
    np.testing.assert_array_equal(g, np.roll(w, (-1, 2), axis=(0, 2)))


def test_sort_gradient_follows_the_permutation():
    x = np.array([3.0, 1.0, 2.0])
    w = np.array([10.0, 20.0, 30.0])
    g = functrace.grad(lambda a: fnp.sum(fnp.sort(a) * w))(x)
    np.testing.assert_array_equal(g, [30.0, 10.0, 20.0])


def test_sort_ties_are_deterministic_and_stable():
    """Tied values keep their original order: each gets its own slot's cotangent."""
    x = np.array([2.0, 1.0, 2.0, 1.0])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    for _ in range(3):
        g = functrace.grad(lambda a: fnp.sum(fnp.sort(a) * w))(x)
        np.testing.assert_array_equal(g, [3.0, 1.0, 4.0, 2.0])


def test_sort_second_order():
    check_grads(lambda a: fnp.sort(a, axis=0) ** 3, (np.array([[0.5, -1.0], [2.0, 1.5]]),),
                order=2)


# -- getitem edge cases: gradient equals np.add.at of ones --------------------------------
INDEXES = {
    "negative-steps": (slice(None, None, -1), slice(3, 0, -2)),
    "newaxis-ellipsis": (None, 1, Ellipsis, None),
    "ellipsis-last": (Ellipsis, -1),
    "int-duplicates": np.array([0, 0, 2, -3, 0]),
    "int-arrays-broadcast": (np.array([[0], [2]]), slice(None), np.array([1, 1, 4])),
    "bool-mask": X[..., 0] > 0,
    "bool-and-int": (np.array([True, False, True]), slice(None), np.array([0, 4])),
    "python-int": 2,
    "numpy-int": np.int64(-1),
    "0d-int-array": np.array(1),
    "0d-int-arrays": (np.array(1), np.array(2)),
    "list-duplicates": [1, 1, 0],
    "empty-list": [],
}


@pytest.mark.parametrize("idx", INDEXES.values(), ids=INDEXES.keys())
def test_getitem_edge_cases(idx):
    np.testing.assert_array_equal(fnp.getitem(X, idx), X[idx])
    expected = np.zeros_like(X)
    np.add.at(expected, idx if not isinstance(idx, list) else np.array(idx, dtype=int), 1.0)
    np.testing.assert_array_equal(_grad_of_sum(lambda a: a[idx], X), expected)
    check_grads(lambda a: a[idx] ** 2, (X,), order=2)


def test_getitem_with_traced_zero_d_index():
    """An index computed from traced values is a constant (argmax carries no gradient)."""
    g = functrace.grad(lambda a: a[fnp.argmax(a)] * 2.0)(V)
    expected = np.zeros_like(V)
    expected[np.argmax(V)] = 2.0
    np.testing.assert_array_equal(g, expected)


# -- errors -------------------------------------------------------------------------------
def test_pad_other_modes_raise_not_implemented():
    with pytest.raises(NotImplementedError, match="mode='constant'"):
        fnp.pad(M, 1, mode="reflect")
    with pytest.raises(ValueError, match="negative"):
        fnp.pad(M, -1)
    with pytest.raises(ValueError, match="unsupported keyword"):
        fnp.pad(M, 1, end_values=2)


def test_pad_traced_fill_raises():
    with pytest.raises(TypeError, match="constant_values"):
        functrace.grad(lambda a: fnp.sum(fnp.pad(a, 1, constant_values=a[0, 0])))(M)


def test_split_errors_match_numpy():
    with pytest.raises(ValueError, match="equal division"):
        fnp.split(V, 4)
    with pytest.raises(ValueError, match="larger than 0"):
        fnp.array_split(V, 0)
    with pytest.raises(ValueError, match="vsplit"):
        fnp.vsplit(V, 2)


def test_other_errors():
    with pytest.raises(ValueError, match="negative"):
        fnp.repeat(V, -1)
    with pytest.raises(ValueError):
        fnp.repeat(M, [1, 2], axis=1)
    with pytest.raises(IndexError):
        fnp.take(V, [6])
    with pytest.raises(ValueError, match="same number of dimensions"):
        fnp.take_along_axis(M, np.array([0]), axis=0)
    with pytest.raises(NotImplementedError, match="order"):
        fnp.sort(V, order="x")
    with pytest.raises(np.exceptions.AxisError):
        fnp.roll(M, 1, axis=2)
