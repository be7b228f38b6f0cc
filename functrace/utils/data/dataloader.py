"""``DataLoader``: batches from a dataset, shuffled by a seeded generator, collated into tensors.

>>> import functrace as ft
>>> from functrace.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(ft.arange(10.0).reshape(5, 2), ft.arange(5))
>>> loader = DataLoader(ds, batch_size=2, shuffle=True, generator=ft.Generator().manual_seed(0))
>>> len(loader), [y.tolist() for _, y in loader]
(3, [[2, 4], [3, 0], [1]])
"""
from __future__ import annotations

import itertools
import warnings
from typing import Any, Callable, Iterator, List, Optional

from ...tensors._random import Generator, draw
from ._collate import default_collate, default_convert
from ._workers import EXHAUSTED, WorkerPool, iterate_iterable, iterate_map_style
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's arguments and semantics).

    ``shuffle=True`` draws a new order each epoch from ``generator`` (or, without one,
    from a generator seeded by the default one, so ``ft.manual_seed`` fixes it).
    ``num_workers > 0`` loads ahead in worker threads (see
    :mod:`functrace.utils.data._workers` for why threads and what differs from torch's
    processes); ``pin_memory`` has no meaning on the CPU and is ignored with a warning.

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> data = TensorDataset(ft.arange(5.0), ft.tensor([0, 1, 0, 1, 0]))
    >>> for x, y in DataLoader(data, batch_size=2):
    ...     print(x, y)
    tensor([0., 1.]) tensor([0, 1])
    tensor([2., 3.]) tensor([0, 1])
    tensor([4.]) tensor([0])
    """

    def __init__(self, dataset: Any, batch_size: Optional[int] = 1,
                 shuffle: Optional[bool] = None, sampler: Any = None,
                 batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Optional[Callable[[List[Any]], Any]] = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Optional[Callable[[int], None]] = None,
                 multiprocessing_context: Any = None, generator: Optional[Generator] = None,
                 *, prefetch_factor: Optional[int] = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers, in_order)
        if pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", UserWarning, stacklevel=2)
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers else prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 "sampler and batch_sampler options")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn or (default_collate if self._auto_collation
                                         else default_convert)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def __len__(self) -> int:
        if not self._iterable:
            return len(self._index_sampler)
        n = len(self.dataset)         # a TypeError if the stream has no length, as in torch
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        # As torch, every epoch draws the workers' base seed first (also without workers, so
        # the order of the batches does not depend on num_workers).
        base_seed = draw(self.generator, lambda r: int(r.integers(0, 2 ** 63)))
        if self.num_workers == 0:
            return self._iterate_here()
        return self._iterate_in_workers(base_seed)

    def _fetch(self, indices: Any) -> Any:
        """The collated batch (or converted sample) at ``indices`` of a map-style dataset."""
        if not self._auto_collation:
            return self.collate_fn(self.dataset[indices])
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(indices) if getitems else [self.dataset[i] for i in indices]
        return self.collate_fn(samples)

    def _next_from_stream(self, it: Iterator[Any]) -> Any:
        """The next batch (or sample) of an IterableDataset's iterator, or ``EXHAUSTED``."""
        if self.batch_size is None:
            sample = next(it, EXHAUSTED)
            return sample if sample is EXHAUSTED else self.collate_fn(sample)
        batch = list(itertools.islice(it, self.batch_size))
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            return EXHAUSTED
        return self.collate_fn(batch)

    def _iterate_here(self) -> Iterator[Any]:
        if not self._iterable:
            for indices in self._index_sampler:
                yield self._fetch(indices)
            return
        it = iter(self.dataset)
        while True:
            batch = self._next_from_stream(it)
            if batch is EXHAUSTED:
                return
            yield batch

    def _iterate_in_workers(self, base_seed: int) -> Iterator[Any]:
        pool = WorkerPool(self, base_seed)
        try:
            if self._iterable:
                yield from iterate_iterable(self, pool, self._next_from_stream)
            else:
                yield from iterate_map_style(self, pool, self._fetch)
        finally:
            pool.shutdown()


def _check_workers(num_workers: int, timeout: float, prefetch_factor: Optional[int],
                   persistent_workers: bool, in_order: bool) -> None:
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing. "
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if prefetch_factor is not None and prefetch_factor <= 0:
        raise ValueError("prefetch_factor option should be positive")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if persistent_workers:
        raise ValueError("persistent_workers=True is not supported: functrace's DataLoader "
                         "workers are threads started for each epoch; leave it False")
    if not in_order:
        raise ValueError("in_order=False is not supported: functrace's DataLoader always "
                         "returns batches in order")
