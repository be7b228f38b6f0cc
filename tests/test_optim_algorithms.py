"""RMSprop, Adagrad, Adamax, NAdam, RAdam against numpy transcriptions of the update
rules in PyTorch's documentation (the pseudo-code of each ``torch.optim`` class),
written independently of functrace's implementation; plus their options, groups,
state dicts and errors."""
import io
import math

import numpy as np
import pytest

import functrace as ft

A = np.array([1.0, 2.0, 0.5, 3.0])
B = np.array([0.3, -1.0, 0.2, 0.0])
C = 0.1
W0 = np.array([1.5, -0.7, 2.0, 0.4])


def np_grad(w):
    """Gradient of sum(A w^2 / 2 + B w + C w^4 / 4)."""
    return A * w + B + C * w ** 3


def ft_loss(w):
    a, b = ft.tensor(A, dtype=w.dtype), ft.tensor(B, dtype=w.dtype)
    return (0.5 * a * w * w + b * w + 0.25 * C * w ** 4).sum()


# -- the documented algorithms, one step each (state in a dict) ------------------------------

def ref_rmsprop(w, g, s, t, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                centered=False, maximize=False):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * w
    s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g ** 2
    v_tilde = s["v"]
    if centered:
        s["g_ave"] = alpha * s.get("g_ave", 0) + (1 - alpha) * g
        v_tilde = v_tilde - s["g_ave"] ** 2
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0) + g / (np.sqrt(v_tilde) + eps)
        return w - lr * s["b"]
    return w - lr * g / (np.sqrt(v_tilde) + eps)


def ref_adagrad(w, g, s, t, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                eps=1e-10, maximize=False):
    g = -g if maximize else g
    lr_t = lr / (1 + (t - 1) * lr_decay)
    if weight_decay:
        g = g + weight_decay * w
    s["sum"] = s.get("sum", initial_accumulator_value) + g ** 2
    return w - lr_t * g / (np.sqrt(s["sum"]) + eps)


def ref_adamax(w, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
               maximize=False):
    b1, b2 = betas
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * w
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0), np.abs(g) + eps)
    return w - lr * s["m"] / ((1 - b1 ** t) * s["u"])


def ref_nadam(w, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    g = -g if maximize else g
    if weight_decay and decoupled_weight_decay:
        w = w - lr * weight_decay * w
    elif weight_decay:
        g = g + weight_decay * w
    mus = [b1 * (1 - 0.5 * 0.96 ** (i * momentum_decay)) for i in range(1, t + 2)]
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g ** 2
    m_hat = (mus[t] * s["m"] / (1 - np.prod(mus[:t + 1]))
             + (1 - mus[t - 1]) * g / (1 - np.prod(mus[:t])))
    v_hat = s["v"] / (1 - b2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


def ref_radam(w, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    g = -g if maximize else g
    if weight_decay and decoupled_weight_decay:
        w = w - lr * weight_decay * w
    elif weight_decay:
        g = g + weight_decay * w
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g ** 2
    m_hat = s["m"] / (1 - b1 ** t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    if rho_t > 5:
        l_t = math.sqrt(1 - b2 ** t) / (np.sqrt(s["v"]) + eps)
        r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        return w - lr * m_hat * r_t * l_t
    return w - lr * m_hat


CASES = [
    ("RMSprop", ref_rmsprop, {}),
    ("RMSprop", ref_rmsprop, {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1}),
    ("RMSprop", ref_rmsprop, {"lr": 0.01, "momentum": 0.8}),
    ("RMSprop", ref_rmsprop, {"lr": 0.005, "centered": True, "momentum": 0.5, "eps": 1e-6}),
    ("RMSprop", ref_rmsprop, {"maximize": True}),
    ("Adagrad", ref_adagrad, {}),
    ("Adagrad", ref_adagrad, {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.2}),
    ("Adagrad", ref_adagrad, {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("Adamax", ref_adamax, {}),
    ("Adamax", ref_adamax, {"lr": 0.05, "betas": (0.8, 0.95), "weight_decay": 0.1}),
    ("Adamax", ref_adamax, {"maximize": True}),
    ("NAdam", ref_nadam, {}),
    ("NAdam", ref_nadam, {"lr": 0.05, "betas": (0.85, 0.99), "momentum_decay": 0.05,
                          "weight_decay": 0.1}),
    ("NAdam", ref_nadam, {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", ref_radam, {}),
    ("RAdam", ref_radam, {"lr": 0.05, "betas": (0.9, 0.9), "weight_decay": 0.1}),
    ("RAdam", ref_radam, {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1,
                          "decoupled_weight_decay": True}),
]
STEPS = 8      # RAdam with beta2 = 0.9 switches to its rectified branch at step 6


def run_ft(name, options, dtype, steps=STEPS):
    w = ft.tensor(W0, dtype=dtype, requires_grad=True)
    opt = getattr(ft.optim, name)([w], **options)
    for _ in range(steps):
        opt.zero_grad()
        ft_loss(w).backward()
        opt.step()
    return w.detach().numpy(), opt


def run_reference(ref, options, steps=STEPS):
    w, state = W0.copy(), {}
    for t in range(1, steps + 1):
        w = ref(w, np_grad(w), state, t, **options)
    return w


@pytest.mark.parametrize("name, ref, options", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_update_rules_match_the_documented_algorithm(name, ref, options, dtype, rtol):
    got, opt = run_ft(name, options, dtype)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, run_reference(ref, options), rtol=rtol, atol=rtol)
    w = opt.param_groups[0]["params"][0]
    assert opt.state[w]["step"] == STEPS


DEFAULTS = {
    "RMSprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False),
    "Adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                    eps=1e-10),
    "Adamax": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0),
    "NAdam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                  decoupled_weight_decay=False),
    "RAdam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                  decoupled_weight_decay=False),
    "LBFGS": dict(lr=1, max_iter=20, max_eval=25, tolerance_grad=1e-7, tolerance_change=1e-9,
                  history_size=100, line_search_fn=None),
}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_defaults_are_pytorchs(name):
    opt = getattr(ft.optim, name)([ft.ones(2, requires_grad=True)])
    for key, value in DEFAULTS[name].items():
        assert opt.defaults[key] == value, key
        assert opt.param_groups[0][key] == value, key


@pytest.mark.parametrize("name", ["RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam"])
def test_state_dict_round_trip_resumes_exactly(name):
    options = dict(lr=0.05, weight_decay=0.01)
    straight, _ = run_ft(name, options, np.float64, steps=6)
    w, opt = run_ft(name, options, np.float64, steps=3)
    buf = io.BytesIO()
    ft.save(opt.state_dict(), buf)
    buf.seek(0)
    w2 = ft.tensor(w, requires_grad=True)
    opt2 = getattr(ft.optim, name)([w2], lr=1.0)        # options come from the state dict
    opt2.load_state_dict(ft.load(buf))
    assert opt2.param_groups[0]["lr"] == 0.05
    for _ in range(3):
        opt2.zero_grad()
        ft_loss(w2).backward()
        opt2.step()
    np.testing.assert_array_equal(w2.detach().numpy(), straight)


@pytest.mark.parametrize("name", ["RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam"])
def test_param_groups_get_their_own_options(name):
    a = ft.tensor(W0, dtype=ft.float64, requires_grad=True)
    b = ft.tensor(W0, dtype=ft.float64, requires_grad=True)
    frozen = ft.tensor(W0, dtype=ft.float64, requires_grad=True)
    opt = getattr(ft.optim, name)([{"params": [a]}, {"params": [b, frozen], "lr": 0.1}],
                                  lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        (ft_loss(a) + ft_loss(b)).backward()
        opt.step()
    ref = {"RMSprop": ref_rmsprop, "Adagrad": ref_adagrad, "Adamax": ref_adamax,
           "NAdam": ref_nadam, "RAdam": ref_radam}[name]
    np.testing.assert_allclose(a.detach().numpy(), run_reference(ref, {"lr": 0.01}, 3),
                               rtol=1e-12)
    np.testing.assert_allclose(b.detach().numpy(), run_reference(ref, {"lr": 0.1}, 3),
                               rtol=1e-12)
    assert frozen.tolist() == W0.tolist()        # no gradient, no update


def test_adagrad_state_exists_from_construction_like_torch():
    w = ft.ones(3, requires_grad=True)
    opt = ft.optim.Adagrad([w], initial_accumulator_value=0.25)
    assert opt.state[w]["step"] == 0 and opt.state[w]["sum"].tolist() == [0.25] * 3
    late = ft.ones(2, requires_grad=True)
    opt.add_param_group({"params": [late], "initial_accumulator_value": 1.0})
    assert opt.state[late]["sum"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("make, message", [
    (lambda p: ft.optim.RMSprop(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: ft.optim.RMSprop(p, alpha=-0.1), "Invalid alpha value: -0.1"),
    (lambda p: ft.optim.RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: ft.optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: ft.optim.Adagrad(p, initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    (lambda p: ft.optim.Adamax(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    (lambda p: ft.optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda p: ft.optim.RAdam(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: ft.optim.RAdam(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: ft.optim.Adam(p, betas=(0.9, 1.5)), "Invalid beta parameter at index 1"),
])
def test_invalid_options_raise_pytorchs_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([ft.ones(1, requires_grad=True)])


@pytest.mark.parametrize("make, flag", [
    (lambda p: ft.optim.RMSprop(p, capturable=True), "capturable"),
    (lambda p: ft.optim.Adagrad(p, fused=True), "fused"),
    (lambda p: ft.optim.Adamax(p, differentiable=True), "differentiable"),
    (lambda p: ft.optim.NAdam(p, capturable=True), "capturable"),
    (lambda p: ft.optim.RAdam(p, differentiable=True), "differentiable"),
    (lambda p: ft.optim.Adam(p, fused=True), "fused"),
    (lambda p: ft.optim.SGD(p, lr=0.1, differentiable=True), "differentiable"),
])
def test_unsupported_flags_raise_clearly(make, flag):
    with pytest.raises(ValueError, match=rf"\({flag}=True\) is not supported"):
        make([ft.ones(1, requires_grad=True)])


def test_foreach_is_accepted_and_changes_nothing():
    a, _ = run_ft("NAdam", {"lr": 0.1, "foreach": True}, np.float64, steps=3)
    b, _ = run_ft("NAdam", {"lr": 0.1, "foreach": False}, np.float64, steps=3)
    np.testing.assert_array_equal(a, b)


def test_unknown_keyword_raises_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'beta'"):
        ft.optim.RAdam([ft.ones(1, requires_grad=True)], beta=(0.9, 0.99))


def test_step_with_closure_returns_its_loss():
    w = ft.tensor(W0, requires_grad=True)
    opt = ft.optim.RMSprop([w], lr=0.01)

    def closure():
        opt.zero_grad()
        loss = ft_loss(w)
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == pytest.approx(float(np.sum(0.5 * A * W0 ** 2 + B * W0
                                                     + 0.25 * C * W0 ** 4)), rel=1e-6)


def test_step_refuses_graphs_that_saved_the_old_parameter():
    w = ft.tensor([1.0, 2.0], requires_grad=True)
    opt = ft.optim.Adamax([w], lr=0.1)
    (w * w).sum().backward()
    y = (w * w).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
