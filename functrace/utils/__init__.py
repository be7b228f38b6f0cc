"""``functrace.utils``: ``utils.data`` (datasets, samplers, ``DataLoader``), as ``torch.utils``.

>>> import functrace as ft
>>> len(ft.utils.data.TensorDataset(ft.zeros(5, 2)))
5
"""
from . import data

__all__ = ["data"]
