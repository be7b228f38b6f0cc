"""Shared helpers for the benchmark scripts: verification, timing, peers, tables.

Every script exposes ``run(quick: bool) -> list[Table]`` and prints its tables
when run directly. Before anything is timed, each row's result (functrace's and
every peer's) is compared with a reference computed independently in float64
(a :class:`Check`): :func:`verify_and_time` times only rows whose check passed,
and every row keeps its check status in the table's last column, so a wrong
or crashing library shows as FAILED and is never dropped. Times are medians of
repeated calls after warm-up; the ratio columns divide by functrace's time in
the same run (ratios in one run are what matters on a shared machine, absolute
times drift).
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import time
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

TORCH_THREADS = 2
# max |result - reference| <= TOLERANCE * max |reference|, array by array (float64
# results: rounding of a few hundred ops; float32: ~1000 float32 epsilons, as in
# functrace.testing's float32 gradient checks)
TOLERANCE = {"float64": 1e-9, "float32": 1e-4}
NO_RESULT = "n/a (no result)"


@dataclass
class Table:
    """One result table: ``rows`` of cells under ``columns``, plus notes.

    Rows are added with :meth:`add_row`, which appends the row's check status as
    the last cell (the ``check`` column) and records its raw measurements in
    ``values`` (row -> {parameter: seconds or bytes}) for the targets.
    """

    title: str
    columns: list
    key: str = ""
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    series: dict = field(default_factory=dict)   # for plots: name -> [(size, seconds)]
    values: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.columns = list(self.columns) + ["check"]

    def add_row(self, name: Any, cells: list, check: str, values: Optional[dict] = None) -> None:
        if len(cells) + 2 != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells) + 2} cells for {self.columns}")
        if name in self.checks:
            raise ValueError(f"{self.title}: a second row named {name!r}")
        self.rows.append([name, *cells, check])
        self.checks[name] = check
        self.values[name] = dict(values or {})

    def markdown(self) -> str:
        lines = [f"### {self.title}", "",
                 "| " + " | ".join(self.columns) + " |",
                 "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        widths = [max(len(str(c)) for c in col) for col in zip(self.columns, *self.rows)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [self.title, fmt.format(*self.columns)]
        out += [fmt.format(*[str(c) for c in row]) for row in self.rows]
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out)


# -- verification ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """The reference every row of a table must reproduce before it is timed.

    ``reference``: a float64 array, or a dict/list/tuple of them, computed without
    any of the libraries compared; each array of a result must satisfy
    ``max |result - reference| <= tol * max |reference| + atol``, and its error is
    reported as ``max |result - reference| / (max |reference| + atol / tol)``
    (references below the smallest normal float compare absolutely); ``source``:
    what the reference is, for the table's note.
    """

    reference: Any
    tol: float
    source: str
    atol: float = 0.0

    def note(self, when: str = "before timing") -> str:
        bound = f"{self.tol:g} x max |reference|" + (f" + {self.atol:.1g}" if self.atol else "")
        return (f"check ({when}): each row's result against {self.source}, "
                f"max |error| <= {bound} per array; a row that fails shows FAILED, untimed")


class Candidate(NamedTuple):
    """A timed callable and how to read its result (default: its return value)."""

    run: Callable[[], Any]
    result: Callable[[Any], Any] = lambda out: out


def to_numpy(x: Any) -> Any:
    """Results of any library as float64 numpy arrays (dicts, lists and tuples kept)."""
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    if hasattr(x, "detach"):                   # torch and functrace Tensors
        x = x.detach()
    if hasattr(x, "numpy") and not isinstance(x, (np.ndarray, np.generic)):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


def _leaves(x: Any, path: str = "") -> list:
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in _leaves(x[k], f"{path}[{k!r}]")]
    if isinstance(x, (list, tuple)):
        return [leaf for i, v in enumerate(x) for leaf in _leaves(v, f"{path}[{i}]")]
    return [(path, x)]


class Status(NamedTuple):
    """The outcome of one check: passed or not, the relative error, or why it failed."""

    ok: bool
    error: float = float("nan")
    why: str = ""

    def __str__(self) -> str:
        return f"ok (error {self.error:.0e})" if self.ok else f"FAILED ({self.why})"


def compare(result: Any, check: Check) -> Status:
    """``result`` against ``check.reference``, array by array."""
    got, want = _leaves(to_numpy(result)), _leaves(to_numpy(check.reference))
    if [p for p, _ in got] != [p for p, _ in want]:
        return Status(False, why=f"{len(got)} result arrays, expected {len(want)}")
    worst = 0.0
    for (path, a), (_, b) in zip(got, want, strict=True):
        if a.shape != b.shape:
            return Status(False, why=f"shape {a.shape} at {path or 'result'}, "
                                     f"expected {b.shape}")
        scale = float(np.max(np.abs(b), initial=0.0))
        if not scale >= np.finfo(np.float64).tiny:   # zero or underflowed: absolute error
            scale = 1.0
        # the error relative to the scale the bound allows: <= tol iff diff <= tol scale + atol
        err = float(np.max(np.abs(a - b), initial=0.0)) / (scale + check.atol / check.tol)
        if not err <= check.tol:               # also catches NaN
            return Status(False, err, f"error {err:.1e} > {check.tol:g} at {path or 'result'}")
        worst = max(worst, err)
    return Status(True, worst)


def verify(candidate: Any, check: Check) -> Status:
    """Run ``candidate`` once (its untimed first call) and :func:`compare` its result."""
    run, result = candidate if isinstance(candidate, Candidate) else (candidate, _same)
    try:
        return compare(result(run()), check)
    except Exception as exc:   # noqa: BLE001 - a crash is a FAILED row, not a lost one
        return Status(False, why=f"{type(exc).__name__}: {str(exc)[:100]}")


def _same(out: Any) -> Any:
    return out


def guarded(build: Callable[[], Any]) -> Any:
    """``build()``, or, if setting the candidate up raises, a candidate that raises
    the same error when run (so that its row shows FAILED with the reason)."""
    try:
        return build()
    except Exception as exc:   # noqa: BLE001
        error = exc            # ``exc`` itself is unbound when the except block ends

    def failed():
        raise error
    return failed


def combine(statuses: dict) -> str:
    """One status for several checks (label -> Status or None for "no result"): the
    largest error if all passed, else every failure with its label."""
    checked = {k: s for k, s in statuses.items() if s is not None}
    if not checked:
        return NO_RESULT
    failed = [(k, s) for k, s in checked.items() if not s.ok]
    if not failed:
        return str(max(checked.values(), key=lambda s: s.error))
    if len(checked) == 1:
        return str(failed[0][1])
    return "; ".join(f"{k}: {s}" for k, s in failed)


class Results:
    """Per row: check statuses and times over a table's parameters (sizes, batches)."""

    def __init__(self) -> None:
        self.status: dict = {}
        self.times: dict = {}

    def verify_and_time(self, fns: dict, check: Check, param: Any,
                        timer: Callable[[Callable], float]) -> None:
        """Verify each candidate at ``param`` and, if it passed, time it right away.

        One after the other, not all checks first: a peer's thread pool (torch's
        OpenMP threads spin for a while after a call) would otherwise still be busy
        while the next library is timed, which on two cores slows it many times."""
        for name, candidate in fns.items():
            status = verify(candidate, check)
            run = candidate.run if isinstance(candidate, Candidate) else candidate
            self.record(name, param, status, timer(run) if status.ok else None)

    def record(self, name: str, param: Any, status: Optional[Status],
               value: Optional[float]) -> None:
        """``status`` None: a row without a result to check (a reference timing)."""
        self.status.setdefault(name, {})[param] = status
        if value is not None:
            self.times.setdefault(name, {})[param] = value

    def get(self, name: str, param: Any) -> Optional[float]:
        return self.times.get(name, {}).get(param)

    def check_of(self, name: str, label: Callable[[Any], str] = str) -> str:
        """One status for the row (see :func:`combine`)."""
        return combine({label(p): s for p, s in self.status[name].items()})

    def overall(self) -> str:
        """One status for every row and parameter."""
        return combine({f"{name} at {p}": s for name, per in self.status.items()
                        for p, s in per.items()})

    def add_rows(self, table: Table, cells: Callable[[str], list],
                 label: Callable[[Any], str] = str) -> None:
        """One table row per candidate, in the order they were first recorded."""
        for name in self.status:
            table.add_row(name, cells(name), self.check_of(name, label),
                          self.times.get(name, {}))


