"""Find fusable runs in a backward pass and execute each as one kernel call.

A *run* starts at an equation whose output cotangent ``ct`` is a large plain
array and extends over the following equations (in backward order) as long as
each one is an elementwise primitive with a kernel, its output is consumed
only inside the run (no cotangent for it exists yet, so every use lies in the
run, which is consecutive), and all its operands are ``ct``-shaped arrays of
``ct``'s dtype or scalars. The intermediate cotangents then live only in
registers of one loop; the run's *leaves* (variables produced outside it) get
one output array each, accumulated into ``cts`` as the composite rules would.

The kernel cache key is a plain tuple equal to the run's
:class:`~functrace.kernels.codegen.Program` (dtype, serial/parallel, operand
kinds, leaf count, steps, zero guard): built from names and indices only, never
shapes.

This module works on duck-typed equations (``prim``, ``in_ids``, ``ins``,
``out``, ``in_shapes``, ``out_id``) and primitives (``name``, ``saves_in``,
``saves_out`` and ``kernel``, the scalar derivatives declared in the primitive's
registry block: :class:`functrace.registry.KernelSpec`). It imports only numpy;
the per-run Python work is kept small because it is paid on every call.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Optional

import numpy as np

from . import policy
from .codegen import get_kernel

_FLOATS = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}
_ndarray = np.ndarray
_generic = np.generic


class _Stats:
    """Kernel calls made by this process (counted under a lock: threads call kernels)."""

    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()


_STATS = _Stats()


def new_fuser(eqns: list, fuse: bool = True, zero_guard: bool = False,
              check: Optional[Callable] = None) -> Optional["Fuser"]:
    """The kernel state for one backward pass over ``eqns`` (backward order), or
    None when the kernels are switched off. ``zero_guard``: zero cotangents give 0
    through inf/nan derivatives, as the rules do under :mod:`functrace.numerics`.
    ``check``: kernels check their contributions for NaN/inf in the loop and
    call ``check(eqn, argnum, flat_index, ct, value)`` for the first one
    (``ct``: the equation's cotangent when it headed the run, else None).

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> from functrace import kernels
    >>> tape = ft.make_tape(lambda x: fnp.sum(fnp.tanh(fnp.sin(x))))(np.ones(3))
    >>> fuser = kernels.new_fuser(list(reversed(tape.eqns)), fuse=False)
    >>> type(fuser).__name__, fuser.max_run
    ('Fuser', 1)
    >>> with kernels.enabled(False):
    ...     kernels.new_fuser(tape.eqns) is None
    True
    """
    state = policy._state
    if not state["enabled"]:
        return None
    return Fuser(eqns, state["max_run"] if fuse else 1, zero_guard, check)


def kernel_calls() -> int:
    """How many kernel calls this process has made (tests use it as a probe).

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> from functrace import kernels
    >>> before = kernels.kernel_calls()
    >>> with kernels.enabled(False):
    ...     _ = ft.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.ones(100_000))
    >>> kernels.kernel_calls() == before
    True
    """
    return _STATS.calls


class Fuser:
    """The kernel side of one backward pass over ``eqns`` (a list, backward order).

    ``max_run=1`` disables fusion across equations (single-equation kernels
    only), which the backward pass uses when a cotangent hook must see every
    intermediate cotangent.

    >>> from functrace import kernels
    >>> fuser = kernels.Fuser([], max_run=4)
    >>> fuser.max_run, fuser.min_size == kernels.thresholds()["min_size"]
    (4, True)
    """

    __slots__ = ("eqns", "cursor", "max_run", "min_size", "min_work", "zero_guard", "check")

    def __init__(self, eqns: list, max_run: int, zero_guard: bool = False,
                 check: Optional[Callable] = None):
        state = policy._state
        self.eqns = eqns
        self.cursor = 0
        self.max_run = max_run
        self.min_size = state["min_size"]
        self.min_work = state["min_work"]
        self.zero_guard = zero_guard
        self.check = check

    def run(self, eqn: Any, ct: np.ndarray, cts: dict, consume: bool) -> bool:
        """Execute the run headed by ``eqn`` as one kernel; False = use the rules."""
        dtype = _FLOATS.get(ct.dtype)
        if dtype is None or eqn.in_shapes is not None or ct.size == 0:
            return False
        pos = self._position(eqn)
        if pos is None:
            return False
        found = _collect(self.eqns, pos, ct.shape, dtype, cts, self.max_run)
        if found is None or found[1] * ct.size < self.min_work:
            return False
        run = found[0]
        key, operands, leaves = _lower(run, ct, dtype, self.zero_guard, self.check is not None)
        kernel = get_kernel(key, {e.prim.name: spec for e, spec, _, _ in run})
        if kernel is None:
            return False
        outs = [np.empty(ct.shape, dtype) for _ in leaves]
        args = [*operands, *[g.reshape(-1) for g in outs]]
        err = None if self.check is None else np.array([-1.0, 0.0, 0.0, 0.0])
        if err is not None:
            args.append(err)
        kernel(ct.size, *args)
        with _STATS.lock:
            _STATS.calls += 1
        if err is not None and err[0] >= 0:
            step = int(err[0])
            self.check(run[step][0], int(err[1]), int(err[2]), ct if step == 0 else None, err[3])
        _accumulate(cts, leaves, outs)
        if consume:
            for e, _, _, _ in run:
                e.ins = e.out = None
        return True

    def _position(self, eqn: Any) -> Optional[int]:
        eqns, i, n = self.eqns, self.cursor, len(self.eqns)
        while i < n and eqns[i] is not eqn:
            i += 1
        if i == n:
            return None
        self.cursor = i
        return i


def _collect(eqns: list, pos: int, shape: tuple, dtype: str, cts: dict,
             max_run: int) -> Optional[tuple]:
    """``([(eqn, spec, saved values, pre-pass?)], numpy passes saved)`` for the run
    starting at ``eqns[pos]``, or None when it would not save at least two passes."""
    run: list = []
    wanted: set = set()
    cost = 0
    for i in range(pos, min(len(eqns), pos + max_run)):
        eqn = eqns[i]
        spec = eqn.prim.kernel
        if i > pos and (spec is None or eqn.out_id not in wanted or eqn.out_id in cts):
            break
        saved = _saved(eqn, shape, dtype)
        if saved is None:
            break
        pre = (spec.pre is not None and dtype in spec.pre_dtypes
               and (spec.pre_when is None or spec.pre_when(*saved)))
        run.append((eqn, spec, saved, pre))
        cost -= spec.pre_passes if pre else 0
        for vid in eqn.in_ids:
            if vid is not None:
                wanted.add(vid)
                cost += spec.passes
    return (run, cost) if run and cost >= 2 else None


def _saved(eqn: Any, shape: tuple, dtype: str) -> Optional[list]:
    """The values ``eqn``'s derivatives take, if all are kernel operands, else None."""
    if eqn.in_shapes is not None:         # a variable input was broadcast
        return None
    prim = eqn.prim
    if not prim.saves_in:
        values = [eqn.out] if prim.saves_out else []
    elif eqn.ins is None:
        return None
    else:
        values = list(eqn.ins)
        if prim.saves_out:
            values.append(eqn.out)
    for v in values:
        if type(v) is _ndarray:
            if _FLOATS.get(v.dtype) != dtype or (v.shape != shape and v.shape != ()):
                return None
        elif isinstance(v, _generic):
            if _FLOATS.get(v.dtype) != dtype:
                return None
        elif not isinstance(v, (float, int)) or isinstance(v, bool):
            return None                   # None, tracers, Tensors, ...
    return values


