"""Workload: gradient of a 50-layer tanh MLP with and without checkpointing.

``h = tanh(h @ W_i)`` for 50 square layers (width 64, batch 2048, float64), loss
``sum(h ** 2)``; the gradient with respect to all 50 weight matrices. The
activations (1 MiB each) dominate the weights (32 KiB each), so the peak memory
of one gradient is about one activation per layer without checkpointing.

Peak memory is measured with ``tracemalloc`` (numpy and Python allocations; it
cannot see torch's or XLA's allocators, so peers get times only), in a separate
run from the timing. A tanh layer keeps only its input for the backward pass, so
checkpointing *single* layers cannot save memory; checkpointing segments of k
layers keeps L/k segment inputs plus one segment's k activations during the
backward pass (k ≈ √L is best), for about one extra forward pass of compute.

Every configuration's gradient (and each peer's) is first checked against
hand-written backpropagation in float64. Targets: ``targets.py`` (issue 5).
"""
from __future__ import annotations

import gc
import os
import sys
import tracemalloc
from typing import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (TOLERANCE, Check, Table, cli, fmt_ratio, fmt_time,  # noqa: E402
                     median_time, missing_note, peers, verify)

import functrace as ft  # noqa: E402
import functrace.numpy as fnp  # noqa: E402

LAYERS = 50


def segment(ws: list, h, tanh=fnp.tanh):
    for w in ws:
        h = tanh(h @ w)
    return h


def loss(ws: list, x, every: int, remat: Callable = ft.checkpoint, tanh=fnp.tanh):
    """The MLP loss; with ``every`` > 0, segments of that many layers are checkpointed."""
    if not every:
        h = segment(ws, x, tanh)
    else:
        h = x
        for i in range(0, len(ws), every):
            h = remat(lambda ws_, h_: segment(ws_, h_, tanh))(ws[i:i + every], h)
    return (h ** 2).sum()


def numpy_gradient(ws: list, x: np.ndarray) -> list:
    """Hand-written backpropagation of ``loss`` with respect to every ``ws[i]``."""
    hs = [x]
    for w in ws:
        hs.append(np.tanh(hs[-1] @ w))
    dh, grads = 2.0 * hs[-1], []
    for w, h_in, h_out in zip(reversed(ws), reversed(hs[:-1]), reversed(hs[1:]), strict=True):
        dz = dh * (1.0 - h_out * h_out)
        grads.append(h_in.T @ dz)
        dh = dz @ w.T
    return grads[::-1]


def peak_bytes(fn: Callable) -> int:
    """Peak traced allocation of one call of ``fn`` (after a warm-up call)."""
    fn()
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def functional_cases(ws: list, x: np.ndarray, settings: list) -> dict:
    grad = ft.grad(loss)
    return {label: (lambda every=every: grad(ws, x, every)) for label, every in settings}


def tensor_cases(ws: list, x: np.ndarray, settings: list) -> dict:
    """The same model through the Tensor facade (``.backward()``)."""
    params = [ft.tensor(w, requires_grad=True) for w in ws]
    xt = ft.tensor(x)

    def step(every: int) -> list:
        for p in params:
            p.grad = None
        loss(params, xt, every, tanh=ft.tanh).backward()
        return [p.grad for p in params]

    return {f"Tensor facade, {label}": (lambda every=every: step(every))
            for label, every in settings}


def peer_cases(ws: list, x: np.ndarray, found: dict, every: int) -> dict:
    fns: dict = {}
    if "torch" in found:
        torch = found["torch"]
        from torch.utils.checkpoint import checkpoint as torch_ckpt
        tw = [torch.tensor(w, requires_grad=True) for w in ws]
        tx = torch.from_numpy(x)
        remat = lambda f: lambda *a: torch_ckpt(f, *a, use_reentrant=False)
        for k, name in ((0, "torch eager"), (every, f"torch, checkpoint every {every}")):
            fns[name] = lambda k=k: torch.autograd.grad(
                loss(tw, tx, k, remat=remat, tanh=torch.tanh), tw)
    if "jax" in found:
        import jax
        import jax.numpy as jnp
        jw, jx = [jnp.asarray(w) for w in ws], jnp.asarray(x)
        for k, name in ((0, "jax eager"), (every, f"jax, checkpoint every {every}")):
            g = jax.grad(lambda w, k=k: loss(w, jx, k, remat=jax.checkpoint, tanh=jnp.tanh))
            fns[name] = lambda g=g: jax.block_until_ready(g(jw))
    return fns


def run(quick: bool = False) -> list:
    found = peers(quick)
    layers, width, batch = (10, 8, 32) if quick else (LAYERS, 64, 2048)
    rng = np.random.default_rng(0)
    ws = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(layers)]
    x = rng.standard_normal((batch, width))
    best = max(1, int(round(np.sqrt(layers))))
    settings = [("no checkpointing", 0), ("checkpoint every layer", 1),
                (f"checkpoint every {best} layers (√L)", best),
                (f"checkpoint every {2 * best} layers", 2 * best)]
    check = Check(numpy_gradient(ws, x), TOLERANCE["float64"],
                  "hand-written backpropagation in float64")
    ours = {**functional_cases(ws, x, settings),
            **tensor_cases(ws, x, settings[:1] + settings[2:3])}
    act = x.nbytes
    table = Table(f"{layers}-layer tanh MLP gradient (width {width}, batch {batch}, float64): "
                  "peak memory and time", ["configuration", "peak memory", "peak / activation",
                                           "time", "time ratio"], key="checkpoint")
    base = None
    for name, fn in ours.items():
        status = verify(fn, check)
        peak = peak_bytes(fn) if status.ok else None
        t = median_time(fn, min_time=0.05 if quick else 1.0, max_reps=50,
                        warmup=1 if quick else 3) if status.ok else None
        base = base or t
        table.add_row(name, ["—", "—", "—", "—"] if not status.ok else [
            f"{peak / 2 ** 20:.1f} MiB", f"{peak / act:.1f}", fmt_time(t),
            fmt_ratio(t, base)], str(status), {"time": t, "peak": peak} if status.ok else {})
    for name, fn in peer_cases(ws, x, found, best).items():
        status = verify(fn, check)
        t = median_time(fn, min_time=0.5, max_reps=50, warmup=2) if status.ok else None
        table.add_row(name, ["—", "—", fmt_time(t), fmt_ratio(t, base)], str(status),
                      {"time": t} if status.ok else {})
    table.notes += missing_note(found, quick) + [check.note()]
    identical = all(np.array_equal(a, b) for every in (1, best) for a, b in zip(
        ft.grad(loss)(ws, x, every), ft.grad(loss)(ws, x, 0), strict=True))
    table.notes += [f"one activation = {act / 2 ** 20:.2f} MiB; functrace's gradients with and "
                    f"without checkpointing are {'' if identical else 'NOT '}bit-identical",
                    "peak memory by tracemalloc (numpy/Python allocations only, so none for "
                    "torch/jax); time ratios are to functrace without checkpointing"]
    return [table]


if __name__ == "__main__":
    cli(run)
