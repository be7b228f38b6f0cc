"""The ``odeint`` primitive: an ODE solve differentiable by the adjoint method.

``odeint_p`` takes one packed input vector ``[y0, t, *args]`` (the layout is a
static parameter, so one VJP call gives every cotangent) and returns ``y`` at each
time of ``t``, solved by :mod:`functrace.scipy._dopri5` with the user's
``func(y, t, *args)`` evaluated on numpy arrays.

* VJP: the adjoint method (as in JAX and HIPS autograd): between consecutive output
  times, the augmented system ``(y, a, t0_bar, args_bar)`` with
  ``da/ds = a^T df/dy``, ``d args_bar/ds = a^T df/dargs``, ``d t0_bar/ds = a^T df/dt``
  is solved backwards (in ``s = -t``) by another ``odeint_p``, whose dynamics take
  ``functrace.vjp`` of ``func``; each output time gets ``ct_i . f(y_i, t_i)``.
* JVP: forward sensitivities, ``d(ydot)/dt = df/dy ydot + df/dargs argsdot`` solved
  with ``y`` by another ``odeint_p`` (dynamics by ``functrace.jvp``), plus
  ``f(y_i, t_i) tdot_i`` at each output time.

Both rules are themselves ``odeint_p`` solves, so derivatives of every order exist
(each order is one more nested solve). ``vmap`` solves example by example (every
example keeps its own step sizes, so the results equal a loop's).

It lives beside ``functrace.scipy.integrate``, not in ``functrace.primitives``: its
rules are transforms (``functrace.vjp``/``jvp`` of the user's ``func``), so it sits
above the API layer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import api
from .. import numpy as fnp
from ..core import is_tracer
from ..primitives import batch_rules as B
from ..registry import defprimitive
from ._dopri5 import integrate


@dataclass(frozen=True)
class OdeLayout:
    """Shapes of the pieces of the packed input ``[y0, t, *args]``."""

    y_shape: tuple
    n_t: int
    arg_shapes: tuple

    @property
    def y_size(self) -> int:
        return math.prod(self.y_shape)

    def arg_sizes(self) -> list:
        return [math.prod(s) for s in self.arg_shapes]

    def pack(self, y0: Any, t: Any, args: Any) -> Any:
        pieces = [fnp.ravel(y0), fnp.ravel(t)] + [fnp.ravel(a) for a in args]
        return fnp.concatenate(pieces)

    def unpack(self, packed: Any) -> tuple:
        """``(y0, t, args)`` from a packed vector (numpy or traced)."""
        ny = self.y_size
        y0 = fnp.reshape(packed[:ny], self.y_shape)
        t = packed[ny:ny + self.n_t]
        start, args = ny + self.n_t, []
        for shape, size in zip(self.arg_shapes, self.arg_sizes()):
            args.append(fnp.reshape(packed[start:start + size], shape))
            start += size
        return y0, t, args


def _numpy_rhs(func: Callable, layout: OdeLayout, args: list) -> Callable:
    def rhs(y: np.ndarray, t: float) -> np.ndarray:
        dy = func(y.reshape(layout.y_shape), np.float64(t), *args)
        if is_tracer(dy):
            raise TypeError("odeint: func returned a traced value for constant inputs: it "
                            "closes over a value that is being differentiated or batched. "
                            "Pass such values to odeint as extra arguments (*args).")
        dy = np.asarray(dy, np.float64)
        if dy.shape != layout.y_shape:
            raise ValueError(f"odeint: func returned shape {dy.shape}, but y has shape "
                             f"{layout.y_shape}")
        return dy.ravel()
    return rhs


def _odeint_impl(packed, func, layout, rtol, atol, mxstep, hmax):
    packed = np.asarray(packed)
    y0, t, args = layout.unpack(packed.astype(np.float64))
    if np.any(np.diff(t) <= 0):
        raise ValueError(f"odeint: t must be strictly increasing, got {t}")
    ys = integrate(_numpy_rhs(func, layout, args), y0, t, rtol, atol, mxstep, hmax)
    return ys.reshape((layout.n_t,) + layout.y_shape).astype(packed.dtype, copy=False)


class AdjointDynamics:
    """``(y, a, t0_bar, args_bar)' `` in reversed time ``s = -t`` (see the module)."""

    def __init__(self, func: Callable, layout: OdeLayout):
        self.func, self.layout = func, layout

    def __call__(self, state: Any, s: Any, *args: Any) -> Any:
        ny, shape = self.layout.y_size, self.layout.y_shape
        y = fnp.reshape(state[:ny], shape)
        a = fnp.reshape(state[ny:2 * ny], shape)
        y_dot, f_vjp = api.vjp(self.func, y, -s, *args)
        cts = f_vjp(a)
        pieces = [-fnp.ravel(y_dot), fnp.ravel(cts[0]), fnp.reshape(cts[1], (1,))]
        return fnp.concatenate(pieces + [fnp.ravel(c) for c in cts[2:]])


