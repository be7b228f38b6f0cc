"""The benchmark suite runs end to end in quick mode (tiny sizes, no peers), so it
never rots; every row it reports was verified before it was timed, and the
verification itself catches wrong results. Nothing about timing is asserted."""
from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


@pytest.fixture(scope="module")
def bench():
    """The benchmarks' modules (importable while the tests of this file run)."""
    sys.path.insert(0, BENCH)
    try:
        import _common
        import run_all
        import targets
        yield _common, run_all, targets
    finally:
        sys.path.remove(BENCH)


def test_run_all_quick(tmp_path, bench):
    _, run_all, targets = bench
    tables = run_all.run_all(quick=True, out_dir=str(tmp_path))
    report = (tmp_path / "RESULTS.md").read_text()
    assert "Machine:" in report and "--quick" in report
    sections = {part.split("\n", 1)[0]: part for part in report.split("\n## ")[1:]}
    for script in run_all.SCRIPTS:      # each script verified something (or says why not)
        assert "| ok (error" in sections[script] or "skipped" in sections[script], script
    for table in tables:
        assert table.rows and table.columns[-1] == "check"
        for row in table.rows:     # quick mode runs only functrace and numpy: all must pass
            assert row[-1].startswith(("ok (error", "n/a")), (table.title, row)
    assert "## Verification" in report and " 0 FAILED" in report
    assert "## Targets" in report
    for target, verdict in targets.evaluate(tables):
        assert f"| {target.goal} | #{target.issue} | {verdict.measured} |" in report
        assert verdict.status in (targets.MET, targets.MISSED, targets.NOT_MEASURED)
    if importlib.util.find_spec("matplotlib") is not None:    # the plot is optional
        assert (tmp_path / "elementwise.png").exists()


def test_a_wrong_or_crashing_result_is_failed_untimed_and_kept(bench):
    common, _, _ = bench
    reference = {"a": np.linspace(1.0, 2.0, 4), "b": [np.float64(3.0)]}
    check = common.Check(reference, 1e-4, "a test reference")
    timed = []

    def crash():
        raise RuntimeError("boom")
    fns = {"right": lambda: {"a": np.linspace(1, 2, 4).astype(np.float32), "b": [3.0]},
           "1% off": lambda: {"a": np.linspace(1, 2, 4) * 1.01, "b": [3.0]},
           "nan": lambda: {"a": np.full(4, np.nan), "b": [3.0]},
           "missing array": lambda: {"a": np.linspace(1, 2, 4), "b": []},
           "wrong shape": lambda: {"a": np.linspace(1, 2, 5), "b": [3.0]},
           "crash": crash, "setup crash": common.guarded(crash)}
    results = common.Results()
    results.verify_and_time(fns, check, 10, lambda fn: timed.append(fn) or 1.0)
    table = common.Table("t", ["library", "time"])
    results.add_rows(table, lambda name: [results.get(name, 10)])
    assert [row[0] for row in table.rows] == list(fns)
    assert table.checks["right"].startswith("ok")
    for name in list(fns)[1:]:
        assert table.checks[name].startswith("FAILED"), (name, table.checks[name])
        assert results.get(name, 10) is None
    assert "boom" in table.checks["crash"] and "boom" in table.checks["setup crash"]
    assert len(timed) == 1


def test_targets_are_missed_by_failed_functrace_rows_and_unmeasured_without_peers(bench):
    common, _, targets = bench
    table = common.Table("Hessian", ["library", "time"], key="hessian")
    table.add_row("functrace", ["—"], "FAILED (error 1e-02 > 1e-09)", {})
    overhead = common.Table("overhead", ["library", "n=1"], key="overhead")
    overhead.add_row("functrace", ["1.0"], "ok (error 1e-16)", {1: 1e-6})
    verdicts = {t.goal: v for t, v in targets.evaluate([table, overhead])}
    hessian = next(v for goal, v in verdicts.items() if goal.startswith("Hessian"))
    assert hessian.status == targets.MISSED and "FAILED" in hessian.measured
    per_op = [v for goal, v in verdicts.items() if goal.startswith("per-op")]
    assert per_op[0].status == targets.MET
    assert per_op[1].status == targets.NOT_MEASURED and "torch eager" in per_op[1].measured
