"""``ft.backends.cudnn``: there is no cuDNN; the flags reproducibility recipes set
(``deterministic``, ``benchmark``, ``enabled``) are plain attributes with no effect,
since functrace's CPU computations are already deterministic.

>>> import functrace as ft
>>> ft.backends.cudnn.is_available(), type(ft.backends.cudnn.deterministic)
(False, <class 'bool'>)
"""

deterministic = False
benchmark = False
enabled = True


def is_available() -> bool:
    """False: functrace has no cuDNN."""
    return False


def version() -> None:
    """None, as torch answers without cuDNN."""
    return None
