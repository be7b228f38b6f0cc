"""L-BFGS: a hand-written two-loop recursion reference (no line search), the strong Wolfe
conditions of the line search, convergence on quadratics and Rosenbrock, state dicts."""
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import functrace as ft
from functrace.optim.lbfgs import _cubic_interpolate, _strong_wolfe

RNG = np.random.default_rng(0)
M = RNG.standard_normal((5, 5))
H = M @ M.T + 5 * np.eye(5)          # a well-conditioned SPD Hessian
b = RNG.standard_normal(5)


def make_closure(opt, w, loss_fn):
    def closure():
        opt.zero_grad()
        loss = loss_fn(w)
        loss.backward()
        return loss
    return closure


def quadratic(w):
    h, bb = ft.tensor(H, dtype=w.dtype), ft.tensor(b, dtype=w.dtype)
    return 0.5 * (w @ (h @ w)) - (bb * w).sum()


def rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def reference_lbfgs(x, grad, iters, lr, history):
    """L-BFGS with fixed steps, from Nocedal & Wright's Algorithm 7.4 (two-loop recursion),
    with torch's first step min(1, 1/|g|_1) * lr and H0 = s.y / y.y."""
    pairs, h0 = [], 1.0
    g = grad(x)
    x_prev = g_prev = None
    for k in range(iters):
        if k > 0:
            s, y = x - x_prev, g - g_prev
            if y @ s > 1e-10:
                pairs = (pairs + [(s, y)])[-history:]
                h0 = (s @ y) / (y @ y)
        q, alphas = -g, []
        for s, y in reversed(pairs):
            a = (s @ q) / (y @ s)
            alphas.append(a)
            q = q - a * y
        r = h0 * q
        for (s, y), a in zip(pairs, reversed(alphas)):
            r = r + s * (a - (y @ r) / (y @ s))
        t = min(1.0, 1.0 / np.abs(g).sum()) * lr if k == 0 else lr
        x_prev, g_prev = x, g
        x = x + t * r
        g = grad(x)
    return x


@pytest.mark.parametrize("history", [100, 2])
@pytest.mark.parametrize("lr", [1.0, 0.5])
def test_fixed_step_iterations_match_the_two_loop_recursion(history, lr):
    w = ft.tensor(np.ones(5), requires_grad=True)
    opt = ft.optim.LBFGS([w], lr=lr, max_iter=6, history_size=history, tolerance_grad=0,
                         tolerance_change=0)
    opt.step(make_closure(opt, w, quadratic))
    expected = reference_lbfgs(np.ones(5), lambda x: H @ x - b, 6, lr, history)
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-10)
    state = opt.state[w]
    assert state["n_iter"] == 6 and state["func_evals"] == 6   # the last loss is not needed


def test_steps_continue_from_the_saved_history():
    w = ft.tensor(np.ones(5), requires_grad=True)
    opt = ft.optim.LBFGS([w], max_iter=3, max_eval=10, tolerance_grad=0, tolerance_change=0)
    closure = make_closure(opt, w, quadratic)
    opt.step(closure)
    opt.step(closure)
    # two steps of 3 iterations = 6 iterations (each step evaluates at its start and skips
    # the evaluation after its last move)
    expected = reference_lbfgs(np.ones(5), lambda x: H @ x - b, 6, 1.0, 100)
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-10)
    assert opt.state[w]["n_iter"] == 6 and opt.state[w]["func_evals"] == 6


def test_max_eval_defaults_to_five_quarters_of_max_iter():
    w = ft.tensor(np.ones(5), requires_grad=True)
    opt = ft.optim.LBFGS([w], max_iter=4, tolerance_grad=0, tolerance_change=0)
    assert opt.param_groups[0]["max_eval"] == 5
    opt.step(make_closure(opt, w, quadratic))
    assert opt.state[w]["n_iter"] == 4
    opt = ft.optim.LBFGS([w], max_iter=3, tolerance_grad=0, tolerance_change=0)
    opt.step(make_closure(opt, w, quadratic))     # max_eval = 3 stops after 2 iterations
    assert opt.state[w]["n_iter"] == 2 and opt.state[w]["func_evals"] == 3


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype, tol, tol_grad", [(ft.float64, 1e-7, 1e-12),
                                                  (ft.float32, 1e-4, 1e-5)])
def test_solves_a_quadratic(line_search, dtype, tol, tol_grad):
    w = ft.zeros(5, dtype=dtype, requires_grad=True)
    opt = ft.optim.LBFGS([w], line_search_fn=line_search, max_iter=50,
                         tolerance_grad=tol_grad, tolerance_change=1e-15)
    opt.step(make_closure(opt, w, quadratic))
    np.testing.assert_allclose(w.detach().numpy(), np.linalg.solve(H, b), atol=tol)
    assert w.dtype == dtype


