"""L-BFGS with an optional strong-Wolfe line search (PyTorch's algorithm, after minFunc).

All parameters are handled as one flat vector. Vectors stay in the
parameters' dtype and scalars are numpy scalars, so float32 problems follow
the same arithmetic as torch's float32 tensors.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, List, Optional, Tuple

import numpy as np

from ..grad_mode import enable_grad
from ..tensors._tensor import Tensor, bump_version, make
from .optimizer import Optimizer, check_options

Objective = Callable[[List[np.ndarray], Any, np.ndarray], Tuple[float, np.ndarray]]


def _cubic_interpolate(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                       bounds: Optional[Tuple[Any, Any]] = None) -> Any:
    """The minimiser of the cubic through ``(x1, f1, g1)`` and ``(x2, f2, g2)``, clipped to
    ``bounds`` (default: the interval between the points); its midpoint if there is none."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


class _Bracket:
    """Points ``t`` of the line search with their loss, gradient and slope ``g . d``."""

    def __init__(self, points: list) -> None:
        self.t = [p[0] for p in points]
        self.f = [p[1] for p in points]
        self.g = [p[2] for p in points]
        self.gtd = [p[3] for p in points]

    def set(self, i: int, point: tuple) -> None:
        self.t[i], self.f[i], self.g[i], self.gtd[i] = point

    def get(self, i: int) -> tuple:
        return self.t[i], self.f[i], self.g[i], self.gtd[i]

    def low_high(self) -> Tuple[int, int]:
        return (0, 1) if self.f[0] <= self.f[-1] else (1, 0)


def _strong_wolfe(obj: Objective, x: List[np.ndarray], t: Any, d: np.ndarray, f: float,
                  g: np.ndarray, gtd: Any, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple:
    """A step ``t`` along ``d`` satisfying the strong Wolfe conditions: bracket, then zoom.

    Returns ``(loss, gradient, t, evaluations)`` at the chosen step.
    """
    d_norm = np.abs(d).max()
    f_new, g_new = obj(x, t, d)
    evals, ls_iter = 1, 0
    gtd_new = g_new.dot(d)
    prev = (0, f, g, gtd)
    done = False
    bracket = None
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= prev[1]):
            bracket = _Bracket([prev, (t, f_new, g_new, gtd_new)])
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = _Bracket([(t, f_new, g_new, gtd_new)]), True
            break
        if gtd_new >= 0:
            bracket = _Bracket([prev, (t, f_new, g_new, gtd_new)])
            break
        t_prev = prev[0]
        next_t = _cubic_interpolate(t_prev, prev[1], prev[3], t, f_new, gtd_new,
                                    bounds=(t + 0.01 * (t - t_prev), t * 10))
        prev = (t, f_new, g_new, gtd_new)
        t = next_t
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = _Bracket([(0, f, g, gtd), (t, f_new, g_new, gtd_new)])
    assert bracket is not None
    low, high = bracket.low_high()
    insufficient = False
    while not done and ls_iter < max_ls:
        if abs(bracket.t[1] - bracket.t[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(*bracket.get(0)[:2], bracket.gtd[0], *bracket.get(1)[:2],
                               bracket.gtd[1])
        t, insufficient = _keep_inside(t, bracket.t, insufficient)
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        point = (t, f_new, g_new, gtd_new)
        if f_new > f + c1 * t * gtd or f_new >= bracket.f[low]:
            bracket.set(high, point)            # not enough decrease: shrink from above
            low, high = bracket.low_high()
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket.t[high] - bracket.t[low]) >= 0:
                bracket.set(high, bracket.get(low))
            bracket.set(low, point)
    return bracket.f[low], bracket.g[low], bracket.t[low], evals


def _keep_inside(t: Any, ts: list, insufficient: bool) -> Tuple[Any, bool]:
    """Move a trial step that is too close to the bracket's ends 10% inside (minFunc's
    safeguard), when progress was already insufficient or ``t`` is on an end."""
    lo, hi = min(ts), max(ts)
    eps = 0.1 * (hi - lo)
    if min(hi - t, t - lo) >= eps:
        return t, False
    if insufficient or t >= hi or t <= lo:
        return (hi - eps if abs(t - hi) < abs(t - lo) else lo + eps), False
    return t, True


class LBFGS(Optimizer):
    """PyTorch's L-BFGS: ``step(closure)`` runs up to ``max_iter`` iterations, each
    calling ``closure()`` (which must zero the gradients, compute the loss, call
    ``backward()`` and return the loss) once, or as the strong-Wolfe line search needs.

    One parameter group only; the history holds ``history_size`` vector pairs.

    >>> import functrace as ft
    >>> w = ft.tensor([3.0, -2.0], requires_grad=True)
    >>> opt = ft.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> w.detach().allclose(ft.ones(2))
    True
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, max_iter: int = 20,
                 max_eval: Optional[int] = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: Optional[str] = None) -> None:
        check_options(lr=lr)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe' "
                             f"(only 'strong_wolfe' is supported), got {line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # -- the parameters as one flat vector ---------------------------------------------------

    def _flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p._grad is None
                               else p._grad._data.ravel() for p in self._params])

    def _add(self, step: Any, direction: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += step * direction[offset:offset + n].reshape(p._data.shape)
            bump_version(p)
            offset += n

    def _restore(self, saved: List[np.ndarray]) -> None:
        for p, data in zip(self._params, saved):
            p._data[...] = data
            bump_version(p)

    def _directional_evaluate(self, closure: Callable[[], Any], x: List[np.ndarray], t: Any,
                              d: np.ndarray) -> Tuple[float, np.ndarray]:
        self._add(t, d)
        loss = _scalar(_call(closure))
        flat_grad = self._flat_grad()
        self._restore(x)
        return loss, flat_grad

    # -- the iteration ---------------------------------------------------------------------

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise TypeError("LBFGS.step() needs a closure that clears the gradients, computes "
                            "the loss, calls backward() and returns the loss")
        group = self.param_groups[0]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = _call(closure)
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss
        memory = _Memory.load(state)
        memory.loss = _scalar(orig_loss)
        _iterate(self, closure, group, state, memory, flat_grad)
        memory.save(state)
        return orig_loss


def _scalar(loss: Any) -> float:
    """The closure's loss as a float (``.item()``: no requires-grad conversion warning)."""
    item = getattr(loss, "item", None)
    return float(item() if item is not None else loss)


def _call(closure: Callable[[], Any]) -> Any:
    with enable_grad():
        return closure()


class _Memory:
    """L-BFGS's memory between steps: last direction and step length, history of
    ``(y, s, 1 / y.s)``, initial Hessian scale, previous gradient and loss."""

    def __init__(self) -> None:
        self.d: Any = None
        self.t: Any = None
        self.dirs: list = []
        self.stps: list = []
        self.ro: list = []
        self.h_diag: Any = 1
        self.prev_flat_grad: Optional[np.ndarray] = None
        self.prev_loss: Any = None
        self.loss: float = 0.0

    @classmethod
    def load(cls, state: dict) -> "_Memory":
        m = cls()
        if "d" in state:
            m.d, m.t = state["d"]._data, state["t"]
            m.dirs = [v._data for v in state["old_dirs"]]
            m.stps = [v._data for v in state["old_stps"]]
            m.ro, m.h_diag = list(state["ro"]), state["H_diag"]
            m.prev_flat_grad = state["prev_flat_grad"]._data
            m.prev_loss = state["prev_loss"]
        return m

    def save(self, state: dict) -> None:
        def wrap(a: np.ndarray) -> Tensor:
            return make(a, None, False)
        state.update(d=wrap(self.d), t=self.t, old_dirs=[wrap(v) for v in self.dirs],
                     old_stps=[wrap(v) for v in self.stps], ro=list(self.ro),
                     H_diag=self.h_diag, prev_flat_grad=wrap(self.prev_flat_grad),
                     prev_loss=self.prev_loss)

    def direction(self, flat_grad: np.ndarray, first: bool, history_size: int) -> np.ndarray:
        """The quasi-Newton direction ``-H g`` (two-loop recursion), after adding the
        last step's curvature pair to the history."""
        if first:
            self.dirs, self.stps, self.ro, self.h_diag = [], [], [], 1
            return -flat_grad
        y = flat_grad - self.prev_flat_grad
        s = self.d * self.t
        ys = y.dot(s)
        if ys > 1e-10:
            if len(self.dirs) == history_size:
                del self.dirs[0], self.stps[0], self.ro[0]
            self.dirs.append(y)
            self.stps.append(s)
            self.ro.append(1.0 / ys)
            self.h_diag = ys / y.dot(y)
        q = -flat_grad
        al = [None] * len(self.dirs)
        for i in range(len(self.dirs) - 1, -1, -1):
            al[i] = self.stps[i].dot(q) * self.ro[i]
            q = q - al[i] * self.dirs[i]
        r = q * self.h_diag
        for i in range(len(self.dirs)):
            be_i = self.dirs[i].dot(r) * self.ro[i]
            r = r + (al[i] - be_i) * self.stps[i]
        return r


def _iterate(opt: LBFGS, closure: Callable[[], Any], group: dict, state: dict,
             memory: _Memory, flat_grad: np.ndarray) -> None:
    """The iterations of one ``step``, updating the parameters and ``memory``."""
    lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
    tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
    current_evals, n_iter = 1, 0
    while n_iter < max_iter:
        n_iter += 1
        state["n_iter"] += 1
        first = state["n_iter"] == 1
        d = memory.d = memory.direction(flat_grad, first, group["history_size"])
        memory.prev_flat_grad = flat_grad.copy()
        memory.prev_loss = memory.loss
        t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if first else lr
        gtd = flat_grad.dot(d)
        if gtd > -tol_change:
            memory.t = t
            break
        evals = 0
        opt_cond = False
        if group["line_search_fn"] is not None:
            x_init = [p._data.copy() for p in opt._params]
            memory.loss, flat_grad, t, evals = _strong_wolfe(
                lambda x, t, d: opt._directional_evaluate(closure, x, t, d), x_init, t, d,
                memory.loss, flat_grad, gtd, max_ls=max_eval - current_evals)
            opt._add(t, d)
            opt_cond = np.abs(flat_grad).max() <= tol_grad
        else:
            opt._add(t, d)
            if n_iter != max_iter:      # the last iteration's loss is not needed
                memory.loss = _scalar(_call(closure))
                flat_grad = opt._flat_grad()
                opt_cond = np.abs(flat_grad).max() <= tol_grad
                evals = 1
        memory.t = t
        current_evals += evals
        state["func_evals"] += evals
        if (n_iter == max_iter or current_evals >= max_eval or opt_cond
                or np.abs(d * t).max() <= tol_change
                or abs(memory.loss - memory.prev_loss) < tol_change):
            break
