"""The NaN/inf checks of ``functrace.debug_nans`` and the error they raise.

Where values are checked (each site tests :data:`.mode.ARMED` first):

* forward values -- every recorded equation (:func:`functrace.tape.record_eqn`:
  ``grad``/``vjp`` forward passes, the Tensor facade, call primitives), the
  operations a reverse trace does not record, and the outputs of ``jvp`` and
  ``vmap`` at the root. Only concrete values are checked: a tracer's value was
  checked by the trace below that computed it;
* the backward pass (:func:`functrace.reverse.backward_pass`, both faces): the
  cotangent each VJP rule returns for each argument and the cotangent arriving at
  each equation (a sum of its uses' cotangents); in a compiled kernel the
  generated loop checks each contribution in the same pass;
* JVP rules: the tangent each returns.

A derivative rule's own intermediate values are not checked (library rules
mask singular values on purpose); while one runs, the setting's ``phase`` says
which, and equations that an outer transform records from it get the rule's
source line. A value is reported only if the NaN or inf is *new*: NaN where no
input had one, inf where every input was finite.

>>> import numpy as np, functrace as ft, functrace.numpy as fnp
>>> with ft.debug_nans():
...     try:
...         ft.grad(lambda x: fnp.sum(fnp.sqrt(x)))(np.array([4.0, 0.0]))
...     except ft.NonFiniteError as e:
...         print(e.phase, e.primitive, e.argnum)
vjp sqrt 0
"""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from ..core import Tracer, concrete
from ..tracers import type_str
from ..grad_mode import ROOT_CHECK, call_with_debug
from .mode import FaultLog, active, run_in_phase
from .source import Source, capture, describe

_ndarray = np.ndarray


class NonFiniteError(FloatingPointError, RuntimeError):
    """A NaN or inf produced under ``debug_nans``.

    Attributes: ``primitive`` (its name), ``phase`` (``"forward"``, ``"vjp"``,
    ``"jvp"``, ``"kernel"`` or ``"cotangent"``), ``argnum`` (the argument whose
    cotangent a VJP rule made non-finite), ``source`` (the user's line of the
    equation, a :class:`~functrace.debugging.source.Source`, or ``None``),
    ``node`` (the Tensor facade's ``grad_fn`` name) and ``fault`` (everything).
    A ``RuntimeError`` too, which is what PyTorch's anomaly mode raises.

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> with ft.debug_nans(), np.errstate(divide="ignore"):
    ...     try:
    ...         fnp.log(np.zeros(2))
    ...     except ft.NonFiniteError as e:
    ...         print(e.phase, e.primitive, isinstance(e, RuntimeError))
    forward log True
    """

    def __init__(self, fault: "Fault"):
        super().__init__(fault.message())
        self.fault = fault
        self.primitive = fault.primitive
        self.phase = fault.phase
        self.argnum = fault.argnum
        self.source = fault.source
        self.node = fault.node


