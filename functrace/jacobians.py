"""Jacobians and Hessians built from :func:`vjp` and :func:`jvp`.

``jacrev`` pulls back one basis cotangent per output element; ``jacfwd`` pushes
one basis tangent per input element. Results have shape ``out.shape + in.shape``
and the pytree structure ``out_tree`` of ``in_tree``.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from .core import concrete
from .tree import tree_flatten, tree_unflatten


def _partial(f: Callable, args: tuple, kwargs: dict, nums: tuple) -> Callable:
    def partial_f(*dyn: Any) -> Any:
        full = list(args)
        for i, d in zip(nums, dyn):
            full[i] = d
        return f(*full, **kwargs)
    return partial_f


def _basis(shape: tuple, dtype: Any, k: int) -> np.ndarray:
    e = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=dtype)
    e[k] = 1
    return e.reshape(shape)


def _assemble(blocks: list, out_tree: Any, dyn_tree: Any, single: bool) -> Any:
    """blocks[j][i] is d out_leaf_j / d in_leaf_i; nest as out_tree of dyn_tree."""
    per_out = []
    for row in blocks:
        dyn = tree_unflatten(dyn_tree, row)
        per_out.append(dyn[0] if single else tuple(dyn))
    return tree_unflatten(out_tree, per_out)


def jacrev(f: Callable, argnums: Any = 0) -> Callable:
    """Jacobian by reverse mode: one pullback per output element.

    >>> import functrace.numpy as fnp
    >>> jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    from . import api, numpy as fnp

    @functools.wraps(f)
    def jacrev_f(*args: Any, **kwargs: Any) -> Any:
        nums = api._normalize_argnums(argnums, len(args))
        api.check_float_args([api._as_tree_primals(args[i]) for i in nums], f, nums, "jacrev")
        out, f_vjp = api.vjp(_partial(f, args, kwargs, nums), *[args[i] for i in nums])
        out_leaves, out_tree = tree_flatten(out)
        dyn_leaves, dyn_tree = tree_flatten([args[i] for i in nums])
        blocks = []
        for j, o in enumerate(out_leaves):
            oshape, odtype = np.shape(o), np.result_type(concrete(o))
            rows = []
            for k in range(int(np.prod(oshape, dtype=np.int64))):
                cts = [_basis(oshape, odtype, k) if m == j else
                       np.zeros(np.shape(ol), np.result_type(concrete(ol)))
                       for m, ol in enumerate(out_leaves)]
                rows.append(tree_flatten(f_vjp(tree_unflatten(out_tree, cts)))[0])
            blocks.append([
                fnp.reshape(fnp.stack([r[i] for r in rows]) if rows else
                            np.zeros((0,) + np.shape(x), np.result_type(concrete(x))),
                            oshape + np.shape(x))
                for i, x in enumerate(dyn_leaves)])
        return _assemble(blocks, out_tree, dyn_tree, isinstance(argnums, int))

    return jacrev_f


jacobian = jacrev


def jacfwd(f: Callable, argnums: Any = 0) -> Callable:
    """Jacobian by forward mode: one JVP per input element.

    >>> jacfwd(lambda x: x ** 3)(np.array([1.0, 2.0]))
    array([[ 3.,  0.],
           [ 0., 12.]])
    """
    from . import api, numpy as fnp

    @functools.wraps(f)
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        nums = api._normalize_argnums(argnums, len(args))
        dyn = [api._as_tree_primals(args[i]) for i in nums]
        api.check_float_args(dyn, f, nums, "jacfwd")
        dyn_leaves, dyn_tree = tree_flatten(dyn)
        partial_f = _partial(f, args, kwargs, nums)
        columns = []        # columns[i] = list over k of out-tangent leaves
        out_leaves, out_tree = None, None
        for i, x in enumerate(dyn_leaves):
            xshape, xdtype = np.shape(x), np.result_type(concrete(x))
            cols = []
            for k in range(int(np.prod(xshape, dtype=np.int64))):
                tans = [_basis(xshape, xdtype, k) if m == i else
                        np.zeros(np.shape(y), np.result_type(concrete(y)))
                        for m, y in enumerate(dyn_leaves)]
                out, t_out = api.jvp(partial_f, tuple(dyn), tuple(tree_unflatten(dyn_tree, tans)))
                out_leaves, out_tree = tree_flatten(out)
                cols.append(tree_flatten(t_out)[0])
            columns.append(cols)
        if out_leaves is None:
            out_leaves, out_tree = tree_flatten(partial_f(*dyn))
        blocks = []
        for j, o in enumerate(out_leaves):
            oshape = np.shape(o)
            blocks.append([
                fnp.reshape(fnp.stack([c[j] for c in columns[i]], axis=-1), oshape + np.shape(x))
                if columns[i] else np.zeros(oshape + np.shape(x), np.result_type(concrete(o)))
                for i, x in enumerate(dyn_leaves)])
        return _assemble(blocks, out_tree, dyn_tree, isinstance(argnums, int))

    return jacfwd_f


def hessian(f: Callable, argnums: Any = 0) -> Callable:
    """Hessian of a scalar function, forward-over-reverse (``jacfwd(jacrev(f))``).

    >>> import functrace.numpy as fnp
    >>> hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacfwd(jacrev(f, argnums), argnums)


def elementwise_grad(f: Callable) -> Callable:
    """Sum of the Jacobian's rows: for elementwise ``f``, its derivative at each element.

    >>> import functrace.numpy as fnp
    >>> elementwise_grad(fnp.sin)(np.zeros(2))
    array([1., 1.])
    """
    from . import api

    @functools.wraps(f)
    def elementwise_grad_f(x: Any, *rest: Any) -> Any:
        api.check_float_args([api._as_tree_primals(x)], f, (0,), "elementwise_grad")
        out, f_vjp = api.vjp(lambda x_: f(x_, *rest), x)
        return f_vjp(np.ones(np.shape(out), np.result_type(concrete(out))))[0]

    return elementwise_grad_f
