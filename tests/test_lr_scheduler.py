"""Learning-rate schedulers: lr sequences against closed forms, and PyTorch's semantics
(initial lr at construction, ``initial_lr``, ``last_epoch``, ``get_last_lr``, step order,
state dicts)."""
import io
import math
import warnings
from bisect import bisect_right

import numpy as np
import pytest

import functrace as ft
from functrace.optim import lr_scheduler as S

BASE = [0.1, 0.3]


def make_opt(kind="SGD", **kw):
    a, b = ft.zeros(1, requires_grad=True), ft.zeros(1, requires_grad=True)
    cls = getattr(ft.optim, kind)
    if kind == "SGD":
        kw.setdefault("momentum", 0.9)
    return cls([{"params": [a]}, {"params": [b], "lr": BASE[1]}], lr=BASE[0], **kw)


def lr_sequence(opt, sched, epochs):
    """The lr of each group during epochs 0 .. epochs-1 (the optimizer steps, then the
    scheduler, as in torch's recommended loop)."""
    seen = []
    for _ in range(epochs):
        seen.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return np.array(seen)


CLOSED_FORMS = {
    "StepLR": (lambda o: S.StepLR(o, step_size=3, gamma=0.5),
               lambda base, e: base * 0.5 ** (e // 3)),
    "MultiStepLR": (lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
                    lambda base, e: base * 0.3 ** bisect_right([2, 5, 5, 9], e)),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, gamma=0.9),
                      lambda base, e: base * 0.9 ** e),
    "CosineAnnealingLR": (lambda o: S.CosineAnnealingLR(o, T_max=6, eta_min=0.01),
                          lambda base, e: 0.01 + (base - 0.01) * (1 + math.cos(math.pi * e / 6))
                          / 2),
    "LinearLR": (lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4),
                 lambda base, e: base * (0.25 + 0.75 * min(e, 4) / 4)),
    "LinearLR-decay": (lambda o: S.LinearLR(o, 1.0, 0.2, total_iters=5),
                       lambda base, e: base * (1.0 - 0.8 * min(e, 5) / 5)),
    "LambdaLR": (lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e) ** 2),
                 lambda base, e: base / (1 + e) ** 2),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_lr_sequence_matches_the_closed_form(name):
    make, formula = CLOSED_FORMS[name]
    opt = make_opt()
    sched = make(opt)
    got = lr_sequence(opt, sched, 20)          # the cosine goes past T_max (it rises again)
    expected = np.array([[formula(base, e) for base in BASE] for e in range(20)])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert sched.last_epoch == 20
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    assert [g["initial_lr"] for g in opt.param_groups] == BASE == sched.base_lrs


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_epoch_argument_uses_the_closed_form_with_a_deprecation_warning(name):
    make, formula = CLOSED_FORMS[name]
    opt = make_opt()
    sched = make(opt)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(7)
    assert sched.last_epoch == 7
    np.testing.assert_allclose(sched.get_last_lr(), [formula(b, 7) for b in BASE], rtol=1e-12)


def test_the_first_lr_is_set_at_construction():
    opt = make_opt()
    sched = S.LinearLR(opt, start_factor=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.15] == sched.get_last_lr()
    assert sched.last_epoch == 0


def test_stepping_the_scheduler_before_the_optimizer_warns():
    opt = make_opt()
    sched = S.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = make_opt()
    sched = S.StepLR(opt, 2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
        sched.step()


def test_get_lr_outside_step_warns_to_use_get_last_lr():
    sched = S.ExponentialLR(make_opt(), 0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(make_opt(), 2, last_epoch=3)
    opt = make_opt()
    for g in opt.param_groups:
        g["initial_lr"] = g["lr"]
    sched = S.StepLR(opt, 2, gamma=0.5, last_epoch=3)
    assert sched.last_epoch == 4 and sched.base_lrs == BASE


def test_not_an_optimizer_raises():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        S.StepLR([], 2)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.ReduceLROnPlateau(object())


@pytest.mark.parametrize("make", [
    lambda o: S.StepLR(o, 3, 0.5), lambda o: S.MultiStepLR(o, [2, 4]),
    lambda o: S.CosineAnnealingLR(o, 5), lambda o: S.LinearLR(o),
    lambda o: S.OneCycleLR(o, 1.0, total_steps=12),
    lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.5, total_iters=2), S.ExponentialLR(o, 0.9)],
                             milestones=[3]),
    lambda o: S.ChainedScheduler([S.ExponentialLR(o, 0.9), S.StepLR(o, 2, 0.5)]),
], ids=["StepLR", "MultiStepLR", "Cosine", "LinearLR", "OneCycleLR", "SequentialLR",
        "Chained"])
def test_state_dict_resume_gives_the_same_sequence(make):
    opt = make_opt()
    sched = make(opt)
    full = lr_sequence(opt, sched, 10)
    opt = make_opt()
    sched = make(opt)
    first = lr_sequence(opt, sched, 4)
    buf = io.BytesIO()
    ft.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, buf)
    buf.seek(0)
    saved = ft.load(buf)
    opt2 = make_opt()
    sched2 = make(opt2)
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    rest = lr_sequence(opt2, sched2, 6)
    np.testing.assert_allclose(np.concatenate([first, rest]), full, rtol=1e-12)


