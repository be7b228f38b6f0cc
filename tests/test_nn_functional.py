"""``nn.functional`` activations and losses: finite differences on the functional forms
(float32 and float64, order 2, away from kinks), PyTorch's derivatives at the kinks written
out by hand, and the losses' formulas."""
import math

import numpy as np
import pytest

import functrace as ft
import functrace.nn.functional as F
from functrace import nn
from functrace.testing import check_grads

RNG = np.random.default_rng(0)

SMOOTH = {
    "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu,
    "mish": F.mish, "softplus": lambda x: F.softplus(x, beta=2.0, threshold=5.0),
    "elu": lambda x: F.elu(x, 0.7), "selu": F.selu, "celu": lambda x: F.celu(x, 1.5),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "hardtanh": lambda x: F.hardtanh(x, -0.5, 2),
    "relu6": F.relu6, "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid,
    "logsigmoid": F.logsigmoid, "softsign": F.softsign, "tanhshrink": F.tanhshrink,
    "softmin": lambda x: F.softmin(x, dim=-1), "log_softmax": lambda x: F.log_softmax(x, -1),
}


def away_from_kinks(shape, dtype):
    """Values at least 0.1 away from every kink (0, ±0.5, ±1, 2, ±3, 6)."""
    x = RNG.uniform(-7, 7, shape)
    kinks = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0 / 2, 6.0])
    near = np.min(np.abs(x[..., None] - kinks), -1) < 0.1
    return np.where(near, x + 0.25, x).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_activation_gradients_by_finite_differences(name, dtype):
    check_grads(SMOOTH[name], (away_from_kinks((3, 4), dtype),))


def test_prelu_gradients_by_finite_differences():
    x = away_from_kinks((2, 3, 2), np.float64)
    check_grads(F.prelu, (x, np.array([0.1, 0.3, -0.2])))


