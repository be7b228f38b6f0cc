"""``default_collate`` (a list of samples -> a batch) and ``default_convert``, as in torch.

Tensors and numpy arrays are stacked along a new first dimension; Python floats
become a float64 tensor, ints an int64 tensor, bools a bool tensor; strings stay
a list; dicts, tuples, lists and namedtuples are collated field by field (a
tuple of fields becomes a *list* of batches, as torch returns it).

>>> import functrace as ft
>>> batch = default_collate([(ft.ones(2), 1), (ft.zeros(2), 0)])
>>> batch
[tensor([[1., 1.],
        [0., 0.]]), tensor([1, 0])]
>>> default_collate([{"x": 1.5, "name": "a"}, {"x": 2.5, "name": "b"}])
{'x': tensor([1.5000, 2.5000], dtype=functrace.float64), 'name': ['a', 'b']}
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, List

import numpy as np

from ...tensors._factories import as_tensor, float64, tensor
from ...tensors._shape import stack
from ...tensors._tensor import Tensor

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")


def _is_namedtuple(obj: Any) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _numeric_array(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind in "SaUO":
        raise TypeError(_ERROR.format(arr.dtype))
    return arr


def _stack(tensors: List[Tensor]) -> Tensor:
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(first)} at entry 0 and {list(t.shape)} at entry {i}")
    return stack(tensors, 0)


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch (see the module docstring for the rules).

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> default_collate([{"x": ft.tensor([1.0, 2.0]), "y": 0},
    ...                  {"x": ft.tensor([3.0, 4.0]), "y": 1}])
    {'x': tensor([[1., 2.],
            [3., 4.]]), 'y': tensor([0, 1])}
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(list(batch))
    if isinstance(elem, np.ndarray):
        return _stack([as_tensor(_numeric_array(b)) for b in batch])
    if isinstance(elem, np.generic):
        return as_tensor(_numeric_array(np.array(batch)))
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):                     # bool included: a bool tensor
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        merged = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(merged)
        except TypeError:
            return merged
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn numpy arrays (nested in dicts, tuples, lists) into tensors; the identity on the
    rest. The collate function when a DataLoader does not batch (``batch_size=None``).

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> import numpy as np
    >>> default_convert({"x": np.array([1.0, 2.0]), "name": "a"})
    {'x': tensor([1., 2.], dtype=functrace.float64), 'name': 'a'}
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "SaUO":
        return as_tensor(data)
    if isinstance(data, Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
