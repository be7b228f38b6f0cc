"""Per-op overhead of several functrace source trees, measured in one run, alternating.

    python benchmarks/compare_trees.py REFERENCE_TREE OTHER_TREE... [--rounds 5]

The trees are checkouts (``git worktree add /tmp/old54 54ad03b``). Each round times,
in a fresh process per tree and in rotating order, the chain of ``bench_overhead.py``
(100 tiny-array ops, forward + backward, n = 1): through ``functrace.grad`` and
through the Tensor facade (``.backward()``). It prints each tree's best round (on a
shared machine the least disturbed one) with its ratio to the first tree's best,
and the median; rotating the order spreads a machine that slows down or speeds up
during the run over every tree alike.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

# Runs inside the child process, with the tree first on sys.path.
CHILD = r"""
import json, sys, timeit
import numpy as np
import functrace as ft, functrace.numpy as fnp
assert ft.__file__.startswith(sys.argv[1]), ft.__file__

def chain(x, m):
    for _ in range(20):
        x = m.exp(m.tanh(m.sin(x) * 0.9) + 0.1)
    return x

x = np.linspace(0.1, 0.9, 1)
f_grad = ft.grad(lambda v: fnp.sum(chain(v, fnp)))

def facade():
    t = ft.tensor(x, requires_grad=True)
    chain(t, fnp).sum().backward()
    return t.grad

out = {}
for name, fn in (("grad", lambda: f_grad(x)), ("Tensor", facade)):
    fn()
    timer = timeit.Timer(fn)
    reps = max(1, int(0.2 / min(timer.repeat(3, 1))))
    out[name] = min(timer.repeat(7, reps)) / reps / 100 * 1e6
print(json.dumps(out))
"""


def measure(tree: str) -> dict:
    env = dict(os.environ, PYTHONPATH=tree)
    done = subprocess.run([sys.executable, "-c", CHILD, os.path.join(tree, "functrace")],
                          env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", help="the reference tree first")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = [os.path.abspath(t) for t in args.trees]
    times: list = [[] for _ in trees]
    for r in range(args.rounds):
        for k in range(len(trees)):
            which = (k + r) % len(trees)        # rotate who goes first
            times[which].append(measure(trees[which]))
    print(f"per-op overhead, µs/op over {args.rounds} rotating rounds (n = 1): the best round "
          f"(least disturbed by other load) and the median; ratios to {args.trees[0]}")
    for name in ("grad", "Tensor"):
        best_ref = min(t[name] for t in times[0])
        for tree, mine in zip(args.trees, times, strict=True):
            best = min(t[name] for t in mine)
            ratios = [m[name] / r[name] for r, m in zip(times[0], mine, strict=True)]
            print(f"  {name:7s} {tree:28s} best {best:6.2f} (ratio {best / best_ref:.3f})  "
                  f"median {statistics.median(t[name] for t in mine):6.2f} "
                  f"(per-round ratios {min(ratios):.2f}..{max(ratios):.2f})")

if __name__ == "__main__":
    main()
