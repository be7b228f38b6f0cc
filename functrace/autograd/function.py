"""Custom differentiable operations: :class:`Function` with ``forward``/``backward``.

A call ``MyFn.apply(*args)`` is a :class:`functrace.core.Call` (C1 in
:mod:`functrace.core`), run by the trace that owns an argument:

* on Tensors outside every transform, with an input that requires grad and grad
  mode on: ``forward`` runs under ``no_grad`` and one node per differentiable
  output is recorded (``grad_fn`` named ``<Name>Backward``);
* inside a reverse transform (``functrace.grad``, ``vjp``) owning an argument:
  ``forward`` runs once on Tensors wrapping the concrete values and one equation
  per differentiable output is recorded. Only first order: differentiating
  ``backward`` itself, forward mode and ``vmap`` raise ``NotImplementedError``;
* anywhere else ``forward`` just runs.

Every recorded output is the one call primitive ``function_p`` with its own
record (the ``ctx`` and the output's index); the record's all-arguments VJP calls
the user's ``backward`` once per output (the other outputs' gradients are zeros;
the results add up by linearity) and checks the number and shapes of the
returned gradients.

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

from typing import Any, Sequence

import numpy as np

from ..calls.record import CallRecord, call_primitive, unwrap_own
from ..core import Call, Tracer, call_under, current_trace, is_tracer
from ..grad_mode import no_grad
from ..primitives.reductions import sum_to_shape
from ..tensors._engine import SECOND_BACKWARD, _modified_error
from ..tensors._graph import TENSOR_TYPES
from ..tensors._tensor import Tensor, make, shared_version_counter


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``; any attribute may be set on it.

    >>> import functrace as ft
    >>> class Scale(ft.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, factor):
    ...         ctx.factor = factor                     # any attribute
    ...         return x * factor
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g * ctx.factor, None             # no gradient for factor
    >>> x = ft.tensor([1.0, 2.0], requires_grad=True)
    >>> Scale.apply(x, 3.0).sum().backward(); x.grad
    tensor([3., 3.])
    """

    def __init__(self, cls: type, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self._cls = cls
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

    >>> import functrace as ft
    >>> class Clip(ft.autograd.Function):           # straight-through gradient
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x.clamp(-1.0, 1.0)
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g
    >>> x = ft.tensor([-3.0, 0.5], requires_grad=True)
    >>> Clip.apply(x).sum().backward(); x.grad
    tensor([1., 1.])
    """

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
        return current_trace().process_call(_FunctionCall(cls), args)


#: The call primitive of every recorded Function output; it saves the inputs,
#: whose shapes the gradients returned by ``backward`` are checked against.
function_p = call_primitive("autograd_function")


class _FunctionCall(Call):
    """One ``apply``: how each trace runs it (C1)."""

    __slots__ = ("cls",)

    def __init__(self, cls: type):
        self.cls = cls

    def run(self, args: Sequence[Any]) -> Any:
        if any(isinstance(a, Tracer) for a in args):      # (run by functrace.jit's trace)
            raise NotImplementedError(f"autograd.Function {self.cls.__name__} on traced "
                                      "values: it runs on Tensors and under grad/vjp only")
        ctx = FunctionCtx(self.cls, tuple(type(a) in TENSOR_TYPES and a._rg for a in args))
        return _run_forward(self.cls, ctx, tuple(args))

    def tensors(self, facade: Any, args: Sequence[Any]) -> Any:
        args = tuple(args)
        ctx = FunctionCtx(self.cls, tuple(facade.requires_grad(a) for a in args))
        out = _run_forward(self.cls, ctx, args)
        outs = out if isinstance(out, tuple) else (out,)
        ctx._outs = [o._data if isinstance(o, Tensor) else np.asarray(o) for o in outs]
        results = []
        for k, o in enumerate(outs):
            if k in ctx._non_diff_idx:
                results.append(o)
                continue
            t = facade.record(function_p, args, {"fun": _FunctionOutput(ctx, k)}, ctx._outs[k],
                              f"{self.cls.__name__}Backward")
            if isinstance(o, Tensor):    # in-place changes of the result reach saved aliases
                t._vc = shared_version_counter(o)
            results.append(t)
        return tuple(results) if isinstance(out, tuple) else results[0]

    def reverse(self, trace: Any, args: Sequence[Any]) -> Any:
        primals, own = unwrap_own(trace, args)
        if any(is_tracer(p) for p in primals):
            raise NotImplementedError(
                f"autograd.Function {self.cls.__name__} inside {trace.name} inside another "
                "transform: only first-order reverse mode (grad, vjp) runs through it")
        ctx = FunctionCtx(self.cls, tuple(own))
        wrapped = tuple(make(np.asarray(p), None, False) if isinstance(p, (np.ndarray, np.generic))
                        else p for p in primals)
        out = call_under(trace.parent, _run_forward, self.cls, ctx, wrapped)
        outs = out if isinstance(out, tuple) else (out,)
        ctx._outs = [o._data if isinstance(o, Tensor) else np.asarray(o) for o in outs]
        ids = [a._id if o else None for a, o in zip(args, own)]
        results = [value if k in ctx._non_diff_idx else
                   trace.record(function_p, {"fun": _FunctionOutput(ctx, k)}, ids, primals, value)
                   for k, value in enumerate(ctx._outs)]
        return tuple(results) if isinstance(out, tuple) else results[0]

    def forward(self, trace: Any, args: Sequence[Any]) -> Any:
        raise NotImplementedError(f"autograd.Function {self.cls.__name__} has no forward-mode "
                                  "(jvp) rule; use reverse mode (grad, vjp) through it")

    def bind(self, trace: Any, args: Sequence[Any]) -> Any:
        raise NotImplementedError(
            f"autograd.Function {self.cls.__name__} under {trace.name}: it has no batching "
            "rule (functrace runs Functions on Tensors and under grad/vjp only); write the "
            "operation with functrace.custom_vjp, which works under vmap")


def _run_forward(cls: type, ctx: FunctionCtx, args: tuple) -> Any:
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


class _FunctionOutput(CallRecord):
    """The record of one recorded output: ``backward`` gives every input's gradient."""

    def __init__(self, ctx: FunctionCtx, index: int):
        self.ctx, self.index = ctx, index
        self.name = f"{ctx._cls.__name__}:{index}"

    def rule(self) -> Any:
        return self.ctx._cls.backward

    def pullback(self, ct: Any, ins: Sequence[Any]) -> list:
        if isinstance(ct, Tracer):
            raise NotImplementedError("the backward of an autograd.Function cannot itself be "
                                      "differentiated by functrace transforms (first order "
                                      "only)")
        if self.index in self.ctx._non_diff_idx:
            return [None] * len(ins)
        keep = isinstance(ct, Tensor)     # recording a second backward: Tensors, else arrays
        return [None if g is None else _as_cotangent(g, keep)
                for g in _call_backward(self.ctx, ct, self.index, ins)]


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
