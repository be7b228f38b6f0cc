"""Gradient checkpointing (rematerialisation): :func:`checkpoint`, alias :func:`remat`.

A checkpointed function's intermediate values are not kept for the backward
pass; the backward pass recomputes them from the function's inputs.

How, per situation:

* **reverse mode** (the current trace is a reverse trace, e.g. inside ``grad``):
  the function runs once, normally (its equations keep their constant inputs
  and the values they read from before the block, not the block's own
  intermediates). The equations it appended to the tape are then cut out and
  replaced by one ``checkpoint`` equation whose inputs are every tape value the
  block read -- its arguments *and* closed-over traced values such as
  parameters -- and whose residuals are just those inputs. Its VJP replays the
  cut equations (their primitives and constants, not your Python code) under
  the current trace, freeing each value after its last use, and pulls the
  cotangent back through them. Replaying with ordinary ``bind`` keeps
  everything differentiable, so higher order works.
* **Tensors** at the root (``loss.backward()``): the function runs under
  ``no_grad``; one ``CheckpointBackward`` node is recorded. Its backward re-runs
  the function with grad enabled on detached copies of the inputs and calls
  ``backward`` on the recomputed outputs (PyTorch's "reentrant" checkpoint): the
  closed-over parameters accumulate their ``.grad`` directly. ``create_graph``
  through it is not supported.
* anywhere else (forward mode, ``vmap``, no transform) there is nothing to save
  and the function simply runs.

What it saves: the block's inputs stay, its intermediates go. A layer that keeps
only its input anyway (``tanh(h @ W)``) gains nothing from being checkpointed on
its own; checkpoint *segments* of k layers (k about the square root of the depth)
to keep one input per segment plus one segment's values during the backward pass.
Traced values must leave the function only through its return value.

Only the innermost reverse trace rematerialises: in ``grad(grad(checkpoint(f)))``
the outer ``grad`` keeps ``f``'s values as usual, and ``grad(vmap(checkpoint(f)))``
keeps them too (``vmap(grad(checkpoint(f)))`` does rematerialise).

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> def layer(w, h):
...     return fnp.tanh(h @ w)
>>> def loss(w, x, layer=layer):
...     for _ in range(3):
...         x = layer(w, x)
...     return fnp.sum(x)
>>> def remat_loss(w, x):
...     return loss(w, x, functrace.checkpoint(layer))
>>> w, x = np.eye(2) * 0.5, np.ones((1, 2))
>>> bool(np.allclose(functrace.grad(remat_loss)(w, x), functrace.grad(loss)(w, x)))
True
>>> print(functrace.make_tape(remat_loss)(w, x))
{ lambda ; a:f64[2,2] b:f64[1,2]. let
    c:f64[1,2] = checkpoint[fun=layer] b a
    d:f64[1,2] = checkpoint[fun=layer] c a
    e:f64[1,2] = checkpoint[fun=layer] d a
    f:f64[] = reduce_sum[axes=(0, 1),keepdims=False] e
  in (f,) }
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..core import EVAL_TRACE, call_under, check_callable, concrete, current_trace
from ..grad_mode import enable_grad, is_grad_enabled, no_grad
from ..reverse import ReverseTrace, ReverseTracer
from ..tree import tree_flatten, tree_unflatten
from .record import (CallRecord, OutSpec, as_tensor, call_primitive, is_tensor, last_uses,
                     owner, record_reverse, record_tensor_node, replay, skeleton, vjp_leaves)

checkpoint_p = call_primitive("checkpoint")


def checkpoint(fun: Optional[Callable] = None, *, static_argnums: Sequence[int] = ()
               ) -> Callable:
    """Wrap ``fun`` so its intermediates are recomputed in the backward pass.

    Gradients are identical to those of ``fun``. ``static_argnums`` is accepted
    for JAX compatibility (arguments are never traced through, so it changes
    nothing here). Usable as ``@checkpoint`` or ``checkpoint(fun)``.

    >>> import numpy as np, functrace, functrace.numpy as fnp
    >>> f = functrace.checkpoint(lambda x: fnp.sin(fnp.sin(x)))
    >>> float(functrace.grad(f)(0.0))
    1.0
    """
    if fun is None:
        return functools.partial(checkpoint, static_argnums=static_argnums)
    check_callable(fun, "checkpoint")

    @functools.wraps(fun)
    def checkpointed(*args: Any, **kwargs: Any) -> Any:
        leaves = tree_flatten((args, kwargs))[0]
        trace = current_trace()
        if isinstance(trace, ReverseTrace) and owner(leaves) in (trace, None):
            return _remat_reverse(trace, fun, args, kwargs)
        if trace is EVAL_TRACE and _tensor_checkpoint_needed(leaves):
            return _remat_tensors(fun, args, kwargs, leaves)
        return fun(*args, **kwargs)

    return checkpointed


remat = checkpoint


# -- reverse mode: cut the block out of the tape ----------------------------------------

def _remat_reverse(trace: ReverseTrace, fun: Callable, args: tuple, kwargs: dict) -> Any:
    start = len(trace.eqns)
    cls, keep_all = trace.__class__, trace.keep_all
    outer_block = _BLOCK_START.get(trace)
    try:        # (the changes inside: an interrupt must not leave them, nor leak the trace)
        if cls in (ReverseTrace, _BlockTrace) and not keep_all:
            trace.__class__ = _BlockTrace          # keep what the replay needs, no more
            _BLOCK_START[trace] = trace.next_id
        else:
            trace.keep_all = True                  # (a subclass: keep every input)
        out = fun(*args, **kwargs)
    finally:
        trace.__class__, trace.keep_all = cls, keep_all
        if outer_block is None:
            _BLOCK_START.pop(trace, None)
        else:
            _BLOCK_START[trace] = outer_block
    block = trace.eqns[start:]
    leaves, tree = tree_flatten(out)
    diff = [i for i, x in enumerate(leaves) if type(x) is ReverseTracer and x._trace is trace]
    if not block or not diff:
        return out
    del trace.eqns[start:]
    spec_out = OutSpec(tree, leaves, diff)
    rec = _Remat(getattr(fun, "__name__", "checkpoint"), block, spec_out, leaves)
    packed = call_under(trace.parent, spec_out.pack,
                        [x._value if i in diff else x for i, x in enumerate(leaves)])
    tracer = record_reverse(trace, checkpoint_p, rec.ext_ids, rec.ext_values, packed, rec,
                            save_ins=True)
    return spec_out.rebuild(spec_out.unpack(tracer), leaves)


_BLOCK_START: dict = {}     # trace -> first tape id of the block being recorded


class _BlockTrace(ReverseTrace):
    """A reverse trace while it records a checkpointed block. An equation whose
    primitive saves no inputs still keeps its constant inputs and the values it
    reads from before the block -- what the replay needs -- but not the block's
    own intermediates (``keep_all`` would keep those too)."""

    __slots__ = ()

    @property
    def block_start(self) -> int:
        """Ids below this were recorded before the block (read by record_reverse)."""
        return _BLOCK_START[self]

    def process(self, prim: Any, args: tuple, params: dict) -> Any:
        eqns = self.eqns
        n = len(eqns)
        out = ReverseTrace.process(self, prim, args, params)
        if len(eqns) > n and eqns[-1].ins is None:
            eqn = eqns[-1]
            start = _BLOCK_START[self]
            eqn.ins = [a._value if vid is not None and vid < start else
                       None if vid is not None else a for a, vid in zip(args, eqn.in_ids)]
        return out


class _Remat(CallRecord):
    """The cut-out block: its equations without residuals, the ids (and, until
    recorded, the values) of the tape values it reads, and its output ids."""

    def __init__(self, name: str, block: list, spec_out: OutSpec, out_leaves: list):
        self.name = name
        self.eqns = skeleton(block)
        self.spec_out = spec_out
        self.out_ids = [out_leaves[i]._id for i in spec_out.diff]
        self.consts = [None if i in spec_out.diff else x for i, x in enumerate(out_leaves)]
        self.ext_ids, self.ext_values = _external_inputs(block, out_leaves, spec_out.diff)
        self.frees = last_uses(self.eqns, self.out_ids)

    def replay(self, args: Sequence[Any]) -> Any:
        env = dict(zip(self.ext_ids, args))
        replay(self.eqns, env, self.frees)
        full = list(self.consts)
        for i, vid in zip(self.spec_out.diff, self.out_ids):
            full[i] = env[vid]
        return self.spec_out.pack(full)

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        self.ext_values = None          # the equation holds them (and frees them)
        return vjp_leaves(lambda *xs: self.replay(xs), list(ins), ct)


def _external_inputs(block: list, out_leaves: list, diff: list) -> tuple:
    """(ids, values) of the tape values the block reads but does not produce,
    including outputs passed straight through."""
    defined: set = set()
    ids: list = []
    values: list = []
    for eqn in block:
        for vid, value in zip(eqn.in_ids, eqn.ins):
            if vid is not None and vid not in defined and vid not in ids:
                ids.append(vid)
                values.append(value)
        defined.add(eqn.out_id)
    for i in diff:
        leaf = out_leaves[i]
        if leaf._id not in defined and leaf._id not in ids:
            ids.append(leaf._id)
            values.append(leaf._value)
    return ids, values


# -- the Tensor facade: PyTorch's reentrant checkpoint -------------------------------------

def _tensor_checkpoint_needed(leaves: list) -> bool:
    return is_grad_enabled() and any(is_tensor(x) and x._rg for x in leaves)


def _remat_tensors(fun: Callable, args: tuple, kwargs: dict, leaves: list) -> Any:
    with no_grad():
        out = fun(*args, **kwargs)
    spec_out = OutSpec.of(out)
    out_leaves = spec_out.leaves_of(out)
    if not spec_out.n:
        return out
    rec = _TensorRemat(getattr(fun, "__name__", "checkpoint"), fun, args, kwargs, leaves,
                       spec_out)
    packed = spec_out.pack([concrete(x) for x in out_leaves])
    node = record_tensor_node(checkpoint_p, leaves, rec, packed, "CheckpointBackward")
    return spec_out.rebuild(spec_out.unpack(node), out_leaves)


class _TensorRemat(CallRecord):
    def __init__(self, name: str, fun: Callable, args: tuple, kwargs: dict, leaves: list,
                 spec_out: OutSpec):
        self.name, self.fun, self.spec_out = name, fun, spec_out
        self.in_tree = tree_flatten((args, kwargs))[1]
        self.requires = [is_tensor(x) and x._rg for x in leaves]
        self.was_tensor = [is_tensor(x) for x in leaves]

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        from ..tensors import tensor  # (the facade is above calls/)
        from ..tensors._engine import backward  # (the facade is above calls/)
        if is_tensor(ct):
            raise RuntimeError("checkpoint on Tensors does not support create_graph=True "
                               "(double backward); use the functional API "
                               "(functrace.grad of a checkpointed function) instead")
        detached = [tensor(x, requires_grad=True) if rg else (as_tensor(x) if t else x)
                    for x, rg, t in zip(ins, self.requires, self.was_tensor)]
        args, kwargs = tree_unflatten(self.in_tree, detached)
        with enable_grad():
            out = self.fun(*args, **kwargs)
            outs = self.spec_out.leaves_of(out)
            outs = [outs[i] for i in self.spec_out.diff]
            cts = self.spec_out.unpack(np.asarray(ct))
        pairs = [(o, c) for o, c in zip(outs, cts) if is_tensor(o) and o._rg]
        if pairs:
            backward([o for o, _ in pairs], [c for _, c in pairs])
        return [d._grad._data if rg and d._grad is not None else None
                for d, rg in zip(detached, self.requires)]


__all__ = ["checkpoint", "remat"]
