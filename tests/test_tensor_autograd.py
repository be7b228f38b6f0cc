"""PyTorch autograd semantics of the Tensor facade, each behaviour one test.

Expected numbers are worked out by hand (in comments) or by central finite
differences; torch is not needed.
"""
import warnings

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace.primitives.transcendental import tanh_p
from functrace.testing import reference_point, tolerances
from mutations import break_rules, scale_if


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar function ``f`` (numpy in, float out)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


# -- backward basics -------------------------------------------------------------------

def test_backward_of_x_squared():
    x = ft.tensor(3.0, requires_grad=True)
    (x ** 2).backward()
    assert x.grad.item() == 6.0                      # d x^2 / dx = 2x


def test_grad_accumulates_across_backward_calls():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.grad.zero_()
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_backward_without_gradient_needs_a_scalar_output():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    y = ft.tensor([[3.0]], requires_grad=True)
    (y * 2).backward()                               # one element is fine
    assert y.grad.tolist() == [[2.0]]


def test_backward_with_gradient_is_a_vector_jacobian_product():
    x = ft.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x ** 2
    y.backward(ft.tensor([0.1, 1.0, 0.01]))
    np.testing.assert_allclose(x.grad.numpy(), [0.2, 4.0, 0.06], rtol=1e-6)   # v * 2x


def test_backward_checks_the_gradient_shape():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(ft.ones(3))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and "
                                           "does not have a grad_fn"):
        ft.tensor([1.0]).sum().backward()


def test_second_backward_raises_unless_retain_graph():
    x = ft.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(retain_graph=True)
    y.backward()                                     # allowed: the graph was retained
    assert x.grad.item() == 24.0                     # 2 * 3x^2
    with pytest.raises(RuntimeError, match=r"Trying to backward through the graph a second "
                                           r"time.*Specify retain_graph=True"):
        y.backward()


def test_saved_values_are_released_by_backward():
    x = ft.ones(1000, requires_grad=True)
    y = x.exp()                                      # saves its output
    z = (y * y).sum()                                # saves both inputs
    mul = z.grad_fn.next_functions[0][0]
    z.backward()
    assert mul.ins is None and y.grad_fn.out is None
    kept = (x * 2).exp().sum()
    kept.backward(retain_graph=True)
    assert kept.grad_fn.next_functions[0][0].out is not None


def test_graph_without_saved_tensors_can_be_backwarded_twice():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()                               # add and sum save no tensors (as in PyTorch)
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_broadcast_gradients_are_reduced_to_the_leaf_shape():
    w = ft.ones(3, 2, requires_grad=True)
    b = ft.tensor([1.0, 2.0], requires_grad=True)
    (w * 2 + b).sum().backward()
    assert b.grad.tolist() == [3.0, 3.0] and w.grad.shape == (3, 2)


def test_a_leaf_used_twice_gets_the_sum_of_both_paths():
    x = ft.tensor(3.0, requires_grad=True)
    (x * x + x.sin()).backward()
    assert np.isclose(x.grad.item(), 6 + np.cos(3.0))


# -- non-leaf tensors, retain_grad, hooks -------------------------------------------------

def test_non_leaf_grad_is_none_with_a_warning():
    x = ft.tensor([1.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None


def test_retain_grad_populates_non_leaf_grad():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad.tolist() == [4.0, 8.0]          # d sum(y^2)/dy = 2y


def test_register_hook_can_replace_the_gradient_and_be_removed():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [30.0, 30.0]
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_hook_on_non_leaf_changes_what_flows_further():
    x = ft.tensor(2.0, requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))
    y.register_hook(lambda g: g * 0.5)
    (y ** 2).backward()
    assert seen == [12.0]                            # 2y
    assert x.grad.item() == 18.0                     # 0.5 * 12 * 3


def test_hook_needs_requires_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ft.ones(2).register_hook(lambda g: g)


# -- grad modes ------------------------------------------------------------------------

def test_no_grad_context_and_decorator():
    x = ft.ones(2, requires_grad=True)
    with ft.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @ft.no_grad()
    def f(t):
        return t * 2

    @ft.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert ft.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = ft.ones(2, requires_grad=True)
    with ft.no_grad():
        with ft.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


def test_set_grad_enabled_as_call_context_and_decorator():
    x = ft.ones(2, requires_grad=True)
    with ft.set_grad_enabled(False):
        assert not ft.is_grad_enabled()
    assert ft.is_grad_enabled()
    ft.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ft.set_grad_enabled(True)

    @ft.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert ft.is_grad_enabled() and not f(x).requires_grad


def test_inference_mode():
    x = ft.ones(2, requires_grad=True)
    with ft.inference_mode():
        assert ft.is_inference_mode_enabled() and not (x * 2).requires_grad
    assert not ft.is_inference_mode_enabled() and (x * 2).requires_grad


def test_frozen_parameter_gets_no_grad():
    w = ft.ones(2, requires_grad=True)
    frozen = ft.ones(2, requires_grad=True)
    frozen.requires_grad = False
    (w * frozen).sum().backward()
    assert frozen.grad is None and w.grad.tolist() == [1.0, 1.0]


# -- autograd.grad and higher order -------------------------------------------------------

def test_autograd_grad_returns_a_tuple_and_leaves_grad_untouched():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    y = ft.tensor(3.0, requires_grad=True)
    gx, gy = ft.autograd.grad((x * y).sum(), [x, y])
    assert gx.tolist() == [3.0, 3.0] and gy.item() == 3.0
    assert x.grad is None and y.grad is None


def test_autograd_grad_unused_inputs():
    x, z = ft.ones(2, requires_grad=True), ft.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ft.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = ft.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="does not require grad"):
        ft.autograd.grad((x * 2).sum(), [ft.ones(2)])


