"""Reverse mode: the recording trace, its tracers, and the one backward pass.

The backward pass is shared by the functional API (a per-call tape) and the
Tensor facade (a persistent graph walked in reverse creation order). It is the
only place that reduces broadcast cotangents (:func:`sum_to_shape`) and the only
place that picks a compiled kernel over a primitive's differentiable rule.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Optional, Sequence

import numpy as np

from .core import (_TRACER_TYPES, EVAL_TRACE, PLAIN, Call, Primitive, Trace, Tracer, concrete,
                   current_trace, lower_constant)
from .debugging.checks import backward_checker, check_value
from .debugging.mode import ARMED
from .kernels import policy as kernel_policy
from .numerics import GUARD
from .primitives.arithmetic import add_p
from .primitives.complex_parts import is_complex, real_p
from .primitives.reductions import sum_to_shape
from .tape import DECLARED, Eqn, RealPart, Residuals, record_eqn, shape_of


class ReverseTracer(Tracer):
    """A value recorded on a :class:`ReverseTrace`'s tape under id ``_id``."""

    __slots__ = ("_id",)

    def __init__(self, trace: "ReverseTrace", value: Any, vid: int):
        self._trace = trace
        self._value = value
        self._id = vid

    def __repr__(self) -> str:
        return f"ReverseTracer(id={self._id}, value={self._value!r})"

    def _has_derivative(self) -> bool:
        # every recorded value depends on an input; integer ones have no derivative
        return np.result_type(concrete(self._value)).kind in "fc"


class ReverseTrace(Trace):
    """Records every primitive applied to its own tracers as an :class:`Eqn`.

    ``residuals`` is the residual policy (:class:`functrace.tape.Residuals`):
    :data:`~functrace.tape.DECLARED` by default, :data:`~functrace.tape.ALL` for
    :func:`functrace.make_tape` (which prints the inputs and types) and
    ``linearize``, a block policy while a checkpointed block records.
    """

    __slots__ = ("eqns", "next_id", "residuals")

    def __init__(self, parent: Trace, residuals: Residuals = DECLARED, name: str = "grad"):
        super().__init__(parent, name)
        self.eqns: list = []
        self.next_id = 0
        self.residuals = residuals

    def new_input(self, value: Any) -> ReverseTracer:
        vid = self.next_id
        self.next_id = vid + 1
        return ReverseTracer(self, value, vid)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        ids = None
        primals: Any = args
        inline = self.parent is EVAL_TRACE
        for i, arg in enumerate(args):
            if type(arg) is ReverseTracer and arg._trace is self:
                if ids is None:
                    ids = [None] * len(args)
                    primals = list(primals)
                ids[i] = arg._id
                primals[i] = arg._value
            elif type(arg) not in PLAIN:        # one lookup for the usual constants
                if type(arg) in _TRACER_TYPES:
                    inline = False     # not ours: the root trace raises UnexpectedTracerError
                else:                  # a Tensor, a pandas Series, ...: a plain constant (C2)
                    primals = list(primals)
                    primals[i] = lower_constant(arg)
        parent = self.parent
        if inline:         # the root trace's work without its call, on the hot path
            out = prim.impl(*primals, **params)
        else:
            out = parent.process(prim, primals, params)
        if ids is None or prim.vjp is None:
            if ARMED[0]:
                check_value(prim, primals, params, out)
            return out
        vid = self.next_id              # self.record(...) inlined: the per-op hot path
        self.next_id = vid + 1
        self.eqns.append(record_eqn(Eqn, prim, params, ids, vid, primals, out, self.residuals))
        return ReverseTracer(self, out, vid)

    def process_call(self, call: Call, args: Sequence[Any]) -> Any:
        if self.owns(args):
            return call.reverse(self, args)
        return self.parent.process_call(call, args)

    def record(self, prim: Primitive, params: dict, ids: list, primals: list,
               out: Any) -> ReverseTracer:
        """Append ``out = prim[params](primals)`` to the tape (``ids[i]``: the tape id
        of argument ``i``, ``None`` for a constant) and return the new tracer."""
        vid = self.next_id
        self.next_id = vid + 1
        self.eqns.append(record_eqn(Eqn, prim, params, ids, vid, primals, out, self.residuals))
        return ReverseTracer(self, out, vid)


def backward_pass(eqns: Iterable[Eqn], cts: dict, consume: bool = True,
                  ct_hook: Optional[Callable[[Eqn, Any], Any]] = None) -> dict:
    """Propagate cotangents through ``eqns`` (given in reverse order).

    ``cts`` maps variable ids to cotangents and is updated in place; the
    cotangent of each equation's output is removed once used. With
    ``consume``, residuals are released as soon as their equation is done.
    Rules run under whatever trace is current, so an outer transform records
    them (that is how higher-order derivatives work). A primitive with an
    all-arguments rule (``prim.vjp_all``) gets one call for all its variable
    arguments; the others one ``vjp`` call per variable argument. ``ct_hook(eqn, ct)``, if
    given, sees (and may replace) each output cotangent before it is used; the
    Tensor facade uses it for hooks and ``retain_grad``.

    The one place that picks a compiled kernel over the rules: only when
    nothing records this pass (``current_trace().records`` is false, C6 in
    :mod:`functrace.core`), for a cotangent array (what kernels take) of at least
    ``kernels.thresholds()["min_size"]`` elements, and a primitive with a kernel;
    the fuser then decides (dtype, operands, the size of the run); see
    :class:`_KernelSetup` and :mod:`functrace.kernels`.

    With debugging on (:mod:`functrace.debugging`) the pass runs with a checker
    that checks every cotangent and is the pass's running rule (``phase``).
    """
    if ARMED[0]:
        checker = backward_checker()
        if checker is not None:
            return checker.run(_backward_pass, eqns, cts, consume, ct_hook, checker)
    return _backward_pass(eqns, cts, consume, ct_hook, None)


