"""Every ```python block of the README runs on its own (fresh namespace, own imports).

A block that needs an optional package says so on the line before its fence:
``<!-- requires: pandas -->``; it is skipped, naming the package, when that is not
installed. Blocks that are shell commands or output carry their language (```sh,
```text), so an unlabeled fence is an error: it would silently escape this test.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
REQUIRES = re.compile(r"<!--\s*requires:\s*([\w., ]+?)\s*-->\s*$")


def blocks() -> list:
    """(language, code, required packages, line number) of each fenced block."""
    text = README.read_text()
    out = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        req = REQUIRES.search(before)
        packages = [p.strip() for p in req.group(1).split(",")] if req else []
        out.append((m.group(1), m.group(2), packages, text.count("\n", 0, m.start()) + 1))
    return out


PYTHON_BLOCKS = [b for b in blocks() if b[0] == "python"]


def test_every_fence_says_what_it_is():
    unlabeled = [line for lang, _, _, line in blocks() if not lang]
    assert not unlabeled, f"README.md lines {unlabeled}: label the fence (python, sh, text)"
    assert len(PYTHON_BLOCKS) >= 3


def test_install_comes_first_then_the_make_commands():
    text = README.read_text()
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert sections[0] == "Install"
    after_install = [code for lang, code, _, _ in blocks() if lang == "sh"][1]
    commands = [line.split("#")[0].strip() for line in after_install.splitlines()]
    assert commands[:2] == ["make demo", "make test"]


@pytest.mark.parametrize("lang, code, packages, line", PYTHON_BLOCKS,
                         ids=[f"line{b[3]}" for b in PYTHON_BLOCKS])
def test_python_block_runs_alone(lang, code, packages, line, tmp_path, monkeypatch, capsys):
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"README block at line {line} needs {', '.join(missing)} (not installed)")
    monkeypatch.chdir(tmp_path)                  # blocks that write files write here
    exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__readme__"})
