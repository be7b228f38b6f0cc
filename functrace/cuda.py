"""``ft.cuda``: there is no CUDA in functrace, and this module says so as PyTorch's does
on a machine without a GPU, so device-picking code runs unchanged.

>>> import functrace as ft
>>> ft.cuda.is_available(), ft.cuda.device_count()
(False, 0)
>>> device = ft.device("cuda" if ft.cuda.is_available() else "cpu"); device
device(type='cpu')
"""
from __future__ import annotations


def is_available() -> bool:
    """False: functrace computes on the CPU only."""
    return False


def device_count() -> int:
    """0: there are no CUDA devices."""
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Accepted and ignored, as torch does without a GPU (there is no CUDA generator)."""
    int(seed)


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as torch does without a GPU (there is no CUDA generator)."""
    int(seed)
