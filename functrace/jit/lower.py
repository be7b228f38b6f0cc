"""Lowering a simplified :class:`~functrace.jit.program.Program` to one Python function.

The schedule (:mod:`functrace.jit.schedule`) orders the ops and groups the
fusable ones; each group of two or more ops becomes one call of a Numba kernel
(:mod:`functrace.jit.kernel`), everything else a direct call of the primitive's
numpy implementation, and each guard a check (:mod:`functrace.jit.pycode`).
With the kernels switched off (``FUNCTRACE_NUMBA=0`` or
:func:`functrace.kernels.set_enabled`), or when Numba cannot build a kernel,
the same program runs as numpy calls only.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..kernels import policy as kernel_policy
from ..primitives.indexing import ARRAY
from . import buffers
from . import kernel as K
from .program import Program, format_items
from .pycode import Emitter
from .schedule import Group, schedule
from .trace import Const, Guard, Op


class Lowered:
    """A compiled path: ``run(*input values)`` -> tuple of output values."""

    def __init__(self, program: Program, run: Callable, items: list, kernels: int,
                 builds_tree: bool):
        self.program = program
        self.run = run
        self.items = items
        self.kernels = kernels
        self.builds_tree = builds_tree    # run returns the output pytree itself

    def describe(self) -> str:
        return format_items(self.program, self.items)


def compile_program(program: Program, fastmath: bool = False) -> Lowered:
    use_kernels = kernel_policy.is_enabled()
    items = schedule(program.items, program.avals, enabled=use_kernels)
    needed = _read_outside(items, program)
    guard_index = {id(g): k for k, g in enumerate(program.guards)}
    em = Emitter()
    shown: list = []
    kernels = 0
    for item in items:
        if type(item) is Guard:
            em.guard(item, guard_index[id(item)])
            shown.append(item)
        elif type(item) is Op:
            _emit_op(em, item, program.avals)
            shown.append(item)
        else:
            kplan = K.plan(item, program.avals, needed)
            kernel = K.get_kernel(kplan, fastmath) if _worth_a_kernel(item) else None
            if kernel is None:
                for op in item.ops + item.reductions:
                    _emit_op(em, op, program.avals)
                shown.extend(item.ops + item.reductions)
                continue
            _emit_kernel_call(em, kplan, kernel, program.avals)
            shown.append(KernelItem(kplan, kernels))
            kernels += 1
    builds_tree = em.outputs(program.outputs, program.out_tree)
    return Lowered(program, em.build(program.inputs, "<functrace.jit>"), shown, kernels,
                   builds_tree)


def _worth_a_kernel(group: Group) -> bool:
    """The kernels' size policy (:func:`functrace.kernels.set_thresholds`): a group
    becomes a kernel from ``min_size`` elements, when its size times the memory
    passes it saves (one per op beyond the first) reaches ``min_work``. Smaller
    groups run as numpy calls: a kernel call costs about as much as one numpy call
    on small arrays, and building it costs Numba's start-up and compile time."""
    size = int(np.prod(group.shape, dtype=np.int64))
    limits = kernel_policy.thresholds()
    steps = len(group.ops) + len(group.reductions)
    return size >= limits["min_size"] and size * (steps - 1) >= limits["min_work"]


def _read_outside(items: list, program: Program) -> set:
    """Variables read by an item other than the group producing them, a guard or
    the outputs."""
    needed = {o for o in program.outputs if type(o) is int}
    for item in items:
        if type(item) is Guard:
            needed.add(item.var)
        elif type(item) is Op:
            needed.update(item.in_vars())
        else:
            for op in item.ops + item.reductions:
                needed.update(v for v in op.in_vars() if v not in item.members)
    return needed


def _emit_kernel_call(em: Emitter, kplan: K.KernelPlan, kernel: Any, avals: list) -> None:
    args = [str(n) for n in kplan.sizes] + [em.name(kplan.consts, "consts")]
    for operand in kplan.operands:
        args.append(_operand_arg(em, operand, avals))
    outs = []
    for var, dtype in zip(kplan.outputs, kplan.out_dtypes):
        buf = f"o{var}"
        n = int(np.prod(avals[var].shape, dtype=np.int64))   # a row sum: smaller
        em.line(f"{buf} = {_allocation(em, n, dtype)}")
        outs.append(buf)
    em.line(f"{em.name(kernel, 'K')}({', '.join(args + outs)})")
    for var, buf in zip(kplan.outputs, outs):
        out_shape = avals[var].shape
        if len(out_shape) == 1:
            em.line(f"v{var} = {buf}")
        else:
            em.line(f"v{var} = {buf}.reshape({em.name(out_shape, 'shape')})")


