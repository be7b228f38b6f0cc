"""Run every benchmark, write ``benchmarks/RESULTS.md`` and a PNG plot of time vs size.

    python benchmarks/run_all.py            # full sizes, all installed peers (minutes)
    python benchmarks/run_all.py --quick    # tiny sizes, no peers (seconds; the tests run it)

``--out DIR`` writes RESULTS.md and the plots elsewhere (the quick test uses a
temporary directory so the committed results are never overwritten by it).
RESULTS.md opens with how many rows passed their check (see ``_common.Check``)
and the verdict on each target of ``targets.py``, then every table.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import targets  # noqa: E402
from _common import TORCH_THREADS, Table, machine_line, peer_versions  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = ["bench_overhead", "bench_elementwise", "bench_mlp", "bench_deep_chain",
        "bench_hessian", "bench_cold_start"]       # the workloads of issue 4, in order


def _scripts() -> list:
    """The issue-4 workloads, then any other ``bench_*.py`` (each has ``run(quick)``),
    then the kernel crossover measurements."""
    others = sorted(f[:-3] for f in os.listdir(HERE)
                    if f.startswith("bench_") and f.endswith(".py") and f[:-3] not in CORE)
    return CORE + others + ["crossover"]


SCRIPTS = _scripts()


def run_all(quick: bool, out_dir: str, skip: tuple = ()) -> list:
    """Run the scripts, write the report into ``out_dir``; returns all tables."""
    tables: dict = {}
    load = [os.getloadavg()[0]]
    for name in SCRIPTS:
        if name in skip:
            continue
        t0 = time.perf_counter()
        tables[name] = importlib.import_module(name).run(quick)
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]", flush=True)
        for table in tables[name]:
            print(table.text() + "\n", flush=True)
    load.append(os.getloadavg()[0])
    os.makedirs(out_dir, exist_ok=True)
    plots = _plots(tables, out_dir)
    with open(os.path.join(out_dir, "RESULTS.md"), "w") as f:
        f.write(_report(tables, quick, plots, load))
    return [t for ts in tables.values() for t in ts]


def _report(tables: dict, quick: bool, plots: list, load: list) -> str:
    import functrace.kernels as K
    command = "python benchmarks/run_all.py" + (" --quick" if quick else "")
    every = [t for ts in tables.values() for t in ts]
    lines = ["# functrace benchmarks", "",
             f"Machine: {machine_line()}.  ",
             f"Peers: {peer_versions()} (torch with {TORCH_THREADS} threads).  ",
             f"Command: `{command}` ({time.strftime('%Y-%m-%d %H:%M')}).  ",
             f"Kernel thresholds in force: {_thresholds_text(K)}.  ",
             f"Load average (1 min) at the start and end of the run: {load[0]:.1f} and "
             f"{load[1]:.1f} on {os.cpu_count()} cores.", "",
             "Times are medians after warm-up; ratios divide by functrace's time in the same "
             "run (> 1 means slower than functrace). Compare ratios within a table, not "
             "absolute times across runs.", "", _load_warning(load), "",
             "## Verification", "", _verification(every), "",
             "## Targets", "",
             "Defined in `benchmarks/targets.py`, evaluated from the verified measurements "
             "below (a ratio is the worst case over the sizes and tables the target covers)."
             + (" **Quick mode: tiny sizes and no peers, so these verdicts only show that "
                "the machinery works; they say nothing about the targets.**" if quick else ""),
             "", targets.markdown(targets.evaluate(every))]
    lines += [f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in plots]
    for name, ts in tables.items():
        lines += ["", f"## {name}", ""] + [t.markdown() for t in ts]
    return "\n".join(lines) + "\n"


def _load_warning(load: list) -> str:
    # The start tells whether other jobs ran; the end includes this run's own threads
    # (torch and jax use both cores), so it is not held against the run.
    busy = load[0] > 0.5 * (os.cpu_count() or 1)
    return ("**Other jobs kept this machine busy during the run (load average above): the "
            "figures are noisy, and final numbers are to be re-run on a quiet machine.**"
            if busy else "The machine was quiet during the run (load average above).")


def _verification(tables: list) -> str:
    """How many rows were checked, passed, failed, or had no result to check."""
    checks = [c for t in tables for c in t.checks.values()]
    failed = [f"{t.title}: {name}: {c}" for t in tables for name, c in t.checks.items()
              if c.startswith("FAILED") or "FAILED" in c]
    text = (f"Before timing, each row's result was checked against a reference computed "
            f"independently in float64 (each table's notes say which, and the tolerance): "
            f"{len(checks)} rows, {sum(c.startswith('ok') for c in checks)} passed, "
            f"{len(failed)} FAILED, {sum(c.startswith('n/a') for c in checks)} without a "
            f"result (reference timings). A FAILED row stays in its table, untimed.")
    return text + "".join(f"\n- FAILED: {f}" for f in failed)


def _thresholds_text(K) -> str:
    return ", ".join(f"{k} = {'off' if v == K.PARALLEL_OFF else f'{v:,}'}"
                     for k, v in K.thresholds().items())


def _plots(tables: dict, out_dir: str) -> list:
    """PNG plots of time vs size (large elementwise; crossover); [] without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    for name, fname in (("bench_elementwise", "elementwise.png"), ("crossover", "crossover.png")):
        with_series = [t for t in tables.get(name, []) if t.series]
        if not with_series:
            continue
        cols = 2
        rows = (len(with_series) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(11, 3.6 * rows), squeeze=False)
        for ax, table in zip(axes.flat, with_series):
            _plot_table(ax, table)
        for ax in list(axes.flat)[len(with_series):]:
            ax.axis("off")
        fig.tight_layout()
        path = os.path.join(out_dir, fname)
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written


def _plot_table(ax, table: Table) -> None:
    for label, points in table.series.items():
        sizes, secs = zip(*points)
        style = "k--" if label.startswith("bandwidth") else "-o"
        ax.loglog(sizes, secs, style, label=label.rsplit(" (", 1)[0], markersize=3)
    ax.set_title(table.title.split(": ", 1)[-1], fontsize=9)
    ax.set_xlabel("n (elements)")
    ax.set_ylabel("seconds per call")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, peers skipped")
    parser.add_argument("--out", default=HERE, help="directory for RESULTS.md and the plots")
    parser.add_argument("--skip", nargs="*", default=[], choices=SCRIPTS,
                        help="scripts to leave out")
    args = parser.parse_args()
    run_all(args.quick, args.out, tuple(args.skip))


if __name__ == "__main__":
    main()