def test_autograd_grad_with_respect_to_an_intermediate():
    x = ft.tensor(2.0, requires_grad=True)
    h = x * x
    (g,) = ft.autograd.grad(h.sin(), h, grad_outputs=ft.tensor(2.0))
    assert np.isclose(g.item(), 2 * np.cos(4.0))


def test_create_graph_gives_second_derivatives():
    x = ft.tensor(3.0, requires_grad=True)
    (g,) = ft.autograd.grad(x ** 3, x, create_graph=True)
    assert g.item() == 27.0 and g.requires_grad      # 3x^2
    (h,) = ft.autograd.grad(g, x)
    assert h.item() == 18.0                          # 6x


def test_backward_create_graph_makes_grad_differentiable():
    x = ft.tensor([0.5, 1.0], requires_grad=True)
    (x.sin() * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    x.grad = None
    g.sum().backward()
    a = np.array([0.5, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(a) - a * np.sin(a), rtol=1e-6)


def test_hessian_vector_product_matches_functional_hessian():
    rng = np.random.default_rng(0)
    A, v = rng.standard_normal((3, 3)), rng.standard_normal(3)
    x0 = rng.standard_normal(3)

    def f(x):
        return ((A @ x).tanh() ** 2).sum() if isinstance(x, ft.Tensor) else \
            fnp.sum(fnp.tanh(A @ x) ** 2)

    x = ft.tensor(x0, requires_grad=True)
    (g,) = ft.autograd.grad(f(x), x, create_graph=True)
    (hv,) = ft.autograd.grad(g, x, grad_outputs=ft.tensor(v))
    np.testing.assert_allclose(hv.numpy(), ft.hessian(f)(x0) @ v, rtol=1e-8)


def test_backward_inputs_restricts_accumulation():
    x, y = ft.ones(2, requires_grad=True), ft.ones(2, requires_grad=True)
    (x * y * 2).sum().backward(inputs=[x])
    assert x.grad.tolist() == [2.0, 2.0] and y.grad is None


# -- grad_fn objects ---------------------------------------------------------------------

def test_grad_fn_names_and_next_functions():
    a = ft.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    assert b.grad_fn.name() == "MulBackward0" and type(b.grad_fn).__name__ == "MulBackward0"
    (acc, _), (const, _) = b.grad_fn.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is a and const is None
    s = b.sum()
    assert s.grad_fn.name() == "SumBackward0"
    assert s.grad_fn.next_functions[0][0] is b.grad_fn
    names = {"sigmoid": a.sigmoid(), "mean": a.mean(), "add": a + 1, "pow": a ** 2,
             "exp": a.exp(), "relu": a.relu(), "view": a.view(2, 1), "mm": a @ a,
             "sub": a - 1, "div": a / 2, "tanh": a.tanh(), "sum1": a.sum(dim=0)}
    expected = {"sigmoid": "SigmoidBackward0", "mean": "MeanBackward0", "add": "AddBackward0",
                "pow": "PowBackward0", "exp": "ExpBackward0", "relu": "ReluBackward0",
                "view": "ViewBackward0", "mm": "MmBackward0", "sub": "SubBackward0",
                "div": "DivBackward0", "tanh": "TanhBackward0", "sum1": "SumBackward1"}
    assert {k: v.grad_fn.name() for k, v in names.items()} == expected
    assert repr(b) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_leaves_and_constants():
    x = ft.ones(2, requires_grad=True)
    assert x.is_leaf and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and y.requires_grad
    z = ft.ones(2) * 2
    assert z.is_leaf and not z.requires_grad


def test_deep_chain_of_100000_nodes():
    x = ft.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-5
    y.backward()
    assert x.grad.item() == 1.0


# -- gradients of the facade operations against finite differences ---------------------

X0 = np.array([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]])
GRAD_OPS = {
    "arith": lambda t: (t * 2 - 1) / (t * t + 1) + t ** 3,
    "exp_log": lambda t: t.exp().log1p() + (t * t + 1).log(),
    "trig": lambda t: t.sin() * t.cos() + t.tanh() + ft.atan(t),
    "sigmoid_relu": lambda t: t.sigmoid() + (t - 0.05).relu(),
    "clamp": lambda t: t.clamp(-0.5, 0.5) + t.clamp(min=0.1),
    "matmul": lambda t: t @ t.T.sin() + (t.T @ t).sum(),
    "reductions": lambda t: t.sum(dim=0) * t.mean(dim=1, keepdim=True) + t.prod(dim=0),
    "var_std": lambda t: t.var(dim=1) + t.std() + t.norm(),
    "max_min": lambda t: t.max(dim=1).values + t.min() + t.amax(dim=0).sum(),
    "softmax": lambda t: t.softmax(dim=1) * t.log_softmax(dim=0) + t.logsumexp(1, True),
    "shape": lambda t: ft.cat([t, t.flip(0)], 1).permute(1, 0).reshape(3, 4).unsqueeze(0),
    "index": lambda t: t[:, 1:] * t[0] [1:] + t[[1, 1, 0], 2].sum() + t[t > 0].sum(),
    "gather": lambda t: t.gather(1, ft.tensor([[2, 0], [1, 1]])) ** 2,
    "where": lambda t: ft.where(t > 0, t * t, -t) + t.masked_fill(t < 0, 0.0),
    "stack": lambda t: ft.stack([t, t * 2], dim=2).transpose(0, 2).sum(0),
    "sort": lambda t: t.sort(dim=1).values * ft.arange(3.0),
    "cumsum": lambda t: t.cumsum(dim=1) * t.cumprod(dim=1),
}


def check_op_gradient(name: str, dtype: str) -> None:
    """``.backward()`` of ``sum(op(x) * w)`` in ``dtype`` against central differences
    in float64 at the same point: to 1e-5 in float64, and in float32 within float32
    rounding (``functrace.testing.tolerances``, as ``check_grads`` uses)."""
    op = GRAD_OPS[name]
    x0 = X0.astype(dtype)
    w = np.random.default_rng(1).standard_normal(op(ft.tensor(X0)).shape).astype(dtype)
    x = ft.tensor(x0, requires_grad=True)
    (op(x) * ft.tensor(w)).sum().backward()
    assert x.grad.numpy().dtype == np.dtype(dtype)

    def f(a):
        with ft.no_grad():
            return float((op(ft.tensor(a)) * ft.tensor(w.astype(np.float64))).sum())
    _, atol, rtol = tolerances(x0) if dtype == "float32" else (None, 1e-7, 1e-5)
    expected = numeric_grad(f, reference_point(x0))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(GRAD_OPS))
