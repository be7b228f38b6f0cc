"""The tour run by `make demo`: the functional API, then the PyTorch-style facade.

Each part is one of the examples in this directory; all of them together take
a few seconds. Pictures and weights go to ``--out`` (default examples/output).

Run: python examples/tour.py [--out DIR] [--epochs N]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Small matrices: one BLAS thread is fastest, and avoids heavy slowdowns on busy machines.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import basics  # noqa: E402
import digits_mlp  # noqa: E402
import functional_tour  # noqa: E402
import net_step  # noqa: E402
import toy_network  # noqa: E402


def section(title: str) -> None:
    print("\n" + "=" * 78 + f"\n{title}\n" + "=" * 78)


def main(out_dir: str = str(HERE / "output"), epochs: int = 30) -> None:
    start = time.perf_counter()
    section("1. The functional API (JAX style): grad, vjp, jvp, hessian, tapes")
    functional_tour.main()
    section("2. The toy network: L.backward() vs functrace.grad vs the chain rule by hand")
    toy_network.main(out_dir)
    section("3. Autograd basics with the PyTorch-style Tensor facade")
    basics.main()
    section("4. A Net training step (Mazur's worked backpropagation example)")
    net_step.main(steps=1000)
    section("5. An MLP on the 8x8 handwritten digits")
    digits_mlp.main(epochs=epochs, out_dir=out_dir)
    print(f"\ntour finished in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "output"))
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    main(args.out, args.epochs)