def _allocation(em: Emitter, shape: Any, dtype: np.dtype) -> str:
    """Source text of a fresh output buffer: pooled when large (see buffers)."""
    size = int(np.prod(shape, dtype=np.int64))
    shape_name = em.name(shape, "shape") if isinstance(shape, tuple) else str(shape)
    if size * dtype.itemsize >= buffers.MIN_BYTES:
        em.names["_take"] = buffers.take
        return f"_take({em.name([], 'pool')}, {shape_name}, {em.name(dtype, 'dt')})"
    em.names["_empty"] = np.empty
    return f"_empty({shape_name}, {em.name(dtype, 'dt')})"


# Primitives whose numpy implementation, on an ndarray, is exactly one method call or
# ufunc reduction: the generated line makes that call itself (no wrapper, no lambda).
_DIRECT = {
    "reshape": lambda x, k: f"{x}.reshape({k['shape']})",
    "transpose": lambda x, k: f"{x}.transpose({k['axes']})",
    "getitem": lambda x, k: f"{x}[{k['idx']}]",
    "reduce_sum": lambda x, k: f"_add_reduce({x}, axis={k['axes']}, keepdims={k['keepdims']})",
    "reduce_max": lambda x, k: f"_max_reduce({x}, axis={k['axes']}, keepdims={k['keepdims']})",
    "reduce_min": lambda x, k: f"_min_reduce({x}, axis={k['axes']}, keepdims={k['keepdims']})",
}
_REDUCERS = {"_add_reduce": np.add.reduce, "_max_reduce": np.maximum.reduce,
             "_min_reduce": np.minimum.reduce}


def _emit_op(em: Emitter, op: Op, avals: list) -> None:
    """A numpy call; a ufunc with a large output writes into a pooled buffer."""
    aval = avals[op.out]
    impl = op.prim.impl
    direct = _DIRECT.get(op.prim.name)
    x = op.ins[0] if op.ins else None
    if direct is not None and type(x) is int and avals[x].type is np.ndarray \
            and len(op.ins) == 1:
        em.names.update(_REDUCERS)
        params = {k: em.name(v, "k") for k, v in op.params.items()}
        em.line(f"v{op.out} = {direct(f'v{x}', params)}")
        return
    if op.prim.name == "getitem" and type(x) is int and avals[x].type is np.ndarray:
        em.line(f"v{op.out} = v{x}[{_index_expr(em, op)}]")
        return
    if (isinstance(impl, np.ufunc) and impl.nout == 1 and not op.params
            and aval.type is np.ndarray and aval.shape
            and int(np.prod(aval.shape)) * aval.dtype.itemsize >= buffers.MIN_BYTES):
        args = ", ".join(em.ref(i) for i in op.ins)
        em.line(f"v{op.out} = {em.name(impl, 'f')}({args}, "
                f"out={_allocation(em, aval.shape, aval.dtype)})")
    else:
        em.op(op)


def _index_expr(em: Emitter, op: Op) -> str:
    """Source text of a gather's full index: its template with the index array
    operands (``op.ins[1:]``) in the template's ``ARRAY`` places."""
    arrays = iter(op.ins[1:])
    items = [em.ref(next(arrays)) if item is ARRAY else em.name(item, "k")
             for item in op.params["idx"]]
    return "(" + "".join(f"{item}, " for item in items) + ")"


def _operand_arg(em: Emitter, operand: K.Operand, avals: list) -> str:
    ref = operand.ref
    if type(ref) is Const:
        flat = np.ascontiguousarray(ref.value, dtype=operand.dtype).reshape(-1)
        return em.name(flat, "c")
    if operand.kind == "scalar":
        return f"v{ref}[()]" if avals[ref].type is np.ndarray else f"v{ref}"
    return f"v{ref}.ravel()"


class KernelItem:
    """A kernel call in the printed program."""

    def __init__(self, kplan: K.KernelPlan, number: int):
        self.kplan = kplan
        self.number = number

    @property
    def ops(self) -> list:
        return self.kplan.group.ops + self.kplan.group.reductions
