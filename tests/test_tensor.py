"""Tensor basics: factories, dtypes, attributes, conversions, printing, numpy interop."""
import threading

import numpy as np
import pytest

import functrace as ft


# -- factories and dtypes --------------------------------------------------------------

def test_python_floats_become_float32_and_ints_int64():
    assert ft.tensor(1.5).dtype == ft.float32
    assert ft.tensor([1.0, 2.0]).dtype == np.float32
    assert ft.tensor([1, 2]).dtype == ft.int64
    assert ft.tensor([True, False]).dtype == ft.bool
    assert ft.tensor([1, 2.5]).dtype == ft.float32


def test_numpy_arrays_keep_their_dtype_and_are_copied():
    a = np.arange(3.0)
    t = ft.tensor(a)
    assert t.dtype == ft.float64
    a[0] = 7
    assert t[0].item() == 0.0
    assert ft.tensor(np.float64(2.0)).dtype == ft.float64
    assert ft.tensor(a, dtype=ft.float32).dtype == ft.float32


def test_default_dtype_can_be_changed():
    assert ft.get_default_dtype() == ft.float32
    ft.set_default_dtype(ft.float64)
    try:
        assert ft.tensor(1.0).dtype == ft.float64
        assert ft.zeros(2).dtype == ft.float64
    finally:
        ft.set_default_dtype(ft.float32)
    with pytest.raises(TypeError, match="floating-point"):
        ft.set_default_dtype(ft.int64)


def test_factories():
    assert ft.zeros(2, 3).shape == (2, 3) and ft.zeros((2, 3)).shape == (2, 3)
    assert ft.ones(2).tolist() == [1.0, 1.0]
    assert ft.full((2,), 7).dtype == ft.int64 and ft.full((2,), 7.0).dtype == ft.float32
    assert ft.eye(3).numpy().trace() == 3
    assert ft.arange(5).dtype == ft.int64 and ft.arange(0, 1, 0.25).tolist() == [0, .25, .5, .75]
    assert ft.linspace(0, 1, 5).tolist() == [0, .25, .5, .75, 1]
    assert ft.zeros_like(ft.ones(2, dtype=ft.float64)).dtype == ft.float64
    assert ft.ones_like(ft.zeros(3)).tolist() == [1, 1, 1]
    assert ft.randn_like(ft.zeros(4, 2)).shape == (4, 2)
    assert ft.Tensor([1, 2]).dtype == ft.float32
    assert ft.Tensor(2, 3).shape == (2, 3)
    assert ft.ones(2, requires_grad=True).requires_grad


def test_manual_seed_makes_random_numbers_reproducible():
    ft.manual_seed(123)
    a, b = ft.rand(3), ft.randn(2, 2)
    ft.manual_seed(123)
    assert ft.equal(a, ft.rand(3)) and ft.equal(b, ft.randn(2, 2))
    assert ((a >= 0) & (a < 1)).all()


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        ft.tensor([1, 2], requires_grad=True)
    t = ft.tensor([1, 2])
    with pytest.raises(RuntimeError, match="floating point"):
        t.requires_grad_()


# -- attributes ------------------------------------------------------------------------

def test_shape_size_dim_and_friends():
    t = ft.zeros(2, 3)
    assert t.shape == (2, 3) and isinstance(t.shape, ft.Size)
    assert repr(t.shape) == "functrace.Size([2, 3])"
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-1) == 3
    assert t.dim() == 2 and t.ndim == 2 and t.numel() == 6 and len(t) == 2
    assert t.T.shape == (3, 2) and t.t().shape == (3, 2)
    assert t.view(3, 2).shape == (3, 2) and t.reshape(-1).shape == (6,)
    assert t.view(-1, 2).shape == (3, 2)
    assert t.is_leaf and t.grad_fn is None and t.device == "cpu"


def test_item_tolist_and_python_scalars():
    t = ft.tensor([[1.5]])
    assert t.item() == 1.5 and float(t) == 1.5 and t.tolist() == [[1.5]]
    assert int(ft.tensor(3)) == 3
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        ft.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ft.tensor([1.0, 2.0]))
    assert f"{ft.tensor(2.0):.2f}" == "2.00"


def test_numpy_shares_memory_and_refuses_tensors_that_require_grad():
    t = ft.zeros(3)
    t.numpy()[0] = 5.0
    assert t[0].item() == 5.0
    w = ft.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        w.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(w)
    assert np.asarray(t).tolist() == [5.0, 0.0, 0.0]
    assert w.detach().numpy().shape == (3,)


