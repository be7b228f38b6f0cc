"""Table-driven docstring examples: append a table's examples to docstrings.

Families of similar functions (``functrace.numpy``'s, the facade's operations,
``nn``'s layers, ``scipy.special``'s) keep their examples in one table each (an
``EXAMPLES`` dict in the family's ``_examples`` module, written by
tools/docstring_examples.py), which the family's package attaches when it loads;
tests/test_doctests.py runs them.

>>> def f():
...     "Double."
>>> attach({"f": f}, {"f": ">>> 2 * 2\\n4"})
>>> f.__doc__.splitlines()
['Double.', '', '>>> 2 * 2', '4']
"""
from __future__ import annotations

from typing import Any


def attach(namespace: dict, examples: dict) -> None:
    """Append ``examples[key]`` to the docstring of the object ``key`` names in
    ``namespace`` (``"functional.relu"``: an attribute of ``namespace["functional"]``),
    once.

    >>> class C:
    ...     "A class."
    >>> attach({"C": C}, {"C": ">>> C.__name__\\n'C'"})
    >>> ">>> C.__name__" in C.__doc__
    True
    """
    for key, example in examples.items():
        first, *rest = key.split(".")
        obj: Any = namespace[first]
        for attr in rest:
            obj = getattr(obj, attr)
        doc = obj.__doc__ or ""
        if example not in doc:
            obj.__doc__ = _append(doc, example)


def _append(doc: str, example: str) -> str:
    """``doc`` then ``example``, indented as the docstring's own later lines are."""
    if not doc.strip():
        return example + "\n"
    later = [line for line in doc.splitlines()[1:] if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in later), default=0)
    lines = "".join(" " * indent + line + "\n" for line in example.splitlines())
    return doc.rstrip() + "\n\n" + lines
