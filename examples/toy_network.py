"""The tutorials' toy network, differentiated three ways.

    b = w1 * a        c = w2 * a        d = w3 * b + w4 * c        L = 10 - d

Gradients of L by ``L.backward()`` (the PyTorch-style Tensor facade), by
``functrace.grad`` (the functional transform) and by the chain rule written out
by hand are printed side by side; they agree exactly. A picture of the graph
is written to the output directory (Graphviz if installed, else matplotlib).

Run: python examples/toy_network.py [--out DIR]
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import functrace as ft

START = {"a": 2.0, "w1": 3.0, "w2": -1.0, "w3": 0.5, "w4": 4.0}
NAMES = ["a", "w1", "w2", "w3", "w4"]


def network(a, w1, w2, w3, w4):
    """The same code runs on Tensors and, inside functrace.grad, on tracers."""
    b = w1 * a
    c = w2 * a
    d = w3 * b + w4 * c
    return 10 - d


def by_backward() -> tuple:
    leaves = {n: ft.tensor(v, dtype=ft.float64, requires_grad=True) for n, v in START.items()}
    L = network(*(leaves[n] for n in NAMES))
    L.backward()
    grads = {}
    for n in NAMES:
        g = leaves[n].grad              # Optional[Tensor]: None before any backward
        assert g is not None
        grads[n] = g.item()
    return grads, L, leaves


def by_functional() -> dict:
    grads = ft.grad(network, argnums=(0, 1, 2, 3, 4))(*(START[n] for n in NAMES))
    return {n: float(g) for n, g in zip(NAMES, grads)}


def by_hand() -> dict:
    """dL/dd = -1, then the chain rule backwards through d, b and c."""
    a, w1, w2, w3, w4 = (START[n] for n in NAMES)
    b, c = w1 * a, w2 * a
    dL_dd = -1.0
    dL_db, dL_dc = dL_dd * w3, dL_dd * w4
    return {"a": dL_db * w1 + dL_dc * w2, "w1": dL_db * a, "w2": dL_dc * a,
            "w3": dL_dd * b, "w4": dL_dd * c}


def draw(L: ft.Tensor, leaves: dict, out_dir: str) -> str:
    os.makedirs(out_dir, exist_ok=True)
    if ft.viz.graphviz_available():
        return ft.viz.render(L, os.path.join(out_dir, "toy_network.svg"), params=leaves)
    path = os.path.join(out_dir, "toy_network.png")
    try:
        ft.viz.plot(L, path, params=leaves)
    except ImportError:
        path = os.path.join(out_dir, "toy_network.dot")
        with open(path, "w") as fh:
            fh.write(ft.viz.to_dot(L, params=leaves))
    return path


def main(out_dir: str = "examples/output") -> dict:
    backward, L, leaves = by_backward()
    functional, hand = by_functional(), by_hand()
    print(f"L = {L.item()}   ({L!r})")
    print(f"{'':>4} {'L.backward()':>14} {'functrace.grad':>15} {'by hand':>10}")
    for n in NAMES:
        print(f"{n:>4} {backward[n]:>14.4f} {functional[n]:>15.4f} {hand[n]:>10.4f}")
    for n in NAMES:
        assert np.isclose(backward[n], hand[n]) and np.isclose(functional[n], hand[n]), n
    print("grad_fn chain:", L.grad_fn.name(), "<-",
          [f[0].name() for f in L.grad_fn.next_functions if f[0] is not None])
    print("graph picture:", draw(L, leaves, out_dir))
    return backward


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="examples/output", help="where to write the picture")
    main(parser.parse_args().out)
