"""``DataLoader(num_workers=n)``: worker *threads* that load batches ahead, in order.

Why threads and not processes: functrace keeps no state that needs a process of
its own, and threads let any dataset work without pickling it or its tensors.
Loading that is numpy work runs in parallel (numpy releases the GIL); pure-Python
loading only overlaps with the training step. The semantics follow torch's worker
processes where a program can tell: batch ``i`` is loaded by worker ``i % n``;
each worker has its own default generator, seeded ``base_seed + worker_id``, so
random augmentations are reproducible under ``ft.manual_seed`` whatever the
thread timing; ``worker_init_fn(worker_id)`` runs first in each worker;
:func:`get_worker_info` tells a dataset which worker runs it. Unlike processes,
the workers share the dataset object: a dataset that mutates itself while
loading must guard that itself.
"""
from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError
from typing import Any, Callable, Deque, Iterator, NamedTuple, Optional, Tuple

from ...tensors._random import Generator, set_thread_generator

_LOCAL = threading.local()
EXHAUSTED = object()


class WorkerInfo(NamedTuple):
    """What :func:`get_worker_info` returns inside a worker.

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> class Seen(IterableDataset):
    ...     def __iter__(self):
    ...         info = get_worker_info()
    ...         return iter([(info.id, info.num_workers)])
    >>> sorted(DataLoader(Seen(), num_workers=2, batch_size=None))
    [[0, 2], [1, 2]]
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> Optional[WorkerInfo]:
    """This worker's ``WorkerInfo`` inside a DataLoader worker, else ``None``.

    >>> import functrace as ft
    >>> from functrace.utils.data import *
    >>> get_worker_info() is None          # in the main thread
    True
    """
    return getattr(_LOCAL, "info", None)


class WorkerPool:
    """``num_workers`` single-thread executors; tasks for one worker run in order."""

    def __init__(self, loader: Any, base_seed: int) -> None:
        self.loader = loader
        self.base_seed = base_seed
        n = loader.num_workers
        self.executors = [ThreadPoolExecutor(1, thread_name_prefix=f"DataLoaderWorker{i}")
                          for i in range(n)]

    def submit(self, worker: int, task: Callable[..., Any], *args: Any) -> Future:
        return self.executors[worker].submit(self._run, worker, task, *args)

    def _run(self, worker: int, task: Callable[..., Any], *args: Any) -> Any:
        if getattr(_LOCAL, "info", None) is None:         # the worker's first task
            seed = self.base_seed + worker
            _LOCAL.info = WorkerInfo(worker, len(self.executors), seed, self.loader.dataset)
            set_thread_generator(Generator().manual_seed(seed))
            if self.loader.worker_init_fn is not None:
                self.loader.worker_init_fn(worker)
        return task(*args)

    def shutdown(self) -> None:
        for ex in self.executors:
            ex.shutdown(wait=False, cancel_futures=True)


def _result(future: Future, worker: int, timeout: float) -> Any:
    try:
        return future.result(timeout=timeout if timeout > 0 else None)
    except TimeoutError:
        raise RuntimeError(f"DataLoader timed out after {timeout} seconds waiting for worker "
                           f"{worker}") from None


def iterate_map_style(loader: Any, pool: WorkerPool, fetch: Callable[[Any], Any]) -> Iterator:
    """Batches of a map-style dataset, batch ``i`` fetched by worker ``i % n``, in order."""
    n, timeout = loader.num_workers, loader.timeout
    tasks = enumerate(iter(loader._index_sampler))
    pending: Deque[Tuple[int, Future]] = deque()

    def submit() -> None:
        for i, indices in tasks:
            pending.append((i % n, pool.submit(i % n, fetch, indices)))
            return

    for _ in range(loader.prefetch_factor * n):
        submit()
    while pending:
        worker, future = pending.popleft()
        batch = _result(future, worker, timeout)
        submit()
        yield batch


def iterate_iterable(loader: Any, pool: WorkerPool,
                     next_batch: Callable[[Iterator], Any]) -> Iterator:
    """Batches of an IterableDataset: each worker iterates the dataset in its own thread;
    requests go to the workers in turn, skipping those that are done, and batches come
    back in the order they were requested."""
    n, timeout = loader.num_workers, loader.timeout
    active = [True] * n
    turn = [0]
    pending: Deque[Tuple[int, Future]] = deque()

    def task() -> Any:
        it = getattr(_LOCAL, "iterator", None)
        if it is None:
            it = _LOCAL.iterator = iter(loader.dataset)
        return next_batch(it)          # an exhausted iterator keeps answering EXHAUSTED

    def submit() -> None:
        for _ in range(n):
            worker = turn[0] % n
            turn[0] += 1
            if active[worker]:
                pending.append((worker, pool.submit(worker, task)))
                return

    for _ in range(loader.prefetch_factor * n):
        submit()
    while pending:
        worker, future = pending.popleft()
        batch = _result(future, worker, timeout)
        if batch is EXHAUSTED:
            active[worker] = False
        submit()
        if batch is not EXHAUSTED:
            yield batch
