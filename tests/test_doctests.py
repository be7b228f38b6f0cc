"""Every docstring example in the package runs, and every public name has one.

The doctests of all of functrace's modules run here (what ``pytest
--doctest-modules functrace`` would do, plus the optional-dependency skips); the
meta-test lists the public names (each ``__all__`` of a public module, see
tools/public_api.py) whose own docstring has no ``>>>`` example.
"""
import doctest
import importlib

import pytest

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from public_api import OPTIONAL, exported, has_example, public_modules  # noqa: E402  (tools/)
from docstring_allowlist import WITHOUT_EXAMPLE

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _import(name):
    for prefix, dependency in OPTIONAL.items():
        if name == prefix or name.startswith(prefix + "."):
            pytest.importorskip(dependency)
    return importlib.import_module(name)


@pytest.mark.parametrize("name", public_modules(private=True))
def test_docstring_examples_run(name):
    module = _import(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring examples of {name} fail (output above)"


def _missing_examples():
    """'module:name' of each public object without an example, once per object
    (the first module that exports it), and the foreign objects (numpy's dtypes,
    ...) whose docstrings are not functrace's to write."""
    seen, missing = set(), []
    modules = [_import(name) for name in public_modules()]   # all examples attached first
    for module in modules:
        module_name = module.__name__
        for name, obj in exported(module):
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if not has_example(obj) and _ours(obj):
                missing.append(f"{module_name}:{name}")
    return missing


def _ours(obj):
    module = getattr(obj, "__name__", "") if isinstance(obj, type(doctest)) else \
        getattr(obj, "__module__", None) or ""
    return module.startswith("functrace")


def test_public_names_have_examples():
    missing = set(_missing_examples())
    new = sorted(missing - WITHOUT_EXAMPLE)
    assert not new, (f"{len(new)} public names have no docstring example (a '>>>' "
                     f"line in their own docstring): {new}")


def test_allowlist_only_shrinks():
    """An allow-listed name that now has an example (or is gone) leaves the list."""
    stale = sorted(WITHOUT_EXAMPLE - set(_missing_examples()))
    assert not stale, f"remove from tests/docstring_allowlist.py: {stale}"


def test_public_api_tool_examples_run():
    import public_api
    assert doctest.testmod(public_api, optionflags=FLAGS).failed == 0
