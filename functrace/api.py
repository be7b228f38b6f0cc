"""The functional transforms: grad, value_and_grad, vjp, jvp, jacobian, hessian, ...

Each call of a transformed function traces ``f`` once, on concrete values, into
a fresh tape; Python control flow on values therefore just works.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from .argnums import (ArgNums, as_numeric, as_primal, as_tree_primals, call_traced,
                      check_argnums, check_callable, check_complex_matches, check_float,
                      check_float_args, leaf_positions, normalize_argnums)
from .core import Tracer, call_under, concrete, current_trace
from .forward import JVPTrace, JVPTracer
from .debugging import mode as debug_mode
from .grad_mode import call_with_debug, call_with_grad_enabled
from .primitives.complex_parts import is_complex
from .primitives.nondiff import stop_gradient_p
from .primitives.indexing import getitem_p
from .primitives.shape_ops import astype_p
from .reverse import ReverseTrace, ReverseTracer, backward_pass
from .tape import ALL, DECLARED, Residuals, Tape
from .tree import tree_flatten, tree_map, tree_unflatten

def _cast_like(g: Any, primal: Any) -> Any:
    """Give a gradient the dtype and shape of its primal (zeros for ``None``)."""
    value = concrete(primal)
    dtype = np.result_type(value)
    if g is None:   # the primal's own shape: under vmap, without the batch axis
        shape = primal.shape if isinstance(primal, Tracer) else np.shape(value)
        g = np.zeros(shape, dtype=dtype)
        return g[()] if g.ndim == 0 else g
    if isinstance(g, Tracer):
        inner = concrete(g)
        if inner.dtype != dtype:
            g = astype_p.bind(g, dtype=dtype)
        if type(inner) is np.ndarray and inner.ndim == 0 and np.ndim(value) == 0:
            g = getitem_p.bind(g, idx=())   # a numpy scalar, as for plain arrays below
        return g
    g = np.asarray(g)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g[()] if g.ndim == 0 and np.ndim(primal) == 0 else g


# -- reverse mode ------------------------------------------------------------------

def _trace_reverse(f: Callable, primals: list, residuals: Residuals = DECLARED,
                   name: str = "grad") -> tuple:
    """Run ``f`` on fresh tracers of a reverse trace for transform ``name``;
    returns (trace, input tracers, output)."""
    trace = ReverseTrace(current_trace(), residuals, name)
    try:
        tracers = [trace.new_input(p) for p in primals]
        out = call_under(trace, call_traced, f, *tracers)
    finally:
        trace.alive = False
    return trace, tracers, out


def _unwrap_outputs(trace: ReverseTrace, out: Any) -> tuple:
    """Leaves of ``out`` as (values, ids), ``None`` id for constants."""
    leaves, treedef = tree_flatten(out)
    values, ids = [], []
    for leaf in leaves:
        if type(leaf) is ReverseTracer and leaf._trace is trace:
            values.append(leaf._value)
            ids.append(leaf._id)
        else:
            values.append(as_numeric(leaf, f"{trace.name}: an output of the function"))
            ids.append(None)
    return values, ids, treedef


def _pullback(trace: ReverseTrace, in_tracers: list, out_ids: list, cts: list,
              consume: bool) -> list:
    """Input cotangents for output cotangents ``cts`` (one per output leaf)."""
    seeds: dict = {}
    for vid, ct in zip(out_ids, cts):
        if vid is not None and ct is not None:
            seeds[vid] = ct if vid not in seeds else seeds[vid] + ct
    input_ids = {t._id for t in in_tracers}
    # The rules run under the trace current *now*: for grad that is trace.parent; a
    # vjp_fn called later inside another transform (differentiating with respect to
    # the cotangent) must be recorded by that transform, which descends from
    # trace.parent and so treats the residuals correctly.
    if any(vid not in input_ids for vid in seeds):       # (grad mode off: see C6 in core)
        call_with_grad_enabled(False, backward_pass, reversed(trace.eqns), seeds, consume)
    return [_cast_like(seeds.get(t._id), t._value) for t in in_tracers]


def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate ``f(*primals)`` and return ``(out, vjp_fn)`` (plus ``aux`` with has_aux).

    ``vjp_fn(ct)`` takes a cotangent shaped like ``out`` and returns a tuple with
    one cotangent per primal. It may be called several times.

    >>> import functrace.numpy as fnp
    >>> out, f_vjp = vjp(lambda x: fnp.sin(x) * 2.0, np.array([0.0, 1.0]))
    >>> f_vjp(np.ones(2))[0]
    array([2.        , 1.08060461])
    """
    return vjp_named(f, primals, has_aux, "vjp")