def test_strong_wolfe_minimises_rosenbrock():
    w = ft.tensor([-1.5, 2.0], dtype=ft.float64, requires_grad=True)
    opt = ft.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=200, max_eval=400,
                         tolerance_grad=1e-12, tolerance_change=1e-14)
    first = opt.step(make_closure(opt, w, rosenbrock))
    assert first.item() == pytest.approx(rosenbrock(ft.tensor([-1.5, 2.0])).item(), rel=1e-6)
    np.testing.assert_allclose(w.detach().numpy(), [1.0, 1.0], atol=1e-6)
    assert opt.state[w]["func_evals"] <= 400


def test_returns_at_once_when_the_gradient_is_already_zero():
    w = ft.tensor(np.linalg.solve(H, b), requires_grad=True)
    opt = ft.optim.LBFGS([w], tolerance_grad=1e-6)
    opt.step(make_closure(opt, w, quadratic))
    assert opt.state[w]["func_evals"] == 1 and opt.state[w]["n_iter"] == 0


def test_state_dict_round_trip():
    def run(split):
        w = ft.tensor(np.ones(5), requires_grad=True)
        opt = ft.optim.LBFGS([w], max_iter=2, history_size=3, line_search_fn="strong_wolfe")
        opt.step(make_closure(opt, w, quadratic))
        if split:
            buf = io.BytesIO()
            ft.save(opt.state_dict(), buf)
            buf.seek(0)
            w = ft.tensor(w.detach().numpy(), requires_grad=True)
            opt = ft.optim.LBFGS([w], max_iter=2)
            opt.load_state_dict(ft.load(buf))
            assert opt.param_groups[0]["history_size"] == 3
        opt.step(make_closure(opt, w, quadratic))
        return w.detach().numpy()
    np.testing.assert_array_equal(run(True), run(False))


def test_errors():
    w = ft.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="only 'strong_wolfe' is supported"):
        ft.optim.LBFGS([w], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        ft.optim.LBFGS([{"params": [w]}, {"params": [ft.ones(1, requires_grad=True)]}])
    with pytest.raises(TypeError, match="needs a closure"):
        ft.optim.LBFGS([w]).step()
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ft.optim.LBFGS([w], lr=-1)


def test_parameters_without_gradient_count_as_zero():
    used = ft.tensor([3.0], dtype=ft.float64, requires_grad=True)
    unused = ft.tensor([5.0], dtype=ft.float64, requires_grad=True)
    opt = ft.optim.LBFGS([used, unused], line_search_fn="strong_wolfe")
    opt.step(make_closure(opt, used, lambda w: ((w - 1) ** 2).sum()))
    assert used.item() == pytest.approx(1.0) and unused.item() == 5.0


def test_cubic_interpolation_finds_the_minimum_of_a_cubic():
    f = lambda x: x ** 3 - 3 * x          # noqa: E731  (minimum at x = 1)
    df = lambda x: 3 * x ** 2 - 3         # noqa: E731
    assert _cubic_interpolate(0.0, f(0.0), df(0.0), 2.0, f(2.0), df(2.0)) == pytest.approx(1.0)
    assert _cubic_interpolate(2.0, f(2.0), df(2.0), 0.0, f(0.0), df(0.0)) == pytest.approx(1.0)
    # clipped to the bounds, and the midpoint when the cubic has no minimum
    assert _cubic_interpolate(0.0, f(0.0), df(0.0), 2.0, f(2.0), df(2.0),
                              bounds=(1.5, 3.0)) == 1.5
    assert _cubic_interpolate(0.0, 0.0, -1.0, 1.0, -0.5, -1.0) == 0.5


@settings(max_examples=60)
@given(st.floats(-3, 3), st.floats(0.2, 5), st.floats(-2, 2), st.floats(0.01, 10))
def test_strong_wolfe_step_satisfies_both_conditions(x0, curvature, skew, t0):
    """On f(x) = c x^2 / 2 + s x^4 / 4 + x (convex along any direction), the returned step
    satisfies sufficient decrease and the strong curvature condition."""
    c1, c2 = 1e-4, 0.9
    s = abs(skew)

    def f_and_g(x):
        return 0.5 * curvature * x ** 2 + 0.25 * s * x ** 4 + x, curvature * x + s * x ** 3 + 1

    x = np.array([x0])
    f0, g0 = f_and_g(x[0])
    d = np.array([-np.sign(g0) if g0 != 0 else 1.0])
    gtd = g0 * d[0]
    if gtd >= 0:
        return

    def obj(xs, t, direction):
        f, g = f_and_g(xs[0][0] + t * direction[0])
        return f, np.array([g])
    f_new, g_new, t, evals = _strong_wolfe(obj, [x], t0, d, f0, np.array([g0]), gtd,
                                           max_ls=50)
    assert f_new <= f0 + c1 * t * gtd + 1e-12
    assert abs(g_new[0] * d[0]) <= -c2 * gtd + 1e-9
    assert f_and_g(x[0] + t * d[0])[0] == pytest.approx(f_new)
