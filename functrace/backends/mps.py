"""``ft.backends.mps``: Apple's Metal backend does not exist in functrace.

>>> import functrace as ft
>>> ft.backends.mps.is_available(), ft.backends.mps.is_built()
(False, False)
"""


def is_available() -> bool:
    """False: functrace computes with numpy on the CPU."""
    return False


def is_built() -> bool:
    """False: functrace has no MPS backend."""
    return False
