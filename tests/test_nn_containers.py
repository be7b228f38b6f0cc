"""Containers (ModuleList/Dict, ParameterList/Dict), ``nn.utils`` and ``nn.init``."""
import math

import numpy as np
import pytest

import functrace as ft
from functrace import nn


def test_module_list_operations_and_repr():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    layers.append(nn.ReLU())
    layers.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in layers] == ["Tanh", "Linear", "Linear", "ReLU"]
    assert isinstance(layers[-1], nn.ReLU) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2"]
    layers[2] = nn.Sigmoid()
    layers += [nn.Identity()]
    assert repr(layers) == ("ModuleList(\n  (0-1): 2 x Linear(in_features=2, out_features=2, "
                            "bias=True)\n  (2): Sigmoid()\n  (3): Identity()\n)")
    with pytest.raises(IndexError, match="index 7 is out of range"):
        layers[7]
    assert layers.pop(3).__class__ is nn.Identity and len(layers) == 3


def test_module_dict_operations():
    d = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 1)})
    assert list(d) == ["a", "b"]                         # a plain dict is sorted, as PyTorch
    d.update([("c", nn.Tanh())])
    assert "c" in d and len(d) == 3
    del d["b"]
    assert list(d.keys()) == ["a", "c"] and isinstance(d.pop("c"), nn.Tanh)
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        d.update([("x",)])


def test_parameter_list_registers_and_wraps_tensors():
    holder = nn.Module()
    holder.scales = nn.ParameterList([ft.ones(2), nn.Parameter(ft.zeros(3))])
    holder.scales.append(ft.ones(1))
    assert [n for n, _ in holder.named_parameters()] == ["scales.0", "scales.1", "scales.2"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in holder.scales)
    assert list(holder.state_dict()) == ["scales.0", "scales.1", "scales.2"]
    assert repr(holder.scales) == (
        "ParameterList(\n    (0): Parameter containing: [functrace.float32 of size 2]\n"
        "    (1): Parameter containing: [functrace.float32 of size 3]\n"
        "    (2): Parameter containing: [functrace.float32 of size 1]\n)")
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        holder.scales(1)
    with pytest.raises(TypeError, match="should be called with an iterable"):
        holder.scales.extend(ft.ones(2))


def test_parameter_dict():
    pd = nn.ParameterDict({"w": ft.ones(2, 2)})
    pd["b"] = ft.zeros(2)
    assert list(pd) == ["w", "b"] and isinstance(pd["b"], nn.Parameter)
    assert [n for n, _ in pd.named_parameters()] == ["w", "b"]
    assert pd.get("missing") is None and "w" in pd
    merged = pd | nn.ParameterDict({"c": ft.ones(1)})
    assert list(merged) == ["w", "b", "c"] and len(pd) == 2
    assert pd.pop("w").shape == (2, 2) and list(pd.keys()) == ["b"]
    with pytest.raises(TypeError, match="not a string"):
        pd[0] = ft.ones(1)


def test_containers_train_and_optimise_together():
    model = nn.ModuleDict({"emb": nn.Embedding(5, 3),
                           "rnn": nn.GRU(3, 4, batch_first=True),
                           "head": nn.Sequential(nn.LayerNorm(4), nn.Linear(4, 2))})
    opt = ft.optim.Adam(model.parameters(), lr=0.05)
    idx, target = ft.tensor([[0, 1, 2], [3, 4, 0]]), ft.tensor([0, 1])
    losses = []
    for _ in range(30):
        opt.zero_grad()
        out, h = model["rnn"](model["emb"](idx))
        loss = nn.CrossEntropyLoss()(model["head"](h[0]), target)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


# -- nn.utils ------------------------------------------------------------------------------------

