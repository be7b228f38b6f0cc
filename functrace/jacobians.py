"""Jacobians and Hessians, vectorized with :func:`functrace.vmap`.

``jacrev`` traces ``f`` once and pulls back all the rows of the identity at once:
``vmap`` of the VJP, one pass over the tape for the whole Jacobian. ``jacfwd``
pushes all the columns of the identity forward at once: ``vmap`` of the JVP.
Results have shape ``out.shape + in.shape`` and the pytree structure ``out_tree``
of ``in_tree``.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from . import numpy as fnp
from .api import jvp_named, vjp_named
from .argnums import (ArgNums, as_numeric, as_tree_primals, check_argnums, check_callable,
                      check_float_args, normalize_argnums)
from .batching import vmap
from .core import concrete
from .tree import tree_flatten, tree_unflatten


def _partial(f: Callable, args: tuple, kwargs: dict, nums: tuple) -> Callable:
    def partial_f(*dyn: Any) -> Any:
        full = list(args)
        for i, d in zip(nums, dyn):
            full[i] = d
        return f(*full, **kwargs)
    return partial_f


def _size(shape: tuple) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _dtype(x: Any) -> np.dtype:
    return np.result_type(concrete(x))


def _identity_blocks(leaves: list) -> list:
    """For each leaf, its rows of the identity of the total size, shaped
    ``(total,) + leaf.shape``: together, one basis vector per batch element."""
    sizes = [_size(np.shape(x)) for x in leaves]
    total, offset, blocks = sum(sizes), 0, []
    for x, n in zip(leaves, sizes):
        e = np.zeros((total, n), dtype=_dtype(x))
        e[offset + np.arange(n), np.arange(n)] = 1
        blocks.append(e.reshape((total,) + np.shape(x)))
        offset += n
    return blocks


def _offsets(leaves: list) -> list:
    sizes = [_size(np.shape(x)) for x in leaves]
    return [(sum(sizes[:k]), sizes[k]) for k in range(len(sizes))]


def _assemble(blocks: list, out_tree: Any, dyn_tree: Any, single: bool) -> Any:
    """blocks[j][i] is d out_leaf_j / d in_leaf_i; nest as out_tree of dyn_tree."""
    per_out = []
    for row in blocks:
        dyn = tree_unflatten(dyn_tree, row)
        per_out.append(dyn[0] if single else tuple(dyn))
    return tree_unflatten(out_tree, per_out)


def _check_complex(leaves: list, holomorphic: bool, name: str, where: str) -> None:
    """JAX's rule: complex ``where`` (inputs for jacfwd, outputs for jacrev) need
    ``holomorphic=True``, which needs complex inputs and outputs."""
    kinds = [_dtype(x).kind for x in leaves]
    if "c" in kinds and not holomorphic:
        raise TypeError(f"{name} of a function with complex {where} needs holomorphic=True "
                        "(the Jacobian is then df/dz); for a non-holomorphic function, "
                        "differentiate its real and imaginary parts separately")
    if holomorphic and any(k != "c" for k in kinds):
        raise TypeError(f"{name} with holomorphic=True requires complex {where}, got "
                        f"{sorted({str(_dtype(x)) for x in leaves})}")


def jacrev(f: Callable[..., Any], argnums: ArgNums = 0,
           holomorphic: bool = False) -> Callable[..., Any]:
    """Jacobian by reverse mode: ``vmap`` of the VJP over the rows of the identity.
    Complex outputs need ``holomorphic=True`` (as in JAX).

    >>> import functrace.numpy as fnp
    >>> jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return _jacrev(f, argnums, "jacrev", holomorphic)


def _jacrev(f: Callable, argnums: Any, name: str, holomorphic: bool = False) -> Callable:
    check_callable(f, name)
    check_argnums(argnums)

    @functools.wraps(f)
    def jacrev_f(*args: Any, **kwargs: Any) -> Any:
        nums = normalize_argnums(argnums, len(args))
        check_float_args([as_tree_primals(args[i]) for i in nums], f, nums, name)
        out, f_vjp = vjp_named(_partial(f, args, kwargs, nums), [args[i] for i in nums],
                              False, name)
        out_leaves, out_tree = tree_flatten(out)
        dyn_leaves, dyn_tree = tree_flatten([args[i] for i in nums])
        _check_complex(out_leaves, holomorphic, name, "outputs")
        if holomorphic:
            _check_complex(dyn_leaves, holomorphic, name, "inputs")
        if sum(_size(np.shape(o)) for o in out_leaves) == 0:
            rows = [np.zeros((0,) + np.shape(x), _dtype(x)) for x in dyn_leaves]
        else:
            def pull(*cts: Any) -> list:
                return tree_flatten(f_vjp(tree_unflatten(out_tree, cts)))[0]
            rows = vmap(pull)(*_identity_blocks(out_leaves))
        blocks = [[fnp.reshape(r[start:start + n], np.shape(o) + np.shape(x))
                   for r, x in zip(rows, dyn_leaves)]
                  for o, (start, n) in zip(out_leaves, _offsets(out_leaves))]
        return _assemble(blocks, out_tree, dyn_tree, isinstance(argnums, int))

    return jacrev_f


