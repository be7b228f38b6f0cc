"""functrace's layer order, written down once, and the imports held to it.

Every import in ``functrace/`` is parsed (:mod:`tools/import_graph.py`), those
inside functions included: they run later, but they are dependencies all the same.
A *unit* is a module at the package root or a subpackage (``tensors/``). The rules:

* every unit sits in exactly one layer of :data:`LAYERS` (a new module must be placed);
* a unit imports only units of *lower* layers -- units of one layer are independent;
* no group of modules imports each other (no cycle), inside a unit too;
* every import inside a function says why it is there (a comment on its line or
  the line above): cold start (``import functrace`` loads no numba, no facade),
  an optional dependency, or a module loaded only when a rare path needs it;
* ``kernels/`` imports nothing from the rest of functrace;
* no private (``_name.py``) module sits at the package root.

The only exception is :data:`ALLOWED_UPWARD`, each with its reason.
"""
from __future__ import annotations

import importlib.util
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "functrace")

#: The layers, bottom to top: (what the layer is, its units).
LAYERS = [
    ("foundations: tracer values, pytrees, grad mode, compiled kernels",
     ["tracers", "tree", "grad_mode", "kernels/"]),
    ("dispatch: Primitive, traces, the current trace", ["core"]),
    ("debugging: NaN/inf checks, source lines, explain_grad's data-flow log", ["debugging/"]),
    ("engine state: the tape and its recorder, the zero guard, argument checks",
     ["tape", "numerics", "argnums"]),
    ("declaring primitives", ["registry"]),
    ("the primitives and their rules", ["primitives/"]),
    ("transforms and the numpy namespace", ["reverse", "forward", "batching", "jit/", "numpy/"]),
    ("functional API; ravel_pytree", ["api", "activations", "flatten_util"]),
    ("libraries on the functional API: calls with their own rules, scipy, autograd's misc",
     ["calls/", "jacobians", "scipy/", "extend", "testing", "special", "misc/"]),
    ("the Tensor facade (its scipy-backed ops load scipy.special on use); linearize "
     "(replays calls); the package's front door", ["tensors/", "linearization", "__init__", "viz_layout"]),
    ("torch-style API on the facade",
     ["nn/", "optim/", "autograd/", "utils/", "viz", "func", "cuda", "backends/", "explain"]),
    ("whole-program features: save/load, dask", ["serialization", "dask/"]),
]

#: Imports that point up, each with why it cannot point down: (source module, target module).
ALLOWED_UPWARD = {
    # Only on the error path, to tell the user which functrace.scipy.special function
    # replaces the scipy ufunc they called: the list is scipy.special's own __all__,
    # and scipy is optional, so numpy/ cannot import it at its top.
    ("functrace.numpy._dispatch", "functrace.scipy.special"),
}


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "_functrace_import_graph", os.path.join(ROOT, "tools", "import_graph.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module       # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


TOOL = _load_tool()
GRAPH = TOOL.import_graph(PACKAGE)
LAYER_OF = {unit: k for k, (_, units) in enumerate(LAYERS) for unit in units}


def test_every_unit_has_exactly_one_layer():
    listed = [unit for _, units in LAYERS for unit in units]
    assert len(listed) == len(set(listed)), "a unit is listed twice in LAYERS"
    units = {TOOL.unit_of(m) for m in GRAPH.modules}
    assert units - set(listed) == set(), "new units: place them in LAYERS"
    assert set(listed) - units == set(), "LAYERS names units that do not exist"


def test_imports_point_down():
    upward = []
    for imp in GRAPH.imports:
        a, b = TOOL.unit_of(imp.source), TOOL.unit_of(imp.target)
        if a != b and LAYER_OF[b] >= LAYER_OF[a] \
                and (imp.source, imp.target) not in ALLOWED_UPWARD:
            upward.append(f"{imp.source}:{imp.line} -> {imp.target} "
                          f"({b} is in layer {LAYER_OF[b] + 1}, {a} in {LAYER_OF[a] + 1})")
    assert upward == []


def test_allowed_upward_imports_are_still_needed():
    found = {(imp.source, imp.target) for imp in GRAPH.imports}
    assert ALLOWED_UPWARD <= found, "drop the exceptions that no longer exist"


def test_no_import_cycle():
    assert [sorted(c) for c in GRAPH.cycles] == []


def test_every_deferred_import_says_why():
    silent = [f"{imp.source}:{imp.line} -> {imp.target}"
              for imp in GRAPH.imports if imp.deferred and not imp.comment]
    assert silent == []


def test_no_private_module_at_the_package_root():
    """A root module is a feature users can name; private helpers live inside the
    package that uses them (``numpy/_scipy_special.py``, ``tensors/_graph.py``)."""
    private = [f for f in os.listdir(PACKAGE) if f.startswith("_") and f.endswith(".py")
               and f != "__init__.py"]
    assert private == []


def test_kernels_import_nothing_from_functrace():
    outside = [f"{imp.source}:{imp.line} -> {imp.target}" for imp in GRAPH.imports
               if TOOL.unit_of(imp.source) == "kernels/" and TOOL.unit_of(imp.target) != "kernels/"]
    assert outside == []


@pytest.mark.parametrize("source, expected", [
    ("from .core import Tracer\n", [("functrace.numerics", "functrace.core", False)]),
    ("def f():\n    from .primitives import selection\n",
     [("functrace.numerics", "functrace.primitives.selection", True)]),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .api import grad\n", []),
])
def test_the_parser_sees_module_level_and_deferred_imports(tmp_path, source, expected):
    """The checks above are only as good as the parser: it must see imports inside
    functions (deferred) and skip those that never run (``if TYPE_CHECKING``)."""
    pkg = tmp_path / "functrace"
    (pkg / "primitives").mkdir(parents=True)
    for name in ("__init__.py", "core.py", "api.py", "primitives/__init__.py",
                 "primitives/selection.py"):
        (pkg / name).write_text("")
    (pkg / "numerics.py").write_text(source)
    graph = TOOL.import_graph(str(pkg))
    found = [(i.source, i.target, i.deferred) for i in graph.imports
             if i.source == "functrace.numerics"]
    assert found == expected
    TOOL.import_graph(PACKAGE)       # the tool keeps a per-run table: restore functrace's
