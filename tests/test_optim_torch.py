"""Optimizers and learning-rate schedulers against PyTorch itself (skipped without torch).

Same initial values, same loss, several steps: parameters agree within 1e-6 in float64
and 1e-5 in float32; learning-rate (and momentum) sequences agree to rounding.
"""
import numpy as np
import pytest

import functrace as ft

torch = pytest.importorskip("torch")

W0 = np.array([[1.5, -0.7, 2.0], [0.4, -1.2, 0.3]])
A = np.array([[1.0, 2.0, 0.5], [3.0, 0.2, 1.0]])
SCALE = np.array([[1.0], [0.0]])        # the second row is not trained in one group


def loss_fn(lib, w, v):
    a = lib.tensor(A, dtype=w.dtype)
    return (0.5 * a * w * w + 0.25 * w ** 4 * 0.1 + w * 0.3).sum() + ((v - 1.0) ** 2).sum()


def torch_dtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def run(lib, name, options, dtype, steps=7, groups=False):
    tdt = torch_dtype(dtype) if lib is torch else dtype
    w = lib.tensor(W0, dtype=tdt, requires_grad=True)
    v = lib.tensor([0.5, -0.5], dtype=tdt, requires_grad=True)
    params = ([{"params": [w]}, {"params": [v], "lr": options.get("lr", 0.01) * 3}]
              if groups else [w, v])
    opt = getattr(lib.optim, name)(params, **options)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(lib, w, v).backward()
        opt.step()
    return w.detach().numpy().copy(), v.detach().numpy().copy()


CASES = [
    ("SGD", dict(lr=0.05)), ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True,
                                         weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.05)), ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05)), ("AdamW", dict(lr=0.05, amsgrad=True, betas=(0.8, 0.9))),
    ("RMSprop", dict()), ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, maximize=True)),
    ("Adagrad", dict()), ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1,
                                          initial_accumulator_value=0.3)),
    ("Adamax", dict()), ("Adamax", dict(lr=0.05, betas=(0.7, 0.9), weight_decay=0.1)),
    ("NAdam", dict()), ("NAdam", dict(lr=0.05, momentum_decay=0.05, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()), ("RAdam", dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.1,
                   decoupled_weight_decay=True)),
]


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CASES)])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-6), (np.float32, 1e-5)])
@pytest.mark.parametrize("groups", [False, True])
def test_optimizer_matches_torch(name, options, dtype, tol, groups):
    ours = run(ft, name, options, dtype, groups=groups)
    theirs = run(torch, name, options, dtype, groups=groups)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def rosenbrock(w):
    return ((1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
            + (1 - w[1]) ** 2 + 100 * (w[2] - w[1] ** 2) ** 2)


def run_lbfgs(lib, dtype, options, steps):
    w = lib.tensor([-1.2, 1.0, 0.5],
                   dtype=torch_dtype(dtype) if lib is torch else dtype, requires_grad=True)
    opt = lib.optim.LBFGS([w], **options)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(w)
        loss.backward()
        return loss
    losses = [opt.step(closure).item() for _ in range(steps)]
    state = opt.state[w]
    return w.detach().numpy().copy(), losses, state["func_evals"], state["n_iter"]


LBFGS_CASES = [dict(), dict(line_search_fn="strong_wolfe"),
               dict(lr=0.5, history_size=3, max_iter=7),
               dict(line_search_fn="strong_wolfe", history_size=2, max_iter=5, max_eval=9)]


@pytest.mark.parametrize("options", LBFGS_CASES, ids=str)
def test_lbfgs_matches_torch_in_float64(options):
    ours = run_lbfgs(ft, np.float64, options, 4)
    theirs = run_lbfgs(torch, np.float64, options, 4)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-9)
    assert ours[2:] == theirs[2:]           # same evaluations and iterations


@pytest.mark.parametrize("options", [dict(max_iter=4), dict(line_search_fn="strong_wolfe",
                                                            max_iter=4)], ids=str)
def test_lbfgs_matches_torch_in_float32(options):
    ours = run_lbfgs(ft, np.float32, options, 2)
    theirs = run_lbfgs(torch, np.float32, options, 2)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-5)


# -- schedulers ------------------------------------------------------------------------------

def schedule(lib, optimizer, make, steps, metric=None):
    w = lib.zeros(1, requires_grad=True)
    extra = lib.zeros(1, requires_grad=True)
    opt_cls, opt_kw = optimizer
    opt = getattr(lib.optim, opt_cls)([{"params": [w]}, {"params": [extra], "lr": 0.3}],
                                      **opt_kw)
    sched = make(lib.optim.lr_scheduler, opt)
    lrs, momenta = [], []
    for i in range(steps):
        opt.step()
        sched.step(metric(i)) if metric else sched.step()
        lrs.append(list(sched.get_last_lr()))
        group = opt.param_groups[0]
        momenta.append(group["betas"][0] if "betas" in group else group.get("momentum"))
    return lrs, momenta, opt.param_groups[0]["lr"]


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=6),
    "LinearLR-decay": lambda m, o: m.LinearLR(o, 1.0, 0.1, total_iters=8),
    "LambdaLR": lambda m, o: m.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=20),
    "OneCycleLR-3phase-linear": lambda m, o: m.OneCycleLR(
        o, max_lr=0.8, epochs=4, steps_per_epoch=5, three_phase=True,
        anneal_strategy="linear", pct_start=0.25),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, 0.1, total_iters=4), m.CosineAnnealingLR(o, T_max=10)],
        milestones=[4]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ExponentialLR(o, 0.9), m.StepLR(o, 4, 0.5)]),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("optimizer", [("SGD", dict(lr=0.1, momentum=0.9)),
                                       ("Adam", dict(lr=0.1))], ids=["SGD", "Adam"])
def test_schedule_matches_torch(name, optimizer):
    steps = 20 if name.startswith("OneCycle") else 25
    ours = schedule(ft, optimizer, SCHEDULES[name], steps)
    theirs = schedule(torch, optimizer, SCHEDULES[name], steps)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    assert ours[2] == pytest.approx(theirs[2], rel=1e-12)


@pytest.mark.parametrize("options", [dict(), dict(mode="max", threshold_mode="abs",
                                                  patience=2, cooldown=2, factor=0.5,
                                                  min_lr=[0.01, 0.05])], ids=str)
def test_reduce_on_plateau_matches_torch(options):
    losses = [5, 4, 4, 4.1, 3.9996, 4, 4, 4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2]
    make = lambda m, o: m.ReduceLROnPlateau(o, **{"patience": 1, **options})  # noqa: E731
    ours = schedule(ft, ("SGD", dict(lr=0.1)), make, len(losses), losses.__getitem__)
    theirs = schedule(torch, ("SGD", dict(lr=0.1)), make, len(losses), losses.__getitem__)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
