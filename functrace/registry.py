"""Declaring primitives: one call per primitive puts its impl and rules together.

* :func:`defprimitive` -- the general form: impl + VJP + JVP written out, or one of
  the shorthands' arguments (``derivs=``, ``transpose=``) by keyword.
* :func:`defelementwise` -- impl + one partial derivative per argument; the
  VJP (``ct * d``) and the JVP (``sum t * d``) are both derived from it.
* :func:`deflinear` -- impl + transpose rule; the JVP is the op itself, and the
  primitive is marked ``linear`` (its rules read only shapes of what it saves).
* :func:`defnondiff` -- an op whose output is a constant (comparisons, argmax).

Each helper takes ``batch=``, the primitive's batching rule for ``vmap``:
``rule(args, dims, **params) -> (out, out_dim)`` (see
:mod:`functrace.primitives.batch_rules`), or the name of a generic rule:
``"elementwise"`` (broadcasting ops; the default of :func:`defelementwise`),
``"reduction"`` (``axes``/``keepdims`` params), ``"axis"`` (one ``axis`` param) or
``"stacked"`` (ops on the trailing axes of stacks, e.g. ``inv``).

An elementwise primitive may also declare ``kernel=``, a :class:`KernelSpec`: its
partial derivatives as scalar functions, which :mod:`functrace.kernels` fuses into
compiled backward loops. The kernel reads everything else (name, number of
arguments, what is saved) from the primitive, and a spec that disagrees with its
primitive is an error here, at registration.

Every primitive lands in :data:`PRIMITIVES`; the test suite checks that each
has a row in the gradient-check spec table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .core import JvpRule, Primitive, Tracer, VjpAllRule, VjpRule, concrete
from .numerics import GUARD, keep_zeros

BatchRule = Union[str, Callable[..., tuple], None]   # a rule, a generic rule's name, or none

PRIMITIVES: dict[str, Primitive] = {}

# Generic batching rules by name: name -> make(prim) -> rule. Filled by
# functrace.primitives.batch_rules (its rules bind shape primitives, defined above
# this module), which the primitives package imports first.
GENERIC_BATCH_RULES: dict[str, Callable[[Primitive], Callable[..., tuple]]] = {}


FLOATS = ("float32", "float64")


@dataclass(frozen=True, eq=False)
class KernelSpec:
    """The compiled fast path of an elementwise primitive's VJP (``kernel=`` in its
    registry block), read by :mod:`functrace.kernels`.

    ``make(T)`` returns one function per array argument: d out / d arg, taking the
    primitive's saved values as scalars of the float type ``T`` (the inputs, then the
    output, as ``saves`` says) and returning a ``T``. Write constants as ``T(1)``:
    a Python float literal would make a float32 kernel compute in float64. They are
    plain Python functions (tested as such) that the kernels compile with Numba.

    Attributes:
        make: ``make(T) -> (d_0, ..., d_{n-1})``.
        passes: how many numpy passes the composite rule makes per argument (the
            cost model: fusing pays when a run saves at least two passes).
        pre: optional vectorised numpy pre-pass, ``pre(need, *saved)`` -> a tuple
            of arrays (or scalar placeholders for arguments whose ``need`` is
            False), used for dtypes in ``pre_dtypes`` when ``pre_when(*saved)``
            (default: always); ``make_pre(T)`` then gives the derivatives as
            functions of the pre-pass outputs. It moves transcendental factors
            (exp, cosh, pow, ...) out of the loop: numpy's SIMD ufuncs compute them
            5-20x faster than Numba's scalar libm calls (no SVML), except float64
            sin/cos (see :mod:`functrace.kernels.policy`).
        pre_passes: numpy passes the pre-pass itself makes (for the cost model).
        heavy: dtypes whose in-loop derivative calls libm (float64 sin/cos): such
            compute-bound runs may use parallel kernels on large arrays.

    >>> import numpy as np
    >>> tanh_kernel = PRIMITIVES["tanh"].kernel
    >>> d_tanh, = tanh_kernel.make(np.float64)     # tanh saves its output
    >>> float(d_tanh(np.float64(0.5)))
    0.75
    """

    make: Callable[[type], tuple]
    passes: int
    pre: Optional[Callable[..., tuple]] = None
    make_pre: Optional[Callable[[type], tuple]] = None
    pre_dtypes: tuple = ()
    pre_when: Optional[Callable[..., bool]] = None
    pre_passes: int = 1
    heavy: tuple = ()


def _register(prim: Primitive, batch: Any = None, kernel: Optional[KernelSpec] = None,
              nargs: Optional[int] = None) -> Primitive:
    if prim.name in PRIMITIVES:
        raise ValueError(f"primitive {prim.name!r} is already registered")
    if batch is not None:
        prim.batch = _batch_rule(prim, batch)
    if kernel is not None:
        prim.kernel = _checked_kernel(prim, kernel, nargs)
    PRIMITIVES[prim.name] = prim
    return prim


def _checked_kernel(prim: Primitive, kernel: KernelSpec, nargs: Optional[int]) -> KernelSpec:
    """``kernel`` if it agrees with ``prim`` (one derivative per argument, each taking
    exactly the saved values), else a ``ValueError`` naming the disagreement."""
    where = f"primitive {prim.name!r}: kernel="
    if not isinstance(kernel, KernelSpec) or prim.vjp is None:
        raise ValueError(f"{where} needs a registry.KernelSpec and a differentiable primitive")
    if (kernel.pre is None) != (kernel.make_pre is None):
        raise ValueError(f"{where} give pre= and make_pre= together")
    fns = kernel.make(np.float64)
    n = len(fns)
    if nargs is not None and n != nargs:
        raise ValueError(f"{where} make() gives {n} derivatives for {nargs} arguments")
    saved = n * prim.saves_in + prim.saves_out
    for i, fn in enumerate(fns):
        code = getattr(fn, "__code__", None)
        if code is None or code.co_argcount != saved:
            takes = "is not a plain Python function" if code is None else \
                f"takes {code.co_argcount} values"
            raise ValueError(f"{where} derivative {i} {takes}, but the primitive saves "
                             f"{saved} ({n} inputs if saves_in, then the output if saves_out)")
    if kernel.make_pre is not None and len(kernel.make_pre(np.float64)) != n:
        raise ValueError(f"{where} make_pre() must give {n} derivatives")
    return kernel


def _batch_rule(prim: Primitive, batch: Any) -> Callable[..., tuple]:
    """A rule given by name (see :data:`GENERIC_BATCH_RULES`) made for ``prim``, or
    ``batch`` itself."""
    if not isinstance(batch, str):
        return batch
    make = GENERIC_BATCH_RULES.get(batch)
    if make is None:
        raise ValueError(f"primitive {prim.name!r}: unknown generic batching rule {batch!r}; "
                         f"choose one of {sorted(GENERIC_BATCH_RULES)} or pass a function")
    return make(prim)


def _named(fn: Callable, name: str) -> Callable:
    fn.__name__ = fn.__qualname__ = name
    return fn


def defprimitive(name: str, impl: Callable[..., Any], vjp: Optional[VjpRule] = None,
                 jvp: Optional[JvpRule] = None, *, vjp_all: Optional[VjpAllRule] = None,
                 derivs: Optional[Sequence[Optional[Callable[..., Any]]]] = None,
                 transpose: Optional[VjpRule] = None, batch: BatchRule = None,
                 saves: str = "in", broadcasts: bool = False,
                 kernel: Optional[KernelSpec] = None) -> Primitive:
    """Declare and register a primitive; give exactly one way to differentiate it.

    This is the one general entry (``functrace.extend.defprimitive`` is this
    function); :func:`defelementwise`, :func:`deflinear` and :func:`defnondiff`
    are its shorthands for the ``derivs=``, ``transpose=`` and constant forms.

    >>> import numpy as np, functrace as ft
    >>> from functrace.extend import defprimitive, unregister
    >>> cube_p = defprimitive("doc_cube", lambda x: x ** 3, derivs=[lambda x, out: 3 * x ** 2])
    >>> ft.grad(lambda x: cube_p.bind(x))(2.0), ft.grad(ft.grad(lambda x: cube_p.bind(x)))(2.0)
    (np.float64(12.0), np.float64(12.0))
    >>> unregister("doc_cube")

    Args:
        name: unique name, printed in tapes (``b:f64[3] = log1pexp a``).
        impl: numpy implementation ``impl(*arrays, **params)``.
        vjp, jvp: hand-written rules, both required together:
            ``vjp(ct, ins, out, argnum, **params)`` returns the cotangent of argument
            ``argnum`` (``None`` for none); ``jvp(primals, tangents, out, **params)``
            returns the output tangent (tangents of constants are ``None``).
        vjp_all: instead of ``vjp``, when the arguments' cotangents share work (one
            ``solve`` for both of ``solve``'s): ``vjp_all(ct, ins, out, needed,
            **params)`` returns one cotangent (or ``None``) per argument, computing
            those whose numbers are in the set ``needed``; the backward pass calls
            it once per equation. Give ``jvp`` with it.
        derivs: for an elementwise op, ``derivs[i](*ins, out)`` is d out / d arg i
            (``None`` if not differentiable); VJP and JVP are derived from it, and
            the batching rule defaults to ``"elementwise"``.
        transpose: for an op linear in its array arguments, its transpose (the
            VJP, same signature as ``vjp``); the JVP is the op itself.
        batch: ``vmap`` rule ``batch(args, dims, **params) -> (out, out_dim)``, or
            a generic rule's name: ``"elementwise"``, ``"reduction"``, ``"axis"``,
            ``"stacked"`` (see :mod:`functrace.primitives.batch_rules`). Without
            one, ``vmap`` falls back to a loop over the batch and warns once.
        saves: what the VJP reads: ``"in"``, ``"out"``, ``"both"`` or ``"none"``
            (the residuals kept on the tape; keep them minimal).
        broadcasts: inputs broadcast against each other (numpy rules); the engine
            reduces each cotangent to its input's shape. (Implied by ``derivs=``
            with two or more arguments.)
        kernel: for an elementwise op, its compiled backward fast path: a
            :class:`KernelSpec` (checked against the primitive here).

    Returns:
        The :class:`~functrace.core.Primitive`; call ``prim.bind(*arrays, **params)``.
    """
    given = [vjp is not None or jvp is not None or vjp_all is not None, derivs is not None,
             transpose is not None]
    if sum(given) != 1:
        raise ValueError(f"primitive {name!r}: give exactly one of: vjp= and jvp= together, "
                         "derivs= (elementwise), or transpose= (linear)")
    if derivs is not None:
        return defelementwise(name, impl, derivs, saves=saves,
                              batch="elementwise" if batch is None else batch, kernel=kernel)
    if transpose is not None:
        if kernel is not None:
            raise ValueError(f"primitive {name!r}: kernel= is for elementwise rules, "
                             "not transpose=")
        return deflinear(name, impl, transpose, saves=saves, broadcasts=broadcasts,
                         batch=batch)
    if (vjp is None and vjp_all is None) or jvp is None:
        raise ValueError(f"primitive {name!r}: give both vjp= and jvp= (or vjp_all= and "
                         "jvp=, or derivs=)")
    return _register(Primitive(name, impl, vjp, jvp, saves, broadcasts, vjp_all=vjp_all),
                     batch, kernel)


def defelementwise(name: str, impl: Callable[..., Any],
                   derivs: Sequence[Optional[Callable[..., Any]]],
                   saves: str = "in", batch: Any = "elementwise",
                   kernel: Optional[KernelSpec] = None) -> Primitive:
    """Register an elementwise primitive from its partial derivatives.

    ``derivs[i](*ins, out)`` is d out / d arg i, written with functrace ops
    (``None`` for a non-differentiable argument). With ``saves="out"`` the
    inputs passed to the derivative are ``None``. Under the zero guard
    (:mod:`functrace.numerics`) a zero cotangent or tangent gives 0 even where
    the derivative is inf or nan.
    """
    derivs = tuple(derivs)
    none_ins = (None,) * len(derivs)

    def vjp(ct, ins, out, argnum):
        d = derivs[argnum]
        if d is None:
            return None
        g = ct * d(*(none_ins if ins is None else ins), out)
        return keep_zeros(ct, g) if GUARD[0] else g

    def jvp(primals, tangents, out):
        t_out = None
        for t, d in zip(tangents, derivs):
            if t is None or d is None:
                continue
            term = t * d(*primals, out)
            if GUARD[0]:
                term = keep_zeros(t, term)
            t_out = term if t_out is None else t_out + term
        return t_out

    return _register(Primitive(name, impl, _named(vjp, f"_{name}_vjp"),
                               _named(jvp, f"_{name}_jvp"), saves,
                               broadcasts=len(derivs) > 1), batch, kernel, len(derivs))


def deflinear(name: str, impl: Callable[..., Any], transpose: Callable[..., Any],
              saves: str = "in", broadcasts: bool = False, batch: Any = None) -> Primitive:
    """Register a primitive that is linear in all its array arguments.

    ``transpose(ct, ins, out, argnum, **params)`` is its VJP; its JVP applies
    the primitive itself to the tangents (zeros stand in for constants).
    """
    prim = Primitive(name, impl, transpose, None, saves, broadcasts, linear=True)

    def jvp(primals, tangents, out, **params):
        if all(t is None for t in tangents):
            return None
        args = [t if t is not None else zeros_like_value(p) for p, t in zip(primals, tangents)]
        return prim.bind(*args, **params)

    prim.jvp = _named(jvp, f"_{name}_jvp")
    return _register(prim, batch)


def defnondiff(name: str, impl: Callable[..., Any], batch: Any = None) -> Primitive:
    """Register a primitive whose result is a constant (no gradient flows)."""
    return _register(Primitive(name, impl, None, None, "none"), batch)


def zeros_like_value(x: Any) -> np.ndarray:
    """Constant zeros with the shape and dtype of ``x`` (tracer or array).

    The shape is the tracer's own (under ``vmap``, without the batch axis).
    """
    value = concrete(x)
    shape = x.shape if isinstance(x, Tracer) else np.shape(value)
    return np.zeros(shape, dtype=np.result_type(value))
