"""``functrace.jit``: the wrapper, its signature cache and the tree of recorded paths.

One :class:`Jitted` per decorated function holds a dictionary from call
signatures (pytree structure, shapes, dtypes, static arguments, the kernel
switch; never values) to :class:`_Entry`. An entry is a small decision tree of
compiled :class:`_Path` objects: a replay that misses a guard continues at the
path recorded for that guard's outcome, recording it (one eager call) if there
is none yet. Past ``max_paths`` paths the entry falls back to eager calls.
"""
from __future__ import annotations

import functools
import threading
import warnings
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..core import _CONCRETE_GETTERS, EVAL_TRACE, Tracer, _current_trace, current_trace
from ..debugging import mode as debug_mode
from ..debugging.mode import ARMED
from ..kernels import policy as kernel_policy
from ..tree import tree_flatten, tree_unflatten
from . import program as P
from .pycode import GuardMiss
from .trace import _TENSOR_MESSAGE, Const, JitTracer, record

_SCALARS = (bool, int, float, complex)
DEFAULT_MAX_PATHS = 8


class _Path:
    """One compiled path: ``run(*leaves)`` gives the output leaves or raises
    :class:`GuardMiss`; ``branches[(guard, outcome)]`` are the paths recorded
    where this one missed a guard; ``draws`` the sources of its random draws."""

    __slots__ = ("run", "program", "lowered", "branches", "guards", "draws")

    def __init__(self, program: P.Program, lowered: Any):
        self.program = program
        self.lowered = lowered
        self.run = lowered.run
        self.branches: dict = {}
        self.guards = program.guards
        self.draws = tuple(program.draws)

    def attempt(self, values: list) -> Any:
        """``run(*values)``; a run that misses a guard first puts back the random
        generators it drew from, so that the path taken next (or the eager call
        recording it) draws what the eager call would have drawn."""
        if not self.draws:
            return self.run(*values)
        undo = [source.snapshot() for source in self.draws]
        try:
            return self.run(*values)
        except GuardMiss:
            for restore in reversed(undo):
                restore()
            raise


class _Entry:
    """The paths of one call signature."""

    __slots__ = ("root", "paths", "eager", "lock")

    def __init__(self) -> None:
        self.root: Optional[_Path] = None
        self.paths = 0
        self.eager = False          # fell back to eager calls for good
        self.lock = threading.RLock()


class _Signature:
    """How one call is split: traced leaves, static leaves and the cache key."""

    __slots__ = ("key", "leaves", "traced", "tree", "statics", "kwarg_names")

    def __init__(self, key: tuple, leaves: list, traced: list, tree: Any, statics: dict,
                 kwarg_names: tuple):
        self.key = key
        self.leaves = leaves
        self.traced = traced
        self.tree = tree
        self.statics = statics
        self.kwarg_names = kwarg_names


