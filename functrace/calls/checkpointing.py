"""Gradient checkpointing (rematerialisation): :func:`checkpoint`, alias :func:`remat`.

A checkpointed function's intermediate values are not kept for the backward
pass; the backward pass recomputes them from the function's inputs.

How, per situation:

* **reverse mode** (the current trace is a reverse trace, e.g. inside ``grad``):
  the function runs once, normally, under the trace's ``block`` residual policy
  (:mod:`functrace.tape`: its equations keep their constant inputs and the
  values they read from before the block, not the block's own intermediates).
  The equations it appended to the tape are then cut out and replaced by one
  ``checkpoint`` equation whose inputs are every tape value the
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

from ..argnums import check_callable
from ..core import Call, call_under, concrete, current_trace
from ..grad_mode import enable_grad, no_grad
from ..reverse import ReverseTrace, ReverseTracer
from ..tape import block
from ..tree import tree_flatten, tree_unflatten
from .record import CallRecord, OutSpec, call_primitive, last_uses, replay, skeleton, vjp_leaves

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
        return current_trace().process_call(_Checkpoint(fun, args, kwargs), leaves)

    return checkpointed


class _Checkpoint(Call):
    """One call of a checkpointed function: how each trace runs it (C1)."""

    __slots__ = ("fun", "args", "kwargs")

    def __init__(self, fun: Callable, args: tuple, kwargs: dict):
        self.fun, self.args, self.kwargs = fun, args, kwargs

    def __call__(self) -> Any:
        return self.fun(*self.args, **self.kwargs)

    def run(self, leaves: Sequence[Any]) -> Any:
        # No transform owns an argument, but the block may read traced values through
        # its closure: the current trace rematerialises it if it records a tape.
        trace = current_trace()
        return self.reverse(trace, leaves) if isinstance(trace, ReverseTrace) else self()

    def bind(self, trace: Any, leaves: Sequence[Any]) -> Any:
        return self()          # vmap, jit, ...: nothing is saved, so nothing to recompute

    def reverse(self, trace: Any, leaves: Sequence[Any]) -> Any:
        # only the trace that records the block's operations can cut them out
        return _remat_reverse(trace, self) if trace is current_trace() else self()

    def forward(self, trace: Any, leaves: Sequence[Any]) -> Any:
        return self()

    def tensors(self, facade: Any, leaves: Sequence[Any]) -> Any:
        return _remat_tensors(facade, self, list(leaves))


remat = checkpoint


# -- reverse mode: cut the block out of the tape ----------------------------------------

def _remat_reverse(trace: ReverseTrace, call: _Checkpoint) -> Any:
    start = len(trace.eqns)
    residuals = trace.residuals
    try:        # (an interrupt must not leave the block's policy on the trace)
        if not residuals.keep_all:                 # keep what the replay needs, no more
            trace.residuals = block(trace.next_id)
        out = call()
    finally:
        trace.residuals = residuals
    block_eqns = trace.eqns[start:]
    leaves, tree = tree_flatten(out)
    diff = [i for i, x in enumerate(leaves) if type(x) is ReverseTracer and x._trace is trace]
    if not block_eqns or not diff:
        return out
    del trace.eqns[start:]
    spec_out = OutSpec(tree, leaves, diff)
    rec = _Remat(getattr(call.fun, "__name__", "checkpoint"), block_eqns, spec_out, leaves)
    packed = call_under(trace.parent, spec_out.pack,
                        [x._value if i in diff else x for i, x in enumerate(leaves)])
    tracer = trace.record(checkpoint_p, {"fun": rec}, rec.ext_ids, list(rec.ext_values), packed)
    return spec_out.rebuild(spec_out.unpack(tracer), leaves)


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

def _remat_tensors(facade: Any, call: _Checkpoint, leaves: list) -> Any:
    with no_grad():
        out = call()
    spec_out = OutSpec.of(out)
    out_leaves = spec_out.leaves_of(out)
    if not spec_out.n:
        return out
    rec = _TensorRemat(facade, call, leaves, spec_out)
    packed = spec_out.pack([concrete(x) for x in out_leaves])
    node = facade.record(checkpoint_p, leaves, {"fun": rec}, concrete(packed),
                         "CheckpointBackward")
    return spec_out.rebuild(spec_out.unpack(node), out_leaves)


class _TensorRemat(CallRecord):
    def __init__(self, facade: Any, call: _Checkpoint, leaves: list, spec_out: OutSpec):
        self.name = getattr(call.fun, "__name__", "checkpoint")
        self.facade, self.fun, self.spec_out = facade, call.fun, spec_out
        self.in_tree = tree_flatten((call.args, call.kwargs))[1]
        self.requires = [facade.requires_grad(x) for x in leaves]
        self.was_tensor = [type(x) in facade.types for x in leaves]

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        facade = self.facade
        if type(ct) in facade.types:
            raise RuntimeError("checkpoint on Tensors does not support create_graph=True "
                               "(double backward); use the functional API "
                               "(functrace.grad of a checkpointed function) instead")
        detached = [facade.leaf(x) if rg else (facade.constant(x) if t else x)
                    for x, rg, t in zip(ins, self.requires, self.was_tensor)]
        args, kwargs = tree_unflatten(self.in_tree, detached)
        with enable_grad():
            out = self.fun(*args, **kwargs)
            outs = self.spec_out.leaves_of(out)
            outs = [outs[i] for i in self.spec_out.diff]
            cts = self.spec_out.unpack(np.asarray(ct))
        pairs = [(o, c) for o, c in zip(outs, cts) if facade.requires_grad(o)]
        if pairs:
            facade.backward([o for o, _ in pairs], [c for _, c in pairs])
        return [facade.grad_data(d) if rg else None for d, rg in zip(detached, self.requires)]


__all__ = ["checkpoint", "remat"]