def test_lambda_state_dict_saves_callable_objects_only():
    class Warmup:
        def __init__(self):
            self.length = 3

        def __call__(self, e):
            return min(1.0, (e + 1) / self.length)

    opt = make_opt()
    fn = Warmup()
    sched = S.LambdaLR(opt, [fn, lambda e: 1.0])
    fn.length = 5
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"length": 5}, None]
    fn2 = Warmup()
    sched2 = S.LambdaLR(make_opt(), [fn2, lambda e: 1.0])
    sched2.load_state_dict(state)
    assert fn2.length == 5
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(make_opt(), [fn])


def one_cycle_expected(step, total, start, peak, end, pct=0.3):
    """Cosine from ``start`` to ``peak`` over the first ``pct`` of the steps, then to ``end``."""
    peak_at = pct * total - 1

    def cos(a, b, p):
        return b + (a - b) / 2 * (math.cos(math.pi * p) + 1)
    if step <= peak_at:
        return cos(start, peak, step / peak_at)
    return cos(peak, end, (step - peak_at) / (total - 1 - peak_at))


def test_one_cycle_follows_its_two_cosine_phases_and_cycles_momentum():
    opt = make_opt(momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=20)
    lrs, momenta = [], []
    for _ in range(20):
        lrs.append([g["lr"] for g in opt.param_groups])
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        if len(lrs) < 20:
            sched.step()
    expected = [[one_cycle_expected(s, 20, m / 25, m, m / 25 / 1e4) for m in (1.0, 2.0)]
                for s in range(20)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert lrs[0] == pytest.approx([1.0 / 25, 2.0 / 25]) and np.max(lrs) == pytest.approx(2.0)
    assert lrs[-1][0] == pytest.approx(1.0 / 25 / 1e4)
    # momentum moves against the lr: down to base_momentum at the peak, back up after
    np.testing.assert_allclose(momenta, [one_cycle_expected(s, 20, 0.95, 0.85, 0.95)
                                         for s in range(20)], rtol=1e-12)
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        sched.step()
        sched.step()


def test_one_cycle_uses_beta1_for_adam_and_checks_its_arguments():
    opt = make_opt("Adam")
    S.OneCycleLR(opt, max_lr=0.5, epochs=2, steps_per_epoch=5)
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)
    with pytest.raises(ValueError, match="either total_steps OR"):
        S.OneCycleLR(make_opt(), 1.0)
    with pytest.raises(ValueError, match="positive integer total_steps"):
        S.OneCycleLR(make_opt(), 1.0, total_steps=0)
    with pytest.raises(ValueError, match="pct_start"):
        S.OneCycleLR(make_opt(), 1.0, total_steps=5, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        S.OneCycleLR(make_opt(), 1.0, total_steps=5, anneal_strategy="step")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        S.OneCycleLR(make_opt(), [1.0], total_steps=5)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        S.OneCycleLR(make_opt("Adagrad"), 1.0, total_steps=5)
    S.OneCycleLR(make_opt("Adagrad"), 1.0, total_steps=5, cycle_momentum=False)


def test_linear_lr_checks_factors():
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        S.LinearLR(make_opt(), start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor"):
        S.LinearLR(make_opt(), end_factor=1.5)


def test_sequential_warmup_then_cosine():
    opt = make_opt()
    sched = S.SequentialLR(opt, [S.LinearLR(opt, 0.1, total_iters=3),
                                 S.CosineAnnealingLR(opt, T_max=5)], milestones=[3])
    got = lr_sequence(opt, sched, 9)[:, 0]
    warm = [0.1 * (0.1 + 0.9 * e / 3) for e in range(3)]
    cosine = [0.1 * (1 + math.cos(math.pi * e / 5)) / 2 for e in range(6)]
    np.testing.assert_allclose(got, warm + cosine, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        S.SequentialLR(opt, [S.StepLR(opt, 2)], milestones=[1])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])


def test_reduce_on_plateau():
    opt = make_opt()
    sched = S.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=[0.03, 0.0])
    losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.9, 0.9, 0.9]
    lrs = []
    for loss in losses:
        sched.step(ft.tensor(loss))           # a 0-d tensor works, as in torch
        lrs.append(sched.get_last_lr()[0])
    # bad epochs 1, 2, 3 -> reduce at the 3rd; cooldown swallows one epoch; then 3 more bad
    assert lrs == [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03, 0.03]
    assert sched.last_epoch == len(losses) and sched.best == 0.5
    state = sched.state_dict()
    other = S.ReduceLROnPlateau(make_opt())
    other.load_state_dict(state)
    assert other.num_bad_epochs == sched.num_bad_epochs and other.patience == 2


@pytest.mark.parametrize("mode, threshold_mode, values, reductions", [
    ("min", "rel", [1.0, 0.99995, 0.99992, 0.5], 1),    # 1e-4 relative: no gain, twice
    ("min", "abs", [1.0, 0.95, 0.9, 0.85], 0),
    ("max", "rel", [1.0, 1.00005, 1.00009, 1.2], 1),
    ("max", "abs", [1.0, 1.5, 1.4, 2.0], 0),
])
def test_reduce_on_plateau_modes(mode, threshold_mode, values, reductions):
    opt = make_opt()
    sched = S.ReduceLROnPlateau(opt, mode=mode, threshold_mode=threshold_mode, patience=1,
                                threshold=1e-4 if threshold_mode == "rel" else 0.01)
    for v in values:
        sched.step(v)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.1 ** reductions)


def test_reduce_on_plateau_errors():
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(make_opt(), factor=1.0)
    with pytest.raises(ValueError, match="mode median is unknown"):
        S.ReduceLROnPlateau(make_opt(), mode="median")
    with pytest.raises(ValueError, match="expected|min_lr must have"):
        S.ReduceLROnPlateau(make_opt(), min_lr=[0.1])
