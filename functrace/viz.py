"""Pictures of computation graphs: Graphviz DOT text, inline pictures, files, plots.

Every function accepts a Tensor (its ``grad_fn`` graph, nodes named like
PyTorch's, leaves shown with their shapes), several Tensors, or a functional
:class:`~functrace.tape.Tape` (from :func:`functrace.make_tape`: equations with
their shapes and dtypes). Source lines, where they were recorded
(``make_tape(f, source=True)``, ``functrace.debug_nans()``), label the boxes.

* :func:`draw` -- a picture that notebooks display inline: a ``graphviz.Source``
  when the ``graphviz`` package and Graphviz's ``dot`` are installed, else
  :class:`SVG` text drawn here (:mod:`functrace.viz_layout`: no overlapping boxes);
  ``draw(f, *args)`` traces ``f`` first, with source lines;
* :func:`to_dot` -- the DOT text; :func:`render` -- runs ``dot`` to write SVG/PNG/PDF;
* :func:`plot` -- the same boxes with matplotlib (never ``matplotlib.use``).

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
from .viz_layout import FILL, FONT_SIZE, layout, svg

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
                nodes[key] = (obj.name() + _where(obj), "op")
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


def _where(eqn: Any) -> str:
    """``"\\nfile.py:12 in f"`` where the equation's source line was recorded."""
    source = getattr(eqn, "source", None)
    return "" if source is None else f"\n{source.short()} in {source.function}"


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
                                   f"{type_str(*tape.avals[eqn.out_id])}{_where(eqn)}", "op")
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


class SVG:
    """SVG text that notebooks display inline (``_repr_svg_``); ``str()`` is the text.

    >>> import functrace as ft
    >>> pic = ft.viz.SVG("<svg></svg>")
    >>> pic._repr_svg_() == str(pic) == pic.data
    True
    """

    __slots__ = ("data",)

    def __init__(self, data: str):
        self.data = data

    def _repr_svg_(self) -> str:
        return self.data

    def __str__(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return f"<functrace.viz.SVG, {len(self.data)} characters>"

    def save(self, path: str) -> str:
        """Write the SVG text to ``path``; returns ``path``."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.data)
        return path


def draw(obj: Any, *args: Any, params: Optional[dict] = None) -> Any:
    """A picture of ``obj``'s graph that a notebook displays inline.

    ``obj`` is a Tensor, a list of Tensors, a :class:`~functrace.tape.Tape`, or a
    function, which is traced on ``args`` with source lines
    (``make_tape(obj, source=True)(*args)``). Returns a ``graphviz.Source`` when
    the ``graphviz`` package and Graphviz's ``dot`` are installed, else an
    :class:`SVG` drawn without Graphviz.

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> pic = ft.viz.draw(lambda x: fnp.sum(fnp.sin(x)), np.ones(3))
    >>> "sin" in (pic.source if hasattr(pic, "source") else pic.data)
    True
    """
    if callable(obj) and not isinstance(obj, (Tensor, Tape, list, tuple)):
        from .api import make_tape      # (viz loads with the facade; api only when tracing)
        obj = make_tape(obj, source=True)(*args)
    elif args:
        raise TypeError("functrace.viz.draw: extra arguments are for a function to trace; "
                        f"got a {type(obj).__name__} and {len(args)} more")
    if graphviz_available():
        try:
            import graphviz
        except ImportError:
            pass
        else:
            return graphviz.Source(to_dot(obj, params))
    return SVG(svg(*graph(obj, params)))


def plot(obj: Any, path: Optional[str] = None, params: Optional[dict] = None) -> Any:
    """Draw the graph with matplotlib (inputs at the bottom); save to ``path`` if given.

    The boxes are those of :func:`draw`'s SVG (:mod:`functrace.viz_layout`), so
    they never overlap. Saving uses a ``Figure`` of its own, so neither pyplot's
    state nor the user's backend changes (nothing here calls ``matplotlib.use``);
    without ``path`` the figure comes from pyplot, for display.
    """
    nodes, edges = graph(obj, params)
    boxes, (width, height) = layout(nodes, edges)
    figsize = (width / 100, height / 100)
    if path is None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=figsize)
    else:
        from matplotlib.figure import Figure
        fig = Figure(figsize=figsize)
    from matplotlib.patches import FancyArrowPatch, Rectangle
    ax = fig.add_axes((0, 0, 1, 1))
    for s, d in edges:
        a, b = boxes[s], boxes[d]
        ax.add_patch(FancyArrowPatch((a.x + a.width / 2, a.y), (b.x + b.width / 2, b.y + b.height),
                                     arrowstyle="-|>", mutation_scale=10, color="0.3"))
    for key, (_, kind) in nodes.items():
        box = boxes[key]
        ax.add_patch(Rectangle((box.x, box.y), box.width, box.height, facecolor=FILL[kind],
                               edgecolor="0.3", linestyle="--" if kind == "const" else "-"))
        ax.text(box.x + box.width / 2, box.y + box.height / 2, "\n".join(box.lines),
                ha="center", va="center", family="monospace", fontsize=FONT_SIZE * 0.72)
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)              # y downwards, as the layout's
    ax.axis("off")
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig
