"""Workload 3: one MLP training step on the digits data (64 → 128 → 10).

tanh hidden layer, softmax cross-entropy, plain SGD, float32, batch 64 and
1024; one step = forward + backward + parameter update. functrace runs through
the functional API (``grad`` of a loss over a dict of parameters) and through
the Tensor facade (``ft.nn.Linear``, ``.backward()``, ``ft.optim.SGD``). Every
library starts from the same parameters; its first step's gradient and parameter
update are checked against the hand-written step in float64 before the steps are
timed. Targets: ``targets.py`` (issue 4).
"""
from __future__ import annotations

import os
import sys
from typing import Any, Optional

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (TOLERANCE, Candidate, Check, Results, Table, cli,  # noqa: E402
                     fmt_ratio, fmt_time, guarded, median_time, missing_note, peers, to_numpy)

import functrace as ft  # noqa: E402
import functrace.numpy as fnp  # noqa: E402
from functrace.scipy import special as fsp  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "data",
                    "digits.npz")
LR = 0.1
DTYPE = np.float32


def load_digits() -> tuple:
    """(X float32 (n, 64) scaled to [0, 1], integer labels, note)."""
    if os.path.exists(DATA):
        with np.load(DATA) as d:
            keys = set(d.files)
            xk = next((k for k in ("X", "x", "data", "images") if k in keys), None)
            yk = next((k for k in ("y", "target", "labels") if k in keys), None)
            if xk is not None and yk is not None:
                X = d[xk].reshape(len(d[xk]), -1).astype(DTYPE)
                return X / max(float(X.max()), 1.0), d[yk].astype(np.int64), "digits data"
    rng = np.random.default_rng(0)
    return (rng.uniform(0, 1, (1797, 64)).astype(DTYPE), rng.integers(0, 10, 1797),
            "examples/data/digits.npz not found: random data of the same shape (1797 × 64)")


def init_params(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"W1": (rng.standard_normal((64, 128)) / 8.0).astype(DTYPE),
            "b1": np.zeros(128, DTYPE),
            "W2": (rng.standard_normal((128, 10)) / np.sqrt(128)).astype(DTYPE),
            "b2": np.zeros(10, DTYPE)}


def loss_fn(p: dict, x, onehot, m=fnp, log_softmax=fsp.log_softmax):
    h = m.tanh(x @ p["W1"] + p["b1"])
    logits = h @ p["W2"] + p["b2"]
    return -m.sum(onehot * log_softmax(logits, axis=1)) / x.shape[0]


def numpy_step(p: dict, x: np.ndarray, onehot: np.ndarray) -> tuple:
    """Hand-written forward, backward and SGD update, in place; returns (p, gradients)."""
    h = np.tanh(x @ p["W1"] + p["b1"])
    logits = h @ p["W2"] + p["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    dlogits = (e / e.sum(axis=1, keepdims=True) - onehot) / x.shape[0]
    dz = (dlogits @ p["W2"].T) * (1 - h * h)
    grads = {"W2": h.T @ dlogits, "b2": dlogits.sum(0), "W1": x.T @ dz, "b1": dz.sum(0)}
    for k, g in grads.items():
        p[k] -= LR * g
    return p, grads


def first_step_check(x: np.ndarray, labels: np.ndarray, start: Optional[dict] = None
                     ) -> Check:
    """The hand-written step from ``start`` (default ``init_params()``) in float64: its
    gradient and update. The update of a float32 parameter is only known to the
    rounding of that parameter (``atol``), which is far below the update itself."""
    init = {k: np.asarray(v, np.float64) for k, v in (start or init_params()).items()}
    _, grads = numpy_step({k: v.copy() for k, v in init.items()}, x.astype(np.float64),
                          np.eye(10)[labels])
    reference = {"gradient": grads, "update": {k: -LR * g for k, g in grads.items()}}
    atol = 2 * np.finfo(DTYPE).eps * max(np.max(np.abs(v)) for v in init.values())
    return Check(reference, TOLERANCE["float32"],
                 "the hand-written first step (gradient, update) in float64", atol)


def _first_step(out: tuple, start: Optional[dict] = None) -> dict:
    """(parameters after a step from ``start`` (default ``init_params()``), its
    gradients) -> {"gradient", "update"}."""
    params_now, grads = out
    init = start or init_params()
    return {"gradient": to_numpy(grads),
            "update": {k: to_numpy(v) - init[k] for k, v in params_now.items()}}


def sgd(p: dict, g: dict) -> tuple:
    """(p - LR g, g): the SGD update, and the gradient for the check."""
    return {k: p[k] - LR * g[k] for k in p}, g


def candidates(x: np.ndarray, labels: np.ndarray, found: dict) -> dict:
    """name -> Candidate: one step per call; the first step's gradient and update are
    what is checked."""
    onehot = np.eye(10, dtype=DTYPE)[labels]
    p_np, p_ft = init_params(), init_params()
    f_grad = ft.grad(loss_fn)

    def functrace_step():
        g = f_grad(p_ft, x, onehot)
        for k in p_ft:
            p_ft[k] = p_ft[k] - LR * g[k]
        return p_ft, g
    jit_step = ft.jit(lambda p, x, t: sgd(p, f_grad(p, x, t)))
    state = {"jit": init_params()}

    def functrace_jit_step():
        state["jit"], g = jit_step(state["jit"], x, onehot)
        return state["jit"], g
    fns = {"functrace": Candidate(functrace_step, _first_step),
           "functrace jit": Candidate(functrace_jit_step, _first_step),
           "functrace Tensor": guarded(lambda: _module_step(ft, x, labels)),
           "functrace Tensor, jit step (functional_call)": guarded(
               lambda: _facade_jit_step(x, onehot)),
           "numpy (hand-written)": Candidate(lambda: numpy_step(p_np, x, onehot),
                                             _first_step)}
    if "torch" in found:
        fns["torch eager"] = guarded(lambda: _module_step(found["torch"], x, labels))
    if "autograd" in found:
        import autograd
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp
        a_grad = autograd.grad(lambda p, x, t: loss_fn(
            p, x, t, anp, lambda z, axis: z - logsumexp(z, axis=axis, keepdims=True)))
        p_ag = init_params()

        def autograd_step():
            g = a_grad(p_ag, x, onehot)
            for k in p_ag:
                p_ag[k] = p_ag[k] - LR * g[k]
            return p_ag, g
        fns["HIPS autograd"] = Candidate(autograd_step, _first_step)
    if "jax" in found:
        fns.update(_jax_steps(x, onehot))
    return fns


def _facade_jit_step(x: np.ndarray, onehot: np.ndarray) -> Candidate:
    """A jitted SGD step of an ``ft.nn`` model (set to ``init_params()``), its
    parameters as a dict of arrays."""
    nn = ft.nn
    model = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 10))
    init = init_params()
    state = {"p": {"0.weight": init["W1"].T.copy(), "0.bias": init["b1"],
                   "2.weight": init["W2"].T.copy(), "2.bias": init["b2"]}}

    def loss(p, x, t):
        logits = ft.func.functional_call(model, p, (x,))
        return -fnp.sum(t * fsp.log_softmax(logits, axis=1)) / x.shape[0]
    update = ft.jit(lambda p, x, t: sgd(p, ft.grad(loss)(p, x, t)))

    def step():
        state["p"], g = update(state["p"], x, onehot)
        return state["p"], g

    def first_step(out):
        p, g = out
        return _first_step(({"W1": p["0.weight"].T, "b1": p["0.bias"],
                             "W2": p["2.weight"].T, "b2": p["2.bias"]},
                            {"W1": g["0.weight"].T, "b1": g["0.bias"],
                             "W2": g["2.weight"].T, "b2": g["2.bias"]}))
    return Candidate(step, first_step)