def complex_step_derivative(g: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                            chunk: int = 1 << 20) -> np.ndarray:
    """``g'(x)`` of an elementwise analytic ``g`` (written with numpy ufuncs), in float64
    to rounding accuracy: ``Im g(x + ih) / h`` has no cancellation, unlike finite
    differences. Chunked so that 1e7 elements need only tens of MB of complex temporaries.
    """
    flat = np.asarray(x, np.float64).ravel()
    out = np.empty_like(flat)
    h = 1e-30
    for start in range(0, flat.size, chunk):
        z = flat[start:start + chunk] + 1j * h
        out[start:start + chunk] = np.imag(g(z)) / h
    return out.reshape(np.shape(x))


def median_time(fn: Callable[[], Any], min_time: float = 0.2, max_reps: int = 200,
                warmup: int = 2, min_reps: int = 3) -> float:
    """Median seconds per call of ``fn`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times: list = []
    start = time.perf_counter()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        while len(times) < max_reps and (len(times) < min_reps or
                                         time.perf_counter() - start < min_time):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    finally:
        if gc_was:
            gc.enable()
    return float(np.median(times))


def fmt_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(t: Optional[float], ref: Optional[float]) -> str:
    return "—" if t is None or not ref else f"{t / ref:.2f}×"


def peers(quick: bool = False) -> dict:
    """Importable peers as ``{name: module}``; ``{}`` in quick mode. Notes missing ones."""
    found: dict = {}
    if quick:
        return found
    try:
        import torch
        torch.set_num_threads(TORCH_THREADS)
        found["torch"] = torch
    except ImportError:
        pass
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        found["jax"] = jax
    except ImportError:
        pass
    try:
        import autograd
        found["autograd"] = autograd
    except ImportError:
        pass
    return found


def peer_versions() -> str:
    """``torch 2.13.0, jax 0.10.2, ...`` for the installed peers."""
    from importlib import metadata
    out = []
    for dist in ("torch", "jax", "jaxlib", "autograd"):
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} not installed")
    return ", ".join(out)


def missing_note(found: dict, quick: bool) -> list:
    if quick:
        return ["quick mode: tiny sizes, peers skipped"]
    names = [n for n in ("torch", "jax", "autograd") if n not in found]
    return [f"not installed, skipped: {', '.join(names)} (pip install -e '.[bench]')"] \
        if names else []


def machine_line() -> str:
    import numba
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}, numba {numba.__version__}")


def cli(run: Callable[[bool], list]) -> None:
    """Entry point of a script: ``--quick`` for tiny sizes; prints the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no peers")
    args = parser.parse_args()
    for table in run(args.quick):
        print(table.text())
        print()
