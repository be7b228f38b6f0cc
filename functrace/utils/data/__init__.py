"""``functrace.utils.data``: datasets, samplers and the ``DataLoader`` (``torch.utils.data``).

>>> import functrace as ft
>>> from functrace.utils.data import DataLoader, TensorDataset
>>> x, y = ft.randn(10, 3), ft.arange(10)
>>> for xb, yb in DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True):
...     print(xb.shape, yb.shape)
functrace.Size([4, 3]) functrace.Size([4])
functrace.Size([4, 3]) functrace.Size([4])
functrace.Size([2, 3]) functrace.Size([2])
"""
from ._collate import default_collate, default_convert
from ._workers import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .dataset import (ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset,
                      random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "BatchSampler", "DataLoader", "default_collate",
           "default_convert", "get_worker_info", "WorkerInfo"]
