"""``ft.backends``: the accelerator backends functrace lacks, answering as PyTorch does
on a CPU-only machine (``mps.is_available()`` is False; ``cudnn`` flags are accepted).

>>> import functrace as ft
>>> ft.backends.mps.is_available(), ft.backends.cudnn.is_available()
(False, False)
"""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
