"""Adding your own primitive: impl, VJP, JVP and batching rule in one call.

A primitive is the unit every transform understands: ``grad``/``vjp`` use its
VJP, ``jvp``/``jacfwd`` its JVP, ``vmap`` its batching rule, and the root trace
its numpy ``impl``. :func:`defprimitive` declares all of them together and
registers the primitive in :data:`functrace.PRIMITIVES`; a plain Python wrapper
that calls ``prim.bind(*arrays, **params)`` makes it user-facing.

Rules are written with functrace operations (``functrace.numpy``, other
primitives' ``bind``), so they are themselves differentiable: higher-order
derivatives need nothing extra. Broadcasting is undone by the engine (pass
``broadcasts=True``), never inside a rule.

A numerically stable ``log1pexp(x) = log(1 + exp(x))`` (``softplus``), written out:

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> from functrace import extend
>>> from functrace.scipy.special import expit
>>> def _log1pexp_vjp(ct, ins, out, argnum):
...     return ct * expit(ins[0])
>>> def _log1pexp_jvp(primals, tangents, out):
...     return tangents[0] * expit(primals[0])
>>> log1pexp_p = extend.defprimitive(
...     "log1pexp", lambda x: np.logaddexp(0.0, x),
...     vjp=_log1pexp_vjp, jvp=_log1pexp_jvp, batch="elementwise")
>>> def log1pexp(x):
...     return log1pexp_p.bind(x)
>>> float(log1pexp(1000.0)), float(functrace.grad(log1pexp)(1000.0))
(1000.0, 1.0)
>>> functrace.vmap(functrace.grad(log1pexp))(np.array([-1000.0, 0.0]))
array([0. , 0.5])
>>> from functrace.testing import check_grads
>>> check_grads(log1pexp, (np.linspace(-3, 3, 4),), order=2)
>>> extend.unregister("log1pexp")     # names are global; tests clean up after themselves

For an elementwise op, give only the derivative (``derivs``); the VJP and the
JVP are both derived from it, and the batching rule defaults to "elementwise":

>>> p = extend.defprimitive("log1pexp", lambda x: np.logaddexp(0.0, x),
...                         derivs=[lambda x, out: expit(x)])
>>> float(functrace.jvp(lambda x: p.bind(x), (0.0,), (2.0,))[1])
1.0
>>> extend.unregister("log1pexp")
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

from .core import Primitive
from .registry import PRIMITIVES, defelementwise, deflinear, defprimitive as _defprimitive

BatchRule = Union[str, Callable[..., tuple], None]


def defprimitive(name: str, impl: Callable[..., Any], *,
                 vjp: Optional[Callable[..., Any]] = None,
                 jvp: Optional[Callable[..., Any]] = None,
                 derivs: Optional[Sequence[Optional[Callable[..., Any]]]] = None,
                 transpose: Optional[Callable[..., Any]] = None,
                 batch: BatchRule = None, saves: str = "in",
                 broadcasts: bool = False) -> Primitive:
    """Declare and register a primitive; give exactly one way to differentiate it.

    Args:
        name: unique name, printed in tapes (``b:f64[3] = log1pexp a``).
        impl: numpy implementation ``impl(*arrays, **params)``.
        vjp, jvp: hand-written rules, both required together:
            ``vjp(ct, ins, out, argnum, **params)`` returns the cotangent of argument
            ``argnum`` (``None`` for none); ``jvp(primals, tangents, out, **params)``
            returns the output tangent (tangents of constants are ``None``).
        derivs: for an elementwise op, ``derivs[i](*ins, out)`` is d out / d arg i
            (``None`` if not differentiable); VJP and JVP are derived from it.
        transpose: for an op linear in its array arguments, its transpose (the
            VJP, same signature as ``vjp``); the JVP is the op itself.
        batch: ``vmap`` rule ``batch(args, dims, **params) -> (out, out_dim)``, or
            a generic rule's name: ``"elementwise"``, ``"reduction"``, ``"axis"``,
            ``"stacked"`` (see :mod:`functrace.primitives.batch_rules`). Without one, ``vmap``
            falls back to a loop over the batch and warns once.
        saves: what the VJP reads: ``"in"``, ``"out"``, ``"both"`` or ``"none"``
            (the residuals kept on the tape; keep them minimal).
        broadcasts: inputs broadcast against each other (numpy rules); the engine
            reduces each cotangent to its input's shape.

    Returns:
        The :class:`~functrace.core.Primitive`; call ``prim.bind(*arrays, **params)``.
    """
    prim = _define(name, impl, vjp, jvp, derivs, transpose, batch, saves, broadcasts)
    _USER.add(name)
    return prim


def _define(name: str, impl: Callable[..., Any], vjp: Any, jvp: Any, derivs: Any,
            transpose: Any, batch: BatchRule, saves: str, broadcasts: bool) -> Primitive:
    given = [vjp is not None or jvp is not None, derivs is not None, transpose is not None]
    if sum(given) != 1:
        raise ValueError("give exactly one of: vjp= and jvp= together, derivs= "
                         "(elementwise), or transpose= (linear)")
    if derivs is not None:
        return defelementwise(name, impl, derivs, saves=saves,
                              batch="elementwise" if batch is None else batch)
    if transpose is not None:
        return deflinear(name, impl, transpose, saves=saves, broadcasts=broadcasts,
                         batch=batch)
    if vjp is None or jvp is None:
        raise ValueError(f"primitive {name!r}: give both vjp= and jvp= (or derivs=)")
    return _defprimitive(name, impl, vjp, jvp, saves=saves, broadcasts=broadcasts,
                         batch=batch)


def unregister(name: str) -> None:
    """Remove a primitive registered with :func:`defprimitive` (to redefine it,
    or to clean up after a test). Built-in primitives cannot be removed."""
    if name not in _USER:
        raise KeyError(f"no primitive named {name!r} was registered with "
                       "functrace.extend.defprimitive")
    _USER.discard(name)
    PRIMITIVES.pop(name, None)


_USER: set = set()

__all__ = ["defprimitive", "unregister", "Primitive"]