def _module_step(lib: Any, x: np.ndarray, labels: np.ndarray) -> Candidate:
    """The step through ``lib.nn`` and ``lib.optim`` (torch, or functrace's facade),
    with the Linear layers set to ``init_params()``."""
    nn = lib.nn
    model = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 10))
    with lib.no_grad():
        for layer, w, b in ((model[0], "W1", "b1"), (model[2], "W2", "b2")):
            layer.weight.copy_(lib.tensor(init_params()[w].T.copy()))
            layer.bias.copy_(lib.tensor(init_params()[b]))
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    xb, yb = lib.tensor(x), lib.tensor(labels)
    loss_f = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_f(model(xb), yb).backward()
        opt.step()
        return model

    def first_step(model):
        layers = {"1": model[0], "2": model[2]}
        params = {f"W{k}": m.weight.T for k, m in layers.items()}
        params.update({f"b{k}": m.bias for k, m in layers.items()})
        grads = {f"W{k}": m.weight.grad.T for k, m in layers.items()}
        grads.update({f"b{k}": m.bias.grad for k, m in layers.items()})
        return _first_step((params, grads))
    return Candidate(step, first_step)


def _jax_steps(x: np.ndarray, onehot: np.ndarray) -> dict:
    import jax
    import jax.numpy as jnp
    j_grad = jax.grad(lambda p, x, t: loss_fn(p, x, t, jnp, jax.nn.log_softmax))
    state = {"eager": {k: jnp.asarray(v) for k, v in init_params().items()}}
    state["jit"] = dict(state["eager"])
    xj, tj = jnp.asarray(x), jnp.asarray(onehot)

    def update(p, x, t):
        g = j_grad(p, x, t)
        return {k: p[k] - LR * g[k] for k in p}, g
    update_jit = jax.jit(update)

    def eager():
        state["eager"], g = jax.block_until_ready(update(state["eager"], xj, tj))
        return state["eager"], g

    def jitted():
        state["jit"], g = jax.block_until_ready(update_jit(state["jit"], xj, tj))
        return state["jit"], g
    return {"jax eager": Candidate(eager, _first_step),
            "jax.jit": Candidate(jitted, _first_step)}


def run(quick: bool = False) -> list:
    found = peers(quick)
    X, y, data_note = load_digits()
    batches = [64] if quick else [64, 1024]
    results = Results()
    for b in batches:
        idx = np.random.default_rng(b).choice(len(X), size=b, replace=False)
        x, labels = np.ascontiguousarray(X[idx]), y[idx]
        check = first_step_check(x, labels)
        results.verify_and_time(candidates(x, labels, found), check, b, lambda fn: median_time(
            fn, min_time=0.05 if quick else 0.5, max_reps=1000, warmup=1 if quick else 5))
    table = Table("MLP training step on digits (64→128→10, tanh, softmax CE, SGD, float32)",
                  ["library"] + [f"batch {b}" for b in batches]
                  + [f"ratio (batch {b})" for b in batches], key="mlp")

    def cells(name):
        mine = [results.get(name, b) for b in batches]
        ref = [results.get("functrace", b) for b in batches]
        return [fmt_time(t) for t in mine] + [fmt_ratio(t, r) for t, r in zip(mine, ref)]
    results.add_rows(table, cells, label=lambda b: f"batch {b}")
    table.notes += [data_note] + missing_note(found, quick) + [check.note()]
    return [table]


if __name__ == "__main__":
    cli(run)