def _backward_pass(eqns: Iterable[Eqn], cts: dict, consume: bool,
                   ct_hook: Optional[Callable[[Eqn, Any], Any]], checker: Any) -> dict:
    pop = cts.pop
    get = cts.get
    fuser, kmin = None, _NEVER
    if _KERNELS.available and not current_trace().records:
        eqns = eqns if type(eqns) is list else list(eqns)
        kmin = kernel_policy.min_size()    # the rest of the kernels load at the first large ct
    for eqn in eqns:
        ct = pop(eqn.out_id, None)
        if ct is None:
            continue
        if ct_hook is not None:
            ct = ct_hook(eqn, ct)
        if checker is not None:
            checker.at(eqn, ct)
        prim = eqn.prim
        if type(ct) is _ndarray and ct.size >= kmin:
            if fuser is None:
                fuser, kmin = _KERNELS.fuser(eqns, ct_hook, checker)
            if (fuser is not None and prim.kernel is not None and ct.size >= kmin
                    and fuser.run(eqn, ct, cts, consume)):
                continue
        if prim.vjp_all is not None:
            _vjp_all(eqn, ct, cts, checker)
        else:
            rule = prim.vjp
            ins = eqn.ins
            out = eqn.out
            params = eqn.params
            in_shapes = eqn.in_shapes
            for argnum, vid in enumerate(eqn.in_ids):
                if vid is None:
                    continue
                g = rule(ct, ins, out, argnum, **params)
                if g is None:
                    continue
                if checker is not None:
                    checker.vjp(eqn, argnum, ct, g)
                if in_shapes is not None:
                    g = fit_cotangent(g, in_shapes[argnum])
                prev = get(vid)
                cts[vid] = g if prev is None else _add(prev, g)
        if consume:
            eqn.ins = eqn.out = None
    return cts


def _vjp_all(eqn: Eqn, ct: Any, cts: dict, checker: Any) -> None:
    """``backward_pass``'s step for a primitive with an all-arguments rule: one
    call for every variable argument (the per-argument loop, otherwise)."""
    in_ids, in_shapes = eqn.in_ids, eqn.in_shapes
    needed = frozenset([i for i, vid in enumerate(in_ids) if vid is not None])
    grads = eqn.prim.vjp_all(ct, eqn.ins, eqn.out, needed, **eqn.params)
    for argnum, vid in enumerate(in_ids):
        g = None if vid is None else grads[argnum]
        if g is None:
            continue
        if checker is not None:
            checker.vjp(eqn, argnum, ct, g)
        if in_shapes is not None:
            g = fit_cotangent(g, in_shapes[argnum])
        prev = cts.get(vid)
        cts[vid] = g if prev is None else _add(prev, g)


def fit_cotangent(g: Any, target: tuple) -> Any:
    """The cotangent ``g`` of an input fitted to it: summed over the axes it was
    broadcast along, and its real part for a real input of a complex output
    (``target`` is then a :class:`~functrace.tape.RealPart`)."""
    if shape_of(g) != target:
        g = sum_to_shape(g, target)
    if type(target) is RealPart and is_complex(g):
        g = real_p.bind(g)
    return g


_ndarray = np.ndarray
_NEVER = 1 << 62         # the minimum kernel size when no kernel may run


class _KernelSetup:
    """The compiled kernels' first-use setup, done once whatever the threads.

    ``fusion`` is :mod:`functrace.kernels.fusion` once imported (the primitives
    carry their kernel specs from registration). The check is lock-free; the
    import runs under ``lock``.
    """

    def __init__(self) -> None:
        self.available = True          # False if functrace.kernels.fusion cannot be imported
        self.fusion: Any = None
        self.lock = threading.Lock()

    def fuser(self, eqns: list, ct_hook: Optional[Callable], checker: Any = None) -> tuple:
        """``(fuser, min size)`` for a pass at the root trace, or ``(None, _NEVER)``
        when the kernels are switched off.

        With a ``ct_hook`` every intermediate cotangent must be seen, so
        equations are not fused across (single-equation kernels only). With a
        debugging ``checker`` the kernels check their values in the same loop
        (or do not run, when the checker must see every rule).
        """
        if checker is not None and not checker.kernels:
            return None, _NEVER
        fusion = self.fusion
        if fusion is None:
            fusion = self._setup()
            if fusion is None:
                return None, _NEVER
        check = checker.kernel_fault if checker is not None and checker.nans else None
        fuser = fusion.new_fuser(eqns, ct_hook is None, GUARD[0], check)
        return (fuser, fuser.min_size) if fuser is not None else (None, _NEVER)

    def _setup(self) -> Any:
        """Import the fuser (it imports Numba only when a kernel is built)."""
        with self.lock:
            fusion = self.fusion
            if fusion is None:
                try:
                    from .kernels import fusion   # (at the first large cotangent: cold start)
                except ImportError:    # pragma: no cover - numpy-only installs
                    self.available = False
                    return None
            self.fusion = fusion
        return fusion


_KERNELS = _KernelSetup()


def _add(a: Any, b: Any) -> Any:
    return add_p.bind(a, b)