jacobian = jacrev


def jacfwd(f: Callable[..., Any], argnums: ArgNums = 0,
           holomorphic: bool = False) -> Callable[..., Any]:
    """Jacobian by forward mode: ``vmap`` of the JVP over the columns of the identity.
    Complex inputs need ``holomorphic=True`` (as in JAX).

    >>> jacfwd(lambda x: x ** 3)(np.array([1.0, 2.0]))
    array([[ 3.,  0.],
           [ 0., 12.]])
    """
    return _jacfwd(f, argnums, "jacfwd", holomorphic)


def _jacfwd(f: Callable, argnums: Any, name: str, holomorphic: bool = False) -> Callable:
    check_callable(f, name)
    check_argnums(argnums)

    @functools.wraps(f)
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        nums = normalize_argnums(argnums, len(args))
        dyn = [as_tree_primals(args[i]) for i in nums]
        check_float_args(dyn, f, nums, name)
        dyn_leaves, dyn_tree = tree_flatten(dyn)
        _check_complex(dyn_leaves, holomorphic, name, "inputs")
        partial_f = _partial(f, args, kwargs, nums)
        if sum(_size(np.shape(x)) for x in dyn_leaves) == 0:
            out_leaves, out_tree = tree_flatten(partial_f(*dyn))
            out_leaves = [as_numeric(o, f"{name}: an output of the function")
                          for o in out_leaves]
            blocks = [[np.zeros(np.shape(o) + np.shape(x), _dtype(o)) for x in dyn_leaves]
                      for o in out_leaves]
            return _assemble(blocks, out_tree, dyn_tree, isinstance(argnums, int))
        primal: dict = {}

        def push(*tangents: Any) -> list:
            out, t_out = jvp_named(partial_f, tuple(dyn),
                                  tuple(tree_unflatten(dyn_tree, tangents)), name)
            primal["out"] = out      # unbatched: only the tangents carry the batch
            return tree_flatten(t_out)[0]

        cols = vmap(push, out_axes=-1)(*_identity_blocks(dyn_leaves))
        out_leaves, out_tree = tree_flatten(primal["out"])
        blocks = [[fnp.reshape(c[..., start:start + n], np.shape(o) + np.shape(x))
                   for x, (start, n) in zip(dyn_leaves, _offsets(dyn_leaves))]
                  for c, o in zip(cols, out_leaves)]
        return _assemble(blocks, out_tree, dyn_tree, isinstance(argnums, int))

    return jacfwd_f


def hessian(f: Callable[..., Any], argnums: ArgNums = 0,
            holomorphic: bool = False) -> Callable[..., Any]:
    """Hessian of a scalar function, forward-over-reverse (``jacfwd(jacrev(f))``);
    ``holomorphic=True`` for a complex (holomorphic) function of complex inputs.

    >>> import functrace.numpy as fnp
    >>> hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return _jacfwd(_jacrev(f, argnums, "hessian", holomorphic), argnums, "hessian", holomorphic)


def elementwise_grad(f: Callable, argnums: ArgNums = 0) -> Callable:
    """Sum of the Jacobian's rows: for elementwise ``f``, its derivative at each element.

    ``argnums`` picks the argument(s) as in :func:`functrace.grad` (a tuple gives a tuple).

    >>> import functrace.numpy as fnp
    >>> elementwise_grad(fnp.sin)(np.zeros(2))
    array([1., 1.])
    >>> elementwise_grad(lambda x, y: x * y, argnums=(0, 1))(np.ones(2), np.arange(2.0))
    (array([0., 1.]), array([1., 1.]))
    """
    check_callable(f, "elementwise_grad")
    check_argnums(argnums)

    @functools.wraps(f)
    def elementwise_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = normalize_argnums(argnums, len(args))
        check_float_args([as_tree_primals(args[i]) for i in nums], f, nums, "elementwise_grad")

        def partial_f(*dyn: Any) -> Any:
            full = list(args)
            for i, x in zip(nums, dyn):
                full[i] = x
            return f(*full, **kwargs)

        out, f_vjp = vjp_named(partial_f, [args[i] for i in nums], False, "elementwise_grad")
        grads = f_vjp(np.ones(np.shape(out), np.result_type(concrete(out))))
        return grads[0] if isinstance(argnums, (int, np.integer)) else tuple(grads)

    return elementwise_grad_f
