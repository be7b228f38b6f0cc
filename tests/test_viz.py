"""``functrace.viz``: DOT text, rendering through Graphviz, matplotlib pictures."""
import os
import stat

import numpy as np
import pytest

import functrace as ft
from functrace import viz


def toy():
    a = ft.tensor(2.0, requires_grad=True)
    w = ft.tensor([1.0, 2.0], requires_grad=True)
    return (a * w).exp().sum(), {"a": a, "w": w}


def test_to_dot_names_nodes_like_grad_fns_and_leaves_by_shape():
    out, params = toy()
    dot = viz.to_dot(out, params=params)
    assert dot.startswith("digraph functrace {") and dot.rstrip().endswith("}")
    for label in ("SumBackward0", "ExpBackward0", "MulBackward0", "a\\n()", "w\\n(2)"):
        assert label in dot
    assert dot.count("->") == 5                       # a, w -> mul -> exp -> sum -> output


def test_to_dot_of_a_tape():
    import functrace.numpy as fnp
    tape = ft.make_tape(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3))
    dot = viz.to_dot(tape)
    assert "sin" in dot and "reduce_sum" in dot and "f64[3]" in dot


def test_to_dot_rejects_other_objects():
    with pytest.raises(TypeError, match="Tensor"):
        viz.to_dot(42)


def test_render_without_graphviz_explains_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    out, _ = toy()
    with pytest.raises(RuntimeError, match="Graphviz.*apt-get install graphviz"):
        viz.render(out, str(tmp_path / "g.svg"))


def test_render_calls_dot(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\n# fake dot: copy the input (last argument) to -o\n"
                    'while [ "$1" != "-o" ]; do shift; done; cp "$3" "$2"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    out, params = toy()
    path = viz.render(out, str(tmp_path / "g.svg"), params=params)
    assert open(path).read() == viz.to_dot(out, params=params)


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    out, params = toy()
    path = tmp_path / "g.png"
    viz.plot(out, str(path), params=params)
    assert path.read_bytes()[:4] == b"\x89PNG"


# -- functional tapes, inline pictures, the drawing without Graphviz --------------------

def wide(x):
    import functrace.numpy as fnp
    parts = [fnp.sin(x * float(k)) for k in range(6)]
    return fnp.sum(fnp.concatenate(parts) * fnp.exp(fnp.cos(x)).sum())  # wide


def rects(svg_text):
    import re
    return [tuple(float(v) for v in m) for m in re.findall(
        r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg_text)]


def test_draw_a_function_without_graphviz_shows_types_and_source_lines(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    pic = viz.draw(wide, np.ones(3, np.float32))
    assert isinstance(pic, viz.SVG) and pic._repr_svg_() == pic.data
    text = pic.data
    assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
    for label in ("sin", "concatenate", "f32[3]", "f32[18]", "f32[]"):
        assert label in text, label
    import inspect
    lines, first = inspect.getsourcelines(wide)
    line = first + next(i for i, t in enumerate(lines) if t.rstrip().endswith("# wide"))
    assert f"test_viz.py:{line} in wide" in text


def test_the_drawing_without_graphviz_has_no_overlapping_boxes(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    tape = ft.make_tape(wide, source=True)(np.ones(3))
    leaves = [ft.tensor(np.ones((k + 1, 2)), requires_grad=True) for k in range(8)]
    net = sum(((leaf * 2.0).exp().sum() for leaf in leaves), ft.tensor(0.0))
    for obj in (tape, net):
        boxes = rects(viz.draw(obj).data)
        assert len(boxes) >= 10
        for i, (x, y, w, h) in enumerate(boxes):
            for (x2, y2, w2, h2) in boxes[i + 1:]:
                assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_draw_returns_a_graphviz_source_when_graphviz_is_installed(monkeypatch):
    import sys
    import types
    fake = types.ModuleType("graphviz")
    fake.Source = lambda text: ("Source", text)
    monkeypatch.setitem(sys.modules, "graphviz", fake)
    monkeypatch.setattr(viz.shutil, "which", lambda name: "/usr/bin/dot")
    tape = ft.make_tape(wide)(np.ones(3))
    assert viz.draw(tape) == ("Source", viz.to_dot(tape))


def test_draw_rejects_arguments_for_a_non_function():
    out, _ = toy()
    with pytest.raises(TypeError, match="function to trace"):
        viz.draw(out, 1.0)


def test_plot_of_a_tape_uses_the_same_boxes(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "tape.png"
    viz.plot(ft.make_tape(wide, source=True)(np.ones(3)), str(path))
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_library_code_never_selects_a_matplotlib_backend():
    root = os.path.dirname(ft.__file__)
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as fh:
                    assert "matplotlib.use(" not in fh.read(), name


def test_tensor_graphs_show_source_lines_recorded_under_anomaly_mode(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    w = ft.tensor([1.0, 2.0], requires_grad=True)
    with ft.autograd.detect_anomaly(check_nan=False):
        y = (w * 2.0).exp().sum()  # recorded
    import inspect
    here = inspect.currentframe().f_lineno - 2
    text = viz.draw(y, params={"w": w}).data
    assert f"test_viz.py:{here} in" in text and "ExpBackward0" in text
    assert "test_viz.py" not in viz.draw((w * 2.0).sum()).data      # off again: no lines
