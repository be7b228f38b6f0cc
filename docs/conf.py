"""Sphinx configuration of functrace's documentation (``make docs``).

Sphinx rather than MkDocs because functrace's docstrings are reStructuredText
(``literals``, :func:`roles`, ``>>>`` doctest blocks), which Sphinx renders
natively and whose cross-references its nitpicky mode checks: ``make docs``
fails on a reference that resolves to nothing. The guides are Markdown
(myst-parser), so benchmarks/RESULTS.md and other Markdown pages are included
as they are. The API pages, the name-by-name tables and the list of optional
pages are generated here at build time from the installed package (_gen.py).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import _gen  # noqa: E402  (docs/_gen.py, beside this file)

project = "functrace"
author = "the functrace developers"
copyright = "the functrace developers (MIT License)"

import functrace  # noqa: E402

release = version = functrace.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "myst_parser"]
napoleon_numpy_docstring = False      # the few sectioned docstrings are Google style
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = f"functrace {release}"
exclude_patterns = ["_build", "_generated/*table*.md"]
# myst.header: RESULTS.md's headings start below the page's. ref.python: a postponed
# annotation naming a class that two modules define (``Program``) links to the first;
# a reference that resolves to nothing still fails.
suppress_warnings = ["myst.header", "ref.python"]

nitpicky = True                          # a reference that resolves to nothing fails the build
autodoc_typehints = "description"
autodoc_typehints_format = "fully-qualified"
python_use_unqualified_type_names = True
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}      # classes with their documented methods
autodoc_preserve_defaults = True
# Types of other libraries (no inventories are fetched: the build runs offline).
nitpick_ignore_regex = [(r"py:.*", r"(.*\.)?_\w+(\..*)?"),    # private names are not documented
                        (r"py:.*", r"(numpy|np|typing|collections|types|builtins|contextlib"
                                   r"|threading|enum|abc|dask|scipy|numba|torch|pathlib|os|sys"
                                   r"|math|pickle)(\..*)?"),
                        (r"py:.*", r"(Any|Callable|Iterable|Iterator|Sequence|Mapping|"
                                   r"NDArray|ArrayLike|DTypeLike|Self|Optional|Union|T|F|"
                                   r"ndarray|dtype|Generator|TypeVar|Hashable|"
                                   r"optional|callable|array_like|array|scalar|default.*|max)"),
                        # type variables and aliases that annotations name
                        (r"py:class", r"(.*\.)?(T|R|F|Shape|VjpRule|VjpAllRule|JvpRule|"
                                      r"KernelPlan|'Trace'|SlogdetResult)")]


def setup(app):
    _gen.generate(os.path.dirname(__file__))
    app.connect("source-read", _gen.fill_optional_pages)
    app.connect("source-read", _gen.link_contributing)
    app.connect("missing-reference", _gen.resolve_unqualified)
    app.connect("autodoc-process-docstring", _gen.drop_type_docstrings)