@pytest.mark.parametrize("fn, x, expected", [
    (F.relu, [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]),
    (F.relu6, [0.0, 3.0, 6.0], [0.0, 1.0, 0.0]),
    (F.hardtanh, [-1.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
    (lambda x: F.leaky_relu(x, 0.1), [0.0, -2.0], [0.1, 0.1]),
    (lambda x: F.elu(x, 0.5), [0.0, 1.0], [0.5, 1.0]),
    (F.hardswish, [-3.0, 3.0, 0.0], [0.0, 1.0, 0.5]),
    (F.hardsigmoid, [-3.0, 3.0, 0.0], [0.0, 0.0, 1 / 6]),
    (lambda x: F.softplus(x, 1.0, 2.0), [2.0, 2.5], [1 / (1 + math.exp(-2.0)), 1.0]),
])
def test_derivatives_at_the_kinks_are_pytorchs(fn, x, expected):
    t = ft.tensor(x, requires_grad=True)
    fn(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(ft.grad(lambda a: fn(a).sum())(np.array(x)), expected,
                               rtol=1e-6)


@pytest.mark.parametrize("name", ["relu", "hardtanh", "elu", "leaky_relu", "silu", "gelu",
                                  "softplus", "hardswish", "mish"])
def test_activations_keep_float32(name):
    out = getattr(F, name)(ft.randn(4, dtype=ft.float32))
    assert out.dtype == np.float32


def test_inplace_on_a_leaf_that_requires_grad_raises():
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(ft.ones(2, requires_grad=True), inplace=True)


def test_softmax_without_dim_warns_and_picks_pytorchs_dim():
    x = ft.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(x)
    np.testing.assert_allclose(out.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)


def test_dropout2d_zeroes_whole_channels():
    ft.manual_seed(0)
    out = F.dropout2d(ft.ones(4, 50, 3, 3), 0.5).numpy()
    per_channel = out.reshape(4, 50, 9)
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    assert ft.equal(nn.Dropout2d(0.5).eval()(ft.ones(2, 3, 2, 2)), ft.ones(2, 3, 2, 2))
    unbatched = F.dropout1d(ft.ones(30, 4), 0.5).numpy()
    assert (unbatched.min(-1) == unbatched.max(-1)).all()
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(ft.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(ft.ones(2, 3, 4, 5))


# -- losses ------------------------------------------------------------------------------------

LOSS_FNS = {
    "huber": lambda x, t: F.huber_loss(x, t, delta=0.5),
    "smooth_l1": lambda x, t: F.smooth_l1_loss(x, t, beta=0.3),
    "kl_div": lambda x, t: F.kl_div(x, t, reduction="batchmean"),
    "kl_div_log": lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True),
    "bce": lambda x, t: F.binary_cross_entropy(F.sigmoid(x), t, weight=np.array([1.0, 2.0,
                                                                                  0.5])),
    "bce_logits_pos": lambda x, t: F.binary_cross_entropy_with_logits(
        x, t, pos_weight=np.array([0.5, 3.0, 1.0]), reduction="sum"),
    "ce_smooth": lambda x, t: F.cross_entropy(x, np.array([0, 2, 1, 2]), weight=np.array(
        [1.0, 0.5, 2.0]), label_smoothing=0.2),
    "ce_soft": lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
    "cosine_embedding": lambda x, t: F.cosine_embedding_loss(x, t, np.array([1, -1, -1, 1]),
                                                             margin=-0.5),
}


def huber_away_from_kinks(dtype):
    x = RNG.standard_normal((4, 3))
    t = x + np.where(RNG.random((4, 3)) < 0.5, 0.1, 0.9) * np.sign(RNG.standard_normal((4, 3)))
    return x.astype(dtype), t.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(LOSS_FNS))
def test_loss_gradients_by_finite_differences(name, dtype):
    if name in ("huber", "smooth_l1"):
        x, t = huber_away_from_kinks(dtype)
    else:
        x = RNG.standard_normal((4, 3)).astype(dtype)
        t = RNG.uniform(0.1, 0.9, (4, 3)).astype(dtype)
        if name == "kl_div_log":
            t = np.log(t)
    if name in ("kl_div", "ce_soft"):
        t = t / t.sum(1, keepdims=True)
    with np.errstate(all="ignore"):
        check_grads(LOSS_FNS[name], (x, t))


def test_huber_and_smooth_l1_formulas():
    x, t = ft.tensor([0.0, 0.0, 0.0]), ft.tensor([0.2, 1.0, -3.0])
    assert F.huber_loss(x, t, reduction="none").tolist() == pytest.approx([0.02, 0.5, 2.5])
    assert F.smooth_l1_loss(x, t, reduction="none", beta=0.5).tolist() == pytest.approx(
        [0.04, 0.75, 2.75])
    assert F.smooth_l1_loss(x, t, beta=0.0).item() == pytest.approx(4.2 / 3)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        F.huber_loss(x, t, delta=0.0)


def test_kl_div_gradient_reaches_the_target():
    p = ft.tensor([0.2, 0.8], requires_grad=True)
    logq = ft.tensor([math.log(0.5), math.log(0.5)])
    F.kl_div(logq, p, reduction="sum").backward()
    expected = [math.log(0.2) + 1 - math.log(0.5), math.log(0.8) + 1 - math.log(0.5)]
    np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-6)
    zero_target = F.kl_div(logq, ft.tensor([0.0, 1.0]), reduction="sum")
    assert zero_target.item() == pytest.approx(-math.log(0.5))       # 0 log 0 = 0


def test_cross_entropy_label_smoothing_with_class_weights_by_hand():
    logits = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]])
    target, w, eps = np.array([1, 0]), np.array([0.5, 2.0, 1.0]), 0.3
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    nll = -(w[target] * logp[[0, 1], target]).sum() / w[target].sum()
    smooth = -(logp * w).sum() / w[target].sum()
    expected = (1 - eps) * nll + eps / 3 * smooth
    got = F.cross_entropy(ft.tensor(logits), ft.tensor(target), weight=ft.tensor(w),
                          label_smoothing=eps)
    assert got.item() == pytest.approx(expected, rel=1e-12)
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(ft.tensor(logits), ft.tensor(target), label_smoothing=1.5)


def test_bce_checks_shapes_and_range():
    with pytest.raises(ValueError, match="Using a target size"):
        F.binary_cross_entropy(ft.tensor([[0.5], [0.5]]), ft.tensor([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ft.tensor([1.5]), ft.tensor([1.0]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(ft.tensor([[0.5], [0.5]]), ft.tensor([1.0, 0.0]))


def test_cosine_embedding_loss_by_hand():
    a, b = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    out = F.cosine_embedding_loss(ft.tensor(a), ft.tensor(b), ft.tensor([1, -1]), margin=0.5,
                                  reduction="none")
    np.testing.assert_allclose(out.numpy(), [1.0, 1 / math.sqrt(2) - 0.5], rtol=1e-6)
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors"):
        F.cosine_embedding_loss(ft.ones(3), ft.ones(3), ft.tensor([1]))


def test_legacy_reduction_arguments_map_and_warn():
    x, t = ft.tensor([1.0, 2.0]), ft.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.mse_loss(x, t, size_average=False).item() == 5.0
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.L1Loss(reduce=False)(x, t).tolist() == [1.0, 2.0]
