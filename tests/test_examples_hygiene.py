"""Examples and library functions leave the user's matplotlib backend alone, and
the digits example prints its epoch lines through tqdm.write (above the bar)."""
from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import digits_mlp  # noqa: E402


def test_no_source_file_chooses_a_matplotlib_backend():
    offenders = [str(path.relative_to(ROOT))
                 for folder in ("functrace", "examples") for path in (ROOT / folder).rglob("*.py")
                 if re.search(r"matplotlib\.use\(|pyplot\.switch_backend|plt\.switch_backend",
                              path.read_text())]
    assert not offenders, f"these change the user's matplotlib backend: {offenders}"


def test_saving_pictures_keeps_the_backend(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is in the examples extra")
    code = f"""
import matplotlib
matplotlib.use("svg")                       # the user's choice, not Agg
import functrace as ft, sys
sys.path.insert(0, {str(ROOT / 'examples')!r})
import digits_mlp
x = ft.tensor([1.0, 2.0], requires_grad=True)
ft.viz.plot((x * x).sum(), {str(tmp_path / 'g.png')!r})
digits_mlp.plot_losses([3.0, 2.0, 1.0], {str(tmp_path / 'loss.png')!r})
assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"


def test_epoch_lines_go_through_tqdm_write(monkeypatch, capsys):
    written: list = []

    class FakeBar:
        """tqdm's interface as digits_mlp uses it."""
        def __init__(self, iterable, **kwargs):
            self.iterable = iterable

        def __iter__(self):
            return iter(self.iterable)

        @staticmethod
        def write(line):
            written.append(line)

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    digits_mlp.train(__import__("functrace"), epochs=10, quiet=False)
    assert len(written) == 1 and written[0].startswith("  epoch  10  loss ")
    assert "epoch" not in capsys.readouterr().out
