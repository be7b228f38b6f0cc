"""``ft.backends.mps``: Apple's Metal backend does not exist in functrace."""


def is_available() -> bool:
    """False: functrace computes with numpy on the CPU."""
    return False


def is_built() -> bool:
    """False: functrace has no MPS backend."""
    return False
