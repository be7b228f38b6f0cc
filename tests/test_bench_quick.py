"""The benchmark suite runs end to end in quick mode (tiny sizes, no peers), so it
never rots. Nothing about timing is asserted."""
from __future__ import annotations

import os
import sys

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def test_run_all_quick(tmp_path):
    sys.path.insert(0, BENCH)
    try:
        import run_all
        tables = run_all.run_all(quick=True, out_dir=str(tmp_path))
    finally:
        sys.path.remove(BENCH)
    report = (tmp_path / "RESULTS.md").read_text()
    assert "Machine:" in report and "--quick" in report
    for script in run_all.SCRIPTS:
        assert f"## {script}" in report
    assert all(table.rows for table in tables)
    import importlib.util
    if importlib.util.find_spec("matplotlib") is not None:    # the plot is optional
        assert (tmp_path / "elementwise.png").exists()
