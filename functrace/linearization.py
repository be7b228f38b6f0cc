"""``linearize`` (evaluate once, apply the JVP many times) and ``hvp``.

:func:`linearize` runs ``jvp(f)`` once with the tangents being the inputs of a
recording reverse trace. Primal computations do not involve those tracers, so
they run once and only their results stay (as constants); every operation on
tangents is recorded. The recorded tape is the linear map ``t -> J t``, and
``f_jvp`` replays it with ordinary ``bind`` -- so ``f_jvp`` itself can be
differentiated, ``vmap``-ed or transposed (``vjp`` of ``f_jvp``).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import numpy as fnp
from .api import check_tangent, grad, jvp, jvp_named, value_and_grad
from .argnums import as_tree_primals, check_callable, check_float_args
from .calls.record import aval, replay, skeleton, zeros_like
from .core import call_under, concrete, current_trace
from .reverse import ReverseTrace, ReverseTracer
from .tape import ALL
from .tree import tree_flatten, tree_leaves, tree_unflatten


def linearize(f: Callable, *primals: Any) -> tuple:
    """``(f(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is ``J @ tangents``.

    ``f`` runs once; each ``f_jvp`` call replays only the tangent operations
    (no primal recomputation), e.g. for many JVPs at one point.

    >>> import numpy as np, functrace.numpy as fnp
    >>> out, f_jvp = linearize(lambda x: fnp.sin(x) * x, np.array([0.0, 1.0]))
    >>> f_jvp(np.array([1.0, 1.0]))                 # cos(x) x + sin(x)
    array([0.        , 1.38177329])
    >>> f_jvp(np.array([2.0, 0.0]))
    array([0., 0.])
    """
    check_callable(f, "linearize")
    p_trees = tuple(as_tree_primals(p) for p in primals)
    check_float_args(p_trees, f, range(len(p_trees)), "linearize")
    flat, in_tree = tree_flatten(list(p_trees))
    trace = ReverseTrace(current_trace(), ALL, name="linearize")
    try:
        t_in = [trace.new_input(zeros_like(p)) for p in flat]
        out, t_out = call_under(trace, jvp_named, f, p_trees,
                                tuple(tree_unflatten(in_tree, t_in)),
                                "linearize")
    finally:
        trace.alive = False
    t_leaves, out_tree = tree_flatten(t_out)
    out_ids = [x._id if type(x) is ReverseTracer and x._trace is trace else None
               for x in t_leaves]
    plan = _Linear(skeleton(trace.eqns), [t._id for t in t_in], flat, out_ids,
                   t_leaves, out_tree, in_tree)
    return out, plan


class _Linear:
    """The recorded tangent map of :func:`linearize` (callable as ``f_jvp``)."""

    def __init__(self, eqns: list, in_ids: list, primals: list, out_ids: list,
                 t_leaves: list, out_tree: Any, in_tree: Any):
        self.eqns, self.in_ids, self.out_ids = eqns, in_ids, out_ids
        self.in_avals = [aval(p) for p in primals]
        self.out_avals = [aval(t) for t in t_leaves]
        self.out_tree, self.in_tree = out_tree, in_tree

    def __call__(self, *tangents: Any) -> Any:
        flat, tree = tree_flatten(list(tangents))
        if tree != self.in_tree:
            raise ValueError(f"f_jvp expects tangents with the structure of the primals "
                             f"{self.in_tree}, got {tree}")
        env = {}
        for k, (vid, t, (shape, dtype)) in enumerate(zip(self.in_ids, flat, self.in_avals)):
            t = check_tangent(t, shape, f"f_jvp: the tangent (leaf {k})", dtype)
            env[vid] = t if np.result_type(concrete(t)) == dtype else fnp.astype(t, dtype)
        replay(self.eqns, env)
        out = [env[vid] if vid is not None else np.zeros(shape, dtype)
               for vid, (shape, dtype) in zip(self.out_ids, self.out_avals)]
        return tree_unflatten(self.out_tree, out)


def _vdot(a: Any, b: Any) -> Any:
    terms = [fnp.sum(x * y) for x, y in zip(tree_leaves(a), tree_leaves(b))]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def hvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any],
        mode: str = "fwd-rev") -> tuple:
    """``(f(*primals), H @ tangents)`` without forming the Hessian ``H``.

    Like ``torch.autograd.functional.hvp``, the first result is the function's
    value. ``mode="fwd-rev"`` (forward-over-reverse, the default) is
    ``jvp(value_and_grad(f))``: one forward-mode pass over the gradient
    computation, about the cost of two gradients. ``mode="rev-rev"``
    differentiates ``<grad f(x), v>`` with reverse mode instead; use it for
    functions with a ``custom_vjp`` (no forward mode). With several primals the
    product is a tuple (one entry per primal).

    >>> import numpy as np, functrace.numpy as fnp
    >>> f = lambda x: fnp.sum(x ** 3)
    >>> hvp(f, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    (np.float64(9.0), array([6., 0.]))
    """
    check_callable(f, "hvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("hvp expects primals and tangents as tuples, e.g. hvp(f, (x,), (v,))")
    p_leaves, p_tree = tree_flatten(list(primals))
    t_leaves, t_tree = tree_flatten(list(tangents))
    if p_tree != t_tree:
        raise ValueError(f"hvp: primals and tangents must have the same structure, got "
                         f"{p_tree} and {t_tree}")
    for k, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        check_tangent(t, np.shape(p), f"hvp: the tangent (leaf {k})",
                      np.result_type(concrete(p)))
    single = len(primals) == 1
    nums = 0 if single else tuple(range(len(primals)))
    if mode == "fwd-rev":
        (value, _), (_, hv) = jvp(value_and_grad(f, argnums=nums), tuple(primals),
                                  tuple(tangents))
        return value, hv
    if mode != "rev-rev":
        raise ValueError(f"mode must be 'fwd-rev' or 'rev-rev', got {mode!r}")
    v = tangents[0] if single else tuple(tangents)

    def inner(*xs: Any) -> tuple:
        value, gx = value_and_grad(f, argnums=nums)(*xs)
        return _vdot(gx, v), value

    hv, value = grad(inner, argnums=nums, has_aux=True)(*primals)
    return value, hv


__all__ = ["linearize", "hvp"]
