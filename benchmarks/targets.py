"""The performance targets, in one place, each with the issue it comes from.

A target is evaluated from the measured tables (``Table.values``: row ->
{parameter: seconds or bytes}, keyed by ``Table.key``). Only rows whose check
passed carry values, so a wrong result can never meet a target: a functrace row
that failed its check misses it, and a peer that failed or was not run (not
installed) leaves it "not measured".
``run_all.py`` writes the verdicts at the top of ``RESULTS.md``.

    >>> [t.issue for t in TARGETS][:3]
    [4, 4, 4]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Union

MET, MISSED, NOT_MEASURED = "met", "missed", "not measured"
Row = Union[str, Callable[[str], bool]]      # a row name, or a test that picks one


@dataclass(frozen=True)
class Verdict:
    status: str          # MET, MISSED or NOT_MEASURED
    measured: str        # the figure or ratio compared with the goal, or why it is missing


@dataclass(frozen=True)
class Target:
    issue: int
    goal: str
    evaluate: Callable[["Measurements"], Verdict]


class Measurements:
    """The verified values of one run, by table key, row and parameter."""

    def __init__(self, tables: Iterable) -> None:
        self.tables = {t.key: t for t in tables if t.key}

    def row(self, key: str, row: Row) -> str:
        """A row name, or the first row for which ``row(name)`` is true."""
        names = self.tables[key].checks if key in self.tables else {}
        return row if isinstance(row, str) else next((r for r in names if row(r)), "?")

    def params(self, key: str, row: str, keep: Callable = lambda p: True) -> list:
        table = self.tables.get(key)
        return [p for p in (table.values.get(row, {}) if table else {}) if keep(p)]

    def value(self, key: str, row: str, param) -> Optional[float]:
        table = self.tables.get(key)
        return None if table is None else table.values.get(row, {}).get(param)

    def missing(self, key: str, row: str) -> Verdict:
        """Why ``row`` has no value: a functrace row that failed its check misses the
        target; a peer that failed or was not run leaves it unmeasured."""
        table = self.tables.get(key)
        if table is None:
            return Verdict(NOT_MEASURED, f"{key} not run")
        if row not in table.checks:
            return Verdict(NOT_MEASURED, f"{row} not run")
        check = table.checks[row]
        if "FAILED" in check:
            ours = row.startswith("functrace")
            return Verdict(MISSED if ours else NOT_MEASURED, f"{row}: {check}")
        return Verdict(NOT_MEASURED, f"{key}: not measured at these sizes")

    def keys(self, prefix: str) -> list:
        return sorted(k for k in self.tables if k.startswith(prefix))


def ratio(keys: Callable[[Measurements], list], num: Row, den: Row, bound: float,
          at_least: bool, keep: Callable = lambda p: isinstance(p, int),
          ) -> Callable[[Measurements], Verdict]:
    """``value(num) / value(den)`` at every kept parameter of every table in ``keys``;
    the worst of them must be ``>= bound`` (``at_least``) or ``<= bound``."""
    def evaluate(m: Measurements) -> Verdict:
        found = []
        for key in keys(m):
            a_row, b_row = m.row(key, num), m.row(key, den)
            for row in (a_row, b_row):
                if not m.params(key, row, keep):
                    return m.missing(key, row)
            for p in m.params(key, b_row, keep):
                a, b = m.value(key, a_row, p), m.value(key, b_row, p)
                if a is None:
                    return m.missing(key, a_row)
                found.append((a / b, key, p, a_row, b_row))
        if not found:
            return Verdict(NOT_MEASURED, "not run")
        worst = (min if at_least else max)(found, key=lambda f: f[0])
        met = worst[0] >= bound if at_least else worst[0] <= bound
        where = worst[1] + (f", {_param(worst[1], worst[2])}" if worst[2] != "time" else "")
        worst_of = f"worst of {len(found)}: " if len(found) > 1 else ""
        return Verdict(MET if met else MISSED, f"{worst[3]} / {worst[4]} = {worst[0]:.2f}× "
                       f"({worst_of}{where})")
    return evaluate


def at_most(key: str, row: str, param, limit: float, scale: float, unit: str,
            ) -> Callable[[Measurements], Verdict]:
    """``value(row, param) <= limit`` (``param=None``: every parameter of the row)."""
    def evaluate(m: Measurements) -> Verdict:
        params = [param] if param is not None else m.params(key, row)
        values = [(m.value(key, row, p), p) for p in params]
        if not values or any(v is None for v, _ in values):
            return m.missing(key, row)
        worst, p = max(values)
        where = f" at {_param(key, p)}" if len(values) > 1 else ""
        return Verdict(MET if worst <= limit else MISSED,
                       f"{worst * scale:.3g} {unit}{where} = {worst / limit:.2f}× the limit")
    return evaluate


def every_row_at_most(key: str, param, limit: float) -> Callable[[Measurements], Verdict]:
    """``value(row, param) <= limit`` for every row of the table."""
    def evaluate(m: Measurements) -> Verdict:
        table = m.tables.get(key)
        if table is None or not table.checks:
            return Verdict(NOT_MEASURED, f"{key} not run")
        values = []
        for row in table.checks:
            value = m.value(key, row, param)
            if value is None:
                return m.missing(key, row)
            values.append((value, row))
        worst, row = max(values)
        return Verdict(MET if worst <= limit else MISSED,
                       f"{param} {worst:.3f} (worst of {len(values)}: {row})")
    return evaluate


def all_of(*evaluations: Callable[[Measurements], Verdict]) -> Callable:
    """Met if every part is met; missed if any is missed (else not measured)."""
    def evaluate(m: Measurements) -> Verdict:
        verdicts = [e(m) for e in evaluations]
        statuses = {v.status for v in verdicts}
        status = MISSED if MISSED in statuses else NOT_MEASURED if NOT_MEASURED in statuses \
            else MET
        return Verdict(status, "; ".join(v.measured for v in verdicts))
    return evaluate


def _param(key: str, p) -> str:
    """A table's parameter for the verdict: a batch size, a size, or a named value."""
    if isinstance(p, tuple):                # e.g. ("peak/op", 100_000)
        return f"{p[0]} at n={p[1]:,}"
    if isinstance(p, int):
        return {"mlp": f"batch {p}", "conv/two-convs": f"{p}×{p}"}.get(key, f"n={p:,}")
    return str(p)