class TangentDynamics:
    """``(y, ydot)'`` for forward sensitivities; ``args`` holds the arguments and then
    their tangents."""

    def __init__(self, func: Callable, layout: OdeLayout):
        self.func, self.layout = func, layout

    def __call__(self, state: Any, t: Any, *args_and_tangents: Any) -> Any:
        ny, shape = self.layout.y_size, self.layout.y_shape
        k = len(args_and_tangents) // 2
        args, arg_tangents = args_and_tangents[:k], args_and_tangents[k:]
        y = fnp.reshape(state[:ny], shape)
        y_dot = fnp.reshape(state[ny:], shape)

        def at_t(y_, *a):
            return self.func(y_, t, *a)
        f, f_dot = api.jvp(at_t, (y, *args), (y_dot, *arg_tangents))
        return fnp.concatenate([fnp.ravel(f), fnp.ravel(f_dot)])


def _odeint_vjp(ct, ins, out, argnum, func, layout, **solver):
    y0, t, args = layout.unpack(ins[0])
    ny, n = layout.y_size, layout.n_t
    aug_layout = OdeLayout((2 * ny + 1 + sum(layout.arg_sizes()),), 2, layout.arg_shapes)
    dynamics = AdjointDynamics(func, layout)
    a = fnp.ravel(ct[n - 1])
    t0_bar = fnp.zeros((1,), dtype=a.dtype)
    args_bar = fnp.zeros((sum(layout.arg_sizes()),), dtype=a.dtype)
    t_bars = []
    for i in range(n - 1, 0, -1):
        t_bar = fnp.reshape(fnp.sum(func(out[i], t[i], *args) * ct[i]), (1,))
        t_bars.append(t_bar)
        state = fnp.concatenate([fnp.ravel(out[i]), a, t0_bar - t_bar, args_bar])
        times = fnp.stack([-t[i], -t[i - 1]])
        end = odeint_p.bind(aug_layout.pack(state, times, args), func=dynamics,
                            layout=aug_layout, **solver)[1]
        a = end[ny:2 * ny] + fnp.ravel(ct[i - 1])
        t0_bar, args_bar = end[2 * ny:2 * ny + 1], end[2 * ny + 1:]
    t_bar_all = fnp.concatenate([t0_bar] + t_bars[::-1])
    return fnp.concatenate([a, t_bar_all, args_bar])


def _odeint_jvp(primals, tangents, out, func, layout, **solver):
    y0, t, args = layout.unpack(primals[0])
    dy0, dt, dargs = layout.unpack(tangents[0])
    ny, n = layout.y_size, layout.n_t
    start = dy0 - func(y0, t[0], *args) * dt[0]
    tan_layout = OdeLayout((2 * ny,), n, layout.arg_shapes * 2)
    state = fnp.concatenate([fnp.ravel(y0), fnp.ravel(start)])
    sol = odeint_p.bind(tan_layout.pack(state, t, list(args) + list(dargs)),
                        func=TangentDynamics(func, layout), layout=tan_layout, **solver)
    moved = fnp.reshape(sol[:, ny:], (n,) + layout.y_shape)
    slopes = fnp.stack([func(out[i], t[i], *args) for i in range(n)])
    return moved + slopes * fnp.reshape(dt, (n,) + (1,) * len(layout.y_shape))


def _odeint_batch(args, dims, **params):
    """One solve per example (each keeps its own adaptive steps)."""
    packed = B.to_front(args[0], dims[0])
    size = B.shape_of(packed)[0]
    return fnp.stack([odeint_p.bind(packed[b], **params) for b in range(size)]), 0


odeint_p = defprimitive("odeint", _odeint_impl, _odeint_vjp, _odeint_jvp, saves="both",
                        batch=_odeint_batch)
