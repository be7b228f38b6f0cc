"""Custom differentiable operations: :class:`Function` with ``forward``/``backward``.

Each ``Function`` subclass gets one :class:`~functrace.core.Primitive` (not
registered in the primitive table) whose parameters are the call's ``ctx`` and
the output ``index``. Its VJP (an all-arguments rule) calls the user's ``backward``
once per output (the other outputs' gradients are zeros; the results add up by
linearity), and checks the number and shapes of the returned gradients.

* On Tensors, ``apply`` runs ``forward`` under ``no_grad`` and records one
  node per differentiable output (``grad_fn`` named ``<Name>Backward``).
* Inside a functional transform (``functrace.grad``), ``apply`` binds the
  primitive on the tracers: the trace records it like any primitive, and the
  impl runs ``forward`` once on Tensors wrapping the concrete values. Only
  first-order reverse mode is supported there; forward mode and
  differentiating ``backward`` itself raise ``NotImplementedError``.

>>> import functrace as ft
>>> class Cube(ft.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return 3 * x ** 2 * g
>>> x = ft.tensor(2.0, requires_grad=True)
>>> y = Cube.apply(x)
>>> y
tensor(8., grad_fn=<CubeBackward>)
>>> y.backward(); x.grad
tensor(12.)
>>> import numpy as np, functrace
>>> float(functrace.grad(lambda v: Cube.apply(v))(np.float64(2.0)))
12.0
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import EVAL_TRACE, Primitive, Tracer, current_trace
from ..grad_mode import is_grad_enabled, no_grad
from ..primitives.reductions import sum_to_shape
from ..tensors._engine import SECOND_BACKWARD, _modified_error
from ..tensors._graph import TENSOR_TYPES, record_custom
from ..tensors._tensor import Tensor, make, shared_version_counter


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``; any attribute may be set on it."""

    def __init__(self, cls: type, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self._cls = cls
        self._tuple = False
        self._n_out = 1
        self._saved: tuple = ()
        self._versions: tuple = ()
        self._non_diff: set = set()
        self._non_diff_idx: set = set()
        self._outs: Any = None
        self._n_in = len(needs_input_grad)
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors for ``backward`` (read them back with ``ctx.saved_tensors``)."""
        self._saved = tensors
        self._versions = tuple(shared_version_counter(t)[0] if isinstance(t, Tensor) else None
                               for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward`` (checked for in-place changes)."""
        if self._saved is None:
            raise RuntimeError(SECOND_BACKWARD)
        for t, v in zip(self._saved, self._versions):
            if v is not None and t._vc[0] != v:
                name = t._node.name() if t._node is not None else None
                raise _modified_error(t._data, name, t._vc[0], v)
        return self._saved

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs (e.g. indices) that carry no gradient."""
        self._non_diff.update(id(o) for o in outputs)

    def mark_dirty(self, *tensors: Any) -> None:
        """Accepted for compatibility; in-place outputs are treated as new tensors."""

    def set_materialize_grads(self, value: bool) -> None:
        """With ``False``, missing output gradients reach ``backward`` as ``None``."""
        self.materialize_grads = bool(value)


class Function:
    """Base class of custom operations; subclass with static ``forward`` and ``backward``.

    ``forward(ctx, *args)`` computes the outputs (a Tensor or a tuple);
    ``backward(ctx, *grad_outputs)`` returns one gradient (or ``None``) per
    argument of ``forward``. Call it as ``MyFn.apply(*args)``.
    """

    _prim: Any = None

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError("subclasses of autograd.Function must implement forward")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("subclasses of autograd.Function must implement backward")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> None:
        """Optional (PyTorch 2 style): fill ``ctx`` when ``forward`` takes no ``ctx``."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Any:
        if current_trace() is not EVAL_TRACE:
            return _apply_traced(cls, args)
        return _apply_tensors(cls, args)


def _primitive(cls: type) -> Primitive:
    prim = cls.__dict__.get("_prim")
    if prim is None:
        prim = Primitive(cls.__name__, _impl, jvp=_jvp, saves="in", vjp_all=_vjp_all)
        cls._prim = prim
    return prim


def _run_forward(cls: type, ctx: FunctionCtx, args: tuple) -> tuple:
    with no_grad():
        if cls.setup_context is not Function.setup_context:
            out = cls.forward(*args)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args)
    outs = out if isinstance(out, tuple) else (out,)
    ctx._non_diff_idx = {k for k, o in enumerate(outs)
                         if id(o) in ctx._non_diff or not _is_float(o)}
    return out


