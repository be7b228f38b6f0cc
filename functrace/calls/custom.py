"""Custom derivative rules: :class:`custom_vjp` and :class:`custom_jvp` (as in JAX).

A call of a custom function goes to the current trace's ``process_call``, which
hands it down to the innermost trace that owns one of its (flattened) arguments
(contract C1 in :mod:`functrace.core`); each kind of trace runs it its own way
(:mod:`functrace.calls.custom_rules`):

* root trace -- the function itself runs (or, on Tensors that require grad, one
  ``grad_fn`` node is recorded whose backward calls your rule);
* reverse trace (``grad``, ``vjp``, ``jacrev``) -- ``fwd`` runs with the *parent*
  trace current, so residuals are values of the parent trace and any outer
  transform differentiates ``fwd`` and ``bwd`` like ordinary code (higher order
  works); one equation is recorded whose VJP calls ``bwd(residuals, ct)``. For a
  ``custom_jvp`` function the VJP is the transpose of the JVP rule's tangent map
  ``t -> rule(primals, t)[1]``, which is linear in ``t``: it is obtained by
  running :func:`functrace.vjp` over that map during the backward pass;
* forward trace (``jvp``, ``jacfwd``, forward-over-reverse) -- a ``custom_jvp``
  rule is applied to the primals and tangents; a ``custom_vjp`` function raises
  ``TypeError``, as in JAX;
* any other trace (``vmap``) -- a call primitive with a batching rule is bound:
  the function, ``fwd``, ``bwd`` and the JVP rule are ``vmap``-ed and a batched
  custom function is called one level down.

Several outputs (any pytree) are supported: the floating-point output leaves are
packed into one array for the single-output engine and unpacked with ordinary
ops (:class:`functrace.calls.record.OutSpec`). Like JAX, the function must not close
over traced values: pass them as arguments.

Gradient clipping, a classic custom VJP (the forward pass is the identity):

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> @functrace.custom_vjp
... def clip_gradient(x, lo, hi):
...     return x
>>> def clip_fwd(x, lo, hi):
...     return x, (lo, hi)
>>> def clip_bwd(res, ct):
...     lo, hi = res
...     return (fnp.clip(ct, lo, hi), None, None)
>>> clip_gradient.defvjp(clip_fwd, clip_bwd)
>>> float(functrace.grad(lambda x: 10.0 * clip_gradient(x, -1.0, 1.0))(2.0))
1.0
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional, Sequence

from ..argnums import check_callable
from ..core import Call, current_trace, is_tracer
from ..tree import tree_flatten, tree_unflatten
from . import custom_rules as rules


class _Spec(Call):
    """The static part of one call: the custom function, the values of its
    ``nondiff_argnums`` and the pytree structure of the other arguments. It is
    the :class:`~functrace.core.Call` that traces dispatch on (C1): each way of
    running it is in :mod:`functrace.calls.custom_rules`."""

    __slots__ = ("cf", "nargs", "nondiff", "args_tree", "counts", "leaves")

    def __init__(self, cf: "_CustomFunction", args: tuple):
        self.cf = cf
        self.nargs = len(args)
        nd = cf.nondiff_argnums
        for i in nd:
            if i >= len(args):
                raise TypeError(f"{cf.__name__}: nondiff_argnums={nd} but only {len(args)} "
                                "arguments were passed")
            if any(is_tracer(x) for x in tree_flatten(args[i])[0]):
                raise TypeError(f"{cf.__name__}: argument {i} is in nondiff_argnums but is a "
                                "traced value; nondiff_argnums is for static values "
                                "(functions, Python numbers, strings), pass arrays normally")
        self.nondiff = {i: args[i] for i in nd}
        diff = [a for i, a in enumerate(args) if i not in self.nondiff]
        self.leaves, self.args_tree = tree_flatten(diff)
        self.counts = [c.num_leaves for c in self.args_tree.children]

    def run(self, leaves: Sequence[Any]) -> Any:
        return self.fun(leaves)

    def bind(self, trace: Any, leaves: Sequence[Any]) -> Any:
        return rules.generic(trace, self, list(leaves))

    def reverse(self, trace: Any, leaves: Sequence[Any]) -> Any:
        return rules.reverse(trace, self, list(leaves))

    def forward(self, trace: Any, leaves: Sequence[Any]) -> Any:
        return rules.forward(trace, self, list(leaves))

    def tensors(self, facade: Any, leaves: Sequence[Any]) -> Any:
        return rules.on_tensors(facade, self, list(leaves))

    def diff_args(self, leaves: Sequence[Any]) -> list:
        """The differentiable arguments rebuilt from their leaves."""
        return tree_unflatten(self.args_tree, list(leaves))

    def full_args(self, leaves: Sequence[Any]) -> tuple:
        diff = iter(self.diff_args(leaves))
        return tuple(self.nondiff[i] if i in self.nondiff else next(diff)
                     for i in range(self.nargs))

    def static(self) -> tuple:
        return tuple(self.nondiff[i] for i in sorted(self.nondiff))

    def fun(self, leaves: Sequence[Any]) -> Any:
        return self.cf.fun(*self.full_args(leaves))

    def fwd(self, leaves: Sequence[Any]) -> tuple:
        result = self.cf.fwd(*self.full_args(leaves))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"the fwd rule of custom_vjp function {self.cf.__name__} must "
                            "return a pair (output, residuals)")
        return result[0], result[1]

    def bwd(self, res: Any, ct: Any, primals: Sequence[Any]) -> list:
        """Cotangent leaves (``None`` for zero) from the user's ``bwd``."""
        result = self.cf.bwd(*self.static(), res, ct)
        return rules.bwd_leaves(self, result, primals)

    def rule(self, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
        result = self.cf.jvp_rule(*self.static(), tuple(self.diff_args(primals)),
                                  tuple(self.diff_args(tangents)))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"the JVP rule of custom_jvp function {self.cf.__name__} must "
                            "return a pair (output, tangent_output)")
        return result[0], result[1]


