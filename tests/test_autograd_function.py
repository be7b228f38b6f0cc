"""Custom operations with ``ft.autograd.Function``, on Tensors and inside ``functrace.grad``."""
import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp


class MyReLU(ft.autograd.Function):
    """The PyTorch tutorial's custom ReLU."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[x < 0] = 0
        return grad_input


class LegendreP3(ft.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2, P3'(x) = (15x^2 - 3) / 2 (the PyTorch tutorial's example)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 1.5 * (5 * x ** 2 - 1)


class ScaleBy(ft.autograd.Function):
    """Two inputs, one of them a Python number (its gradient is None)."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        ctx.flags = ctx.needs_input_grad
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class SortWithIndices(ft.autograd.Function):
    """Two outputs; the indices are marked non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        idx = x.argsort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return x[idx], idx

    @staticmethod
    def backward(ctx, g, g_idx):
        (idx,) = ctx.saved_tensors
        out = ft.zeros_like(g)
        out[idx] = g
        return out


def test_custom_relu_forward_backward_and_name():
    x = ft.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = MyReLU.apply(x)
    assert y.tolist() == [0.0, 2.0, 3.0]
    assert y.grad_fn.name() == "MyReLUBackward"
    assert y.grad_fn.next_functions[0][0].variable is x
    (y * ft.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 3.0]


def test_saved_tensors_and_needs_input_grad():
    x = ft.tensor([0.5, 2.0], requires_grad=True)
    LegendreP3.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.5 * (5 * np.array([0.5, 2.0]) ** 2 - 1))
    y = ScaleBy.apply(x, 3.0)
    assert y.grad_fn.name() == "ScaleByBackward"
    x.grad = None
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_needs_input_grad_reflects_the_inputs():
    ctxs = []

    class Probe(ft.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctxs.append(ctx.needs_input_grad)
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    Probe.apply(ft.ones(2, requires_grad=True), ft.ones(2))
    assert ctxs == [(True, False)]


def test_mark_non_differentiable_and_two_outputs():
    x = ft.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, idx = SortWithIndices.apply(x)
    assert values.tolist() == [1.0, 2.0, 3.0] and idx.tolist() == [1, 2, 0]
    assert values.requires_grad and not idx.requires_grad
    (values * ft.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_wrong_number_of_gradients_raises():
    class Bad(ft.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = ft.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number "
                                           r"of gradients \(expected 2, got 1\)"):
        Bad.apply(x, x).sum().backward()


def test_wrong_gradient_shape_raises():
    class BadShape(ft.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return ft.ones(5)

    with pytest.raises(RuntimeError, match=r"returned an invalid gradient at index 0 - got "
                                           r"\[5\] but expected shape compatible with \[3\]"):
        BadShape.apply(ft.ones(3, requires_grad=True)).backward()


def test_no_graph_without_requires_grad_or_under_no_grad():
    y = MyReLU.apply(ft.tensor([-1.0, 1.0]))
    assert y.grad_fn is None
    with ft.no_grad():
        assert MyReLU.apply(ft.ones(2, requires_grad=True)).grad_fn is None


def test_saved_tensor_modified_in_place_raises():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = LegendreP3.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_second_backward_without_retain_graph_raises():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    y = LegendreP3.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_double_backward_through_a_differentiable_backward():
    x = ft.tensor(2.0, requires_grad=True)
    (g,) = ft.autograd.grad(LegendreP3.apply(x), x, create_graph=True)
    assert g.item() == 28.5                          # 1.5 (5 x^2 - 1)
    (h,) = ft.autograd.grad(g, x)
    assert h.item() == 30.0                          # 15 x


def test_custom_function_inside_functrace_grad():
    g = ft.grad(lambda v: fnp.sum(MyReLU.apply(v) * np.array([1.0, 2.0, 3.0])))(
        np.array([-1.0, 2.0, 3.0]))
    assert g.tolist() == [0.0, 2.0, 3.0]
    g3 = ft.grad(lambda v: LegendreP3.apply(v) * 2.0)(np.float64(0.5))
    assert np.isclose(g3, 2 * 1.5 * (5 * 0.25 - 1))
    vals = ft.grad(lambda v: fnp.sum(SortWithIndices.apply(v)[0] * np.arange(3.0)))(
        np.array([3.0, 1.0, 2.0]))
    assert vals.tolist() == [2.0, 0.0, 1.0]


def test_custom_function_inside_grad_runs_forward_once():
    calls = []

    class Counted(ft.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            calls.append(1)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    assert ft.grad(lambda v: Counted.apply(v))(1.0) == 2.0
    assert len(calls) == 1


def test_forward_mode_through_custom_function_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="forward-mode"):
        ft.jvp(lambda v: MyReLU.apply(v), (np.ones(2),), (np.ones(2),))


def test_setup_context_style():
    class Square(ft.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = ft.tensor(3.0, requires_grad=True)
    Square.apply(x).backward()
    assert x.grad.item() == 6.0


def test_vmap_through_custom_function_is_a_clear_error():
    """(It used to give every batch element the first one's result.)"""
    with pytest.raises(NotImplementedError, match="no batching rule"):
        ft.vmap(lambda v: LegendreP3.apply(v))(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(NotImplementedError, match="first-order reverse mode"):
        ft.vmap(ft.grad(lambda v: LegendreP3.apply(v)))(np.array([1.0, 2.0, 3.0]))


def test_inside_grad_one_equation_per_differentiable_output():
    tape = ft.make_tape(lambda v: SortWithIndices.apply(v)[0])(np.array([3.0, 1.0, 2.0]))
    assert [e.prim.name for e in tape.eqns] == ["autograd_function"]
    with pytest.raises(NotImplementedError):
        ft.grad(ft.grad(lambda v: LegendreP3.apply(v)))(0.5)