def _is_float(x: Any) -> bool:
    return np.result_type(x._data if isinstance(x, Tensor) else x).kind in "fc"


def _apply_tensors(cls: type, args: tuple) -> Any:
    needs = tuple(type(a) in TENSOR_TYPES and a._rg for a in args)
    ctx = FunctionCtx(cls, needs)
    out = _run_forward(cls, ctx, args)
    if not (is_grad_enabled() and any(needs)):
        return out
    prim = _primitive(cls)
    outs = out if isinstance(out, tuple) else (out,)
    ctx._outs = [o._data if isinstance(o, Tensor) else np.asarray(o) for o in outs]
    results = []
    for k, o in enumerate(outs):
        if k in ctx._non_diff_idx:
            results.append(o)
            continue
        t = record_custom(prim, args, {"ctx": ctx, "index": k}, ctx._outs[k],
                          f"{cls.__name__}Backward")
        if isinstance(o, Tensor):        # in-place changes of the result reach saved aliases
            t._vc = shared_version_counter(o)
        results.append(t)
    return tuple(results) if isinstance(out, tuple) else results[0]


def _apply_traced(cls: type, args: tuple) -> Any:
    needs = tuple(isinstance(a, Tracer) or (type(a) in TENSOR_TYPES and a._rg) for a in args)
    ctx = FunctionCtx(cls, needs)
    prim = _primitive(cls)
    first = prim.bind(*args, ctx=ctx, index=0)
    if not ctx._tuple:
        return first
    return (first,) + tuple(prim.bind(*args, ctx=ctx, index=k) for k in range(1, ctx._n_out))


def _impl(*primals: Any, ctx: FunctionCtx, index: int) -> Any:
    """Run ``forward`` once on Tensors wrapping ``primals``; return output ``index``."""
    if ctx._outs is None:
        wrapped = tuple(make(np.asarray(p), None, False) if isinstance(p, (np.ndarray, np.generic))
                        else p for p in primals)
        out = _run_forward(ctx._cls, ctx, wrapped)
        ctx._tuple = isinstance(out, tuple)
        outs = out if ctx._tuple else (out,)
        ctx._n_out = len(outs)
        ctx._outs = [o._data if isinstance(o, Tensor) else np.asarray(o) for o in outs]
    return ctx._outs[index]


def _jvp(primals: Any, tangents: Any, out: Any, ctx: FunctionCtx, index: int) -> Any:
    raise NotImplementedError(f"autograd.Function {ctx._cls.__name__} has no forward-mode "
                              "(jvp) rule; use reverse mode (grad, vjp) through it")


def _vjp_all(ct: Any, ins: Any, out: Any, needed: frozenset, ctx: FunctionCtx,
             index: int) -> list:
    if isinstance(ct, Tracer):
        raise NotImplementedError("the backward of an autograd.Function cannot itself be "
                                  "differentiated by functrace transforms (first order only)")
    if index in ctx._non_diff_idx:
        return [None] * len(ins)
    keep = isinstance(ct, Tensor)     # recording a second backward: Tensors, else arrays
    return [None if g is None else _as_cotangent(g, keep)
            for g in _call_backward(ctx, ct, index, ins)]


def _as_cotangent(g: Any, keep: bool) -> Any:
    if keep:
        return g if isinstance(g, Tensor) else make(np.asarray(g), None, False)
    return g._data if isinstance(g, Tensor) else np.asarray(g)


def _call_backward(ctx: FunctionCtx, ct: Any, index: int, ins: Any) -> tuple:
    cls = ctx._cls
    grads_out = []
    for k, o in enumerate(ctx._outs):
        if k == index:
            grads_out.append(ct if isinstance(ct, Tensor) else make(np.asarray(ct), None, False))
        elif ctx.materialize_grads:
            grads_out.append(make(np.zeros_like(o), None, False))
        else:
            grads_out.append(None)
    res = cls.backward(ctx, *grads_out)
    res = res if isinstance(res, tuple) else (res,)
    name = f"{cls.__name__}Backward"
    if len(res) != ctx._n_in:
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {ctx._n_in}, got {len(res)})")
    return tuple(_fit(g, ins[i], i, name) for i, g in enumerate(res))


def _fit(g: Any, x: Any, i: int, name: str) -> Any:
    if g is None:
        return None
    want, got = np.shape(x), np.shape(g)
    if got == want:
        return g
    try:
        if np.broadcast_shapes(want, got) == got:
            return sum_to_shape(g, want)
    except ValueError:
        pass
    raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                       f"{list(got)} but expected shape compatible with {list(want)}")


__all__ = ["Function", "FunctionCtx"]