class Jitted:
    """A function compiled by :func:`jit` (see there). ``tape(*args)`` prints
    what a call with these arguments runs; ``clear_cache()`` forgets every path.

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> step = ft.jit(ft.value_and_grad(lambda x: fnp.sum(x ** 2)))
    >>> type(step).__name__, step(np.array([1.0, 2.0]))
    ('Jitted', (np.float64(5.0), array([2., 4.])))
    >>> step(np.array([3.0, 0.0]))                    # replayed, not traced again
    (np.float64(9.0), array([6., 0.]))
    >>> step.clear_cache()
    """

    def __init__(self, fun: Callable, static_argnums: Sequence[int], static_argnames:
                 Sequence[str], fastmath: bool, max_paths: int):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.static_argnums = tuple(sorted({int(i) for i in static_argnums}))
        self.static_argnames = frozenset(static_argnames)
        self.fastmath = bool(fastmath)
        self.max_paths = int(max_paths)
        self.recordings = 0                    # eager recording calls so far
        self._entries: dict = {}               # full signature -> _Entry
        self._fast: dict = {}                  # _fast_key of plain calls -> _Entry
        self._lock = threading.Lock()

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self if instance is None else functools.partial(self, instance)

    def __repr__(self) -> str:
        return f"<functrace.jit of {getattr(self.fun, '__qualname__', self.fun)!r}>"

    # -- calls --------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _current_trace.get() is not EVAL_TRACE:
            return self.fun(*args, **kwargs)     # inside a transform: it traces f itself
        if ARMED[0] and debug_mode.active().on:
            return self.fun(*args, **kwargs)     # debugging sees every operation: eager
        if not kwargs and not self.static_argnums:
            values: list = []
            key = _fast_key(args, values)
            if key is not None:
                entry = self._fast.get((key, kernel_policy._state["enabled"]))
                if entry is not None and entry.root is not None:
                    return self._run(entry, values, args, kwargs)
        sig = self._signature(args, kwargs)
        entry = self._entries.get(sig.key)
        if entry is None:
            with self._lock:
                entry = self._entries.setdefault(sig.key, _Entry())
        if entry.root is None:
            return self._first(entry, sig)
        if not kwargs and not self.static_argnums and len(sig.traced) == len(sig.leaves):
            key = _fast_key(args, [])
            if key is not None:
                self._fast[(key, kernel_policy._state["enabled"])] = entry
        return self._run(entry, [sig.leaves[i] for i in sig.traced], args, kwargs, sig)

    def _run(self, entry: _Entry, values: list, args: tuple, kwargs: dict,
             sig: Optional[_Signature] = None) -> Any:
        """Replay the path tree of ``entry`` on ``values`` (recording a missing path)."""
        path = entry.root
        while True:
            try:
                outs = path.attempt(values)
            except GuardMiss as miss:
                nxt = path.branches.get((miss.index, miss.outcome))
                if nxt is None:
                    sig = sig or self._signature(args, kwargs)
                    return self._branch(entry, path, miss, sig)
                path = nxt
                continue
            if path.lowered.builds_tree:
                return outs
            return tree_unflatten(path.program.out_tree, list(outs))

    def _first(self, entry: _Entry, sig: _Signature) -> Any:
        with entry.lock:
            if entry.eager:
                pass
            elif entry.root is None:
                out, path = self._record(sig)
                if path is None:
                    entry.eager = True
                else:
                    entry.root = path
                    entry.paths = 1
                return out
            else:
                return self._again(sig)
        return self._eager(sig)

    def _branch(self, entry: _Entry, path: _Path, miss: GuardMiss, sig: _Signature) -> Any:
        with entry.lock:
            key = (miss.index, miss.outcome)
            if key in path.branches:
                return self._again(sig)
            if entry.eager or entry.paths >= self.max_paths:
                if not entry.eager:
                    entry.eager = True
                    _warn_fallback(self, path.guards[miss.index], self.max_paths)
                return self._eager(sig)
            out, new = self._record(sig)
            if new is None:
                entry.eager = True
            else:
                path.branches[key] = new
                entry.paths += 1
            return out

    def _again(self, sig: _Signature) -> Any:
        """Call again (another thread recorded what this call was about to)."""
        args, kwargs = self._rebuild_args(sig)
        return self(*args, **kwargs)

    def _eager(self, sig: _Signature) -> Any:
        args, kwargs = self._rebuild_args(sig)
        return self.fun(*args, **kwargs)

    def _record(self, sig: _Signature) -> tuple:
        """Call ``fun`` once eagerly while recording; returns (its output, a new path),
        the path None (with a warning) if the recording cannot be replayed."""
        leaves = list(sig.leaves)

        def flat_fun(*tracers: Any) -> Any:
            for i, t in zip(sig.traced, tracers):
                leaves[i] = t
            args, kwargs = self._rebuild(sig, leaves)
            return self.fun(*args, **kwargs)

        trace, inputs, out = record(flat_fun, [sig.leaves[i] for i in sig.traced])
        self.recordings += 1
        out_leaves, out_tree = tree_flatten(out)
        refs, values = [], []
        for leaf in out_leaves:
            if type(leaf) is JitTracer and leaf._trace is trace:
                refs.append(leaf._id)
                values.append(leaf._value)
            elif isinstance(leaf, Tracer):
                raise TypeError("a jitted function returned a value traced by another "
                                "transform (an escaped tracer); return the result of the "
                                "transform instead")
            else:
                refs.append(Const(leaf))
                values.append(leaf)
        if trace.unreplayable is not None:
            _warn_unreplayable(self, trace.unreplayable)
            return tree_unflatten(out_tree, values), None
        from .lower import compile_program      # (not at import: keeps `import functrace` light)
        program = P.simplify(P.build(trace, inputs, refs, out_tree))
        lowered = compile_program(program, fastmath=self.fastmath)
        return tree_unflatten(out_tree, values), _Path(program, lowered)

    # -- signatures ---------------------------------------------------------------------

    def _signature(self, args: tuple, kwargs: dict) -> _Signature:
        statics = {}
        dyn_args = list(args)
        for i in self.static_argnums:
            if i < len(args):
                statics[i] = args[i]
        if statics:
            dyn_args = [a for i, a in enumerate(args) if i not in statics]
        dyn_kwargs = kwargs
        if self.static_argnames and kwargs:
            dyn_kwargs = {}
            for k, v in kwargs.items():
                if k in self.static_argnames:
                    statics[k] = v
                else:
                    dyn_kwargs[k] = v
        leaves, tree = tree_flatten((dyn_args, dyn_kwargs))
        kinds, traced = [], []
        for i, leaf in enumerate(leaves):
            kind = _leaf_kind(leaf)
            if kind is None:
                kinds.append(("static", _static_key(leaf, "an argument leaf")))
            else:
                kinds.append(kind)
                traced.append(i)
        static_key = tuple((k, _static_key(v, f"static argument {k!r}"))
                           for k, v in sorted(statics.items(), key=lambda kv: str(kv[0])))
        key = (tree, tuple(kinds), static_key, kernel_policy.is_enabled())
        return _Signature(key, leaves, traced, tree, statics, tuple(kwargs))

    def _rebuild(self, sig: _Signature, leaves: list) -> tuple:
        dyn_args, kwargs = tree_unflatten(sig.tree, leaves)
        args = list(dyn_args)
        for i in self.static_argnums:
            if i in sig.statics:
                args.insert(i, sig.statics[i])
        kwargs = dict(kwargs)
        for k, v in sig.statics.items():
            if isinstance(k, str):
                kwargs[k] = v
        return tuple(args), kwargs

    def _rebuild_args(self, sig: _Signature) -> tuple:
        return self._rebuild(sig, sig.leaves)

    # -- inspection ---------------------------------------------------------------------

    def tape(self, *args: Any, **kwargs: Any) -> str:
        """The optimized program a call with these arguments runs (recording it if
        needed), with the parts that became kernels marked, as a string."""
        if current_trace() is not EVAL_TRACE:
            raise TypeError("jit(...).tape() must be called outside any transform")
        sig = self._signature(args, kwargs)
        entry = self._entries.get(sig.key)
        if entry is None or entry.root is None:
            self(*args, **kwargs)
            entry = self._entries[sig.key]
        if entry.eager:
            return "(this signature fell back to eager calls: no program)"
        path = entry.root
        values = [sig.leaves[i] for i in sig.traced]
        while True:
            undo = [source.snapshot() for source in path.draws]
            try:
                path.run(*values)
                return path.lowered.describe()
            except GuardMiss as miss:
                nxt = path.branches.get((miss.index, miss.outcome))
                if nxt is None:
                    self(*args, **kwargs)
                    continue
                path = nxt
            finally:            # (inspecting draws no random numbers)
                for restore in reversed(undo):
                    restore()

    def clear_cache(self) -> None:
        """Forget every recorded path (the next call records again)."""
        with self._lock:
            self._entries = {}
            self._fast = {}

    def cache_info(self) -> dict:
        """``signatures``, ``paths`` (recorded, over all signatures), ``recordings``
        (eager recording calls made), ``eager`` (signatures that fell back) and
        ``kernels`` (fused kernel calls in all paths' programs)."""
        entries = list(self._entries.values())
        return {"signatures": len(entries), "paths": sum(e.paths for e in entries),
                "recordings": self.recordings, "eager": sum(e.eager for e in entries),
                "kernels": sum(p.lowered.kernels for e in entries for p in _paths(e))}


