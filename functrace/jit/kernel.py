"""Fused kernels: one Numba loop per :class:`~functrace.jit.schedule.Group`.

:func:`plan` turns a group into a :class:`KernelPlan`: the kernel's source (a
plain loop over one or two dimensions, wiring only) and how the caller passes
each operand. Constants go into one float64 array read once per call, so the
source -- and so the compiled kernel and its disk cache entry -- depends on the
program's structure only, never on values. :func:`get_kernel` compiles a source
once per process (under a lock: two threads get one compile) and keeps it in the
trusted on-disk cache of :mod:`functrace.kernels` (a second process loads it).

A kernel computing ``d = a * b + 2.0`` over a float64 matrix with ``b`` a row::

    def kernel(n0, n1, consts, a0, a1, o0):
        k0 = consts[0]
        for r in range(n0):
            for j in range(n1):
                i = r * n1 + j
                x3 = (a0[i] * a1[j])
                x4 = (x3 + f64(k0))
                o0[i] = x4
"""
from __future__ import annotations

import hashlib
import threading
import warnings
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from .elementwise import scalar_code
from .schedule import Group, collapse, operand_mask
from .trace import Const

_CODES = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64",
          np.dtype(np.bool_): "b1"}


class Operand(NamedTuple):
    """One kernel argument: ``ref`` (a variable id or a :class:`Const`), ``kind``
    (``"full"``, ``"row"``, ``"col"``, ``"one"`` (a size-1 array) or ``"scalar"``)
    and its dtype."""

    ref: Any
    kind: str
    dtype: np.dtype


class KernelPlan(NamedTuple):
    """What the caller needs: source, loop sizes, constants, operands, outputs."""

    source: str
    sizes: tuple
    consts: np.ndarray
    operands: list          # of Operand (array/scalar arguments after ``consts``)
    outputs: list           # variable ids written by the kernel, in argument order
    out_dtypes: list
    group: Group


def plan(group: Group, avals: list, needed: set) -> KernelPlan:
    """The kernel of ``group``; ``needed``: member variables read outside the group."""
    blocks = collapse(group.shape, group.masks) or []
    dims = _significant_sizes(group.shape)
    sizes = tuple(int(np.prod([dims[k] for k in b], dtype=np.int64)) for b in blocks) or (1,)
    consts: list = []
    const_slot: dict = {}
    operands: list = []
    operand_slot: dict = {}
    body: list = []

    def operand(ref: Any, shape: tuple) -> str:
        if type(ref) is Const and _is_scalar_const(ref.value):
            key = ("c", id(ref.value))
            if key not in const_slot:
                const_slot[key] = len(consts)
                consts.append(_const_float(ref.value))
            return f"k{const_slot[key]}"
        key = ("v", ref) if type(ref) is int else ("a", id(ref.value))
        if key not in operand_slot:
            kind = _kind(shape, group.shape, blocks, ref, avals)
            dtype = avals[ref].dtype if type(ref) is int else np.result_type(ref.value)
            if type(ref) is int and avals[ref].type in (float, int, bool):
                dtype = np.result_type(avals[ref].type(0))
                dtype = np.dtype(np.float64) if dtype.kind == "f" else dtype
            operand_slot[key] = len(operands)
            operands.append(Operand(ref, kind, np.dtype(dtype)))
        m = operand_slot[key]
        kind = operands[m].kind
        return {"full": f"a{m}[i]", "row": f"a{m}[j]", "col": f"a{m}[r]",
                "one": f"s{m}", "scalar": f"a{m}"}[kind]

    local_dtype: dict = {}
    for op in group.ops:
        T = group.dtypes[op.out]
        args = []
        for pos, ref in enumerate(op.ins):
            if type(ref) is int and ref in group.members:
                text, dt = f"x{ref}", local_dtype[ref]
            else:
                text = operand(ref, _shape(ref, avals))
                dt = np.dtype(np.float64) if text.startswith("k") else \
                    operands[int(text[1:].split("[")[0])].dtype
            want = np.dtype(np.bool_) if (op.prim.name == "where" and pos == 0) else T
            args.append(_cast(text, dt, want))
        body.append(f"x{op.out} = {scalar_code(op, args, _CODES[T])}")
        local_dtype[op.out] = avals[op.out].dtype
    outputs = [op.out for op in group.ops if op.out in needed]
    body += [f"o{q}[i] = x{v}" for q, v in enumerate(outputs)]
    init = []
    for r in group.reductions:       # row-by-row sums: o[j] = ((-0 + x[0, j]) + x[1, j]) + ...
        q = len(outputs)
        outputs.append(r.out)
        init.append(f"for j in range(n1): o{q}[j] = {_CODES[avals[r.out].dtype]}(-0.0)")
        body.append(f"o{q}[j] += x{r.ins[0]}")
    types = ", ".join([f"{o.kind}:{_CODES.get(o.dtype, o.dtype.name)}" for o in operands]
                      + [f"out:{_CODES[avals[v].dtype]}" for v in outputs])
    source = _source(sizes, consts, operands, outputs, body, types, init)
    return KernelPlan(source, sizes, np.array(consts, dtype=np.float64), operands, outputs,
                      [avals[v].dtype for v in outputs], group)


def _significant_sizes(shape: tuple) -> list:
    return [d for d in shape if d != 1]


def _shape(ref: Any, avals: list) -> tuple:
    return avals[ref].shape if type(ref) is int else np.shape(ref.value)


