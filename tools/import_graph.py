"""Print functrace's import layering: layers, cycles and upward imports.

    python tools/import_graph.py [path/to/functrace] [--modules]

Every ``import`` in ``functrace/`` is parsed (also those inside functions, which
run later; not those under ``if TYPE_CHECKING:``, which never run). A *unit* is
a module at the package root or a subpackage (``tensors/``, ``primitives/``);
``--modules`` lists every module instead.

* **layers** -- units ordered by their module-level imports: layer 1 imports
  no other unit, layer k imports only units of layers below k (units in one
  import cycle share a layer);
* **cycles** -- groups of modules that import each other, counting the imports
  inside functions too (each such group is one cycle);
* **upward imports** -- imports inside functions that point at a unit of the
  same or a higher layer (they are deferred because a module-level import
  there would be a cycle or would load too much too early).

``import_graph(root)`` returns the same figures for tests.
"""
from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass, field


@dataclass
class Import:
    """One import statement: ``source`` module imports ``target`` module."""

    source: str
    target: str
    line: int
    deferred: bool          # inside a function (runs when the function is called)
    comment: str = ""       # the comment on the import's line or the line above


@dataclass
class Graph:
    """The parsed imports and the figures derived from them."""

    modules: dict = field(default_factory=dict)        # module -> path
    imports: list = field(default_factory=list)
    layers: dict = field(default_factory=dict)         # unit -> layer (1 = bottom)
    cycles: list = field(default_factory=list)         # sets of modules
    upward: list = field(default_factory=list)         # deferred Imports against the layers


def module_name(root: str, path: str) -> str:
    rel = os.path.relpath(path, os.path.dirname(root))[:-3].replace(os.sep, ".")
    return rel[:-len(".__init__")] if rel.endswith(".__init__") else rel


def unit_of(module: str) -> str:
    """``functrace.tensors._graph`` -> ``tensors/``; ``functrace.core`` -> ``core``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    package = parts[1]
    return package if len(parts) == 2 and not _is_package.get(module) else package + "/"


_is_package: dict = {}


def _resolve(module: str, is_package: bool, level: int, name: str) -> str:
    base = module.split(".")
    if level:
        base = base[:len(base) - level + (1 if is_package else 0)]
    return ".".join(base + ([name] if name else []))


def _comment(lines: list, line: int) -> str:
    here = lines[line - 1]
    if "#" in here:
        return here.split("#", 1)[1].strip()
    above = lines[line - 2].strip() if line >= 2 else ""
    return above[1:].strip() if above.startswith("#") else ""


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, modules: dict, lines: list):
        self.module, self.is_package, self.modules, self.lines = module, is_package, modules, lines
        self.depth = 0
        self.found: list = []

    def _add(self, target: str, node: ast.AST) -> None:
        while target and target not in self.modules:      # an attribute, not a module
            target = target.rpartition(".")[0]
        if target and target != self.module and target.split(".")[0] == "functrace":
            self.found.append(Import(self.module, target, node.lineno, self.depth > 0,
                                     _comment(self.lines, node.lineno)))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve(self.module, self.is_package, node.level, node.module or "")
        for alias in node.names:
            full = f"{base}.{alias.name}"
            self._add(full if full in self.modules else base, node)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function


def parse(root: str) -> Graph:
    graph = Graph()
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                name = module_name(root, path)
                graph.modules[name] = path
                _is_package[name] = f == "__init__.py"
    for name, path in sorted(graph.modules.items()):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        collector = _Collector(name, _is_package[name], graph.modules, text.splitlines())
        collector.visit(ast.parse(text, path))
        graph.imports += collector.found
    return graph


def strongly_connected(nodes: list, edges: dict) -> list:
    """Tarjan's algorithm, iterative: the strongly connected components."""
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    out: list = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.add(member)
                    if member == node:
                        break
                out.append(comp)
    return out


def import_graph(root: str) -> Graph:
    """Parse ``root`` (the ``functrace`` package directory) and compute the figures."""
    graph = parse(root)
    modules = sorted(graph.modules)
    every: dict = {}
    for imp in graph.imports:
        every.setdefault(imp.source, set()).add(imp.target)
    graph.cycles = [c for c in strongly_connected(modules, every) if len(c) > 1]
    units = sorted({unit_of(m) for m in modules})
    top: dict = {}
    for imp in graph.imports:
        a, b = unit_of(imp.source), unit_of(imp.target)
        if not imp.deferred and a != b:
            top.setdefault(a, set()).add(b)
    comps = strongly_connected(units, top)
    comp_of = {u: i for i, c in enumerate(comps) for u in c}
    layer: dict = {}
    for i, comp in enumerate(comps):      # Tarjan emits a component after its dependencies
        below = [layer[comp_of[d]] for u in comp for d in top.get(u, ()) if comp_of[d] != i]
        layer[i] = 1 + max(below, default=0)
    graph.layers = {u: layer[comp_of[u]] for u in units}
    graph.upward = [imp for imp in graph.imports if imp.deferred
                    and unit_of(imp.source) != unit_of(imp.target)
                    and graph.layers[unit_of(imp.target)] >= graph.layers[unit_of(imp.source)]]
    return graph


def main(argv: list) -> None:
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "..", "functrace")
    graph = import_graph(os.path.abspath(root))
    by_layer: dict = {}
    for unit, k in graph.layers.items():
        by_layer.setdefault(k, []).append(unit)
    print(f"layers: {max(by_layer)}")
    for k in sorted(by_layer, reverse=True):
        print(f"  {k:2d}  {' · '.join(sorted(by_layer[k]))}")
    print(f"cycles: {len(graph.cycles)}")
    for comp in graph.cycles:
        print(f"  {len(comp)} modules: {', '.join(sorted(m.replace('functrace.', '') for m in comp))}")
    print(f"upward imports: {len(graph.upward)}")
    for imp in graph.upward:
        print(f"  {imp.source} -> {imp.target} (line {imp.line})"
              + (f"  # {imp.comment}" if imp.comment else ""))
    if "--modules" in argv:
        print(f"modules: {len(graph.modules)}, imports: {len(graph.imports)} "
              f"({sum(i.deferred for i in graph.imports)} inside functions)")


if __name__ == "__main__":
    main(sys.argv[1:])