def _fast_key(tree: Any, values: list) -> Optional[tuple]:
    """A hashable key of a call's arguments made of tuples, lists, dicts (string keys)
    and arrays or numbers only, appending the leaves to ``values`` in
    ``tree_flatten``'s order; None for anything else (the full path handles it)."""
    t = type(tree)
    if t is np.ndarray:
        values.append(tree)
        return (tree.shape, tree.dtype)
    if t is tuple or t is list:
        parts = []
        for item in tree:
            part = _fast_key(item, values)
            if part is None:
                return None
            parts.append(part)
        return (t, *parts)
    if t is dict:
        try:
            keys = sorted(tree)
        except TypeError:
            return None
        parts = [t]
        for k in keys:
            part = _fast_key(tree[k], values)
            if part is None or type(k) is not str:
                return None
            parts.append(k)
            parts.append(part)
        return tuple(parts)
    if t is float or t is int or t is bool:
        values.append(tree)
        return t
    if isinstance(tree, np.generic):
        values.append(tree)
        return (t, tree.dtype)
    return None


def _paths(entry: _Entry) -> list:
    """Every path of an entry (the decision tree walked without recursion)."""
    out, todo = [], [entry.root] if entry.root is not None else []
    while todo:
        path = todo.pop()
        out.append(path)
        todo.extend(path.branches.values())
    return out


