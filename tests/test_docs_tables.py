"""The docs' generated parts, checked without Sphinx (which only ``make docs`` installs):
every functrace name in the JAX and HIPS autograd tables exists, the PyTorch lists
name only real objects, and the optional pages appear in the index when present."""
import os
import sys

import pytest

DOCS = os.path.join(os.path.dirname(__file__), "..", "docs")
sys.path.insert(0, DOCS)
import _gen  # noqa: E402  (docs/_gen.py)


@pytest.mark.parametrize("row", _gen.JAX + _gen.AUTOGRAD, ids=lambda row: row[0])
def test_table_rows_name_real_functrace_objects(row):
    ours = row[1]
    if ours is None:
        assert len(row) == 3 and row[2], f"{row[0]}: a row without a counterpart says why"
    else:
        assert _gen.resolve(ours) is not None


def test_resolve_fails_on_a_missing_name():
    with pytest.raises(AttributeError):
        _gen.resolve("functrace.gard")


def test_torch_tables_list_the_facade():
    text = _gen._torch_tables()
    assert "{py:obj}`functrace.nn.Linear`" in text and "{py:obj}`functrace.exp`" in text
    assert "`functrace.float32`" in text and "{py:obj}`functrace.float32`" not in text  # numpy's


def test_optional_pages_appear_when_present(tmp_path):
    (tmp_path / "index.md").write_text(f"```{{toctree}}\nquickstart\n{_gen.MARKER}\n```\n")
    (tmp_path / "quickstart.md").write_text("# Quickstart\n")
    assert _gen.optional_pages(str(tmp_path)) == []
    (tmp_path / "architecture.md").write_text("# Architecture\n")
    (tmp_path / "debugging.md").write_text("# Debugging gradients\n")
    assert _gen.optional_pages(str(tmp_path)) == ["debugging", "architecture"]

    class App:
        srcdir = str(tmp_path)
    source = [f"intro\n{_gen.MARKER}\n"]
    _gen.fill_optional_pages(App, "index", source)
    assert source == ["intro\ndebugging\narchitecture\n"]


def test_links_to_contributing_go_to_its_page(tmp_path):
    class App:
        srcdir = str(tmp_path)
    source = ["See [how to contribute](../CONTRIBUTING.md)."]
    _gen.link_contributing(App, "architecture", source)
    assert source == ["See [how to contribute](../CONTRIBUTING.md)."]   # no page: unchanged
    (tmp_path / "_generated").mkdir()
    (tmp_path / "_generated" / "contributing.md").write_text("")
    _gen.link_contributing(App, "architecture", source)
    assert source == ["See [how to contribute](_generated/contributing.md)."]
    nested = ["[x](../../CONTRIBUTING.md)"]
    _gen.link_contributing(App, "guides/jax", nested)
    assert nested == ["[x](../_generated/contributing.md)"]


def test_index_has_the_marker():
    with open(os.path.join(DOCS, "index.md")) as f:
        assert _gen.MARKER in f.read()