def test_clip_grad_norm_returns_the_total_norm_and_clips():
    a, b = nn.Parameter(ft.zeros(2)), nn.Parameter(ft.zeros(1))
    a.grad, b.grad = ft.tensor([3.0, 0.0]), ft.tensor([4.0])
    total = nn.utils.clip_grad_norm_([a, b], 1.0)
    assert isinstance(total, ft.Tensor) and total.item() == pytest.approx(5.0)
    assert a.grad.tolist() == pytest.approx([0.6, 0.0], rel=1e-5)
    a.grad = ft.tensor([-7.0, 2.0])
    assert nn.utils.clip_grad_norm_(a, 10.0, norm_type="inf").item() == 7.0
    assert a.grad.tolist() == [-7.0, 2.0]                     # under max_norm: unchanged
    a.grad = ft.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(a, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([nn.Parameter(ft.ones(1))], 1.0).item() == 0.0


def test_clip_grad_value_and_vectors():
    p = nn.Parameter(ft.zeros(3))
    p.grad = ft.tensor([-5.0, 0.5, 5.0])
    nn.utils.clip_grad_value_(p, 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]
    lin = nn.Linear(2, 3)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (9,) and vec.grad_fn.name() == "CatBackward0"
    vec.sum().backward()
    assert lin.weight.grad.tolist() == [[1.0, 1.0]] * 3
    nn.utils.vector_to_parameters(ft.arange(9.0), lin.parameters())
    assert lin.bias.tolist() == [6.0, 7.0, 8.0] and lin.weight.shape == (3, 2)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters(np.arange(9.0), lin.parameters())


# -- nn.init ----------------------------------------------------------------------------------

def test_orthogonal_init():
    g = ft.Generator().manual_seed(3)
    w = nn.init.orthogonal_(ft.empty(4, 6), gain=2.0, generator=g)
    a = w.numpy()
    np.testing.assert_allclose(a @ a.T, 4 * np.eye(4), atol=1e-5)
    again = nn.init.orthogonal_(ft.empty(4, 6), gain=2.0,
                                generator=ft.Generator().manual_seed(3))
    assert ft.equal(w, again)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        nn.init.orthogonal_(ft.empty(3))


@pytest.mark.parametrize("init, kwargs, bound", [
    (nn.init.kaiming_uniform_, dict(a=0.0, nonlinearity="relu"), math.sqrt(6 / 50)),
    (nn.init.kaiming_uniform_, dict(mode="fan_out", nonlinearity="tanh"),
     5 / 3 * math.sqrt(3 / 40)),
    (nn.init.xavier_uniform_, dict(gain=2.0), 2 * math.sqrt(6 / 90)),
])
def test_uniform_inits_fill_their_interval(init, kwargs, bound):
    w = init(ft.empty(40, 50), generator=ft.Generator().manual_seed(0), **kwargs)
    assert w.abs().max().item() <= bound and w.abs().max().item() > 0.95 * bound


@pytest.mark.parametrize("init, kwargs, std", [
    (nn.init.kaiming_normal_, dict(nonlinearity="relu"), math.sqrt(2 / 200)),
    (nn.init.xavier_normal_, dict(gain=0.5), 0.5 * math.sqrt(2 / 500)),
    (nn.init.trunc_normal_, dict(std=0.02, a=-0.04, b=0.04), None),
])
def test_normal_inits_have_their_spread(init, kwargs, std):
    w = init(ft.empty(300, 200), generator=ft.Generator().manual_seed(0), **kwargs).numpy()
    if std is None:
        assert np.abs(w).max() <= 0.04 and 0.015 < w.std() < 0.02
    else:
        assert abs(w.std() / std - 1) < 0.02


def test_calculate_gain_and_constant_inits():
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert nn.init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")
    w = nn.init.eye_(ft.empty(2, 3))
    assert w.tolist() == [[1, 0, 0], [0, 1, 0]]
    assert nn.init.constant_(ft.empty(2), 0.5).tolist() == [0.5, 0.5]


@pytest.mark.parametrize("module", ["activation", "containers", "norms", "sparse", "rnn",
                                    "rnn_steps", "loss_functions", "utils", "layers"])
def test_docstring_examples_run(module):
    import doctest
    import importlib
    mod = importlib.import_module(f"functrace.nn.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