def _resolve_kwargs(fun: Callable, args: tuple, kwargs: dict) -> tuple:
    """Keyword arguments become positional (as JAX does), defaults filled in."""
    if not kwargs:
        return args
    bound = inspect.signature(fun).bind(*args, **kwargs)
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"keyword arguments {sorted(bound.kwargs)} of {fun.__name__} could "
                        "not be resolved to positions")
    return bound.args


def _argnum_tuple(nums: Any) -> tuple:
    """``nondiff_argnums`` as a sorted tuple of ints (an int alone is accepted)."""
    nums = nums if isinstance(nums, (tuple, list)) else (nums,)
    for i in nums:
        if isinstance(i, bool) or not isinstance(i, int) or i < 0:
            raise TypeError(f"nondiff_argnums must be non-negative ints (argument "
                            f"positions), got {nums!r}")
    return tuple(sorted(nums))


class _CustomFunction:
    """Common part of :class:`custom_vjp` and :class:`custom_jvp`."""

    kind = ""

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        check_callable(fun, f"custom_{self.kind}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = _argnum_tuple(nondiff_argnums)

    def _check(self) -> None:
        raise NotImplementedError

    def __get__(self, instance: Any, owner_type: Any = None) -> Any:
        """As a method: bind the instance as the first argument."""
        return self if instance is None else functools.partial(self, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        args = _resolve_kwargs(self.fun, args, kwargs)
        spec = _Spec(self, args)
        leaves, spec.leaves = spec.leaves, None      # the spec outlives the call
        return current_trace().process_call(spec, leaves)


class custom_vjp(_CustomFunction):
    """A function with a hand-written reverse-mode rule: ``f.defvjp(fwd, bwd)``.

    ``fwd(*args)`` returns ``(output, residuals)``; ``bwd(residuals, ct)`` (with
    the ``nondiff_argnums`` values first: ``bwd(*nondiff, residuals, ct)``)
    returns a tuple with one cotangent per differentiable argument (a pytree
    like the argument, or ``None`` for zero). Works under ``grad``, ``vjp``,
    ``jacrev``, ``vmap``, nesting and on Tensors; under forward mode (``jvp``,
    ``jacfwd``, ``hessian``) it raises ``TypeError``, as in JAX.

    >>> import numpy as np, functrace, functrace.numpy as fnp
    >>> @functrace.custom_vjp
    ... def f(x):
    ...     return fnp.sin(x)
    >>> f.defvjp(lambda x: (fnp.sin(x), fnp.cos(x)), lambda cos_x, ct: (2.0 * cos_x * ct,))
    >>> float(functrace.grad(f)(0.0))     # twice the true derivative, by our rule
    2.0
    """

    kind = "vjp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.fwd: Optional[Callable] = None
        self.bwd: Optional[Callable] = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set the forward (``(out, residuals)``) and backward rules."""
        check_callable(fwd, "defvjp (fwd)")
        check_callable(bwd, "defvjp (bwd)")
        self.fwd, self.bwd = fwd, bwd

    def _check(self) -> None:
        if self.fwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {self.__name__} "
                                 "using defvjp.")


class custom_jvp(_CustomFunction):
    """A function with a hand-written forward-mode rule: ``f.defjvp(rule)``.

    ``rule(primals, tangents)`` (with ``nondiff_argnums`` values first) gets
    tuples of the differentiable arguments and their tangents (zeros for
    constants) and returns ``(output, tangent_output)``. ``defjvp`` returns the
    rule, so it works as a decorator. Reverse mode transposes the rule's
    tangent map (see the module docstring), so every transform works.

    A numerically stable softplus, whose derivative ``sigmoid`` avoids ``inf/inf``:

    >>> import numpy as np, functrace, functrace.numpy as fnp
    >>> @functrace.custom_jvp
    ... def softplus(x):
    ...     return fnp.logaddexp(x, 0.0)
    >>> @softplus.defjvp
    ... def softplus_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return softplus(x), t / (1.0 + fnp.exp(-x))
    >>> float(functrace.grad(softplus)(1000.0)), float(functrace.jvp(softplus, (0.0,), (1.0,))[1])
    (1.0, 0.5)
    """

    kind = "jvp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.jvp_rule: Optional[Callable] = None

    def defjvp(self, rule: Callable) -> Callable:
        """Set the JVP rule; returns it (usable as ``@f.defjvp``)."""
        check_callable(rule, "defjvp")
        self.jvp_rule = rule
        return rule

    def _check(self) -> None:
        if self.jvp_rule is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {self.__name__} "
                                 "using defjvp.")


__all__ = ["custom_vjp", "custom_jvp"]