def _lower(run: list, ct: np.ndarray, dtype: str, zero_guard: bool,
           check: bool = False) -> tuple:
    """``(program key, operand values, leaf variable ids)`` of ``run``."""
    T = np.dtype(dtype).type
    shape = ct.shape
    step_of = {run[m][0].out_id: m for m in range(len(run))}
    operands: list = []
    kinds: list = []
    index: dict = {}
    leaves: list = []
    steps = []
    alive: list = []

    def operand(value: Any) -> int:
        key = id(value)
        if key not in index:
            index[key] = len(operands)
            alive.append(value)             # keeps ids unique while lowering
            kind, value = _as_operand(value, shape, T)
            operands.append(value)
            kinds.append(kind)
        return index[key]

    operand(ct)
    heavy = False
    for eqn, spec, saved, pre in run:
        heavy = heavy or (not pre and dtype in spec.heavy)
        if pre:
            saved = spec.pre(tuple(vid is not None for vid in eqn.in_ids), *saved)
        targets = []
        for vid in eqn.in_ids:
            if vid is None:
                targets.append(None)
            elif vid in step_of:
                targets.append(("v", step_of[vid]))
            else:
                if vid not in leaves:
                    leaves.append(vid)
                targets.append(("g", leaves.index(vid)))
        steps.append((eqn.prim.name, pre, tuple([operand(v) for v in saved]), tuple(targets)))
    state = policy._state
    parallel = not check and ct.size >= state["parallel_min_size" if heavy
                                              else "parallel_min_size_light"]
    key = (dtype, parallel, tuple(kinds), len(leaves), tuple(steps), zero_guard, check)
    return key, operands, leaves


def _as_operand(v: Any, shape: tuple, T: type) -> tuple:
    """("s", scalar) for scalars and stride-0 broadcasts, else ("a", flat C array)."""
    if type(v) is _ndarray:
        if not shape:
            return "a", v.reshape(1)
        if v.shape == ():
            return "s", T(v[()])
        if not any(v.strides):
            return "s", T(v.flat[0])        # a broadcast scalar, e.g. the ct of a sum
        return "a", v.ravel()
    if not shape:
        return "a", np.full(1, v, dtype=T)
    return "s", T(v)


def _accumulate(cts: dict, leaves: list, outs: list) -> None:
    for vid, g in zip(leaves, outs):
        prev = cts.get(vid)
        if prev is None:
            cts[vid] = g
        elif type(prev) is _ndarray and prev.shape == g.shape and prev.dtype == g.dtype:
            cts[vid] = np.add(prev, g, out=g)
        else:
            cts[vid] = prev + g