def test_detach_shares_memory_and_version_counter():
    x = ft.ones(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    d.zero_()
    assert x.sum().item() == 0.0
    assert x._version == d._version == 1


def test_grad_setter_checks_shape_and_dtype():
    x = ft.zeros(3, requires_grad=True)
    x.grad = ft.ones(3)
    assert x.grad.tolist() == [1, 1, 1]
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = ft.ones(4)
    with pytest.raises(RuntimeError, match="different type"):
        x.grad = ft.ones(3, dtype=ft.float64)
    x.grad = None
    assert x.grad is None


def test_requires_grad_only_settable_on_leaves():
    x = ft.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad = False
    x.requires_grad = False
    assert not (x * 2).requires_grad


# -- printing --------------------------------------------------------------------------

@pytest.mark.parametrize("make, text", [
    (lambda: ft.tensor([4.0, 6.0], requires_grad=True) * 1, "tensor([4., 6.], grad_fn=<MulBackward0>)"),
    (lambda: ft.tensor(3.0, requires_grad=True), "tensor(3., requires_grad=True)"),
    (lambda: ft.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
    (lambda: ft.tensor([0.1, 0.25]), "tensor([0.1000, 0.2500])"),
    (lambda: ft.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: ft.tensor([True, False]), "tensor([ True, False])"),
    (lambda: ft.tensor([1.0, 2.0], dtype=ft.float64), "tensor([1., 2.], dtype=functrace.float64)"),
    (lambda: ft.tensor([[1.0, -2.5], [3.0, 4.0]]), "tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])"),
    (lambda: ft.zeros(0), "tensor([])"),
    (lambda: ft.nn.Parameter(ft.ones(1)), "Parameter containing:\ntensor([1.], requires_grad=True)"),
])
def test_repr_looks_like_pytorch(make, text):
    assert repr(make()) == text


def test_big_tensors_are_summarised():
    text = repr(ft.arange(2000))
    assert "..." in text and len(text) < 200


# -- operations: values (gradients are checked in test_tensor_autograd) ------------------

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)

OPS = [
    (lambda t: t + 1, lambda a: a + 1), (lambda t: 2 - t, lambda a: 2 - a),
    (lambda t: t * t, lambda a: a * a), (lambda t: t / 2, lambda a: a / 2),
    (lambda t: t ** 2, lambda a: a ** 2), (lambda t: -t, lambda a: -a),
    (lambda t: t @ t.T, lambda a: a @ a.T), (lambda t: t.exp(), np.exp),
    (lambda t: ft.log(t.abs()), lambda a: np.log(np.abs(a))), (lambda t: t.abs().sqrt(), lambda a: np.sqrt(np.abs(a))),
    (lambda t: t.sin(), np.sin), (lambda t: ft.cos(t), np.cos), (lambda t: t.tanh(), np.tanh),
    (lambda t: t.sigmoid(), lambda a: 1 / (1 + np.exp(-a))), (lambda t: t.relu(), lambda a: np.maximum(a, 0)),
    (lambda t: t.clamp(-0.5, 1.0), lambda a: np.clip(a, -0.5, 1.0)),
    (lambda t: t.clamp(min=0), lambda a: np.clip(a, 0, None)),
    (lambda t: t.sum(), np.sum), (lambda t: t.sum(dim=1), lambda a: a.sum(1)),
    (lambda t: t.sum(1, keepdim=True), lambda a: a.sum(1, keepdims=True)),
    (lambda t: t.mean(dim=0), lambda a: a.mean(0)), (lambda t: t.max(), np.max),
    (lambda t: t.max(dim=1).values, lambda a: a.max(1)), (lambda t: t.max(dim=1)[1], lambda a: a.argmax(1)),
    (lambda t: t.min(dim=0, keepdim=True).values, lambda a: a.min(0, keepdims=True)),
    (lambda t: t.prod(), np.prod), (lambda t: t.var(), lambda a: a.var(ddof=1)),
    (lambda t: t.std(dim=1), lambda a: a.std(1, ddof=1)), (lambda t: t.var(unbiased=False), np.var),
    (lambda t: t.softmax(dim=1), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True)),
    (lambda t: t.log_softmax(dim=0), lambda a: a - np.log(np.exp(a).sum(0))),
    (lambda t: ft.cat([t, t], dim=1), lambda a: np.concatenate([a, a], 1)),
    (lambda t: ft.stack([t, t]), lambda a: np.stack([a, a])),
    (lambda t: ft.where(t > 0, t, 0.0), lambda a: np.where(a > 0, a, 0)),
    (lambda t: t.unsqueeze(0), lambda a: a[None]), (lambda t: t.unsqueeze(-1).squeeze(-1), lambda a: a),
    (lambda t: t.flatten(), np.ravel), (lambda t: t.permute(1, 0), np.transpose),
    (lambda t: t.transpose(0, 1), np.transpose), (lambda t: t[:, 1], lambda a: a[:, 1]),
    (lambda t: t[t > 0], lambda a: a[a > 0]), (lambda t: t[[1, 0]], lambda a: a[[1, 0]]),
    (lambda t: t.argmax(dim=1), lambda a: a.argmax(1)), (lambda t: t.cumsum(dim=1), lambda a: a.cumsum(1)),
    (lambda t: t.expand(3, 2, 3), lambda a: np.broadcast_to(a, (3, 2, 3))),
    (lambda t: t.repeat(2, 1), lambda a: np.tile(a, (2, 1))), (lambda t: t.norm(), np.linalg.norm),
    (lambda t: t.masked_fill(t < 0, 9.0), lambda a: np.where(a < 0, 9, a)),
    (lambda t: t.gather(1, ft.tensor([[0], [2]])), lambda a: a[[0, 1], [0, 2]][:, None]),
    (lambda t: t.to(ft.float64), lambda a: a.astype(np.float64)),
    (lambda t: t.float().long(), lambda a: a.astype(np.int64)),
]


