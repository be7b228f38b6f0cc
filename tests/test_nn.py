"""``functrace.nn``: modules, parameters, layers, losses, init."""
import math

import numpy as np
import pytest

import functrace as ft
import functrace.nn.functional as F
from functrace import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Sigmoid()
        self.fc2 = nn.Linear(4, 2)
        self.scale = nn.Parameter(ft.ones(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


# -- Module machinery ------------------------------------------------------------------

def test_attribute_registration_and_traversal():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert len(list(net.parameters())) == 5
    assert [type(m).__name__ for m in net.children()] == ["Linear", "Sigmoid", "Linear"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert all(p.requires_grad and isinstance(p, nn.Parameter) for p in net.parameters())


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2


def test_assigning_a_plain_tensor_to_a_parameter_name_raises():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="Parameter or None expected"):
        lin.weight = ft.ones(2, 2)


def test_call_runs_forward_and_records_the_graph():
    net = Net()
    out = net(ft.randn(5, 3))
    assert out.shape == (5, 2) and out.grad_fn.name() == "MulBackward0"
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_train_eval_propagate_and_control_dropout():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert model.training and model[1].training
    model.eval()
    assert not model.training and not model[1].training
    x = ft.ones(1000)
    assert ft.equal(model[1](x), x)
    model.train()
    ft.manual_seed(0)
    y = model[1](x)
    kept = (y != 0).float().mean().item()
    assert 0.4 < kept < 0.6 and set(np.unique(y.numpy())) == {0.0, 2.0}


def test_zero_grad_and_requires_grad_():
    net = Net()
    net(ft.randn(2, 3)).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.fc1.requires_grad_(False)
    net(ft.randn(2, 3)).sum().backward()
    assert net.fc1.weight.grad is None and net.fc2.weight.grad is not None


def test_state_dict_round_trip_and_errors():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert list(sd) == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert not sd["fc1.weight"].requires_grad
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = ft.randn(4, 3)
    assert ft.allclose(a(x), b(x))
    bad = dict(sd)
    del bad["scale"]
    bad["extra"] = ft.ones(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "scale"'):
        b.load_state_dict(bad)
    assert b.load_state_dict(bad, strict=False).missing_keys == ["scale"]
    wrong = dict(sd, **{"fc1.bias": ft.ones(7)})
    with pytest.raises(RuntimeError, match="size mismatch for fc1.bias"):
        b.load_state_dict(wrong)


def test_repr_is_readable():
    assert repr(Net()) == (
        "Net(\n  (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (act): Sigmoid()\n  (fc2): Linear(in_features=4, out_features=2, bias=True)\n)")
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"


def test_containers():
    seq = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and len(seq[:2]) == 2
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    holder = nn.Module()
    holder.layers = layers
    assert len(list(holder.parameters())) == 6
    d = nn.ModuleDict({"a": nn.Linear(1, 1)})
    assert list(d.keys()) == ["a"] and len(list(d.parameters())) == 2


# -- layers --------------------------------------------------------------------------

def test_linear_matches_its_formula_and_pytorch_init_bounds():
    ft.manual_seed(0)
    lin = nn.Linear(16, 5)
    bound = 1 / math.sqrt(16)
    assert lin.weight.shape == (5, 16) and lin.bias.shape == (5,)
    assert lin.weight.abs().max().item() <= bound and lin.bias.abs().max().item() <= bound
    assert lin.weight.std().item() > bound / 3          # really spread over the interval
    x = ft.randn(3, 16)
    expected = x.numpy() @ lin.weight.detach().numpy().T + lin.bias.detach().numpy()
    out = lin(x)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5)
    assert out.grad_fn.name() == "AddmmBackward0"
    assert nn.Linear(2, 3, bias=False).bias is None


def test_activation_modules():
    x = ft.tensor([[-1.0, 0.0, 2.0]])
    assert nn.ReLU()(x).tolist() == [[0.0, 0.0, 2.0]]
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp([[1.0, 0.0, -2.0]])),
                               rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh(x.numpy()), rtol=1e-6)
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).sum(dim=1).numpy(), [1.0], rtol=1e-6)
    assert nn.Flatten()(ft.zeros(2, 3, 4)).shape == (2, 12)
    assert nn.LeakyReLU(0.1)(x).tolist()[0][0] == pytest.approx(-0.1)


# -- losses ---------------------------------------------------------------------------

def test_mse_and_l1_losses_by_hand():
    pred, target = ft.tensor([1.0, 2.0, 4.0]), ft.tensor([1.0, 4.0, 1.0])
    assert nn.MSELoss()(pred, target).item() == pytest.approx((0 + 4 + 9) / 3)
    assert nn.MSELoss(reduction="sum")(pred, target).item() == 13.0
    assert nn.MSELoss(reduction="none")(pred, target).tolist() == [0.0, 4.0, 9.0]
    assert nn.L1Loss()(pred, target).item() == pytest.approx(5 / 3)


def test_cross_entropy_by_hand_and_its_gradient():
    logits = ft.tensor([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]], requires_grad=True)
    target = ft.tensor([0, 2])
    loss = nn.CrossEntropyLoss()(logits, target)
    lse0 = math.log(math.exp(2) + 1 + math.exp(-1))
    expected = ((lse0 - 2.0) + math.log(3.0)) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()
    p = np.exp(logits.detach().numpy())
    p /= p.sum(1, keepdims=True)
    p[[0, 1], [0, 2]] -= 1                         # softmax - one_hot, averaged over 2
    np.testing.assert_allclose(logits.grad.numpy(), p / 2, rtol=1e-5)


def test_cross_entropy_is_numerically_stable():
    logits = ft.tensor([[1000.0, 0.0], [-1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(logits, ft.tensor([0, 0]))
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1000.0, rel=1e-6)
    loss.backward()
    assert np.isfinite(logits.grad.numpy()).all()


def test_cross_entropy_weight_and_ignore_index():
    logits = ft.tensor([[1.0, 2.0], [3.0, 0.5], [0.0, 0.0]])
    target = ft.tensor([1, 0, 1])
    w = ft.tensor([2.0, 0.5])
    logp = F.log_softmax(logits, dim=1).numpy()
    per = -logp[[0, 1, 2], [1, 0, 1]]
    expected = (0.5 * per[0] + 2.0 * per[1] + 0.5 * per[2]) / (0.5 + 2.0 + 0.5)
    assert F.cross_entropy(logits, target, weight=w).item() == pytest.approx(expected, rel=1e-6)
    ignored = F.cross_entropy(logits, ft.tensor([1, -100, 1]))
    assert ignored.item() == pytest.approx((per[0] + per[2]) / 2, rel=1e-6)
    assert nn.NLLLoss()(ft.tensor(logp), target).item() == pytest.approx(per.mean(), rel=1e-6)


def test_binary_cross_entropy_losses():
    p, t = ft.tensor([0.9, 0.2]), ft.tensor([1.0, 0.0])
    expected = -(math.log(0.9) + math.log(0.8)) / 2
    assert nn.BCELoss()(p, t).item() == pytest.approx(expected, rel=1e-6)
    logits = ft.tensor([math.log(9.0), math.log(0.25)])
    assert nn.BCEWithLogitsLoss()(logits, t).item() == pytest.approx(expected, rel=1e-6)
    big = ft.tensor([500.0, -500.0], requires_grad=True)
    loss = nn.BCEWithLogitsLoss()(big, ft.tensor([0.0, 1.0]))
    assert loss.item() == pytest.approx(500.0)
    loss.backward()
    np.testing.assert_allclose(big.grad.numpy(), [0.5, -0.5])


def test_loss_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((4, 3))
    target = ft.tensor([0, 2, 1, 2])
    soft = ft.tensor(rng.random((4, 3)))
    losses = [lambda t: F.cross_entropy(t, target), lambda t: F.mse_loss(t, soft),
              lambda t: F.binary_cross_entropy_with_logits(t, soft),
              lambda t: F.cross_entropy(t, target, label_smoothing=0.2)]
    for fn in losses:
        x = ft.tensor(x0, requires_grad=True)
        fn(x).backward()
        num = np.zeros_like(x0)
        for i in np.ndindex(x0.shape):
            d = np.zeros_like(x0)
            d[i] = 1e-6
            num[i] = (fn(ft.tensor(x0 + d)).item() - fn(ft.tensor(x0 - d)).item()) / 2e-6
        np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-5, atol=1e-8)


def test_invalid_reduction_raises():
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="avg")


# -- init ------------------------------------------------------------------------------

def test_init_functions():
    ft.manual_seed(0)
    w = ft.empty(200, 100)
    nn.init.xavier_uniform_(w)
    assert w.abs().max().item() <= math.sqrt(6 / 300)
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    assert w.abs().max().item() <= math.sqrt(2) * math.sqrt(3 / 100)
    nn.init.normal_(w, 0.0, 0.1)
    assert abs(w.std().item() - 0.1) < 0.005
    nn.init.constant_(w, 0.3)
    assert w.numpy().min() == pytest.approx(0.3)
    nn.init.zeros_(w)
    assert w.sum().item() == 0.0
    nn.init.ones_(w)
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))


def test_init_works_on_parameters_that_require_grad():
    p = nn.Parameter(ft.zeros(3, 3))
    nn.init.uniform_(p, -1, 1)
    assert p.is_leaf and p.requires_grad and p.abs().max().item() <= 1


