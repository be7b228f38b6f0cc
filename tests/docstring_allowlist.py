"""Public names whose docstrings have no example yet: the list may only shrink.

tests/test_doctests.py fails for a public name without a ``>>>`` example that is
not listed here, and for a listed name that has one now (remove it then).
1 names are listed.
"""

WITHOUT_EXAMPLE = frozenset({
    # functrace.kernels (1)
    "functrace.kernels:generate_source",
})
