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
