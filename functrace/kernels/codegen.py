"""Build fused backward kernels: a small, readable Python loop compiled by Numba.

A :class:`Program` describes one fused run of elementwise equations (see
:mod:`functrace.kernels.fusion`): which scalar derivative each step applies, to
which operands, and where each resulting cotangent goes. :func:`get_kernel`
turns it into Python source (wiring only: the arithmetic lives in the scalar
derivatives of each primitive's kernel spec, declared in its registry block and
passed in by primitive name), executes it as a module (from memory; a copy is
written to the trusted cache directory for tracebacks) and compiles it with an
explicit signature and ``error_model="numpy"``. Kernels are cached in memory by
program, never by shape, and on disk (Numba's cache, only in the directory that
:mod:`functrace.kernels.cache` trusts) by the hash of their source, which names
the hash of this generator and of the files that define the derivatives used.
Nothing here ever sees user input: the source is assembled from primitive names
and integer indices.

A primitive name stands for one kernel spec per process: a second, different
spec under a known name (a primitive unregistered and declared again) gets no
kernel, with a warning, rather than a stale one.

Thread safety: a kernel is built under one lock (two threads asking for the
same new kernel get one compile); looking up a built kernel takes no lock.

A generated kernel for ``tanh`` alone (float64) reads::

    def kernel(n, a0, a1, g0):
        for i in range(n):
            c0 = a0[i]
            v1 = a1[i]
            t = c0 * tanh_d0(v1)
            l0 = t
            g0[i] = l0
"""
from __future__ import annotations

import hashlib
import marshal
import sys
import threading
import types
import warnings
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from . import cache
from .policy import set_enabled

Target = Optional[tuple]    # None, ("v", step) or ("g", leaf)


class Step(NamedTuple):
    """One equation of a run: ``ct_in[arg] = ct_out * d_arg(*saved)``.

    ``saved`` are operand indices (the derivative's arguments, in order);
    ``targets[arg]`` is where that contribution accumulates: ``("v", m)`` the
    output cotangent of step ``m`` of the run, ``("g", q)`` the output array of
    leaf ``q``, or ``None`` (a constant argument). ``pre``: the derivative
    takes the numpy pre-pass of the saved value (see ``KernelSpec.pre``).
    """

    deriv: str
    pre: bool
    saved: tuple
    targets: tuple


class Program(NamedTuple):
    """A fused run: dtype, serial/parallel, operand kinds (``"a"`` array, ``"s"``
    scalar; operand 0 is the run's cotangent), number of leaf outputs, steps,
    whether a zero cotangent gives 0 whatever the derivative (the zero guard of
    :mod:`functrace.numerics`), and whether the loop checks each contribution
    for NaN/inf (``functrace.debug_nans``; serial only): the kernel then takes one
    more array ``err`` (4 float64, ``err[0] = -1`` on entry) where it leaves the
    lowest step that produced a non-finite value, the argument, the first element
    index and the value.

    Being a tuple, it equals (and hashes like) the plain tuple that
    :mod:`functrace.kernels.fusion` builds as the cache key.
    """

    dtype: str
    parallel: bool
    operands: tuple
    n_leaves: int
    steps: tuple
    zero_guard: bool = False
    check: bool = False


class _BuildState:
    """What the builder learnt so far (changed only under :data:`_LOCK`)."""

    def __init__(self) -> None:
        self.parallel_safe = True   # False once Numba's threading layer is found unsafe
        self.in_memory = 0          # kernels built without a disk cache


_KERNELS: dict = {}       # program -> compiled kernel (written under _LOCK only)
_FAILED: set = set()      # programs whose build failed (written under _LOCK only)
_SPECS: dict = {}         # primitive name -> its kernel spec (written under _LOCK only)
_CONFLICTS: set = set()   # names seen with a second, different spec (under _LOCK)
_SCALARS: dict = {}       # (deriv, pre, dtype) -> jitted scalar functions
_FILE_HASHES: dict = {}   # source file -> sha256 of its bytes
_LOCK = threading.Lock()
_STATE = _BuildState()
# The generated source names this hash and the derivatives' (see _derivs_hash), so a
# cached kernel is never reused after a derivative or this code generator changed.
_SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def get_kernel(key: tuple, specs: dict) -> Optional[Callable]:
    """The compiled kernel for a program key (built on first use), or None if that
    failed; ``specs`` maps the primitive names in the key to their kernel specs."""
    for name, spec in specs.items():
        if _SPECS.get(name) is not spec and not _know(name, spec):
            return None
    kernel = _KERNELS.get(key)
    if kernel is not None or key in _FAILED:
        return kernel
    with _LOCK:
        if key not in _KERNELS and key not in _FAILED:
            _build_or_fail(key)
    return _KERNELS.get(key)


