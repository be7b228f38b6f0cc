"""Should functrace.tree run on optree? The measurements behind that decision.

optree (the C++ pytree library PyTorch uses) would be adopted as an optional
accelerator only if (1) a flatten + unflatten round trip of typical parameter
trees is at least 2x faster with it and (2) cold start stays no slower than HIPS
autograd's. Not part of ``make bench`` (run_all runs ``bench_*.py`` only): run
it by hand in a venv that has optree and autograd installed:

    python benchmarks/pytree_engines.py [--repeat 7]

Measured (2-core shared machine, optree 0.20.0, numpy 2.4.6, Python 3.11.7; two runs,
--repeat 7 and --repeat 9): round trip speed-up with optree 2.2x/3.2x (6-leaf MLP
dict), 0.9x/1.2x (40-leaf state_dict OrderedDict), 4.3x/3.5x (100-leaf list of
tuples), 2.1x/4.4x (80-leaf nested dict). Cold start, import + small gradient in
process: functrace 0.344/0.202 s, functrace + optree 0.388/0.255 s, HIPS autograd
0.291/0.215 s (``python -X importtime -c "import optree"``: 19 ms cumulative). A
gradient of the 80-leaf tree takes 2.2 ms, of which flatten + unflatten is 0.19 ms.

Decision: functrace.tree stays pure Python. The flattening itself would get 2-4x
faster except for OrderedDict, but importing optree makes cold start slower than
HIPS autograd's (criterion 2 fails), trees are under a tenth of a transform's
time, and an optional engine would be a second implementation of the registry
to keep identical.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import timeit
from collections import OrderedDict

import numpy as np


def typical_trees() -> dict:
    rng = np.random.default_rng(0)

    def layer(n: int) -> dict:
        return {"w": rng.normal(size=(n, n)), "b": rng.normal(size=n)}

    return {
        "MLP dict, 3 layers (6 leaves)": {f"layer{i}": layer(8) for i in range(3)},
        "state_dict OrderedDict, 20 layers (40 leaves)": OrderedDict(
            (f"{i}.{k}", v) for i in range(20) for k, v in layer(4).items()),
        "list of (w, b) tuples, 50 layers (100 leaves)": [
            (rng.normal(size=4), rng.normal(size=4)) for _ in range(50)],
        "nested dict, 10 blocks x 4 layers (80 leaves)": {
            f"block{j}": {f"layer{i}": layer(4) for i in range(4)} for j in range(10)},
    }


def roundtrip_seconds(flatten, unflatten, tree, repeat: int) -> float:
    def once() -> None:
        leaves, treedef = flatten(tree)
        unflatten(treedef, leaves)
    n = 2000
    return min(timeit.repeat(once, number=n, repeat=repeat)) / n


COLD = {
    "functrace": "import numpy as np, functrace, functrace.numpy as fnp\n"
                 "functrace.grad(lambda x: fnp.sum(fnp.tanh(x) * x))(np.linspace(0, 1, 10))",
    "functrace + import optree": "import optree, numpy as np, functrace, functrace.numpy as fnp\n"
                                 "functrace.grad(lambda x: fnp.sum(fnp.tanh(x) * x))"
                                 "(np.linspace(0, 1, 10))",
    "HIPS autograd": "import autograd, autograd.numpy as anp\n"
                     "autograd.grad(lambda x: anp.sum(anp.tanh(x) * x))(anp.linspace(0, 1, 10))",
}


def cold_seconds(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c",
                              "import time; t = time.perf_counter()\n" + code +
                              "\nprint(time.perf_counter() - t)"],
                             capture_output=True, text=True, check=True)
        times.append(float(out.stdout.split()[-1]))
    return statistics.median(times)


def main(repeat: int) -> None:
    import optree
    from functrace.tree import tree_flatten, tree_unflatten
    print(f"optree {optree.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}")
    print("\n| tree | functrace.tree | optree | speed-up |\n|---|---|---|---|")
    for name, tree in typical_trees().items():
        ours = roundtrip_seconds(tree_flatten, tree_unflatten, tree, repeat)
        theirs = roundtrip_seconds(optree.tree_flatten, optree.tree_unflatten, tree, repeat)
        print(f"| {name} | {ours * 1e6:.1f} us | {theirs * 1e6:.1f} us | {ours / theirs:.1f}x |")
    print("\n| cold start: import + small gradient (in-process, median) | seconds |\n|---|---|")
    for name, code in COLD.items():
        print(f"| {name} | {cold_seconds(code, repeat):.3f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    main(parser.parse_args().repeat)
