"""Datasets: ``Dataset``, ``IterableDataset``, ``TensorDataset``, ``ConcatDataset``, ``Subset``
and ``random_split``, with PyTorch's semantics.

>>> import functrace as ft
>>> from functrace.utils.data import TensorDataset, random_split
>>> ds = TensorDataset(ft.arange(10.0), ft.arange(10))
>>> len(ds), ds[3]
(10, (tensor(3.), tensor(3)))
>>> train, test = random_split(ds, [0.8, 0.2], generator=ft.Generator().manual_seed(0))
>>> len(train), len(test)
(8, 2)
"""
from __future__ import annotations

import bisect
import math
import warnings
from typing import Any, Iterator, List, Optional, Sequence

from ...tensors._random import Generator, randperm, resolve
from ...tensors._tensor import Tensor


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``).

    ``a + b`` concatenates two datasets.

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> class Squares(Dataset):
    ...     def __getitem__(self, i):
    ...         return i * i
    ...     def __len__(self):
    ...         return 4
    >>> [Squares()[i] for i in range(4)], len(Squares() + Squares())
    ([0, 1, 4, 9], 8)
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__`` (a DataLoader worker may shard
    the stream with :func:`get_worker_info`).

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> class Count(IterableDataset):
    ...     def __iter__(self):
    ...         return iter(range(5))
    >>> [batch.tolist() for batch in DataLoader(Count(), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __getitem__(self, index: Any) -> Any:
        raise TypeError("an IterableDataset is iterated, not indexed")


class TensorDataset(Dataset):
    """Samples are ``(t[i] for t in tensors)``: the tensors share their first dimension.

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> data = TensorDataset(ft.arange(3.0), ft.tensor([0, 1, 0]))
    >>> len(data), data[1]
    (3, (tensor(1.), tensor(1)))
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset takes tensors, got {type(t).__name__}")
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ValueError(f"Size mismatch between tensors: first dimensions "
                             f"{[t.shape[0] for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class ConcatDataset(Dataset):
    """Several map-style datasets one after another.

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> both = ConcatDataset([TensorDataset(ft.zeros(2)), TensorDataset(ft.ones(3))])
    >>> len(both), both[2]
    (5, (tensor(1.),))
    """

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes: List[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)  # type: ignore[arg-type]
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``.

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> part = Subset(TensorDataset(ft.arange(10.0)), [7, 2])
    >>> len(part), part[0]
    (2, (tensor(7.),))
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return [self.dataset[self.indices[i]] for i in idx]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: List[int]) -> List[Any]:
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


def _lengths_from_fractions(fractions: Sequence[float], n: int) -> List[int]:
    """torch's rule: floor each share, then hand the remainder out one by one from the first."""
    lengths = [int(math.floor(n * f)) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                          "dataset.", UserWarning, stacklevel=3)
    return lengths


def random_split(dataset: Dataset, lengths: Sequence[Any],
                 generator: Optional[Generator] = None) -> List[Subset]:
    """Split ``dataset`` at random into subsets of the given ``lengths`` (counts, or fractions
    summing to 1); ``generator`` defaults to the default generator.

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> train, test = random_split(TensorDataset(ft.arange(10.0)), [0.8, 0.2],
    ...                            generator=ft.Generator().manual_seed(0))
    >>> len(train), len(test), sorted(train.indices + test.indices) == list(range(10))
    (8, 2, True)
    """
    n = len(dataset)  # type: ignore[arg-type]
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        lengths = _lengths_from_fractions(lengths, n)
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input "
                         f"dataset! (lengths sum to {sum(lengths)}, the dataset has {n})")
    indices = randperm(n, generator=resolve(generator)).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, indices[offset:offset + length]))
        offset += length
    return out
