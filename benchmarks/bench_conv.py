"""Workload: convolutions. Conv2d forward + backward, and one CNN training step.

1. Two convolutions, batch 64, float32: ``Conv2d(1, 16, 3) -> ReLU -> Conv2d(16, 32, 3)``,
   ``sum``, backward to the weights and biases (the input needs no gradient), on
   8 × 8 inputs (the shipped digits) and 28 × 28 inputs (MNIST's size). functrace
   runs through the Tensor facade (``nn.Conv2d``, ``.backward()``) and through the
   functional API (``grad`` of ``F.conv2d`` over a dict of arrays); torch eager in
   the same run.
2. One training step of ``examples/digits_cnn.py``'s model (Conv2d, BatchNorm2d,
   ReLU, MaxPool2d twice, Dropout, Linear) on a batch of 64 digits: forward,
   cross entropy, backward, AdamW step.
3. Why im2col + BLAS: the same convolutions as plain Numba loop kernels
   (direct loops, vectorised over output columns), forward and both gradients.

Before timing, every row of table 1 (functrace's and torch's gradients) is checked
against hand-written convolutions and their backward pass in float64; in table 2
(BatchNorm, max-pool, AdamW: no second implementation here) functrace's loss and
gradients are checked against torch's on the same weights, when torch is installed.
Targets: ``targets.py`` (issue 16).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from _common import (TOLERANCE, Check, Results, Status, Table, cli,  # noqa: E402
                     compare, fmt_ratio, fmt_time, median_time, missing_note, peers)

import functrace as ft  # noqa: E402
import functrace.nn.functional as F  # noqa: E402

DTYPE = np.float32
BATCH = 64


def conv_params(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"w1": (rng.standard_normal((16, 1, 3, 3)) / 3).astype(DTYPE),
            "b1": (rng.standard_normal(16) / 3).astype(DTYPE),
            "w2": (rng.standard_normal((32, 16, 3, 3)) / 12).astype(DTYPE),
            "b2": (rng.standard_normal(32) / 12).astype(DTYPE)}


def two_convs(p: dict, x, conv2d, relu):
    return conv2d(relu(conv2d(x, p["w1"], p["b1"])), p["w2"], p["b2"])


def _windows(x: np.ndarray) -> np.ndarray:
    """(N, C, H - 2, W - 2, 3, 3): every 3 × 3 window of ``x``."""
    return np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))


def reference_gradients(p: dict, x: np.ndarray) -> dict:
    """Gradients of ``sum(two_convs(p, x))``, by hand in float64 (valid 3 × 3
    correlations as window sums; the input gradient of a correlation is the full
    correlation of the output gradient with the flipped kernel)."""
    p = {k: v.astype(np.float64) for k, v in p.items()}
    x = x.astype(np.float64)
    z1 = np.einsum("nchwij,ocij->nohw", _windows(x), p["w1"]) + p["b1"][:, None, None]
    h1 = np.maximum(z1, 0.0)
    out = np.einsum("nchwij,ocij->nohw", _windows(h1), p["w2"]) + p["b2"][:, None, None]
    d_out = np.ones_like(out)
    d_h1 = np.einsum("nohwij,ocij->nchw", _windows(np.pad(d_out, ((0, 0), (0, 0), (2, 2),
                                                                   (2, 2)))),
                     p["w2"][:, :, ::-1, ::-1])
    d_z1 = d_h1 * (z1 > 0)
    return {"w1": np.einsum("nchwij,nohw->ocij", _windows(x), d_z1), "b1": d_z1.sum((0, 2, 3)),
            "w2": np.einsum("nchwij,nohw->ocij", _windows(h1), d_out),
            "b2": d_out.sum((0, 2, 3))}


def conv_candidates(x: np.ndarray, found: dict) -> dict:
    """name -> (step function, its gradients for the check)."""
    p = conv_params()
    tensors = {k: ft.nn.Parameter(ft.tensor(v)) for k, v in p.items()}
    xt = ft.tensor(x)

    def facade():
        for t in tensors.values():
            t.grad = None
        two_convs(tensors, xt, F.conv2d, F.relu).sum().backward()
        return {k: t.grad.numpy() for k, t in tensors.items()}

    f_grad = ft.grad(lambda p, x: two_convs(p, x, F.conv2d, F.relu).sum())
    fns = {"functrace Tensor": facade, "functrace grad": lambda: f_grad(p, x)}
    if "torch" in found:
        torch = found["torch"]
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
        xr = torch.tensor(x)

        def torch_step():
            for t in tp.values():
                t.grad = None
            two_convs(tp, xr, torch.nn.functional.conv2d, torch.relu).sum().backward()
            return {k: t.grad.numpy() for k, t in tp.items()}
        fns["torch eager"] = torch_step
    return fns


# float32 bias gradients are sums of up to 64 × 26 × 26 = 43,264 terms of both signs: torch's
# came out 1.3e-4 from the float64 value in one run, so the float32 default (1e-4) is too tight
CONV_TOLERANCE = 1e-3


def conv_table(quick: bool, found: dict) -> Table:
    sizes = [8] if quick else [8, 28]
    results = Results()
    rng = np.random.default_rng(1)
    for size in sizes:
        x = rng.uniform(0, 1, (8 if quick else BATCH, 1, size, size)).astype(DTYPE)
        check = Check(reference_gradients(conv_params(), x), CONV_TOLERANCE,
                      "hand-written convolutions and their gradients in float64")
        results.verify_and_time(conv_candidates(x, found), check, size, lambda fn: median_time(
            fn, min_time=0.05 if quick else 1.0, max_reps=2000, warmup=1 if quick else 3))
    table = Table(f"Conv2d(1→16, 3×3) → ReLU → Conv2d(16→32, 3×3), sum, backward "
                  f"(batch {BATCH}, float32)",
                  ["library"] + [f"{s}×{s}" for s in sizes]
                  + [f"ratio {s}×{s}" for s in sizes], key="conv/two-convs")

    def cells(name):
        mine = [results.get(name, s) for s in sizes]
        ref = [results.get("functrace Tensor", s) for s in sizes]
        return [fmt_time(t) for t in mine] + [fmt_ratio(t, r) for t, r in zip(mine, ref)]
    results.add_rows(table, cells, label=lambda s: f"{s}×{s}")
    table.notes.append(check.note())
    return table


# -- the CNN training step ------------------------------------------------------------------

def cnn_step(lib, model, batch: tuple):
    criterion = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    xb, yb = batch

    def step():
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss
    return step


def _copy_weights(ours, theirs) -> None:
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.data = ft.tensor(q.detach().numpy().copy())


def cnn_models(found: dict) -> dict:
    import digits_cnn
    models = {"functrace Tensor": digits_cnn.make_model(ft)}
    if "torch" in found:
        models["torch eager"] = digits_cnn.make_model(found["torch"])
        _copy_weights(models["functrace Tensor"], models["torch eager"])
    return models


def cnn_gradients(lib, model, batch: tuple) -> dict:
    """Loss and gradients of one step with dropout off (random masks differ)."""
    model[9].p = 0.0
    model.zero_grad()
    loss = lib.nn.CrossEntropyLoss()(model(batch[0]), batch[1])
    loss.backward()
    grads = {f"p{i}": p.grad.numpy().copy() for i, p in enumerate(model.parameters())}
    grads["loss"] = np.array(loss.item())
    model[9].p = 0.25
    return grads


def cnn_table(quick: bool, found: dict) -> Table:
    import digits_cnn
    x_train, y_train, _, _ = digits_cnn.load_digits()
    n = 8 if quick else BATCH
    x, y = digits_cnn.images(x_train[:n]), y_train[:n]
    models = cnn_models(found)
    libs = {"functrace Tensor": ft, "torch eager": found.get("torch")}
    batches = {name: (libs[name].tensor(x), libs[name].tensor(y)) for name in models}
    table = Table(f"One training step of examples/digits_cnn.py's CNN (batch {n}, 8×8, "
                  "float32, AdamW)", ["library", "time", "ratio"], key="conv/cnn-step")
    statuses = {"functrace Tensor": Status(False, why="no reference: torch not installed")}
    if "torch" in found:
        reference = cnn_gradients(found["torch"], models["torch eager"], batches["torch eager"])
        # the conv biases before BatchNorm have zero gradient in exact arithmetic: what both
        # libraries give there is rounding, so arrays also pass within tol x the largest gradient
        largest = max(float(np.max(np.abs(v))) for k, v in reference.items() if k != "loss")
        statuses = {"functrace Tensor": compare(cnn_gradients(
            ft, models["functrace Tensor"], batches["functrace Tensor"]),
            Check(reference, TOLERANCE["float32"], "torch", TOLERANCE["float32"] * largest))}
    times = {}
    for name, model in models.items():
        if name == "functrace Tensor" and not statuses[name].ok:
            continue
        times[name] = median_time(cnn_step(libs[name], model, batches[name]),
                                  min_time=0.05 if quick else 1.0, max_reps=2000,
                                  warmup=1 if quick else 5)
    for name in models:
        t = times.get(name)
        check = "n/a (the reference)" if name == "torch eager" else (
            str(statuses[name]) if "torch" in found else "n/a (no reference without torch)")
        table.add_row(name, [fmt_time(t), fmt_ratio(t, times.get("functrace Tensor"))], check,
                      {"time": t} if t is not None else {})
    table.notes.append("check (before timing): functrace's loss and gradients of one step "
                       "(dropout off) against torch's on the same weights, max |error| <= "
                       f"{TOLERANCE['float32']:g} x (max |reference| of the array + the "
                       "largest gradient of any parameter: the conv biases before "
                       "BatchNorm have zero gradient in exact arithmetic)")
    return table


def run(quick: bool = False) -> list:
    found = peers(quick)
    tables = [conv_table(quick, found), cnn_table(quick, found)]
    if not quick:
        from _conv_numba import numba_table
        tables.append(numba_table())
    notes = missing_note(found, quick) + [
        "numpy's BLAS threads are left as configured (OPENBLAS_NUM_THREADS=1 is steadier on "
        "a busy 2-core machine); torch uses 2 threads"]
    for table in tables[:2]:
        table.notes += notes
    return tables


if __name__ == "__main__":
    cli(run)
