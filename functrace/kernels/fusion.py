"""Find fusable runs in a backward pass and execute each as one kernel call.

A *run* starts at an equation whose output cotangent ``ct`` is a large plain
array and extends over the following equations (in backward order) as long as
each one is an elementwise primitive with a kernel, its output is consumed
only inside the run (no cotangent for it exists yet, so every use lies in the
run, which is consecutive), and all its operands are ``ct``-shaped arrays of
``ct``'s dtype or scalars. The intermediate cotangents then live only in
registers of one loop; the run's *leaves* (variables produced outside it) get
one output array each, accumulated into ``cts`` as the composite rules would.

This module works on duck-typed equations (``prim``, ``in_ids``, ``ins``,
``out``, ``in_shapes``, ``out_id``) and imports only numpy (Numba is imported
when a kernel is built).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import policy
from .codegen import Program, Step, get_kernel
from .derivs import DERIVS, ScalarDerivs

_FLOATS = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}
_ndarray = np.ndarray


class Fuser:
    """The kernel side of one backward pass over ``eqns`` (a list, backward order).

    ``max_run=1`` disables fusion across equations (single-equation kernels
    only), which the backward pass uses when a cotangent hook must see every
    intermediate cotangent.
    """

    __slots__ = ("eqns", "cursor", "max_run", "calls")

    def __init__(self, eqns: list, max_run: int):
        self.eqns = eqns
        self.cursor = 0
        self.max_run = max_run
        self.calls = 0

    def run(self, eqn: Any, ct: np.ndarray, cts: dict, consume: bool) -> bool:
        """Execute the run headed by ``eqn`` as one kernel; False = use the rules."""
        dtype = _FLOATS.get(ct.dtype)
        if dtype is None:
            return False
        pos = self._position(eqn)
        if pos is None:
            return False
        run = _collect(self.eqns, pos, ct.shape, dtype, cts, self.max_run)
        if run is None or sum(_cost(e) for e, _ in run) < 2:
            return False
        program, operands, leaves = _lower(run, ct, dtype)
        kernel = get_kernel(program)
        if kernel is None:
            return False
        outs = [np.empty(ct.shape, dtype) for _ in leaves]
        kernel(ct.size, *operands, *[g.reshape(-1) for g in outs])
        self.calls += 1
        _STATS["calls"] += 1
        _accumulate(cts, leaves, outs)
        if consume:
            for e, _ in run:
                e.ins = e.out = None
        return True

    def _position(self, eqn: Any) -> Optional[int]:
        eqns, i = self.eqns, self.cursor
        while i < len(eqns) and eqns[i] is not eqn:
            i += 1
        if i == len(eqns):
            return None
        self.cursor = i
        return i


_STATS = {"calls": 0}


def kernel_calls() -> int:
    """How many kernel calls this process has made (tests use it as a probe)."""
    return _STATS["calls"]


def _cost(eqn: Any) -> int:
    """Numpy passes the composite rule of ``eqn`` would make (the cost model)."""
    spec: ScalarDerivs = eqn.prim.kernel
    return spec.passes * sum(vid is not None for vid in eqn.in_ids)


def _collect(eqns: list, pos: int, shape: tuple, dtype: str, cts: dict,
             max_run: int) -> Optional[list]:
    """The run starting at ``eqns[pos]`` as ``[(eqn, saved values), ...]``, or None."""
    head = eqns[pos]
    saved = _saved(head, shape, dtype)
    if saved is None:
        return None
    run = [(head, saved)]
    wanted = {vid for vid in head.in_ids if vid is not None}
    for eqn in eqns[pos + 1:pos + max_run]:
        vid = eqn.out_id
        if vid not in wanted or vid in cts or getattr(eqn.prim, "kernel", None) is None:
            break
        saved = _saved(eqn, shape, dtype)
        if saved is None:
            break
        run.append((eqn, saved))
        wanted.update(v for v in eqn.in_ids if v is not None)
    return run


def _saved(eqn: Any, shape: tuple, dtype: str) -> Optional[list]:
    """The values ``eqn``'s derivatives take, if all are kernel operands, else None."""
    spec: ScalarDerivs = eqn.prim.kernel
    if eqn.in_shapes is not None:         # a variable input was broadcast
        return None
    values = []
    if spec.saves in ("in", "both"):
        if eqn.ins is None:
            return None
        values.extend(eqn.ins)
    if spec.saves in ("out", "both"):
        if eqn.out is None:
            return None
        values.append(eqn.out)
    for v in values:
        if not _operand_ok(v, shape, dtype):
            return None
    return values


def _operand_ok(v: Any, shape: tuple, dtype: str) -> bool:
    if type(v) is _ndarray:
        return _FLOATS.get(v.dtype) == dtype and (v.shape == shape or v.shape == ())
    if isinstance(v, (float, int)) and not isinstance(v, bool):
        return True
    if isinstance(v, np.generic):
        return _FLOATS.get(v.dtype) == dtype
    return False


def _lower(run: list, ct: np.ndarray, dtype: str) -> tuple:
    """The kernel :class:`Program` of ``run``, its operand values and its leaf ids."""
    T = np.dtype(dtype).type
    step_of = {eqn.out_id: m for m, (eqn, _) in enumerate(run)}
    operands: list = []
    kinds: list = []
    index: dict = {}

    def operand(v: Any) -> int:
        key = id(v)
        if key not in index:
            kind, value = _as_operand(v, ct.shape, T)
            index[key] = len(operands)
            operands.append(value)
            kinds.append(kind)
        return index[key]

    operand(ct)
    leaves: list = []
    steps = []
    for eqn, saved in run:
        spec: ScalarDerivs = eqn.prim.kernel
        pre = spec.pre is not None and dtype in spec.pre_dtypes
        if pre:
            saved = [spec.pre(saved[0])]
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
        steps.append(Step(spec.name, pre, tuple(operand(v) for v in saved), tuple(targets)))
    parallel = ct.size >= policy._state["parallel_min_size"]
    program = Program(dtype, parallel, tuple(kinds), len(leaves), tuple(steps))
    return program, operands, leaves


def _as_operand(v: Any, shape: tuple, T: type) -> tuple:
    """("s", scalar) for scalars and stride-0 broadcasts, else ("a", flat C array)."""
    if type(v) is _ndarray:
        if v.shape == shape and shape != () and not any(v.strides) and v.size:
            return "s", T(v.flat[0])        # a broadcast scalar, e.g. the ct of a sum
        if v.shape == () and shape != ():
            return "s", T(v[()])
        return "a", np.ravel(v)
    if shape == ():
        return "a", np.full(1, v, dtype=T)
    return "s", T(v)


def _accumulate(cts: dict, leaves: list, outs: list) -> None:
    for vid, g in zip(leaves, outs):
        prev = cts.get(vid)
        if prev is None:
            cts[vid] = g
        elif type(prev) is _ndarray and prev.shape == g.shape:
            cts[vid] = np.add(prev, g, out=g)
        else:
            cts[vid] = prev + g
