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

Before timing, the functrace results are checked against torch's on the same
weights (values and gradients, float32 tolerance). Goal (issue 16): within 2× of
torch eager on both workloads.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from _common import Table, cli, fmt_ratio, fmt_time, median_time, missing_note, peers  # noqa: E402

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


def check_same(results: dict, what: str) -> None:
    """Every candidate's gradients equal the first one's (float32 tolerance)."""
    names = list(results)
    ref = results[names[-1]]
    for name in names:
        for key, value in results[name].items():
            scale = max(1.0, float(np.abs(ref[key]).max()))
            if not np.allclose(value, ref[key], rtol=1e-3, atol=1e-3 * scale):
                raise AssertionError(f"{what}: {name} disagrees with {names[-1]} on {key}")


def conv_table(quick: bool, found: dict) -> Table:
    sizes = [8] if quick else [8, 28]
    times: dict = {}
    rng = np.random.default_rng(1)
    for size in sizes:
        x = rng.uniform(0, 1, (8 if quick else BATCH, 1, size, size)).astype(DTYPE)
        fns = conv_candidates(x, found)
        check_same({name: fn() for name, fn in fns.items()}, f"conv {size}x{size}")
        for name, fn in fns.items():
            times.setdefault(name, {})[size] = median_time(
                fn, min_time=0.05 if quick else 1.0, max_reps=2000, warmup=1 if quick else 3)
    table = Table(f"Conv2d(1→16, 3×3) → ReLU → Conv2d(16→32, 3×3), sum, backward "
                  f"(batch {BATCH}, float32)",
                  ["library"] + [f"{s}×{s}" for s in sizes]
                  + [f"ratio {s}×{s}" for s in sizes])
    for name, per in times.items():
        table.rows.append([name] + [fmt_time(per[s]) for s in sizes]
                          + [fmt_ratio(per[s], times["functrace Tensor"][s]) for s in sizes])
    table.notes += ["gradients of every candidate agree with torch's before timing"]
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


def verify_cnn(models: dict, batches: dict, found: dict) -> None:
    """Same loss and gradients as torch for one step (dropout off: random masks differ)."""
    if "torch" not in found:
        return
    grads = {}
    for name, model in models.items():
        lib = found["torch"] if name == "torch eager" else ft
        model[9].p = 0.0
        model.zero_grad()
        loss = lib.nn.CrossEntropyLoss()(model(batches[name][0]), batches[name][1])
        loss.backward()
        grads[name] = {f"p{i}": p.grad.numpy().copy() for i, p in enumerate(model.parameters())}
        grads[name]["loss"] = np.array(loss.item())
        model[9].p = 0.25
    check_same(grads, "CNN step")


def cnn_table(quick: bool, found: dict) -> Table:
    import digits_cnn
    x_train, y_train, _, _ = digits_cnn.load_digits()
    n = 8 if quick else BATCH
    x, y = digits_cnn.images(x_train[:n]), y_train[:n]
    models = cnn_models(found)
    batches = {"functrace Tensor": (ft.tensor(x), ft.tensor(y))}
    if "torch" in found:
        torch = found["torch"]
        batches["torch eager"] = (torch.tensor(x), torch.tensor(y))
    verify_cnn(models, batches, found)
    table = Table(f"One training step of examples/digits_cnn.py's CNN (batch {n}, 8×8, "
                  "float32, AdamW)", ["library", "time", "ratio"])
    times = {}
    for name, model in models.items():
        lib = found["torch"] if name == "torch eager" else ft
        times[name] = median_time(cnn_step(lib, model, batches[name]),
                                  min_time=0.05 if quick else 1.0, max_reps=2000,
                                  warmup=1 if quick else 5)
    for name, t in times.items():
        table.rows.append([name, fmt_time(t), fmt_ratio(t, times["functrace Tensor"])])
    table.notes.append("loss and gradients agree with torch's on the same weights "
                       "(dropout off for the check) before timing")
    return table


def run(quick: bool = False) -> list:
    found = peers(quick)
    tables = [conv_table(quick, found), cnn_table(quick, found)]
    if not quick:
        from _conv_numba import numba_table
        tables.append(numba_table())
    notes = missing_note(found, quick) + [
        "numpy's BLAS threads are left as configured (OPENBLAS_NUM_THREADS=1 is steadier on "
        "a busy 2-core machine); torch uses 2 threads",
        "goal: within 2× of torch eager on both workloads"]
    for table in tables[:2]:
        table.notes += notes
    return tables


if __name__ == "__main__":
    cli(run)