def _fixed(*keys: str) -> Callable[[Measurements], list]:
    return lambda m: list(keys)


def _prefixed(prefix: str) -> Callable[[Measurements], list]:
    return lambda m: m.keys(prefix)


def _time(p) -> bool:
    return p == "time"


def _large(p) -> bool:
    return isinstance(p, int) and p >= 100_000


def _batch(b: int) -> Callable:
    return lambda p: p == b


def _peak_at(n: int) -> Callable:
    return lambda p: p == ("peak/op", n)


FT, FACADE = "functrace", "functrace Tensor"
TARGETS = [
    Target(4, "per-op overhead (100-op tiny-array chain, n = 1 and 10) at most 5 µs per op",
           at_most("overhead", FT, None, 5e-6, 1e6, "µs/op")),
    Target(4, "per-op overhead at least 3× faster than torch eager",
           ratio(_fixed("overhead"), "torch eager", FT, 3.0, at_least=True)),
    Target(4, "per-op overhead at least 5× faster than HIPS autograd",
           ratio(_fixed("overhead"), "HIPS autograd", FT, 5.0, at_least=True)),
    Target(4, "large elementwise gradients faster than torch eager at every n from 1e5, "
              "both workloads, both dtypes",
           ratio(_prefixed("elementwise/"), "torch eager", FT, 1.0, True, keep=_large)),
    Target(4, "large elementwise gradients faster than HIPS autograd at every n from 1e5, "
              "both workloads, both dtypes",
           ratio(_prefixed("elementwise/"), "HIPS autograd", FT, 1.0, True, keep=_large)),
    Target(4, "polynomial-chain gradient within 2× of jax.jit at every n from 1e5",
           ratio(_prefixed("elementwise/polynomial/"), FT, "jax.jit", 2.0, False, keep=_large)),
    Target(4, "MLP step within 1.1× of hand-written numpy at batch 1024 (functional API "
              "and Tensor facade)",
           all_of(*(ratio(_fixed("mlp"), row, "numpy (hand-written)", 1.1, False,
                          keep=_batch(1024)) for row in (FT, FACADE)))),
    Target(4, "MLP step faster than torch eager at batch 64 (functional API and Tensor facade)",
           all_of(*(ratio(_fixed("mlp"), "torch eager", row, 1.0, True, keep=_batch(64))
                    for row in (FT, FACADE)))),
    Target(4, "Hessian 50×50 of sum(tanh(W @ x)) under 1 ms eager",
           at_most("hessian", FT, "time", 1e-3, 1e3, "ms")),
    Target(4, "deep chain of 100,000 ops works, with peak memory within 2× of torch's "
              "(functional API and Tensor facade)",
           all_of(*(ratio(_fixed("deep_chain"), row, "torch eager", 2.0, False,
                          keep=_peak_at(100_000)) for row in (FT, FACADE)))),
    Target(4, "cold start (fresh process, import + one small gradient) no slower than "
              "HIPS autograd",
           ratio(_fixed("cold_start/small"), "HIPS autograd", FT, 1.0, True,
                 keep=_time)),
    Target(4, "one 1e6 gradient in a fresh process with a warm kernel cache under 1.5 s",
           at_most("cold_start/large", "kernels loaded from the on-disk cache", "time", 1.5,
                   1.0, "s")),
    Target(5, "per-example gradients: vmap(grad) faster than a Python loop of grad",
           ratio(_fixed("vmap/per-example"), "functrace loop of grad", "functrace vmap(grad)",
                 1.0, True, keep=_time)),
    Target(5, "vectorized jacrev / jacfwd (one pass) faster than loops of VJPs / JVPs",
           all_of(ratio(_fixed("vmap/jacobian"), "functrace loop of vjp rows",
                        "functrace jacrev (vmap of VJP)", 1.0, True, keep=_time),
                  ratio(_fixed("vmap/jacobian"), "functrace loop of jvp columns",
                        "functrace jacfwd (vmap of JVP)", 1.0, True,
                        keep=_time))),
    Target(8, "the zero guard (functrace.numerics) costs at most 5% on the overhead and "
              "elementwise workloads (the bar for enabling it by default)",
           every_row_at_most("zero_guard", "ratio", 1.05)),
    Target(11, "jitted value_and_grad of the 100-op tiny chain within 1.3× of hand-written "
               "numpy per op",
           ratio(_fixed("overhead"), "functrace jit (value_and_grad)", "numpy (hand-written)",
                 1.3, False)),
    Target(11, "jitted polynomial-chain gradient no slower than jax.jit at every n from 1e5, "
               "both dtypes",
           ratio(_prefixed("elementwise/polynomial/"), "functrace jit", "jax.jit", 1.0, False,
                 keep=_large)),
    Target(11, "jitted tanh/exp/sin-chain gradient at n = 1e7, float32, no slower than jax.jit",
           ratio(_fixed("elementwise/tanh chain/float32"), "functrace jit", "jax.jit", 1.0,
                 False, keep=lambda p: p == 10_000_000)),
    Target(11, "jitted MLP step no slower than jax.jit and than hand-written numpy at batch "
               "64 and 1024",
           all_of(ratio(_fixed("mlp"), "functrace jit", "jax.jit", 1.0, False),
                  ratio(_fixed("mlp"), "functrace jit", "numpy (hand-written)", 1.0, False))),
    Target(11, "jitted Tensor-facade MLP step (functional_call) no slower than torch eager",
           ratio(_fixed("mlp"), "functrace Tensor, jit step (functional_call)", "torch eager",
                 1.0, False)),
    Target(11, "jitted Hessian 50×50 within 2× of jax.jit",
           ratio(_fixed("hessian"), "functrace jit", "jax.jit", 2.0, False, keep=_time)),
    Target(11, "first call of the jitted MLP step in a fresh process under 2 s with an empty "
               "kernel cache and under 0.3 s with a warm one (worst of batch 64 and 1024)",
           all_of(at_most("jit_compile", "empty", None, 2.0, 1.0, "s"),
                  at_most("jit_compile", "warm", None, 0.3, 1.0, "s"))),
    Target(16, "convolutions (two Conv2d layers, forward + backward) within 2× of torch eager",
           ratio(_fixed("conv/two-convs"), "functrace Tensor", "torch eager", 2.0, False)),
    Target(16, "the tutorial loop of small float32 ops ((x*w + b).tanh(), (y*y).mean(), "
               "backward) on the Tensor facade no slower than torch eager, n = 10 to 1000",
           ratio(_fixed("tensor_loop"), FACADE, "torch eager", 1.0, False)),
    Target(16, "one training step of the digits CNN within 2× of torch eager",
           ratio(_fixed("conv/cnn-step"), "functrace Tensor", "torch eager", 2.0, False,
                 keep=_time)),
    Target(5, "checkpointing segments of √L layers lowers the peak memory of the deep tanh "
              "MLP's gradient",
           ratio(_fixed("checkpoint"), lambda r: r.startswith("checkpoint every") and "√L" in r,
                 "no checkpointing", 1.0, False, keep=lambda p: p == "peak")),
]

TARGETS.sort(key=lambda t: t.issue)      # stable: by issue, then as listed


def evaluate(tables: Iterable) -> list:
    """``[(target, verdict)]`` for one run's tables."""
    measurements = Measurements(tables)
    return [(t, t.evaluate(measurements)) for t in TARGETS]


def markdown(verdicts: list) -> str:
    lines = ["| target | issue | measured | result |", "|---|---|---|---|"]
    for target, verdict in verdicts:
        result = {MET: "**met**", MISSED: "**missed**"}.get(verdict.status, verdict.status)
        lines.append(f"| {target.goal} | #{target.issue} | {verdict.measured} | {result} |")
    return "\n".join(lines) + "\n"