def test_operation_gradients_match_finite_differences(name, dtype):
    check_op_gradient(name, dtype)


def test_one_percent_float32_error_in_a_rule_is_caught_through_the_facade(monkeypatch):
    break_rules(monkeypatch, tanh_p, "float32")
    check_op_gradient("trig", "float64")
    with pytest.raises(AssertionError):
        check_op_gradient("trig", "float32")


def test_one_percent_float32_error_in_the_facade_engine_is_caught(monkeypatch):
    """The facade's own step (accumulating into ``.grad``) 1% off in float32 only."""
    from functrace.tensors import _engine
    accumulate = _engine.accumulate

    def wrong_accumulate(t, ct, create_graph):
        accumulate(t, scale_if(ct, "float32"), create_graph)
    monkeypatch.setattr(_engine, "accumulate", wrong_accumulate)
    check_op_gradient("arith", "float64")
    with pytest.raises(AssertionError):
        check_op_gradient("arith", "float32")


# -- functional and facade agree -------------------------------------------------------

def test_tensors_act_as_constants_inside_functrace_grad():
    w = ft.tensor([2.0, 3.0], requires_grad=True)
    g = ft.grad(lambda x: (x * w).sum())(np.array([1.0, 1.0]))
    assert isinstance(g, np.ndarray) and g.tolist() == [2.0, 3.0]
    assert w.grad is None


def test_functrace_grad_accepts_tensors_that_do_not_require_grad():
    g = ft.grad(lambda x: fnp.sum(x ** 2))(ft.tensor([1.0, 2.0], dtype=ft.float64))
    assert g.tolist() == [2.0, 4.0]


def test_pow_grad_fn_names_follow_pytorch():
    """x ** 2 -> PowBackward0, x ** y (tensor exponent) -> PowBackward1, 2 ** x -> PowBackward2;
    gradients of x ** y: d/dx = y x^(y-1), d/dy = x^y ln x."""
    x = ft.tensor(2.0, requires_grad=True)
    y = ft.tensor(3.0, requires_grad=True)
    assert type((x ** 2).grad_fn).__name__ == "PowBackward0"
    assert type((2 ** x).grad_fn).__name__ == "PowBackward2"
    z = x ** y
    assert type(z.grad_fn).__name__ == "PowBackward1"
    z.backward()
    assert abs(float(x.grad) - 3.0 * 4.0) < 1e-6
    assert abs(float(y.grad) - 8.0 * np.log(2.0)) < 1e-5
