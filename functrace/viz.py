"""Pictures of computation graphs: Graphviz DOT text, rendered files, matplotlib plots.

:func:`to_dot` accepts a Tensor (its ``grad_fn`` graph, nodes named like
PyTorch's, leaves shown with their shapes), several Tensors, or a functional
:class:`~functrace.tape.Tape` (from :func:`functrace.make_tape`).
:func:`render` runs Graphviz's ``dot`` to write SVG/PNG/PDF; :func:`plot`
draws the same graph with matplotlib when Graphviz is not installed.

>>> import functrace as ft
>>> a = ft.tensor(2.0, requires_grad=True)
>>> print(ft.viz.to_dot(a * 3, params={"a": a}).splitlines()[0])
digraph functrace {
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Any, Optional

from .tape import Tape, type_str, var_name
from .tensors._graph import Node
from .tensors._tensor import Tensor

GRAPHVIZ_HELP = (
    "the Graphviz 'dot' executable was not found on PATH. Install Graphviz "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install graphviz; Windows: https://graphviz.org/download/), or write "
    "the DOT text from functrace.viz.to_dot(...) to a file and paste it into an online "
    "viewer, or draw it with functrace.viz.plot(...) (needs matplotlib).")

_STYLE = {"leaf": 'shape=box, style=filled, fillcolor="lightblue"',
          "op": 'shape=box, style=filled, fillcolor="lightgrey"',
          "output": 'shape=box, style=filled, fillcolor="darkolivegreen1"',
          "const": 'shape=box, style=dashed'}


def _shape(t: Tensor) -> str:
    return "(" + ", ".join(str(d) for d in t._data.shape) + ")"


def _tensor_graph(roots: list, params: Optional[dict]) -> tuple:
    names = {id(t): n for n, t in (params or {}).items()}
    nodes: dict = {}
    edges: list = []
    stack: list = []

    def visit(obj: Any) -> str:
        key = f"n{id(obj)}"
        if key not in nodes:
            if isinstance(obj, Node):
                nodes[key] = (obj.name(), "op")
                stack.append(obj)
            else:
                label = names.get(id(obj), "")
                nodes[key] = (f"{label}\n{_shape(obj)}".strip(), "leaf")
        return key

    for i, r in enumerate(roots):
        out_key = f"out{i}"
        nodes[out_key] = (f"{names.get(id(r), 'output')}\n{_shape(r)}", "output")
        if r._node is not None or r._rg:
            edges.append((visit(r._node if r._node is not None else r), out_key))
    while stack:
        node = stack.pop()
        for p in node.parents:
            if p is not None:
                edges.append((visit(p), f"n{id(node)}"))
    return nodes, edges


def _tape_graph(tape: Tape) -> tuple:
    names: dict = {}

    def name(vid: int) -> str:
        if vid not in names:
            names[vid] = var_name(len(names))
        return names[vid]

    nodes: dict = {}
    for vid in tape.invars:
        if vid is not None:
            nodes[f"v{vid}"] = (f"{name(vid)}: {type_str(*tape.avals[vid])}", "leaf")
    for eqn in tape.eqns:
        params = ",".join(f"{k}={v!r}" for k, v in eqn.params.items())
        label = f"{eqn.prim.name}[{params}]" if params else eqn.prim.name
        nodes[f"v{eqn.out_id}"] = (f"{label}\n{name(eqn.out_id)}: "
                                   f"{type_str(*tape.avals[eqn.out_id])}", "op")
    edges = [(f"v{vid}", f"v{eqn.out_id}") for eqn in tape.eqns for vid in eqn.in_ids
             if vid is not None]
    for i, vid in enumerate(tape.outvars):
        if vid is not None:
            nodes[f"out{i}"] = (f"output {i}", "output")
            edges.append((f"v{vid}", f"out{i}"))
    return nodes, edges


def graph(obj: Any, params: Optional[dict] = None) -> tuple:
    """``(nodes, edges)``: ``nodes`` maps a key to ``(label, kind)``, ``edges`` are
    ``(from_key, to_key)`` pairs in the direction values flow."""
    if isinstance(obj, Tape):
        return _tape_graph(obj)
    roots = [obj] if isinstance(obj, Tensor) else (
        list(obj) if isinstance(obj, (list, tuple)) else [obj])
    if not all(isinstance(r, Tensor) for r in roots):
        raise TypeError("to_dot expects a Tensor, a list of Tensors or a functrace Tape, "
                        f"got {type(obj).__name__}")
    return _tensor_graph(roots, params)


def to_dot(obj: Any, params: Optional[dict] = None, rankdir: str = "BT") -> str:
    """Graphviz DOT text of ``obj``'s computation graph.

    ``params`` optionally names leaf tensors (``{"w1": w1}``) in the picture.
    """
    nodes, edges = graph(obj, params)
    lines = ["digraph functrace {", f'  rankdir="{rankdir}";',
             '  node [fontname="Helvetica", fontsize=11];']
    for key, (label, kind) in nodes.items():
        text = label.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        lines.append(f'  {key} [label="{text}", {_STYLE[kind]}];')
    for src, dst in edges:
        lines.append(f"  {src} -> {dst};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def render(obj: Any, path: str, params: Optional[dict] = None,
           format: Optional[str] = None) -> str:
    """Write the graph picture to ``path`` (format from its suffix: svg, png, pdf).

    Raises ``RuntimeError`` explaining how to install Graphviz when ``dot`` is missing.
    """
    fmt = format or os.path.splitext(path)[1].lstrip(".").lower() or "svg"
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(f"functrace.viz.render: {GRAPHVIZ_HELP}")
    with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False) as fh:
        fh.write(to_dot(obj, params))
        src = fh.name
    try:
        subprocess.run([dot, f"-T{fmt}", "-o", path, src], check=True,
                       capture_output=True, text=True)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"dot failed: {e.stderr.strip()}") from None
    finally:
        os.unlink(src)
    return path


def _layers(nodes: dict, edges: list) -> dict:
    """Depth of each node: longest path from a source (iterative, sources at 0)."""
    preds: dict = {k: [] for k in nodes}
    for s, d in edges:
        preds[d].append(s)
    depth: dict = {}
    for key in nodes:
        stack = [key]
        while stack:
            k = stack[-1]
            pending = [p for p in preds[k] if p not in depth]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            depth[k] = 1 + max((depth[p] for p in preds[k]), default=-1)
    return depth


def _positions(nodes: dict, edges: list) -> dict:
    """Layered layout: rows by depth (sources just below their first consumer), each row
    ordered by the mean position of the nodes it feeds (fewer crossings)."""
    depth = _layers(nodes, edges)
    succs: dict = {k: [] for k in nodes}
    for s, d in edges:
        succs[s].append(d)
    for key in nodes:
        if depth[key] == 0 and succs[key]:
            depth[key] = min(depth[d] for d in succs[key]) - 1
    rows: dict = {}
    for key in nodes:
        rows.setdefault(depth[key], []).append(key)
    pos: dict = {}
    for d in sorted(rows, reverse=True):
        row = rows[d]
        row.sort(key=lambda k: sum(pos[s][0] for s in succs[k]) / len(succs[k])
                 if succs[k] else 0.0)
        for i, k in enumerate(row):
            pos[k] = (i - (len(row) - 1) / 2, d - min(rows))
    return pos


def plot(obj: Any, path: Optional[str] = None, params: Optional[dict] = None) -> Any:
    """Draw the graph with matplotlib (inputs at the bottom); save to ``path`` if given.

    Saving uses a ``Figure`` of its own, so neither pyplot's state nor the user's
    backend changes; without ``path`` the figure comes from pyplot, for display.
    """
    nodes, edges = graph(obj, params)
    pos = _positions(nodes, edges)
    n_rows = 1 + max(y for _, y in pos.values())
    width = max(sum(1 for p in pos.values() if p[1] == y) for y in range(int(n_rows)))
    figsize = (max(4, 2.4 * width), 1.3 * (n_rows + 1))
    if path is None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=figsize)
    else:
        from matplotlib.figure import Figure
        fig = Figure(figsize=figsize)
    ax = fig.subplots()
    colors = {"leaf": "lightblue", "op": "lightgrey", "output": "#caff70", "const": "white"}
    for s, d in edges:
        ax.annotate("", xy=pos[d], xytext=pos[s],
                    arrowprops=dict(arrowstyle="->", color="0.3", shrinkA=18, shrinkB=18))
    for key, (label, kind) in nodes.items():
        ax.text(*pos[key], label, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round", facecolor=colors[kind], edgecolor="0.3"))
    ax.set_xlim(-width / 2 - 0.5, width / 2 + 0.5)
    ax.set_ylim(-0.7, n_rows - 0.3)
    ax.axis("off")
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig
