"""Adding your own primitive: impl, VJP, JVP and batching rule in one call.

A primitive is the unit every transform understands: ``grad``/``vjp`` use its
VJP, ``jvp``/``jacfwd`` its JVP, ``vmap`` its batching rule, and the root trace
its numpy ``impl``. :func:`defprimitive` (the registry's own, with which functrace
declares its primitives) declares all of them together and registers the
primitive in :data:`functrace.PRIMITIVES`; a plain Python wrapper that calls
``prim.bind(*arrays, **params)`` makes it user-facing.

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

import sys

from .core import Primitive
from .registry import PRIMITIVES, defprimitive


def unregister(name: str) -> None:
    """Remove a primitive registered with :func:`defprimitive` (to redefine it,
    or to clean up after a test). functrace's own primitives cannot be removed.

    >>> import functrace as ft
    >>> from functrace.extend import defprimitive, unregister
    >>> _ = defprimitive("doc_double", lambda x: 2 * x, derivs=[lambda x, out: 2.0 + 0 * x])
    >>> unregister("doc_double")
    >>> "doc_double" in ft.PRIMITIVES
    False
    """
    prim = PRIMITIVES.get(name)
    if prim is None:
        raise KeyError(f"no primitive named {name!r} is registered")
    if _is_builtin(prim):
        raise KeyError(f"{name!r} is one of functrace's own primitives; only primitives "
                       "you registered with functrace.extend.defprimitive can be removed")
    del PRIMITIVES[name]


def _is_builtin(prim: Primitive) -> bool:
    """Whether a module of ``functrace.primitives`` defines ``prim`` (functrace's
    wrappers bind it)."""
    modules = [m for n, m in list(sys.modules.items())
               if n.startswith("functrace.primitives.") and m is not None]
    return any(any(v is prim for v in vars(m).values()) for m in modules)


__all__ = ["defprimitive", "unregister", "Primitive"]
