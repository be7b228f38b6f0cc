"""The Tensor facade on a tutorial's loop of small float32 elementwise ops, against torch eager.

One step is what a learner's first training loop does on tiny tensors::

    y = (x * w + b).tanh()
    loss = (y * y).mean()
    loss.backward()

on n = 10, 100 and 1000 float32 elements, with ``w`` and ``b`` requiring grad
(their ``.grad`` reset first). Six operations and a backward pass: the time is
the facade's per-op cost (dispatch, type promotion, recording, the backward
walk), not numpy's. The functional API (``ft.grad`` of the same function) is a
row too. Every row's gradients are first checked against the hand-written
derivative in float64. Target: ``targets.py`` (issue 16).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (TOLERANCE, Check, Results, Table, cli, fmt_ratio,  # noqa: E402
                     median_time, missing_note, peers)

import functrace as ft  # noqa: E402

DTYPE = np.float32


def inputs(n: int) -> dict:
    rng = np.random.default_rng(n)
    return {k: rng.standard_normal(n).astype(DTYPE) for k in ("x", "w", "b")}


def reference(v: dict) -> dict:
    """d loss / d w and d loss / d b by hand, in float64."""
    x, w, b = (v[k].astype(np.float64) for k in ("x", "w", "b"))
    y = np.tanh(x * w + b)
    dz = 2.0 * y / y.size * (1.0 - y * y)
    return {"b": dz, "w": dz * x}


def tensor_step(lib, v: dict):
    """The loop's step on ``lib`` (functrace or torch): returns the gradients."""
    x = lib.tensor(v["x"])
    w = lib.tensor(v["w"], requires_grad=True)
    b = lib.tensor(v["b"], requires_grad=True)

    def step():
        w.grad = None
        b.grad = None
        y = (x * w + b).tanh()
        loss = (y * y).mean()
        loss.backward()
        return {"b": b.grad, "w": w.grad}
    return step


def functional_step(v: dict):
    import functrace.numpy as fnp

    def loss(w, b, x):
        y = fnp.tanh(x * w + b)
        return fnp.mean(y * y)
    grad = ft.grad(loss, argnums=(0, 1))

    def step():
        gw, gb = grad(v["w"], v["b"], v["x"])
        return {"b": gb, "w": gw}
    return step


def run(quick: bool = False) -> list:
    found = peers(quick)
    sizes = [100] if quick else [10, 100, 1000]
    table = Table("Tensor facade, tutorial loop of small float32 ops: (x*w + b).tanh(), "
                  "(y*y).mean(), backward (µs per step)",
                  ["library"] + [f"n={n}" for n in sizes]
                  + [f"ratio to torch eager (n={n})" for n in sizes], key="tensor_loop")
    results = Results()
    for n in sizes:
        v = inputs(n)
        check = Check(reference(v), TOLERANCE["float32"],
                      "the hand-written gradient in float64")
        fns = {"functrace Tensor": tensor_step(ft, v),
               "functrace (functional grad)": functional_step(v)}
        if "torch" in found:
            fns["torch eager"] = tensor_step(found["torch"], v)
        for name, fn in fns.items():
            results.verify_and_time({name: fn}, check, n, lambda f: median_time(
                f, min_time=0.05 if quick else 0.5, max_reps=20000, warmup=1 if quick else 50))

    def cells(name):
        mine = [results.get(name, n) for n in sizes]
        ref = [results.get("torch eager", n) for n in sizes]
        return ([f"{t * 1e6:.1f}" if t is not None else "—" for t in mine]
                + [fmt_ratio(t, r) for t, r in zip(mine, ref, strict=True)])
    results.add_rows(table, cells, label=lambda n: f"n={n}")
    table.notes += missing_note(found, quick) + [check.note()]
    return [table]


if __name__ == "__main__":
    cli(run)
