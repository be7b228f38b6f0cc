"""``default_collate``/``default_convert`` and unshuffled DataLoader batches against
``torch.utils.data`` itself (skipped without torch): same structure, types, dtypes, values."""
import collections

import numpy as np
import pytest

import functrace as ft
from functrace.utils import data as fdata

torch = pytest.importorskip("torch")
tdata = pytest.importorskip("torch.utils.data")

P = collections.namedtuple("P", "a b")


def describe(x):
    """A library-neutral description of a collated structure."""
    if isinstance(x, (torch.Tensor, ft.Tensor)):
        values = x.detach().numpy() if isinstance(x, torch.Tensor) else x.numpy()
        return ("tensor", tuple(x.shape), str(x.dtype).split(".")[-1], values.tolist())
    if isinstance(x, dict):
        return (type(x).__name__, {k: describe(v) for k, v in x.items()})
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return ("namedtuple", [describe(v) for v in x])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [describe(v) for v in x])
    return (type(x).__name__, x)


def batches(lib):
    t = lib.tensor
    return {
        "tuples": [(t([1.0, 2.0]), 1, 0.5, True, "a"), (t([3.0, 4.0]), 2, 1.5, False, "b")],
        "dicts": [{"x": np.ones((2, 2), np.float32), "y": [1, 2], "p": P(1.0, np.int32(3))}] * 3,
        "lists": [[1, 2, 3], [4, 5, 6]],
        "numpy_scalars": [np.float64(1.5), np.float64(2)],
        "bytes": [b"x", b"y"],
        "ordered": [collections.OrderedDict(z=1, a=2.0)] * 2,
        "int16_arrays": [np.arange(3, dtype=np.int16)] * 2,
    }


@pytest.mark.parametrize("name", sorted(batches(ft)))
def test_default_collate_matches_torch(name):
    assert describe(fdata.default_collate(batches(ft)[name])) == \
        describe(tdata.default_collate(batches(torch)[name]))


@pytest.mark.parametrize("value", [{"a": np.arange(3), "b": (np.ones(2), "s")},
                                   [np.float32(2), 3], (1, np.ones(1)), "text"], ids=str)
def test_default_convert_matches_torch(value):
    assert describe(fdata.default_convert(value)) == describe(tdata.default_convert(value))


@pytest.mark.parametrize("batch_size, drop_last", [(3, False), (3, True), (None, False)])
def test_unshuffled_loader_batches_match_torch(batch_size, drop_last):
    samples = [{"x": np.full(2, i, np.float32), "y": i, "w": float(i) / 2} for i in range(7)]
    ours = list(fdata.DataLoader(samples, batch_size=batch_size, drop_last=drop_last))
    theirs = list(tdata.DataLoader(samples, batch_size=batch_size, drop_last=drop_last))
    assert [describe(b) for b in ours] == [describe(b) for b in theirs]
