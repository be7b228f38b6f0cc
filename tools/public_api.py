"""The public API as data: the public modules of functrace and the names each exports.

A module is public when no part of its dotted name starts with ``_``; its public
names are its ``__all__`` (``functrace.numpy`` and ``functrace.numpy.linalg``, which
mirror numpy's namespaces and have none: their functions). The docs' API reference
and the doctest and docstring meta-tests (tests/test_doctests.py) read this module,
so the three cannot disagree about what is public.

>>> from public_api import public_modules
>>> "functrace.numpy" in public_modules()
True
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any, Iterator

# Modules that import an optional dependency at import time, and that dependency.
OPTIONAL = {"functrace.dask": "dask", "functrace.scipy": "scipy"}


def public_modules(private: bool = False) -> list[str]:
    """Dotted names of functrace and its public submodules (with ``private``, all its
    modules), sorted; nothing is imported but ``functrace`` itself.

    >>> public_modules()[0]
    'functrace'
    """
    import functrace   # (functrace's own path, to list its files)
    names, todo = [], [(functrace.__path__[0], "functrace")]
    while todo:                                  # the files only: nothing is imported
        path, prefix = todo.pop()
        for info in pkgutil.iter_modules([path]):
            if private or not info.name.startswith("_"):
                names.append(f"{prefix}.{info.name}")
                if info.ispkg:
                    todo.append((f"{path}/{info.name}", f"{prefix}.{info.name}"))
    return ["functrace"] + sorted(names)


# Modules that mirror numpy's namespaces, without __all__; names they import but do
# not offer as numpy functions.
NUMPY_MIRRORS = ("functrace.numpy", "functrace.numpy.linalg")
NOT_NUMPY = {"install_array_methods"}


def exported(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """``(name, object)`` for each name of ``module.__all__`` (none without one; the
    functions of a module of :data:`NUMPY_MIRRORS`).

    >>> import functrace.calls, functrace.numpy
    >>> [name for name, _ in exported(functrace.calls)]
    ['checkpoint', 'remat', 'custom_jvp', 'custom_vjp']
    >>> "sin" in dict(exported(functrace.numpy))
    True
    """
    if module.__name__ in NUMPY_MIRRORS and not hasattr(module, "__all__"):
        for name, value in vars(module).items():
            if not name.startswith("_") and name not in NOT_NUMPY and callable(value) \
                    and not isinstance(value, type) \
                    and (getattr(value, "__module__", None) or "").startswith(module.__name__):
                yield name, value
        return
    for name in getattr(module, "__all__", ()):
        yield name, getattr(module, name)


def has_example(obj: Any) -> bool:
    """Whether ``obj``'s own docstring (not one inherited from a base class) has a
    ``>>>`` example.

    >>> has_example(has_example), has_example(lambda: None)
    (True, False)
    """
    doc = obj.__doc__ if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if isinstance(obj, type) and "__doc__" not in vars(obj):
        doc = None
    return isinstance(doc, str) and ">>>" in doc


def import_public(name: str) -> ModuleType:
    """Import public module ``name``.

    >>> import_public("functrace.tree").__name__
    'functrace.tree'
    """
    return importlib.import_module(name)
