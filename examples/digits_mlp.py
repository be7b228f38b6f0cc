"""An MLP classifier for the 8x8 handwritten digits, trained with the Tensor facade.

The data (1797 images, 10 classes; scikit-learn's copy of the UCI set) ships as
``examples/data/digits.npz``. The training code is plain PyTorch style; run
with ``--torch`` it trains the same model with PyTorch instead (if installed),
for comparison. A progress bar (tqdm, when installed), the test accuracy
(about 97-98%) and a loss-curve PNG (matplotlib, when installed) are produced.

Run: python examples/digits_mlp.py [--epochs N] [--out DIR] [--torch]
"""
from __future__ import annotations

import importlib
import os

# Small matrices: one BLAS thread is fastest, and avoids heavy slowdowns on busy machines.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

DATA = Path(__file__).parent / "data" / "digits.npz"


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> tuple:
    """(x_train, y_train, x_test, y_test): pixels scaled to [0, 1], float32."""
    with np.load(DATA, allow_pickle=False) as d:
        x = d["images"].reshape(-1, 64).astype(np.float32) / 16.0
        y = d["labels"].astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def progress(iterable: Any, desc: str, quiet: bool) -> tuple[Any, Callable[[str], None]]:
    """tqdm's bar and ``tqdm.write`` (prints above the bar without garbling it) when
    tqdm is installed, else the plain iterable and ``print``."""
    if quiet:
        return iterable, print
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable, print
    return tqdm(iterable, desc=desc, leave=False, ncols=80), tqdm.write


def make_model(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1),
                         nn.Linear(128, 10))


def accuracy(lib: Any, model: Any, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with lib.no_grad():
        pred = model(lib.tensor(x)).argmax(dim=1)
    model.train()
    return float((pred.numpy() == y).mean())


def train(lib: Any, epochs: int = 30, batch_size: int = 64, lr: float = 1e-3,
          quiet: bool = False) -> dict:
    """Train and evaluate; returns losses per epoch, test accuracy and seconds per epoch."""
    lib.manual_seed(0)
    x_train, y_train, x_test, y_test = load_digits()
    model = make_model(lib)
    criterion = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    losses, start = [], time.perf_counter()
    epoch_bar, say = progress(range(epochs), "epochs", quiet)
    for epoch in epoch_bar:
        order = rng.permutation(len(x_train))
        total = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            xb, yb = lib.tensor(x_train[idx]), lib.tensor(y_train[idx])
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / len(order))
        if not quiet and (epoch % 10 == 9 or epoch == epochs - 1):
            say(f"  epoch {epoch + 1:3d}  loss {losses[-1]:.4f}  "
                  f"test accuracy {accuracy(lib, model, x_test, y_test):.2%}")
    seconds = (time.perf_counter() - start) / max(epochs, 1)
    return {"losses": losses, "accuracy": accuracy(lib, model, x_test, y_test),
            "seconds_per_epoch": seconds, "model": model}


def plot_losses(losses: list, path: str) -> str:
    try:   # a Figure of its own, not pyplot: the user's matplotlib backend stays as it is
        from matplotlib.figure import Figure
    except ImportError:
        return "(matplotlib not installed: no loss curve)"
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    ax.plot(range(1, len(losses) + 1), losses, marker=".")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (cross entropy)")
    ax.set_title("MLP on 8x8 digits (functrace)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def main(epochs: int = 30, out_dir: str = "examples/output", use_torch: bool = False,
         quiet: bool = False) -> dict:
    # the same script runs on either library (one name for both keeps it that way)
    lib: Any = importlib.import_module("torch" if use_torch else "functrace")
    name = lib.__name__
    print(f"== digits MLP with {name}: 64 -> 128 -> ReLU -> Dropout -> 10, Adam, {epochs} epochs")
    result = train(lib, epochs=epochs, quiet=quiet)
    print(f"test accuracy {result['accuracy']:.2%}, {result['seconds_per_epoch'] * 1e3:.1f} ms "
          f"per epoch ({name})")
    os.makedirs(out_dir, exist_ok=True)
    if not use_torch:
        print("loss curve:", plot_losses(result["losses"],
                                         os.path.join(out_dir, "digits_loss.png")))
        weights = os.path.join(out_dir, "digits_mlp.npz")
        lib.save(result["model"].state_dict(), weights)
        print("weights saved to", weights)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="examples/output")
    parser.add_argument("--torch", action="store_true", help="train the same model with torch")
    args = parser.parse_args()
    main(args.epochs, args.out, args.torch)