# -- targets of the class-index losses are checked as PyTorch checks them (issue 8) ---------

@pytest.mark.parametrize("loss", [
    lambda x, t, **kw: nn.CrossEntropyLoss(**kw)(x, t),
    lambda x, t, **kw: F.cross_entropy(x, t, **kw),
    lambda x, t, **kw: F.cross_entropy(x, t, label_smoothing=0.1, **kw),
    lambda x, t, **kw: nn.NLLLoss(**kw)(F.log_softmax(x, dim=1), t),
    lambda x, t, **kw: F.nll_loss(x, t, **kw),
], ids=["CrossEntropyLoss", "cross_entropy", "label_smoothing", "NLLLoss", "nll_loss"])
def test_out_of_bounds_targets_raise_pytorchs_index_error(loss):
    x = ft.tensor([[1.0, 2.0], [0.5, 0.0]])
    for bad in (-1, 2, 7):
        with pytest.raises(IndexError, match=rf"^Target {bad} is out of bounds\.$"):
            loss(x, ft.tensor([0, bad]))
    assert np.isfinite(loss(x, ft.tensor([1, 0])).item())
    # ignore_index entries are skipped, whatever their value
    kept = loss(x, ft.tensor([7, 1]), ignore_index=7)
    np.testing.assert_allclose(kept.item(), loss(x[1:], ft.tensor([1])).item(), rtol=1e-6)


def test_the_issue_example():
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        nn.CrossEntropyLoss()(ft.tensor([[1.0, 2.0]]), ft.tensor([-1]))


def test_out_of_bounds_targets_of_spatial_and_unbatched_inputs():
    with pytest.raises(IndexError, match="Target 3 is out of bounds"):
        F.cross_entropy(ft.zeros(2, 3, 4), ft.tensor([[0, 1, 2, 3], [0, 0, 0, 0]]))
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.cross_entropy(ft.zeros(3), ft.tensor(5))


@pytest.mark.parametrize("target, error, match", [
    (ft.tensor([0.5]), RuntimeError, "expected target dtype to be Long or Byte, but got Float"),
    (ft.tensor([True]), RuntimeError, "expected target dtype to be Long or Byte, but got Bool"),
    (ft.tensor([0, 1]), ValueError, r"Expected input batch_size \(1\) to match target "
                                    r"batch_size \(2\)\."),
    (ft.tensor([[0, 1]]), RuntimeError, "0D or 1D target tensor expected"),
])
def test_malformed_targets(target, error, match):
    with pytest.raises(error, match=match):
        F.nll_loss(ft.tensor([[1.0, 2.0]]), target)


def test_soft_targets_need_the_inputs_shape():
    x = ft.tensor([[1.0, 2.0]])
    np.testing.assert_allclose(F.cross_entropy(x, ft.tensor([[0.3, 0.7]])).item(), 0.6133,
                               atol=1e-4)
    with pytest.raises(RuntimeError, match="but got Float"):
        F.cross_entropy(x, ft.tensor([0.5]))        # was broadcast against the logits


def test_class_weights_must_cover_every_class():
    with pytest.raises(RuntimeError, match="defined either for all 2 classes"):
        F.nll_loss(ft.tensor([[1.0, 2.0]]), ft.tensor([1]), weight=ft.ones(3))


def test_one_hot_checks_its_indices():
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ft.tensor([-1]), 3)          # numpy would wrap around to the last class
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ft.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="index tensor"):
        F.one_hot(ft.tensor([1.5]), 3)
    assert F.one_hot(ft.tensor([1, 0])).tolist() == [[0, 1], [1, 0]]


# -- constructor arguments ------------------------------------------------------------------

@pytest.mark.parametrize("args", [(2.5, 2), ("a", 2), (3, -1), (True, 2)])
def test_linear_sizes_must_be_ints(args):
    with pytest.raises(TypeError, match="Linear: (in|out)_features must be a non-negative int"):
        nn.Linear(*args)


def test_linear_with_no_inputs_initialises():
    layer = nn.Linear(0, 2)
    assert layer(ft.ones(3, 0)).shape == (3, 2)


def test_linear_names_a_width_mismatch_as_pytorch_does():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(5x4 and 3x2\)"):
        nn.Linear(3, 2)(ft.ones(5, 4))


def test_dropout_probability_must_be_a_number():
    with pytest.raises(TypeError, match="dropout probability must be a number"):
        nn.Dropout("0.5")


@pytest.mark.parametrize("make", [lambda: nn.Sequential(nn.ReLU(), 3),
                                  lambda: nn.ModuleList([lambda x: x]),
                                  lambda: nn.Module().add_module("f", "relu")])
def test_containers_hold_modules(make):
    with pytest.raises(TypeError, match="is not a Module subclass"):
        make()