def vjp_named(f: Callable, primals: Sequence[Any], has_aux: bool, name: str) -> tuple:
    """:func:`vjp` for transform ``name`` (named in errors)."""
    check_callable(f, name)
    trees = [as_tree_primals(p) for p in primals]
    check_float_args(trees, f, range(len(trees)), name)
    flat, in_tree = tree_flatten(trees)

    def flat_f(*leaves):
        return f(*tree_unflatten(in_tree, leaves))

    trace, tracers, out = _trace_reverse(flat_f, flat, name=name)
    if has_aux:
        out, aux = _split_aux(out, trace)
    values, ids, out_tree = _unwrap_outputs(trace, out)

    def vjp_fn(ct: Any) -> tuple:
        ct_leaves, ct_tree = tree_flatten(ct)
        if len(ct_leaves) != len(values):
            raise ValueError(f"vjp_fn expected a cotangent with the structure of the "
                             f"output {out_tree}, got {ct_tree}")
        ct_leaves = [_check_cotangent(c, v, k, len(values)) for k, (c, v)
                     in enumerate(zip(ct_leaves, values))]
        grads = _pullback(trace, tracers, ids, ct_leaves, consume=False)
        return tuple(tree_unflatten(in_tree, grads))

    result = tree_unflatten(out_tree, values)
    return (result, vjp_fn, aux) if has_aux else (result, vjp_fn)


def _check_cotangent(ct: Any, out: Any, k: int, n: int) -> Any:
    """The cotangent ``ct`` of output leaf ``k`` (of ``n``) checked against it."""
    what = "vjp_fn: the cotangent" + (f" (leaf {k})" if n > 1 else "")
    ct = as_numeric(ct, what)
    check_complex_matches(ct, out, what)
    if np.shape(ct) != np.shape(out):
        raise ValueError(f"cotangent shape {np.shape(ct)} does not match the output "
                         f"shape {np.shape(out)}")
    return _cast_like(ct, out) if is_complex(out) else ct


