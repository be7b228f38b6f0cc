"""The drawing of :mod:`functrace.viz` without Graphviz: a layered layout whose
boxes never overlap, as SVG text (and the boxes :func:`functrace.viz.plot` draws).

Boxes are sized from their labels (a monospace font, so the width of a line is
known without rendering it), stacked in rows by depth -- inputs at the bottom,
outputs at the top, as Graphviz's ``rankdir=BT`` -- and placed left to right in
each row with a gap between neighbours, so no two boxes can overlap.

>>> boxes, size = layout({"a": ("x: f64[3]", "leaf"), "b": ("sin\\ny: f64[3]", "op")},
...                      [("a", "b")])
>>> boxes["a"].y > boxes["b"].y      # the input is drawn below the operation
True
>>> svg({"a": ("x", "leaf")}, []).startswith("<svg")
True
"""
from __future__ import annotations

from html import escape

CHAR_WIDTH = 7.0        # px of one character at FONT_SIZE in a monospace font
LINE_HEIGHT = 15.0
FONT_SIZE = 12
PAD = 8.0               # inside a box, around the text
GAP_X = 24.0            # between neighbouring boxes of a row
GAP_Y = 36.0            # between rows (room for the arrows)
MARGIN = 12.0

FILL = {"leaf": "#add8e6", "op": "#d3d3d3", "output": "#caff70", "const": "#ffffff"}


class Box:
    """A node's rectangle: top-left corner ``(x, y)``, ``width``, ``height`` (px,
    y downwards as in SVG)."""

    __slots__ = ("x", "y", "width", "height", "lines")

    def __init__(self, lines: list):
        self.lines = lines
        self.width = max(len(line) for line in lines) * CHAR_WIDTH + 2 * PAD
        self.height = len(lines) * LINE_HEIGHT + 2 * PAD
        self.x = self.y = 0.0

    def overlaps(self, other: "Box") -> bool:
        return (self.x < other.x + other.width and other.x < self.x + self.width
                and self.y < other.y + other.height and other.y < self.y + self.height)

    def __repr__(self) -> str:
        return f"Box({self.x:.0f}, {self.y:.0f}, {self.width:.0f}x{self.height:.0f})"


def depths(nodes: dict, edges: list) -> dict:
    """Depth of each node: the longest path from a source (iterative); a source
    sits just below its first consumer."""
    preds: dict = {k: [] for k in nodes}
    succs: dict = {k: [] for k in nodes}
    for s, d in edges:
        preds[d].append(s)
        succs[s].append(d)
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
    for key in nodes:
        if not preds[key] and succs[key]:
            depth[key] = min(depth[d] for d in succs[key]) - 1
    low = min(depth.values(), default=0)
    return {k: d - low for k, d in depth.items()}


def rows(nodes: dict, edges: list) -> list:
    """The node keys of each row, bottom row first, each row ordered by the mean
    position of the nodes it feeds (fewer crossings)."""
    depth = depths(nodes, edges)
    succs: dict = {k: [] for k in nodes}
    for s, d in edges:
        succs[s].append(d)
    by_depth: dict = {}
    for key in nodes:
        by_depth.setdefault(depth[key], []).append(key)
    order: dict = {}
    result = []
    for d in sorted(by_depth, reverse=True):            # the top row first
        row = by_depth[d]
        row.sort(key=lambda k: sum(order[s] for s in succs[k]) / len(succs[k])
                 if succs[k] else 0.0)
        for i, k in enumerate(row):
            order[k] = i - (len(row) - 1) / 2
        result.append(row)
    return result[::-1]


def layout(nodes: dict, edges: list) -> tuple:
    """``(boxes, (width, height))``: a :class:`Box` per node key, none overlapping."""
    boxes = {k: Box(label.split("\n")) for k, (label, _) in nodes.items()}
    layers = rows(nodes, edges)
    widths = [sum(boxes[k].width for k in row) + GAP_X * (len(row) - 1) for row in layers]
    heights = [max(boxes[k].height for k in row) for row in layers]
    total_w = max(widths, default=0.0) + 2 * MARGIN
    total_h = sum(heights) + GAP_Y * max(len(layers) - 1, 0) + 2 * MARGIN
    bottom = total_h - MARGIN
    for row, width, height in zip(layers, widths, heights):
        x = (total_w - width) / 2
        for k in row:
            box = boxes[k]
            box.x, box.y = x, bottom - height + (height - box.height) / 2
            x += box.width + GAP_X
        bottom -= height + GAP_Y
    return boxes, (total_w, total_h)


def svg(nodes: dict, edges: list) -> str:
    """SVG text of the graph (arrows from each input up to its consumer)."""
    boxes, (width, height) = layout(nodes, edges)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
           'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
           '<path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker></defs>']
    for s, d in edges:
        a, b = boxes[s], boxes[d]
        out.append(f'<line x1="{a.x + a.width / 2:.1f}" y1="{a.y:.1f}" '
                   f'x2="{b.x + b.width / 2:.1f}" y2="{b.y + b.height:.1f}" '
                   'stroke="#444" marker-end="url(#arrow)"/>')
    for key, (_, kind) in nodes.items():
        box = boxes[key]
        dash = ' stroke-dasharray="4 3"' if kind == "const" else ""
        out.append(f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
                   f'height="{box.height:.1f}" rx="4" fill="{FILL[kind]}" stroke="#444"{dash}/>')
        for i, line in enumerate(box.lines):
            y = box.y + PAD + (i + 0.8) * LINE_HEIGHT
            out.append(f'<text x="{box.x + box.width / 2:.1f}" y="{y:.1f}" '
                       f'text-anchor="middle" font-family="monospace" '
                       f'font-size="{FONT_SIZE}">{escape(line)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