class Fault:
    """One NaN/inf origin: what :class:`NonFiniteError` reports (and what
    ``explain_grad`` collects). ``values`` are ``(label, value)`` pairs shown at
    the offending entries of ``bad`` (the value that became non-finite)."""

    __slots__ = ("phase", "primitive", "node", "argnum", "source", "bad", "values", "eqn",
                 "rule", "index")

    def __init__(self, phase: str, primitive: str, source: Optional[Source], bad: Any,
                 values: list, eqn: Any = None, argnum: Optional[int] = None,
                 index: Optional[int] = None):
        self.phase = phase
        self.primitive = primitive
        self.source = source
        self.bad = bad
        self.values = values
        self.eqn = eqn
        self.argnum = argnum
        self.index = index          # a compiled kernel's flat element index
        name = type(eqn).__name__ if eqn is not None else "Eqn"
        self.node = None if name == "Eqn" else name
        self.rule = _rule_of(eqn)

    def what(self) -> str:
        """``"nan"``, ``"inf"``, ``"-inf"`` or several of them."""
        seen = []
        for _, v in _offending(self.bad, 1000):
            text = _fmt(v)
            if text not in seen:
                seen.append(text)
        return " and ".join(seen) or "a non-finite value"

    def headline(self) -> str:
        prim = self.primitive + (f" ({self.node})" if self.node else "")
        what = self.what()
        if self.phase == "forward":
            return f"{prim} produced {what} in the forward pass"
        if self.phase == "jvp":
            return f"the JVP rule of {prim} produced {what} in the tangent (forward mode)"
        if self.phase == "cotangent":
            return (f"the cotangent arriving at {prim} in the backward pass holds {what}: the "
                    "sum of the cotangents of its output's uses (inf + -inf), or the seed")
        where = ", in a compiled kernel" if self.phase == "kernel" else ""
        return (f"the VJP rule of {prim} produced {what} in the cotangent of its argument "
                f"{self.argnum} (backward pass{where})")

    def message(self) -> str:
        lines = [f"functrace.debug_nans: {self.headline()}"]
        if self.phase in ("vjp", "kernel", "cotangent"):
            lines.append("  the equation was recorded")
        lines.append(describe(self.source))
        if self.rule is not None:
            lines.append(f"  its derivative rule: {self.rule}")
        lines += _value_lines(self.bad, self.values, self.index)
        if self.phase in ("vjp", "kernel"):
            lines += ["  (an infinite derivative -- sqrt, log, 1/x at 0 -- gives inf, and 0 * inf "
                      "gives nan:", "  move the input off the singularity, e.g. sqrt(x + eps), or "
                      "keep zero cotangents zero with functrace.numerics.zero_guard())"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Fault({self.phase}, {self.primitive}, {self.source!r})"


def _rule_of(eqn: Any) -> Optional[str]:
    """The user's function that computes a call primitive's derivative, if any."""
    fun = None if eqn is None or not eqn.params else eqn.params.get("fun")
    rule = getattr(fun, "rule", None)
    fn = rule() if callable(rule) else None
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    name = getattr(fn, "__qualname__", code.co_name)
    return f"{name} at {code.co_filename}:{code.co_firstlineno}"


# -- values -----------------------------------------------------------------------------

def plain(x: Any) -> Any:
    """The numpy value of ``x`` (a Tensor's data too), or None for other objects."""
    v = concrete(x)
    if type(v) is _ndarray or isinstance(v, (float, complex, np.generic)):
        return v
    return None


def finite(v: Any) -> bool:
    """Whether a float array or number holds no NaN and no inf (ints: always).

    One sum does it (NaN and inf survive it); an overflowing sum of finite
    values is checked entry by entry."""
    if type(v) is _ndarray:
        if v.dtype.kind not in "fc" or v.size == 0:
            return True
        return bool(np.isfinite(np.add.reduce(v, axis=None))) or bool(np.isfinite(v).all())
    if isinstance(v, (float, np.floating)):
        return math.isfinite(v)
    if isinstance(v, (complex, np.complexfloating)):
        return math.isfinite(v.real) and math.isfinite(v.imag)
    return True


def _kinds(v: Any) -> tuple:
    """``(has nan, has inf)`` of a float value."""
    a = np.asarray(v)
    if a.dtype.kind not in "fc":
        return False, False
    return bool(np.isnan(a).any()), bool(np.isinf(a).any())


def is_new(bad: Any, inputs: list) -> bool:
    """Whether ``bad``'s NaN/inf is new: NaN where no input has one, inf where all
    inputs are finite (``inputs``: plain values, ``None`` ignored)."""
    nan, inf = _kinds(bad)
    in_nan = in_inf = False
    for v in inputs:
        if v is not None and not finite(v):
            n, i = _kinds(v)
            in_nan, in_inf = in_nan or n, in_inf or i
    return (nan and not in_nan) or (inf and not (in_nan or in_inf))


def _offending(v: Any, limit: int) -> list:
    """``(index, value)`` of the first ``limit`` non-finite entries."""
    a = np.asarray(v)
    if a.ndim == 0:
        return [((), a[()])] if not finite(a[()]) else []
    idx = np.argwhere(~np.isfinite(a))[:limit]
    return [(tuple(int(i) for i in row), a[tuple(row)]) for row in idx]


def _fmt(x: Any) -> str:
    x = x.item() if isinstance(x, np.generic) else x
    return repr(float(x)) if isinstance(x, float) else repr(x)


def _type(v: Any) -> str:
    a = np.asarray(v)
    return type_str(a.shape, a.dtype)


def _at(v: Any, index: tuple, shape: tuple, flat: Optional[int]) -> str:
    a = np.asarray(v)
    if a.size == 1:
        return _fmt(a.reshape(())[()])
    if flat is not None and a.size > flat:
        return _fmt(a.reshape(-1)[flat])
    if a.shape == shape:
        return _fmt(a[index])
    return f"(broadcast; range {_fmt(np.min(a))} .. {_fmt(np.max(a))})" if a.size else "(empty)"


def _value_lines(bad: Any, values: list, flat: Optional[int]) -> list:
    shape = np.shape(bad)
    if flat is not None:                    # a kernel: one element, by its flat index
        bad_entries = [((), bad)]
        head = f"  produced: {_fmt(bad)} at element {flat} (flat index) of the cotangent"
    else:
        bad_entries = _offending(bad, 3)
        n_bad = int(np.size(bad) - np.count_nonzero(np.isfinite(np.asarray(bad))))
        shown = ", ".join(f"{list(i) if i else ''}{' ' if i else ''}{_fmt(x)}"
                          for i, x in bad_entries)
        head = f"  produced: {_type(bad)}, {n_bad} of {np.size(bad)} entries non-finite: {shown}"
    lines = [head]
    for label, value in values:
        v = plain(value)
        if v is None:
            continue
        at = ", ".join(_at(v, i, shape, flat) for i, _ in bad_entries)
        state = "finite" if finite(v) else "not finite"
        lines.append(f"  {label}: {_type(v)} ({state}), there: {at}")
    return lines


# -- the checks -------------------------------------------------------------------------

def _report(fault: Fault, faults: Optional[FaultLog]) -> None:
    if faults is None:
        raise NonFiniteError(fault)
    faults.faults.append(fault)


def check_value(prim: Any, primals: Any, params: dict, out: Any,
                source: Optional[Source] = None) -> None:
    """The forward check of ``out = prim[params](*primals)`` (after :data:`ARMED`)."""
    setting = active()
    if not setting.nans or setting.phase is not None:
        return
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for o in outs:
        v = o if type(o) is _ndarray else plain(o) if not isinstance(o, Tracer) else None
        if v is None or finite(v):
            continue
        inputs = [plain(p) for p in primals]
        inputs += [p for p in params.values() if isinstance(p, (float, np.floating))]
        if is_new(v, inputs):
            values = [(f"input {i}", p) for i, p in enumerate(primals)]
            _report(Fault("forward", prim.name, source or capture(), v, values),
                    setting.faults)


def on_record(eqn: Any, primals: Any, out: Any) -> None:
    """:func:`functrace.tape.record_eqn`'s hook: the source line, then the value."""
    setting = active()
    phase = setting.phase
    if phase is not None:                # recorded by a derivative rule (a higher order)
        if setting.source:
            eqn.source = phase.recorded_source()
        return
    if setting.source or setting.nans:
        eqn.source = capture()
    if setting.nans:
        check_value(eqn.prim, primals, eqn.params, out, eqn.source)


class RulePhase:
    """A JVP rule running: recorded equations get the user's line with ``via``."""

    __slots__ = ("prim",)

    def __init__(self, prim: Any):
        self.prim = prim

    def recorded_source(self) -> Optional[Source]:
        src = capture()
        return None if src is None else src.with_via(f"in the JVP rule of {self.prim.name}")


def checked_jvp(prim: Any) -> Any:
    """``prim.jvp`` run as a rule (its intermediates unchecked), its tangent checked."""
    def rule(primals: Any, tangents: Any, out: Any, **params: Any) -> Any:
        setting = active()
        t_out = run_in_phase(RulePhase(prim), prim.jvp, primals, tangents, out, **params)
        if setting.nans and setting.phase is None and t_out is not None:
            v = plain(t_out)
            if v is not None and not finite(v):
                inputs = [plain(t) for t in tangents if t is not None]
                if is_new(v, inputs):
                    values = [(f"input {i}", p) for i, p in enumerate(primals)]
                    values += [(f"tangent {i}", t) for i, t in enumerate(tangents)]
                    _report(Fault("jvp", prim.name, capture(), v, values), setting.faults)
        return t_out
    return rule


class BackwardChecker:
    """The debugging side of one backward pass; also its ``phase``: ``eqn`` is the
    equation whose VJP rule runs now. ``kernels``: whether compiled kernels may
    run (not while collecting for ``explain_grad``, which must see every rule)."""

    __slots__ = ("setting", "eqn", "kernels", "nans")

    def __init__(self, setting: Any):
        self.setting = setting.replace(phase=self)
        self.eqn: Any = None
        self.nans = setting.nans
        self.kernels = setting.faults is None

    def run(self, fn: Any, *args: Any) -> Any:
        return call_with_debug(self.setting, fn, *args)

    def recorded_source(self) -> Optional[Source]:
        eqn = self.eqn
        src = getattr(eqn, "source", None)
        if src is None:
            return None
        return src.with_via(f"recorded by the VJP rule of {eqn.prim.name}")

    def at(self, eqn: Any, ct: Any) -> None:
        """Before ``eqn``'s rule runs on the cotangent ``ct`` of its output."""
        self.eqn = eqn
        if self.nans:
            v = plain(ct)
            if v is not None and not finite(v):
                faults = self.setting.faults
                if faults is None or not faults.faults:
                    _report(Fault("cotangent", eqn.prim.name, getattr(eqn, "source", None), v,
                                  [], eqn), faults)

    def vjp(self, eqn: Any, argnum: int, ct: Any, g: Any) -> None:
        """Check the cotangent ``g`` that ``eqn``'s rule gave argument ``argnum``."""
        v = plain(g)
        if v is None:
            return
        faults = self.setting.faults
        if self.nans and not finite(v):
            _report(Fault("vjp", eqn.prim.name, getattr(eqn, "source", None), v,
                          _rule_values(eqn, ct), eqn, argnum), faults)
        elif faults is not None and not np.any(v):
            c = plain(ct)
            if c is not None and np.any(c):
                faults.zeroed.append((eqn, argnum))

    def kernel_fault(self, eqn: Any, argnum: int, index: int, ct: Any, value: float) -> None:
        """A compiled kernel found the first non-finite contribution ``value``, of
        ``eqn``'s rule for argument ``argnum`` at flat element ``index``; ``ct`` is
        the equation's cotangent if it headed the kernel's run (else it lived in
        the loop only)."""
        values = _rule_values(eqn, ct) if ct is not None else _rule_values(eqn, None)[1:]
        _report(Fault("kernel", eqn.prim.name, getattr(eqn, "source", None), np.float64(value),
                      values, eqn, argnum, index), self.setting.faults)


def _rule_values(eqn: Any, ct: Any) -> list:
    values = [("cotangent received", ct)]
    if eqn.ins is not None:
        values += [(f"saved input {i}", p) for i, p in enumerate(eqn.ins)]
    if eqn.out is not None:
        values.append(("saved output", eqn.out))
    return values


def backward_checker() -> Optional[BackwardChecker]:
    """The checker for a backward pass starting now, or None when debugging is off."""
    setting = active()
    return BackwardChecker(setting) if setting.on else None


ROOT_CHECK[0] = check_value     # the root trace's check (functrace.core sits below this module)