def _is_scalar_const(value: Any) -> bool:
    if isinstance(value, (bool, int, float)):
        return not isinstance(value, int) or abs(value) < 2 ** 53
    if isinstance(value, np.ndarray):
        # A uniform constant array (e.g. the broadcast cotangent of a sum, scaled)
        # is passed as one number: the op's dtype was fixed when it was recorded.
        return (value.size >= 1 and value.dtype.kind in "fb"
                and (not any(value.strides) or _uniform_bits(value)))
    return isinstance(value, np.generic) and value.dtype.kind in "fb"


def _uniform_bits(value: np.ndarray) -> bool:
    """Whether every element has the same bits (0.0 and -0.0 differ; so do NaNs)."""
    bits = np.ascontiguousarray(value).reshape(-1).view(f"u{value.dtype.itemsize}")
    return bool(np.all(bits == bits[0]))


def _const_float(value: Any) -> float:
    return float(np.asarray(value).reshape(-1)[0])


def _kind(shape: tuple, full: tuple, blocks: list, ref: Any, avals: list) -> str:
    if type(ref) is int and not shape:
        return "scalar"                       # a 0-d value (numpy or Python scalar)
    mask = operand_mask(shape, full)
    spans = [mask[b[0]] for b in blocks]
    if not any(spans):
        return "one"
    if all(spans):
        return "full"
    return "row" if spans == [False, True] else "col"


def _cast(text: str, have: np.dtype, want: np.dtype) -> str:
    if have == want:
        return text
    if want == np.dtype(np.bool_):
        return f"({text} != 0)"
    return f"{_CODES[want]}({text})"


def _source(sizes: tuple, consts: list, operands: list, outputs: list, body: list,
            types: str, init: list) -> str:
    params = ["n0", "n1"][:len(sizes)] + ["consts"] + [f"a{m}" for m in range(len(operands))] \
        + [f"o{q}" for q in range(len(outputs))]
    lines = ['"""Fused kernel generated by functrace.jit.kernel; do not edit.',
             "", f"arguments: {types}", '"""',
             "import numpy as np", "f32, f64 = np.float32, np.float64", "",
             f"def kernel({', '.join(params)}):"]
    lines += [f"    k{c} = consts[{c}]" for c in range(len(consts))]
    lines += [f"    s{m} = a{m}[0]" for m, o in enumerate(operands) if o.kind == "one"]
    lines += ["    " + line for line in init]
    if len(sizes) == 2:
        lines += ["    for r in range(n0):", "        for j in range(n1):",
                  "            i = r * n1 + j"]
        indent = "            "
    else:
        lines += ["    for i in range(n0):"]
        indent = "        "
    lines += [indent + b for b in body]
    return "\n".join(lines) + "\n"


# -- compiling ------------------------------------------------------------------------------

_KERNELS: dict = {}        # (source, fastmath) -> compiled kernel (written under _LOCK)
_FAILED: set = set()
_LOCK = threading.Lock()


def get_kernel(kplan: KernelPlan, fastmath: bool) -> Optional[Callable]:
    """The compiled kernel of ``kplan`` (built once per process), or None if
    building failed (the group then runs as numpy calls, after one warning)."""
    key = (kplan.source, fastmath)
    kernel = _KERNELS.get(key)
    if kernel is not None or key in _FAILED:
        return kernel
    with _LOCK:
        if key not in _KERNELS and key not in _FAILED:
            try:
                _KERNELS[key] = _build(kplan, fastmath)
            except Exception as exc:  # noqa: BLE001 - a kernel is only ever a fast path
                _FAILED.add(key)
                warnings.warn(f"functrace.jit: building a fused kernel failed ({exc!r}); "
                              "its ops run as numpy calls", RuntimeWarning, stacklevel=4)
    return _KERNELS.get(key)


def compiled_count() -> int:
    """Fused kernels built (compiled or loaded from disk) by this process."""
    return len(_KERNELS)


def disk_cache_stats() -> dict:
    """Numba's disk cache ``hits`` (kernels loaded) and ``misses`` (compiled) in this
    process, over the fused kernels of :func:`functrace.jit`."""
    kernels = list(_KERNELS.values())
    return {"hits": sum(sum(k.stats.cache_hits.values()) for k in kernels),
            "misses": sum(sum(k.stats.cache_misses.values()) for k in kernels)}


def _build(kplan: KernelPlan, fastmath: bool) -> Callable:
    import numba
    from numba import types as nt
    from ..kernels import cache, codegen   # with numba: `import functrace` loads neither
    source = kplan.source
    if fastmath:        # a different source (and cache entry) for the other flags
        source += "# fastmath\n"
    module = codegen.load_module(source)
    sig = numba.void(*[nt.int64] * len(kplan.sizes), nt.Array(nt.float64, 1, "C", readonly=True),
                     *[_numba_type(o, nt) for o in kplan.operands],
                     *[nt.Array(_scalar_type(dt, nt), 1, "C") for dt in kplan.out_dtypes])
    options = dict(error_model="numpy", nogil=True, boundscheck=False)
    if fastmath:
        options["fastmath"] = {"reassoc", "nsz", "contract", "arcp"}
    disk = cache.numba_cache(module.kernel) if getattr(module, "__file__", None) else None
    return codegen.compile_dispatcher(numba.njit(**options)(module.kernel), sig, disk)


def _scalar_type(dtype: np.dtype, nt: Any) -> Any:
    return {"float32": nt.float32, "float64": nt.float64, "bool": nt.boolean,
            "int64": nt.int64}[np.dtype(dtype).name]


def _numba_type(operand: Operand, nt: Any) -> Any:
    T = _scalar_type(operand.dtype, nt)
    return T if operand.kind == "scalar" else nt.Array(T, 1, "C", readonly=True)


def source_digest(kplan: KernelPlan) -> str:
    return hashlib.sha256(kplan.source.encode()).hexdigest()[:12]
