"""``functrace.optim``: update rules by hand, parameter groups, state dicts."""
import math

import numpy as np
import pytest

import functrace as ft
from functrace import nn


def quadratic_step(opt, w, scale=1.0):
    """One step on loss = scale * sum(w^2) / 2, whose gradient is scale * w."""
    opt.zero_grad()
    (0.5 * scale * (w * w).sum()).backward()
    opt.step()


def test_sgd_plain_step():
    w = ft.tensor([1.0, -2.0], requires_grad=True)
    opt = ft.optim.SGD([w], lr=0.1)
    quadratic_step(opt, w)
    np.testing.assert_allclose(w.detach().numpy(), [0.9, -1.8], rtol=1e-6)   # w - 0.1 w


def test_sgd_momentum_and_dampening_by_hand():
    w0 = np.array([1.0, -2.0])
    w = ft.tensor(w0, requires_grad=True)
    lr, mu, damp = 0.1, 0.9, 0.25
    opt = ft.optim.SGD([w], lr=lr, momentum=mu, dampening=damp)
    ref, buf = w0.copy(), None
    for _ in range(3):
        quadratic_step(opt, w)
        g = ref.copy()
        buf = g if buf is None else mu * buf + (1 - damp) * g
        ref = ref - lr * buf
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-12)


def test_sgd_nesterov_and_weight_decay_by_hand():
    w0 = np.array([0.5, 1.5])
    w = ft.tensor(w0, requires_grad=True)
    lr, mu, wd = 0.05, 0.8, 0.1
    opt = ft.optim.SGD([w], lr=lr, momentum=mu, nesterov=True, weight_decay=wd)
    ref, buf = w0.copy(), None
    for _ in range(3):
        quadratic_step(opt, w, scale=2.0)
        g = 2.0 * ref + wd * ref
        buf = g if buf is None else mu * buf + g
        ref = ref - lr * (g + mu * buf)
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-12)


def test_sgd_argument_errors():
    w = ft.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero "
                                         "dampening"):
        ft.optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ft.optim.SGD([w], lr=-1.0)


def test_adam_by_hand():
    w0 = np.array([1.0, -3.0, 0.5])
    w = ft.tensor(w0, requires_grad=True)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    opt = ft.optim.Adam([w], lr=lr, betas=(b1, b2), eps=eps)
    ref, m, v = w0.copy(), 0.0, 0.0
    for t in range(1, 4):
        quadratic_step(opt, w)
        g = ref.copy()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        ref = ref - lr / (1 - b1 ** t) * m / (np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps)
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-10)
    assert opt.state[w]["step"] == 3


def test_adam_first_step_moves_every_weight_by_lr():
    w = ft.tensor([100.0, -0.001], requires_grad=True)
    opt = ft.optim.Adam([w], lr=0.1)
    quadratic_step(opt, w)
    np.testing.assert_allclose(w.detach().numpy(), [99.9, 0.099], atol=1e-4)


def test_adamw_decouples_weight_decay():
    w0 = np.array([2.0, -1.0])
    lr, wd = 0.1, 0.5
    w = ft.tensor(w0, requires_grad=True)
    opt = ft.optim.AdamW([w], lr=lr, weight_decay=wd)
    quadratic_step(opt, w)
    # decay first, then the Adam step of size lr in the direction of the gradient's sign
    np.testing.assert_allclose(w.detach().numpy(), w0 * (1 - lr * wd) - lr * np.sign(w0),
                               rtol=1e-6)
    adam = ft.tensor(w0, requires_grad=True)
    opt2 = ft.optim.Adam([adam], lr=lr, weight_decay=wd)
    quadratic_step(opt2, adam)
    assert not ft.allclose(adam, w)


def test_empty_parameter_list_raises():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        ft.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        ft.optim.Adam(nn.Module().parameters())


def test_zero_grad_set_to_none_or_zeros():
    w = ft.ones(2, requires_grad=True)
    opt = ft.optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_param_groups_have_their_own_options():
    a, b = ft.ones(1, requires_grad=True), ft.ones(1, requires_grad=True)
    opt = ft.optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1, momentum=0.5)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 1.0
    assert opt.param_groups[1]["momentum"] == 0.5
    (a + b).sum().backward()
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.0)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_frozen_parameters_are_skipped():
    model = nn.Linear(3, 1)
    model.weight.requires_grad = False
    before = model.weight.detach().clone()
    opt = ft.optim.Adam(model.parameters(), lr=0.1)
    model(ft.randn(4, 3)).sum().backward()
    opt.step()
    assert model.weight.grad is None and ft.equal(model.weight, before)
    assert model.weight not in opt.state and model.bias in opt.state


def test_state_dict_resumes_training_exactly():
    def train(opt_cls, steps, resume_at=None):
        ft.manual_seed(0)
        model = nn.Linear(3, 2)
        opt = opt_cls(model.parameters(), lr=0.05)
        x, y = ft.randn(8, 3), ft.randn(8, 2)
        for step in range(steps):
            if step == resume_at:
                saved_model, saved_opt = model.state_dict(), opt.state_dict()
                model = nn.Linear(3, 2)
                model.load_state_dict(saved_model)
                opt = opt_cls(model.parameters(), lr=0.05)
                opt.load_state_dict(saved_opt)
            opt.zero_grad()
            nn.MSELoss()(model(x), y).backward()
            opt.step()
        return model.weight.detach().numpy()

    for cls in (ft.optim.Adam, lambda p, lr: ft.optim.SGD(p, lr=lr, momentum=0.9)):
        np.testing.assert_allclose(train(cls, 6), train(cls, 6, resume_at=3), rtol=1e-6)


def test_state_dict_layout():
    w = ft.ones(2, requires_grad=True)
    opt = ft.optim.SGD([w], lr=0.1, momentum=0.9)
    quadratic_step(opt, w)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][0]["lr"] == 0.1
    assert sd["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0]


def test_training_a_small_regression_converges():
    ft.manual_seed(1)
    x = ft.randn(64, 2)
    y = x @ ft.tensor([[2.0], [-3.0]]) + 0.5
    model = nn.Linear(2, 1)
    opt = ft.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    for _ in range(200):
        opt.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 1e-6
    np.testing.assert_allclose(model.weight.detach().numpy(), [[2.0, -3.0]], atol=1e-3)


# -- hyperparameters of the wrong type are named (issue 8) ------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda p: ft.optim.SGD(p, lr="0.1"), "Invalid learning rate: '0.1'"),
    (lambda p: ft.optim.SGD(p, lr=None), "Invalid learning rate: None"),
    (lambda p: ft.optim.SGD(p, lr=0.1, momentum="a"), "Invalid momentum value: 'a'"),
    (lambda p: ft.optim.SGD(p, lr=0.1, weight_decay=[0.1]), "Invalid weight_decay value"),
    (lambda p: ft.optim.Adam(p, lr="a"), "Invalid learning rate: 'a'"),
    (lambda p: ft.optim.Adam(p, eps="a"), "Invalid epsilon value: 'a'"),
    (lambda p: ft.optim.Adam(p, betas=0.9), r"betas must be a pair \(beta1, beta2\)"),
    (lambda p: ft.optim.Adam(p, betas=(0.9, 0.99, 0.9)), r"betas must be a pair"),
    (lambda p: ft.optim.AdamW(p, betas=("a", 0.9)), "Invalid beta parameter at index 0: 'a'"),
])
def test_hyperparameters_must_be_numbers(make, match):
    with pytest.raises(TypeError, match=match):
        make([ft.ones(2, requires_grad=True)])