def _leaf_kind(leaf: Any) -> Optional[tuple]:
    """The part of the cache key a traced leaf contributes, or None for a leaf
    that is not an array or a number (it is then static, compared by value)."""
    t = type(leaf)
    if t is np.ndarray:
        return ("array", leaf.shape, leaf.dtype.str)
    if isinstance(leaf, np.generic):
        return ("scalar", leaf.dtype.str)
    if t in _SCALARS:
        return ("python", t)
    if isinstance(leaf, np.ndarray):
        return ("array", leaf.shape, leaf.dtype.str, t)
    if t in _CONCRETE_GETTERS:
        raise TypeError(_TENSOR_MESSAGE)
    if isinstance(leaf, Tracer):
        leaf._check_alive()
        raise TypeError("a traced value from a transform that is no longer running was "
                        "passed to a jitted function")
    return None


def _static_key(value: Any, what: str) -> Any:
    try:
        hash(value)
    except TypeError:
        raise TypeError(
            f"jit: {what} of type {type(value).__name__} is neither an array nor a "
            "number, so it is part of the cache key and must be hashable; pass arrays "
            "instead, or make it hashable (e.g. a tuple)") from None
    return (type(value), value)


def _warn_fallback(jitted: Jitted, guard: Any, max_paths: int) -> None:
    name = getattr(jitted.fun, "__qualname__", repr(jitted.fun))
    warnings.warn(
        f"functrace.jit: {name} recorded {max_paths} different paths for the same "
        f"argument shapes; the check that keeps changing is {guard.what}() of a traced "
        f"value at {guard.where}. It now runs eagerly for these shapes. Make that value "
        "a static argument (static_argnums/static_argnames), or replace the Python "
        "control flow with fnp.where.", RuntimeWarning, stacklevel=4)


def _warn_unreplayable(jitted: Jitted, what: str) -> None:
    name = getattr(jitted.fun, "__qualname__", repr(jitted.fun))
    warnings.warn(
        f"functrace.jit: {name} draws random numbers that a replay would repeat "
        f"({what}); it runs eagerly for these argument shapes. Inside a jitted function, "
        "draw with functrace.nn.functional.dropout / nn.Dropout (replayed with fresh "
        "numbers), or draw outside and pass the numbers in as an argument.",
        RuntimeWarning, stacklevel=5)


def jit(fun: Optional[Callable] = None, *, static_argnums: Sequence[int] = (),
        static_argnames: Sequence[str] = (), fastmath: bool = False,
        max_paths: int = DEFAULT_MAX_PATHS) -> Any:
    """Compile ``fun``: record it once per signature, then replay the recording.

    The first call for a signature (pytree structure, shapes and dtypes of the
    array arguments, types of number arguments, values of static arguments)
    runs ``fun`` eagerly and records every primitive it applies -- including
    the backward pass of ``grad``/``value_and_grad`` inside it -- and every
    place where Python looked at a traced value (``if x.sum() > 0``, ``int(n)``).
    Later calls replay the simplified, compiled recording; each of those places
    is checked (a *guard*), and a different outcome records a new path. Side
    effects (printing, appending to lists) happen only while recording.

    Random numbers drawn by ``nn.functional.dropout`` (``nn.Dropout``) are drawn
    afresh by every replay, from the generator and in the order the eager call
    would use, so a seed gives the same numbers with and without ``jit``. Other
    random draws inside the function (``ft.rand``, ``np.random``) would be
    frozen into the recording: ``ft.rand`` and friends make the signature run
    eagerly (with a warning); ``np.random`` is not seen, so draw outside and
    pass the numbers in.

    Inside another transform (``grad(jit(f))``, ``vmap(jit(f))``) the jitted
    function simply runs ``fun``, which the outer transform traces.

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> @ft.jit
    ... def step(w, x):
    ...     loss, g = ft.value_and_grad(lambda w: fnp.sum(fnp.tanh(x @ w)))(w)
    ...     return loss, w - 0.1 * g
    >>> loss, w = step(np.ones(2), np.eye(2))
    >>> round(float(loss), 4)
    1.5232
    """
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums,
                                 static_argnames=static_argnames, fastmath=fastmath,
                                 max_paths=max_paths)
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    if max_paths < 1:
        raise ValueError(f"max_paths must be at least 1, got {max_paths}")
    return Jitted(fun, static_argnums, static_argnames, fastmath, max_paths)