def _know(name: str, spec: Any) -> bool:
    """Record ``spec`` as primitive ``name``'s; False (warning once) if another spec
    was recorded under that name before: kernels built from it could be stale."""
    with _LOCK:
        known = _SPECS.setdefault(name, spec)
        if known is spec:
            return True
        if name not in _CONFLICTS:
            _CONFLICTS.add(name)
            warnings.warn(f"functrace: primitive {name!r} was declared again with another "
                          "kernel spec; its compiled kernels are off for this process "
                          "(the rules are used)", RuntimeWarning, stacklevel=4)
        return False


def _build_or_fail(key: tuple) -> None:
    """Build the kernel of ``key`` into :data:`_KERNELS`, or record it in
    :data:`_FAILED` with a warning (called with :data:`_LOCK` held)."""
    program = Program(*key[:4], tuple(Step(*step) for step in key[4]), *key[5:])
    if program.parallel and not _STATE.parallel_safe:
        program = program._replace(parallel=False)
    try:
        kernel = _KERNELS.get(program)
        _KERNELS[key] = _KERNELS[program] = _build(program) if kernel is None else kernel
    except ImportError as exc:
        _FAILED.add(key)
        set_enabled(False)
        warnings.warn(f"functrace: Numba is not importable ({exc}); compiled "
                      "kernels are switched off", RuntimeWarning, stacklevel=3)
    except Exception as exc:  # noqa: BLE001 - a kernel is only ever a fast path
        _FAILED.add(key)
        warnings.warn(f"functrace: building a backward kernel failed ({exc!r}); "
                      "the composite rules are used instead", RuntimeWarning,
                      stacklevel=3)


def compiled_count() -> int:
    """How many kernels this process has built (compiled or loaded from disk).

    >>> from functrace import kernels
    >>> kernels.compiled_count() >= 0
    True
    """
    return len({id(k) for k in list(_KERNELS.values())})


def disk_cache_stats() -> dict:
    """This process's kernels and the disk cache: Numba's ``hits`` and ``misses``,
    and how many kernels were built ``in_memory`` (no trusted cache directory).

    >>> from functrace import kernels
    >>> sorted(kernels.disk_cache_stats())
    ['hits', 'in_memory', 'misses']
    """
    kernels = {id(k): k for k in list(_KERNELS.values())}.values()
    hits = sum(sum(k.stats.cache_hits.values()) for k in kernels)
    misses = sum(sum(k.stats.cache_misses.values()) for k in kernels)
    return {"hits": hits, "misses": misses, "in_memory": _STATE.in_memory}


def scalar_derivs(name: str, pre: bool, dtype: str) -> tuple:
    """The jitted scalar derivative functions of ``name`` for ``dtype`` (memoised;
    called while a kernel module executes, so under :data:`_LOCK`)."""
    key = (name, pre, dtype)
    fns = _SCALARS.get(key)
    if fns is None:
        from numba import njit    # deferred: Numba loads with the first kernel
        spec = _SPECS[name]
        make = spec.make_pre if pre else spec.make
        fns = _SCALARS.setdefault(key, tuple(njit(error_model="numpy")(f)
                                             for f in make(np.dtype(dtype).type)))
    return fns


def generate_source(program: Program) -> str:
    """The Python source of the kernel for ``program`` (deterministic)."""
    names = sorted({(s.deriv, s.pre) for s in program.steps})
    head = ['"""Fused backward kernel generated by functrace.kernels.codegen; do not edit.',
            "",
            f"run: {', '.join(s.deriv for s in program.steps)}",
            f"dtype: {program.dtype}; parallel: {program.parallel}; generator: {_SOURCE_HASH}"
            + ("; zero guard" if program.zero_guard else ""),
            f"derivatives: {_derivs_hash(name for name, _ in names)}",
            '"""',
            "from numba import prange  # noqa: F401",
            "from functrace.kernels.codegen import scalar_derivs",
            ""]
    if program.zero_guard:
        head[-2:-2] = [f"from numpy import {program.dtype}"]
        head.append(f"zero = {program.dtype}(0)   # typed: a literal would promote float32")
    if program.check:
        head[-2:-2] = ["from math import isfinite"]
    nargs_of = {s.deriv: len(s.targets) for s in program.steps}
    for deriv, pre in names:
        nargs = nargs_of[deriv]
        fns = ", ".join(f"{_fn_prefix(deriv, pre)}{a}" for a in range(nargs))
        head.append(f"{fns}{',' if nargs == 1 else ''} = scalar_derivs({deriv!r}, {pre}, "
                    f"{program.dtype!r})")
    params = [f"a{k}" for k in range(len(program.operands))]
    params += [f"g{q}" for q in range(program.n_leaves)]
    params += ["err"] if program.check else []
    loop = "prange" if program.parallel else "range"
    body = [f"def kernel(n, {', '.join(params)}):", f"    for i in {loop}(n):"]
    body += ["        " + line for line in _loop_body(program)]
    return "\n".join(head + [""] + body) + "\n"


