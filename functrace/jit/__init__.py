"""``functrace.jit``: trace once, replay compiled (see :func:`jit`)."""
from .api import Jitted, jit

__all__ = ["jit", "Jitted"]
