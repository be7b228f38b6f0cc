"""Build fused backward kernels: a small, readable Python loop compiled by Numba.

A :class:`Program` describes one fused run of elementwise equations (see
:mod:`functrace.kernels.fusion`): which scalar derivative each step applies, to
which operands, and where each resulting cotangent goes. :func:`get_kernel`
turns it into Python source (wiring only: the arithmetic lives in
:mod:`functrace.kernels.derivs`), writes it under the cache directory, imports
it and compiles it with an explicit signature, ``error_model="numpy"`` and
``cache=True``. Kernels are cached in memory by program, never by shape, and
on disk by the hash of their source. Nothing here ever sees user input: the
source is assembled from the fixed derivative table and integer indices.

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
import importlib.util
import os
import sys
import threading
import types
import warnings
from pathlib import Path
from typing import Callable, NamedTuple, Optional

import numpy as np

from . import derivs as _derivs
from . import policy
from .policy import set_enabled

Target = Optional[tuple]    # None, ("v", step) or ("g", leaf)


class Step(NamedTuple):
    """One equation of a run: ``ct_in[arg] = ct_out * d_arg(*saved)``.

    ``saved`` are operand indices (the derivative's arguments, in order);
    ``targets[arg]`` is where that contribution accumulates: ``("v", m)`` the
    output cotangent of step ``m`` of the run, ``("g", q)`` the output array of
    leaf ``q``, or ``None`` (a constant argument). ``pre``: the derivative
    takes the numpy pre-pass of the saved value (see ``ScalarDerivs.pre``).
    """

    deriv: str
    pre: bool
    saved: tuple
    targets: tuple


class Program(NamedTuple):
    """A fused run: dtype, serial/parallel, operand kinds (``"a"`` array, ``"s"``
    scalar; operand 0 is the run's cotangent), number of leaf outputs, steps.

    Being a tuple, it equals (and hashes like) the plain tuple that
    :mod:`functrace.kernels.fusion` builds as the cache key.
    """

    dtype: str
    parallel: bool
    operands: tuple
    n_leaves: int
    steps: tuple


_KERNELS: dict = {}
_FAILED: set = set()
_SCALARS: dict = {}
_LOCK = threading.Lock()
_PARALLEL_SAFE = [True]    # False once Numba's threading layer is found not thread-safe
_DERIVS_HASH = hashlib.sha256(Path(_derivs.__file__).read_bytes()).hexdigest()[:16]


def get_kernel(key: tuple) -> Optional[Callable]:
    """The compiled kernel for a program key (built on first use), or None if that failed."""
    kernel = _KERNELS.get(key)
    if kernel is not None or key in _FAILED:
        return kernel
    program = Program(*key[:4], tuple(Step(*step) for step in key[4]))
    if program.parallel and not _PARALLEL_SAFE[0]:
        program = program._replace(parallel=False)
    with _LOCK:
        if program not in _KERNELS and program not in _FAILED:
            try:
                _KERNELS[program] = _build(program)
            except ImportError as exc:
                _FAILED.add(program)
                set_enabled(False)
                warnings.warn(f"functrace: Numba is not importable ({exc}); compiled "
                              "kernels are switched off", RuntimeWarning, stacklevel=2)
            except Exception as exc:  # noqa: BLE001 - a kernel is only ever a fast path
                _FAILED.add(program)
                warnings.warn(f"functrace: building a backward kernel failed ({exc!r}); "
                              "the composite rules are used instead", RuntimeWarning,
                              stacklevel=2)
    return _KERNELS.get(program)


def compiled_count() -> int:
    """How many kernels this process has built (compiled or loaded from disk)."""
    return len(_KERNELS)


def disk_cache_stats() -> dict:
    """Numba's on-disk cache ``{"hits": ..., "misses": ...}`` over this process's kernels."""
    hits = sum(sum(k.stats.cache_hits.values()) for k in _KERNELS.values())
    misses = sum(sum(k.stats.cache_misses.values()) for k in _KERNELS.values())
    return {"hits": hits, "misses": misses}


def scalar_derivs(name: str, pre: bool, dtype: str) -> tuple:
    """The jitted scalar derivative functions of ``name`` for ``dtype`` (memoised)."""
    key = (name, pre, dtype)
    fns = _SCALARS.get(key)
    if fns is None:
        from numba import njit
        entry = _derivs.DERIVS[name]
        make = entry.make_pre if pre else entry.make
        fns = tuple(njit(error_model="numpy")(f) for f in make(np.dtype(dtype).type))
        _SCALARS[key] = fns
    return fns


def generate_source(program: Program) -> str:
    """The Python source of the kernel for ``program`` (deterministic)."""
    names = sorted({(s.deriv, s.pre) for s in program.steps})
    head = ['"""Fused backward kernel generated by functrace.kernels.codegen; do not edit.',
            "",
            f"run: {', '.join(s.deriv for s in program.steps)}",
            f"dtype: {program.dtype}; parallel: {program.parallel}; derivs: {_DERIVS_HASH}",
            '"""',
            "from numba import prange  # noqa: F401",
            "from functrace.kernels.codegen import scalar_derivs",
            ""]
    for deriv, pre in names:
        nargs = _derivs.DERIVS[deriv].nargs
        fns = ", ".join(f"{_fn_prefix(deriv, pre)}{a}" for a in range(nargs))
        head.append(f"{fns}{',' if nargs == 1 else ''} = scalar_derivs({deriv!r}, {pre}, "
                    f"{program.dtype!r})")
    params = [f"a{k}" for k in range(len(program.operands))]
    params += [f"g{q}" for q in range(program.n_leaves)]
    loop = "prange" if program.parallel else "range"
    body = [f"def kernel(n, {', '.join(params)}):", f"    for i in {loop}(n):"]
    body += ["        " + line for line in _loop_body(program)]
    return "\n".join(head + [""] + body) + "\n"


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
            lines.append(f"t = c{m} * {_fn_prefix(step.deriv, step.pre)}{arg}({args})")
            name = f"c{target[1]}" if target[0] == "v" else f"l{target[1]}"
            lines.append(f"{name} = {name} + t" if name in assigned else f"{name} = t")
            assigned.add(name)
    lines += [f"g{q}[i] = l{q}" for q in range(program.n_leaves)]
    return lines


def _build(program: Program) -> Callable:
    import numba
    from numba import types as nt
    source = generate_source(program)
    module, file_backed = _load_module(source)
    T = nt.float32 if program.dtype == "float32" else nt.float64
    arr_in = nt.Array(T, 1, "C", readonly=True)
    sig = numba.void(nt.int64, *[arr_in if k == "a" else T for k in program.operands],
                     *[nt.Array(T, 1, "C")] * program.n_leaves)
    options = dict(error_model="numpy", parallel=program.parallel, nogil=True)
    kernel = None
    if file_backed:
        try:
            kernel = numba.njit(sig, cache=True, **options)(module.kernel)
        except Exception:  # noqa: BLE001 - e.g. an unwritable numba cache
            kernel = None
    if kernel is None:
        kernel = numba.njit(sig, **options)(module.kernel)
    if program.parallel and numba.threading_layer() not in ("omp", "tbb"):
        _PARALLEL_SAFE[0] = False      # workqueue: unsafe when called from several threads
        return _build(program._replace(parallel=False))
    return kernel


def _load_module(source: str) -> tuple:
    """Import ``source`` from a file in the cache directory (so that Numba can
    cache it), or from memory when no directory is writable."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    name = f"functrace_fused_{digest}"
    if name in sys.modules:
        return sys.modules[name], getattr(sys.modules[name], "__file__", None) is not None
    directory = policy.cache_dir()
    path = None if directory is None else directory / f"{name}.py"
    if path is not None and not _write_once(path, source):
        path = None
    if path is None:
        module = types.ModuleType(name)
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # our own source only
    else:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    sys.modules[name] = module
    return module, path is not None


def _write_once(path: Path, source: str) -> bool:
    """Write ``source`` to ``path`` unless an identical file exists (atomic rename)."""
    try:
        if path.exists() and path.read_text() == source:
            return True
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(source)
        os.replace(tmp, path)
        return True
    except OSError:
        return False