def _derivs_hash(names: Any) -> str:
    """A hash of the files that define the named primitives' scalar derivatives
    (their code objects when there is no readable file, e.g. in a REPL)."""
    h = hashlib.sha256()
    for name in sorted(set(names)):
        spec = _SPECS[name]
        h.update(name.encode())
        for fn in (spec.make, spec.make_pre, spec.pre, spec.pre_when):
            code = getattr(fn, "__code__", None)
            if code is not None:
                h.update(_file_hash(code))
    return h.hexdigest()[:16]


def _file_hash(code: types.CodeType) -> bytes:
    digest = _FILE_HASHES.get(code.co_filename)
    if digest is None:
        try:
            digest = hashlib.sha256(Path(code.co_filename).read_bytes()).digest()
            _FILE_HASHES[code.co_filename] = digest
        except OSError:
            digest = hashlib.sha256(marshal.dumps(code)).digest()
    return digest


def _fn_prefix(deriv: str, pre: bool) -> str:
    return f"{deriv}{'_pre' if pre else ''}_d"


def _loop_body(program: Program) -> list:
    """Statements of one loop iteration: load operands, apply steps, store leaves."""
    def value(k: int) -> str:
        return f"v{k}" if program.operands[k] == "a" else f"a{k}"

    used = sorted({k for s in program.steps for k in s.saved})
    lines = ["c0 = a0[i]" if program.operands[0] == "a" else "c0 = a0"]
    lines += [f"v{k} = a{k}[i]" for k in used if program.operands[k] == "a"]
    assigned: set = set()
    for m, step in enumerate(program.steps):
        args = ", ".join(value(k) for k in step.saved)
        for arg, target in enumerate(step.targets):
            if target is None:
                continue
            product = f"c{m} * {_fn_prefix(step.deriv, step.pre)}{arg}({args})"
            if program.zero_guard:          # 0 * inf and 0 * nan give 0
                product = f"zero if c{m} == zero else {product}"
            lines.append(f"t = {product}")
            if program.check:       # the lowest step whose contribution is not finite
                lines += [f"if not isfinite(t) and (err[0] < 0 or {m} < err[0]):",
                          f"    err[0] = {m}; err[1] = {arg}; err[2] = i; err[3] = t"]
            name = f"c{target[1]}" if target[0] == "v" else f"l{target[1]}"
            lines.append(f"{name} = {name} + t" if name in assigned else f"{name} = t")
            assigned.add(name)
    lines += [f"g{q}[i] = l{q}" for q in range(program.n_leaves)]
    return lines


def _build(program: Program) -> Callable:
    import numba                  # deferred: Numba loads with the first kernel
    from numba import types as nt
    module = _load_module(generate_source(program))
    T = nt.float32 if program.dtype == "float32" else nt.float64
    arr_in = nt.Array(T, 1, "C", readonly=True)
    sig = numba.void(nt.int64, *[arr_in if k == "a" else T for k in program.operands],
                     *[nt.Array(T, 1, "C")] * program.n_leaves,
                     *[nt.Array(nt.float64, 1, "C")] * program.check)
    options = dict(error_model="numpy", parallel=program.parallel, nogil=True)
    kernel = None
    disk = cache.numba_cache(module.kernel) if getattr(module, "__file__", None) else None
    if disk is not None:
        try:
            kernel = _compile(numba.njit(**options)(module.kernel), sig, disk)
        except Exception:  # noqa: BLE001 - the disk cache is an optimisation only
            kernel = None
    if program.parallel and numba.threading_layer() not in ("omp", "tbb"):
        _STATE.parallel_safe = False   # workqueue: unsafe when called from several threads
        return _build(program._replace(parallel=False))
    if kernel is None:
        kernel = _compile(numba.njit(**options)(module.kernel), sig, None)
        _STATE.in_memory += 1
    return kernel


def _compile(dispatcher: Any, sig: Any, disk: Any) -> Any:
    """Compile ``sig`` (loading it from ``disk``, a Numba cache, if given) and
    freeze the dispatcher, as ``njit(sig, cache=True)`` would with Numba's own cache."""
    if disk is not None:
        dispatcher._cache = disk        # what Dispatcher.enable_caching() sets
    dispatcher.compile(sig)
    dispatcher.disable_compile()
    return dispatcher


def _load_module(source: str) -> types.ModuleType:
    """Execute ``source`` as a module (never importing a file or a ``.pyc``).

    When the trusted cache directory exists, the source is also written there
    and named as the module's file, so that Numba caches the kernel beside it
    and tracebacks show its lines.
    """
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    name = f"functrace_fused_{digest}"
    module = sys.modules.get(name)
    if module is not None:
        return module
    directory = cache.kernel_dir()
    path = None if directory is None else directory / f"{name}.py"
    if path is not None and not cache.write_file(path, source.encode()):
        path = None
    module = types.ModuleType(name)
    if path is not None:
        module.__file__ = str(path)
    exec(compile(source, str(path or f"<{name}>"), "exec"), module.__dict__)  # our source
    sys.modules[name] = module      # Numba finds the module of a cached kernel by name
    return module


# For functrace.jit, which builds its fused kernels the same way (same trusted cache).
load_module = _load_module
compile_dispatcher = _compile
