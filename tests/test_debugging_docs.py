"""docs/debugging.md: every ```python block runs on its own, and the table of
explain_grad's causes lists every kind it reports."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from functrace.explain import KINDS

DOC = Path(__file__).resolve().parent.parent / "docs" / "debugging.md"
TEXT = DOC.read_text()
PYTHON = [(TEXT.count("\n", 0, m.start()) + 1, m.group(1))
          for m in re.finditer(r"^```python\n(.*?)^```$", TEXT, re.S | re.M)]


@pytest.mark.parametrize("line, code", PYTHON, ids=[f"line{n}" for n, _ in PYTHON])
def test_python_block_runs(line, code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        exec(compile(code, f"debugging.md:{line}", "exec"), {"__name__": "__doc__"})


def test_every_cause_is_documented():
    documented = set(re.findall(r"`(\w+)`", TEXT))
    assert set(KINDS) <= documented, set(KINDS) - documented
    assert len(PYTHON) >= 4