@pytest.mark.parametrize("op, ref", OPS)
def test_operation_values_match_numpy(op, ref):
    out = op(ft.tensor(X))
    assert isinstance(out, ft.Tensor)
    np.testing.assert_allclose(out.numpy(), ref(X), rtol=1e-6, atol=1e-6)


def test_float32_stays_float32():
    t = ft.tensor(X, requires_grad=True)
    out = (t * 2.5 + 1).exp().sum() / 3
    assert out.dtype == ft.float32
    out.backward()
    assert t.grad.dtype == ft.float32


def test_methods_and_functions_agree():
    t = ft.tensor(X)
    assert ft.equal(ft.sum(t, dim=1), t.sum(dim=1))
    assert ft.equal(ft.exp(t), t.exp())
    assert ft.equal(ft.transpose(t, 0, 1), t.transpose(0, 1))
    assert ft.allclose(ft.softmax(t, dim=1), t.softmax(1))


def test_comparisons_give_bool_tensors():
    t = ft.tensor([1.0, 2.0, 3.0])
    assert (t > 1.5).tolist() == [False, True, True]
    assert (t == 2).dtype == ft.bool
    assert ((t > 1) & (t < 3)).tolist() == [False, True, False]
    assert (~(t > 1)).tolist() == [True, False, False]


# -- numpy interop ---------------------------------------------------------------------

def test_numpy_functions_on_tensors_return_tensors_in_the_graph():
    x = ft.tensor([0.0, 1.0], requires_grad=True)
    y = np.exp(x)
    assert isinstance(y, ft.Tensor) and y.grad_fn.name() == "ExpBackward0"
    z = np.sum(np.array([1.0, 2.0]) * y)
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0 * np.e], rtol=1e-6)
    assert np.shape(x) == (2,) and np.ndim(x) == 1


def test_numpy_function_without_rule_raises_on_tensors_that_require_grad():
    x = ft.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(TypeError, match="histogram2d"):
        np.histogram2d(x, x)
    assert np.histogram2d(ft.tensor([0.0, 1.0]), ft.tensor([0.0, 1.0]))[0].shape == (10, 10)


def test_tensors_are_hashable_by_identity():
    a, b = ft.ones(2), ft.ones(2)
    assert len({a, b, a}) == 2


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["thread"] = ft.is_grad_enabled()

    with ft.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        th.join()
        assert not ft.is_grad_enabled()
    assert seen["thread"] is True


# -- bad factory arguments and scalar conversions (issue 8) -----------------------------------

@pytest.mark.parametrize("make", [lambda: ft.zeros(2.5), lambda: ft.ones("3"),
                                  lambda: ft.rand(2.0), lambda: ft.randn(2, None),
                                  lambda: ft.empty((2, 1.5)), lambda: ft.full((True,), 1.0)])
def test_sizes_must_be_ints(make):
    with pytest.raises(TypeError, match="argument 'size' must be tuple of ints"):
        make()


def test_non_numeric_data_and_fill_values_are_refused():
    with pytest.raises(TypeError, match="tensor\\(\\): invalid data type 'str'"):
        ft.tensor("abc")
    with pytest.raises(TypeError, match="fill_value.*must be Number, not str"):
        ft.full((2,), "x")


def test_arange_step_zero():
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ft.arange(0, 5, 0)


def test_scalar_conversions_of_a_tensor_that_requires_grad_work_as_in_pytorch():
    """float(t) warns (once), item()/int() do not, numpy's element assignment
    stores the value; assigning a slice needs __array__, which refuses."""
    import warnings
    import functrace.tensors._tensor as T
    t = ft.tensor([1.5, 2.5], requires_grad=True)
    T._WARNED_FLOAT.clear()
    with pytest.warns(UserWarning, match="requires_grad=True to a scalar"):
        assert float(t[0]) == 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(t[1]) == 2.5 and t[0].item() == 1.5 and int(t[1]) == 2
    out = np.zeros(3)
    out[0] = t[1]
    assert out[0] == 2.5
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        out[0:2] = t
