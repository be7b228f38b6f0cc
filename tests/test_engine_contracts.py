"""The engine's written contracts (C1 dispatch, C2 constants, C3 recorder, C6 records),
each stated in the docstring of the module that owns it, and those docstrings' examples."""
import doctest
import importlib

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace import core, tape
from functrace.reverse import ReverseTrace


@pytest.mark.parametrize("module", ["functrace.core", "functrace.tracers", "functrace.tape",
                                    "functrace.argnums"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# -- C3: one recorder, the residual policy as data ----------------------------------------

def _eqns(f, x, residuals=tape.DECLARED):
    trace = ReverseTrace(core.current_trace(), residuals)
    core.call_under(trace, f, trace.new_input(x))
    return trace.eqns


def test_declared_policy_keeps_what_each_primitive_declares():
    sin, exp = _eqns(lambda x: fnp.exp(fnp.sin(x)), np.ones(2))
    assert sin.ins is not None and sin.out is None          # sin saves its input
    assert exp.ins is None and exp.out is not None          # exp saves its output
    assert sin.aval is None and exp.aval is None


def test_all_policy_keeps_every_input_and_the_type():
    for eqn in _eqns(lambda x: fnp.exp(fnp.sin(x)), np.ones(2), tape.ALL):
        assert eqn.ins is not None and eqn.aval == ((2,), np.dtype(np.float64))


def test_a_checkpointed_block_records_under_a_block_policy_on_the_same_trace():
    seen = []

    def block(h):
        trace = core.current_trace()
        seen.append((type(trace), trace.residuals))
        return fnp.exp(fnp.exp(h) * 2.0)

    def f(x):
        y = ft.checkpoint(block)(fnp.sin(x))
        trace = core.current_trace()
        seen.append((type(trace), trace.residuals))
        return y

    eqns = _eqns(f, np.ones(2))
    (cls, inside), (after_cls, after) = seen
    assert cls is ReverseTrace and after_cls is ReverseTrace        # no class swap
    assert inside.block_start == 2 and after is tape.DECLARED     # ids 0, 1: x, sin(x)
    assert [e.prim.name for e in eqns] == ["sin", "checkpoint"]
    # what the replay needs: the block's first exp keeps its input (read from before
    # the block), the multiply keeps its constant but not the block's own exp
    first_exp, mul, _ = eqns[1].params["fun"].eqns
    assert first_exp[4] == [None] and mul[4][1] == 2.0 and mul[4][0] is None


def test_facade_nodes_come_from_the_same_recorder():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    node = x.exp().grad_fn
    assert isinstance(node, tape.Eqn) and node.ins is None and node.out is not None
    assert x.sin().grad_fn.ins is not None and x.sin().grad_fn.aval is None


# -- C6: "nobody records" is one attribute --------------------------------------------------

def test_records_says_whether_anything_records():
    assert ReverseTrace(core.EVAL_TRACE).records is True
    ft.tensor(0.0)                                        # (the facade is installed)
    assert core.EVAL_TRACE.records is True                # it records Tensors: grad mode on
    with ft.no_grad():
        assert core.EVAL_TRACE.records is False
    seen = []

    @ft.custom_vjp
    def f(x):
        return x

    f.defvjp(lambda x: (x, None), lambda _, ct: (seen.append(core.current_trace().records)
                                                 or ct,))
    assert ft.grad(lambda x: (seen.append(core.current_trace().records), f(x))[1])(1.0) == 1.0
    assert seen == [True, False]      # inside grad; its backward pass, which nobody records


def test_kernels_run_in_a_functional_backward_pass_with_the_facade_loaded():
    import functrace.kernels as K
    if not K.is_enabled():
        pytest.skip("compiled kernels are switched off")
    ft.tensor(0.0)
    x = np.linspace(-1, 1, 100_000)
    before = K.kernel_calls()
    np.testing.assert_allclose(ft.grad(lambda v: fnp.sum(fnp.tanh(v)))(x), 1 - np.tanh(x) ** 2)
    assert K.kernel_calls() > before
    t = ft.tensor(x, requires_grad=True)        # create_graph: the rules are recorded
    (g,) = ft.autograd.grad(fnp.tanh(t).sum(), t, create_graph=True)
    (h,) = ft.autograd.grad(g.sum(), t)
    np.testing.assert_allclose(h.numpy(), -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), atol=1e-12)


# -- C2: process never mutates its arguments; transforms lower foreign constants ------------

def test_a_transform_lowers_a_tensor_without_touching_the_arguments():
    from functrace.primitives.arithmetic import multiply_p
    t = ft.tensor([2.0, 3.0], requires_grad=True)
    trace = ReverseTrace(core.current_trace())
    x = trace.new_input(np.ones(2))
    args = [x, t]
    core.call_under(trace, trace.process, multiply_p, args, {})
    assert args[0] is x and args[1] is t                      # not rewritten in place
    (eqn,) = trace.eqns
    assert [type(v) for v in eqn.ins] == [np.ndarray, np.ndarray]
    assert t.grad is None and t.grad_fn is None


class _CountingFacade(core.Facade):
    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def process(self, prim, args, params):
        self.calls += 1
        return self.inner.process(prim, args, params)


def test_the_facade_sees_only_calls_made_outside_every_transform(monkeypatch):
    w = ft.tensor([0.5, -1.0], requires_grad=True)
    spy = _CountingFacade(core.EVAL_TRACE.facade)
    monkeypatch.setattr(core.EVAL_TRACE, "facade", spy)
    x = np.array([1.0, 2.0])
    f = lambda x: fnp.sum(fnp.sin(x * w) + w)
    np.testing.assert_allclose(ft.grad(f)(x), np.cos(x * w.detach().numpy()) * [0.5, -1.0])
    ft.jvp(f, (x,), (x,))
    ft.vmap(lambda r: fnp.sin(r * w))(np.ones((3, 2)))
    ft.hessian(f)(x)
    assert spy.calls == 0 and w.grad is None
    (w * 2.0).sum().backward()                 # outside every transform: the facade records
    assert spy.calls == 2 and w.grad is not None


# -- C1: one dispatch rule --------------------------------------------------------------------

class _Probe(core.Call):
    """A call that says which trace ran it, and how."""

    def __init__(self):
        self.seen = []

    def _ran(self, how, args):
        self.seen.append(how)
        return args[0] * 1.0

    def run(self, args):
        return self._ran("run", args)

    def bind(self, trace, args):
        return self._ran(("bind", trace.name), args)

    def reverse(self, trace, args):
        return self._ran(("reverse", trace.name), args)

    def forward(self, trace, args):
        return self._ran(("forward", trace.name), args)

    def tensors(self, facade, args):
        return self._ran("tensors", args)


def _via(probe, *args):
    return core.current_trace().process_call(probe, list(args))


def test_a_call_goes_to_the_innermost_trace_owning_an_argument():
    p = _Probe()
    x, ys = np.ones(2), np.ones((3, 2))
    _via(p, x)
    ft.grad(lambda v: fnp.sum(_via(p, v)))(x)
    ft.jvp(lambda v: _via(p, v), (x,), (x,))
    ft.vmap(lambda v: _via(p, v))(ys)
    ft.grad(lambda v: fnp.sum(v * _via(p, x)))(x)                    # a constant argument
    ft.grad(lambda v: fnp.sum(ft.vmap(lambda y: _via(p, v) * y)(ys)))(x)   # through vmap
    assert p.seen == ["run", ("reverse", "grad"), ("forward", "jvp"), ("bind", "vmap"), "run",
                      ("reverse", "grad")]


def test_the_facade_runs_calls_made_outside_every_transform_only():
    p = _Probe()
    w = ft.tensor([1.0, 2.0], requires_grad=True)
    _via(p, w)
    with ft.no_grad():
        _via(p, w)
    ft.grad(lambda v: fnp.sum(v * _via(p, w)))(np.ones(2))           # a constant in grad
    _via(p, ft.tensor([1.0]))                                        # requires no grad
    assert p.seen == ["tensors", "run", "run", "run"]


def test_facade_nodes_keep_their_own_visited_mark_and_name():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    y = x.sin()
    z = (y * y).sum()                         # y's node is reached twice
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * np.sin([1.0, 2.0]) * np.cos([1.0, 2.0]))
    assert y.grad_fn.aval is None and y.grad_fn.seen is not None   # aval: printing only

    class Twice(ft.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            return v * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    assert type(Twice.apply(x).grad_fn).__name__ == "TwiceBackward"   # named when recorded
