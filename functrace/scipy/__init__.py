"""``functrace.scipy``: differentiable versions of scipy functions.

Needs scipy, an optional dependency: ``pip install functrace[scipy]``. The
submodules ``special``, ``stats``, ``signal``, ``linalg`` and ``integrate`` are
imported on first use.

>>> import functrace.scipy.special as fsp
>>> float(fsp.logsumexp([1000.0, 1000.0]))
1000.6931471805599
"""
try:
    import scipy as _scipy  # noqa: F401
except ImportError as _error:
    raise ImportError(
        "functrace.scipy needs scipy, which is not installed. Install the optional "
        "extra with `pip install functrace[scipy]` (or `pip install scipy`). "
        "functrace.activations has logsumexp, softmax, erf and sigmoid without scipy."
    ) from _error

__all__ = ["special", "stats", "signal", "linalg", "integrate"]


def __getattr__(name: str):
    if name in __all__:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