def _split_aux(out: Any, trace: Any) -> tuple:
    """Split ``(output, aux)``; aux values lose this trace's tracer layer (no gradient)."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError("with has_aux=True the function must return a pair (output, aux)")
    main, aux = out
    return main, tree_map(lambda a: a._value if isinstance(a, Tracer) and a._trace is trace
                          else a, aux)


def value_and_grad(f: Callable, argnums: ArgNums = 0, has_aux: bool = False,
                   holomorphic: bool = False) -> Callable:
    """Like :func:`grad` but returns ``(value, gradient)`` (``((value, aux), gradient)``
    with ``has_aux``).

    >>> value_and_grad(lambda x: x ** 2)(3.0)
    (np.float64(9.0), np.float64(6.0))
    """
    check_callable(f, "value_and_grad")
    check_argnums(argnums)

    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = normalize_argnums(argnums, len(args))
        flat, in_tree = tree_flatten([args[i] for i in nums])
        flat = [as_primal(leaf) for leaf in flat]
        for p, pos in zip(flat, leaf_positions(in_tree, nums)):
            check_float(p, f, pos, "grad")

        def flat_f(*leaves):
            full = list(args)
            for i, sub in zip(nums, tree_unflatten(in_tree, leaves)):
                full[i] = sub
            return f(*full, **kwargs)

        trace, tracers, out = _trace_reverse(flat_f, flat)
        aux = None
        if has_aux:
            out, aux = _split_aux(out, trace)
        values, ids, _ = _unwrap_outputs(trace, out)
        value = _check_scalar_output(values, holomorphic)
        if holomorphic:
            _check_holomorphic_inputs(flat, f, leaf_positions(in_tree, nums))
        seed = np.ones(np.shape(value), dtype=np.result_type(concrete(value)))
        grads = tree_unflatten(in_tree, _pullback(trace, tracers, ids, [seed], consume=True))
        g = grads[0] if isinstance(argnums, (int, np.integer)) else tuple(grads)
        return ((value, aux), g) if has_aux else (value, g)

    return value_and_grad_f


def _check_scalar_output(values: list, holomorphic: bool = False) -> Any:
    if len(values) != 1:
        raise TypeError(f"grad requires a function returning one scalar, got {len(values)} "
                        "outputs; use functrace.vjp or functrace.jacobian instead")
    value = values[0]
    shape = np.shape(value)
    if int(np.prod(shape, dtype=np.int64)) != 1:     # (), (1,), (1, 1): as HIPS autograd
        raise TypeError(f"grad requires a scalar output, got an output of shape {shape}; "
                        "use functrace.jacobian (or functrace.vjp with a cotangent) for "
                        "non-scalar outputs, or reduce it with fnp.sum")
    dtype = np.result_type(concrete(value))
    if dtype.kind == "c" and not holomorphic:
        raise TypeError(f"grad of a function with a complex output ({dtype}) needs "
                        "holomorphic=True (for a holomorphic function: the gradient is then "
                        "f'(z)); for a real loss of complex values return a real number, "
                        "e.g. fnp.abs(z) ** 2 or fnp.real(z)")
    if holomorphic and dtype.kind != "c":
        raise TypeError(f"grad with holomorphic=True requires a complex output, got dtype "
                        f"{dtype}")
    if dtype.kind not in "fc":
        raise TypeError(f"grad requires a floating-point output, got dtype {dtype}")
    return value


def _check_holomorphic_inputs(flat: list, f: Callable, positions: list) -> None:
    for p, pos in zip(flat, positions):
        dtype = np.result_type(concrete(p))
        if dtype.kind != "c":
            raise TypeError(f"grad with holomorphic=True requires complex inputs, but argument "
                            f"{pos} has dtype {dtype}: pass x.astype(complex)")


def grad(f: Callable, argnums: ArgNums = 0, has_aux: bool = False,
         holomorphic: bool = False) -> Callable:
    """The gradient of a scalar function with respect to argument(s) ``argnums``.

    The output may be any array with exactly one element (shape ``()``, ``(1,)``,
    ``(1, 1)``, ...), as in HIPS autograd. Complex numbers follow JAX's conventions:
    for a real-valued ``f`` of a complex ``z`` the gradient is ``df/dx - i df/dy``
    (step along its conjugate to descend); a complex-valued ``f`` needs
    ``holomorphic=True`` and then gives ``f'(z)``.

    >>> import functrace.numpy as fnp
    >>> grad(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0]))
    array([2., 4.])
    >>> grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0)
    (np.float64(3.0), np.float64(2.0))
    >>> grad(lambda z: z ** 2, holomorphic=True)(1.0 + 1.0j)
    np.complex128(2+2j)
    >>> grad(lambda z: fnp.real(z * fnp.conj(z)))(3.0 + 4.0j)     # |z|^2: 2 conj(z)
    np.complex128(6-8j)
    """
    check_callable(f, "grad")
    vg = value_and_grad(f, argnums, has_aux, holomorphic)

    @functools.wraps(f)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


# -- forward mode -----------------------------------------------------------------

def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """``(f(*primals), J @ tangents)`` by forward mode, from each primitive's JVP rule.

    >>> import functrace.numpy as fnp
    >>> jvp(fnp.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    return jvp_named(f, primals, tangents, "jvp")


def jvp_named(f: Callable, primals: Sequence[Any], tangents: Sequence[Any], name: str) -> tuple:
    """:func:`jvp` for transform ``name`` (named in errors)."""
    check_callable(f, name)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp expects primals and tangents as tuples, e.g. jvp(f, (x,), (v,))")
    p_trees = [as_tree_primals(p) for p in primals]
    p_flat, p_tree = tree_flatten(p_trees)
    t_flat, t_tree = tree_flatten(list(tangents))
    if p_tree != t_tree:
        raise ValueError(f"primals and tangents must have the same structure, got {p_tree} "
                         f"and {t_tree}")
    check_float_args(p_trees, f, range(len(p_trees)), name)
    t_flat = [check_tangent(t, np.shape(p), f"{name}: the tangent (leaf {i})",
                            np.result_type(concrete(p)))
              for i, (p, t) in enumerate(zip(p_flat, t_flat))]
    trace = JVPTrace(current_trace(), name)
    try:
        tracers = [JVPTracer(trace, p, _cast_like(t, p)) for p, t in zip(p_flat, t_flat)]
        out = call_under(trace, call_traced, f, *tree_unflatten(p_tree, tracers))
    finally:
        trace.alive = False
    leaves, out_tree = tree_flatten(out)
    values, tans = [], []
    for leaf in leaves:
        if type(leaf) is JVPTracer and leaf._trace is trace:
            values.append(leaf._value)
            tans.append(_cast_like(leaf._tangent, leaf._value))
        else:
            values.append(as_numeric(leaf, f"{name}: an output of the function"))
            tans.append(_cast_like(None, values[-1]))
    return tree_unflatten(out_tree, values), tree_unflatten(out_tree, tans)


def check_tangent(t: Any, shape: tuple, what: str, dtype: Any = np.float64) -> Any:
    """A tangent checked against its primal's ``shape`` and ``dtype`` (numeric, same
    shape, complex only for a complex primal)."""
    t = as_numeric(t, what)
    check_complex_matches(t, np.dtype(dtype), what)
    if np.shape(t) != shape:
        raise ValueError(f"{what}: shape {np.shape(t)} does not match the primal's shape "
                         f"{shape}")
    return t


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant: no gradient flows back through it.

    >>> grad(lambda x: x * stop_gradient(x))(3.0)
    np.float64(3.0)
    """
    return tree_map(lambda leaf: stop_gradient_p.bind(leaf), x)


def make_tape(f: Callable, source: bool = False) -> Callable[..., Tape]:
    """``make_tape(f)(*args)`` traces ``f`` once and returns its :class:`Tape`.

    With ``source=True`` every equation keeps the line of your code that bound
    it (``eqn.source``), and the printed tape shows it.

    >>> import functrace.numpy as fnp
    >>> print(make_tape(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3)))
    { lambda ; a:f64[3]. let
        b:f64[3] = sin a
        c:f64[] = reduce_sum[axes=(0,),keepdims=False] b
      in (c,) }
    >>> tape = make_tape(lambda x: fnp.sum(fnp.sin(x)), source=True)(np.ones(3))
    >>> tape.eqns[0].source.function
    '<lambda>'
    """
    check_callable(f, "make_tape")

    @functools.wraps(f)
    def make_tape_f(*args: Any) -> Tape:
        flat, in_tree = tree_flatten([as_tree_primals(a) for a in args])
        trace_f = functools.partial(_trace_reverse,
                                    lambda *leaves: f(*tree_unflatten(in_tree, leaves)),
                                    flat, ALL, name="make_tape")
        if source:
            setting = debug_mode.active().replace(source=True, phase=None)
            trace, tracers, out = call_with_debug(setting, trace_f)
        else:
            trace, tracers, out = trace_f()
        _, ids, _ = _unwrap_outputs(trace, out)
        avals = {t._id: (np.shape(t._value), np.result_type(concrete(t._value)))
                 for t in tracers}
        avals.update({e.out_id: e.aval for e in trace.eqns})
        return Tape([t._id for t in tracers], trace.eqns, ids, avals)

    return make_tape_f
