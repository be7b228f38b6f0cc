"""Workload 3: one MLP training step on the digits data (64 → 128 → 10).

tanh hidden layer, softmax cross-entropy, plain SGD, float32, batch 64 and
1024; one step = forward + backward + parameter update. functrace runs through
the functional API (``grad`` of a loss over a dict of parameters) and through
the Tensor facade (``ft.nn.Linear``, ``.backward()``, ``ft.optim.SGD``).
Targets (issue 4): within 1.1× of hand-written numpy at batch 1024 and faster
than torch eager at batch 64, through both APIs.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Table, cli, fmt_ratio, fmt_time, median_time, missing_note, peers  # noqa: E402

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


def numpy_step(p: dict, x: np.ndarray, onehot: np.ndarray) -> None:
    """Hand-written forward, backward and SGD update, in place."""
    h = np.tanh(x @ p["W1"] + p["b1"])
    logits = h @ p["W2"] + p["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    dlogits = (e / e.sum(axis=1, keepdims=True) - onehot) / x.shape[0]
    dz = (dlogits @ p["W2"].T) * (1 - h * h)
    grads = {"W2": h.T @ dlogits, "b2": dlogits.sum(0), "W1": x.T @ dz, "b1": dz.sum(0)}
    for k, g in grads.items():
        p[k] -= LR * g


def candidates(x: np.ndarray, labels: np.ndarray, found: dict) -> tuple:
    onehot = np.eye(10, dtype=DTYPE)[labels]
    fns, notes = {}, []
    p_np, p_ft = init_params(), init_params()
    f_grad = ft.grad(loss_fn)

    def functrace_step():
        g = f_grad(p_ft, x, onehot)
        for k in p_ft:
            p_ft[k] = p_ft[k] - LR * g[k]
    fns["functrace"] = functrace_step
    p_jit = init_params()
    jit_step = ft.jit(lambda p, x, t: {k: v - LR * g for (k, v), g in
                                       zip(sorted(p.items()), _sorted_values(f_grad(p, x, t)))})

    def functrace_jit_step():
        nonlocal p_jit
        p_jit = jit_step(p_jit, x, onehot)
    fns["functrace jit"] = functrace_jit_step
    facade, note = _facade_step(x, labels)
    if facade is not None:
        fns["functrace Tensor"] = facade
        fns["functrace Tensor, jit step (functional_call)"] = _facade_jit_step(x, onehot)
    else:
        notes.append(note)
    fns["numpy (hand-written)"] = lambda: numpy_step(p_np, x, onehot)
    if "torch" in found:
        fns["torch eager"] = _torch_step(found["torch"], x, labels)
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
        fns["HIPS autograd"] = autograd_step
    if "jax" in found:
        fns.update(_jax_steps(x, onehot))
    return fns, notes


def _sorted_values(d: dict) -> list:
    return [d[k] for k in sorted(d)]


def _facade_step(x: np.ndarray, labels: np.ndarray) -> tuple:
    try:
        nn, optim = ft.nn, ft.optim
        model = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 10))
        opt = optim.SGD(model.parameters(), lr=LR)
        xb, yb = ft.tensor(x), ft.tensor(labels)
        loss_f = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_f(model(xb), yb).backward()
            opt.step()
        step()
        return step, None
    except Exception as exc:   # noqa: BLE001 - the facade may not be there yet
        return None, (f"functrace Tensor facade not usable yet ({type(exc).__name__}: "
                      f"{exc}): skipped")


def _facade_jit_step(x: np.ndarray, onehot: np.ndarray):
    """A jitted SGD step of an ``ft.nn`` model, its parameters as a dict of arrays."""
    nn = ft.nn
    model = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 10))
    state = {"p": {k: v.detach().numpy() for k, v in model.named_parameters()}}

    def loss(p, x, t):
        logits = ft.func.functional_call(model, p, (x,))
        return -fnp.sum(t * fsp.log_softmax(logits, axis=1)) / x.shape[0]

    @ft.jit
    def update(p, x, t):
        g = ft.grad(loss)(p, x, t)
        return {k: p[k] - LR * g[k] for k in p}

    def step():
        state["p"] = update(state["p"], x, onehot)
    return step


def _torch_step(torch, x: np.ndarray, labels: np.ndarray):
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.Tanh(),
                                torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xb, yb = torch.from_numpy(x), torch.from_numpy(labels)
    loss_f = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_f(model(xb), yb).backward()
        opt.step()
    return step


def _jax_steps(x: np.ndarray, onehot: np.ndarray) -> dict:
    import jax
    import jax.numpy as jnp
    j_grad = jax.grad(lambda p, x, t: loss_fn(p, x, t, jnp, jax.nn.log_softmax))
    state = {"eager": {k: jnp.asarray(v) for k, v in init_params().items()}}
    state["jit"] = dict(state["eager"])
    xj, tj = jnp.asarray(x), jnp.asarray(onehot)

    def update(p, x, t):
        g = j_grad(p, x, t)
        return {k: p[k] - LR * g[k] for k in p}
    update_jit = jax.jit(update)

    def eager():
        state["eager"] = update(state["eager"], xj, tj)
        jax.block_until_ready(state["eager"])

    def jitted():
        state["jit"] = update_jit(state["jit"], xj, tj)
        jax.block_until_ready(state["jit"])
    return {"jax eager": eager, "jax.jit": jitted}


def run(quick: bool = False) -> list:
    found = peers(quick)
    X, y, data_note = load_digits()
    batches = [64] if quick else [64, 1024]
    times: dict = {}
    notes = [data_note]
    for b in batches:
        idx = np.random.default_rng(b).choice(len(X), size=b, replace=False)
        fns, extra = candidates(np.ascontiguousarray(X[idx]), y[idx], found)
        notes += [n for n in extra if n not in notes]
        for name, fn in fns.items():
            times.setdefault(name, {})[b] = median_time(
                fn, min_time=0.05 if quick else 0.5, max_reps=1000, warmup=1 if quick else 5)
    table = Table("MLP training step on digits (64→128→10, tanh, softmax CE, SGD, float32)",
                  ["library"] + [f"batch {b}" for b in batches]
                  + [f"ratio (batch {b})" for b in batches])
    for name, per_b in times.items():
        table.rows.append([name] + [fmt_time(per_b[b]) for b in batches]
                          + [fmt_ratio(per_b[b], times["functrace"][b]) for b in batches])
    table.notes += notes + missing_note(found, quick)
    table.notes.append("targets: within 1.1× of hand-written numpy at batch 1024; faster "
                       "than torch eager at batch 64 (functional API and Tensor facade); "
                       "jit (issue 11): at most jax.jit's and hand-written numpy's time at "
                       "both batches, and the jitted facade step at most torch eager's")
    return [table]


if __name__ == "__main__":
    cli(run)
