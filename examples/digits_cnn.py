"""A small CNN for the 8x8 handwritten digits, trained with functrace's PyTorch-style API.

Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d, twice, then Dropout and Linear; a
DataLoader with seeded shuffling, AdamW with a cosine learning-rate schedule, a
progress bar (tqdm, when installed), a plot of the training loss and test
accuracy (matplotlib, when installed) and a checkpoint that is loaded back and
checked. The test accuracy reaches about 98-99 %. The code is plain PyTorch:
run with ``--torch`` it trains the same model with PyTorch (if installed).

Run: python examples/digits_cnn.py [--epochs N] [--out DIR] [--torch]
"""
from __future__ import annotations

import importlib
import os

# Small matrices: one BLAS thread is fastest, and avoids heavy slowdowns on busy machines.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from digits_mlp import load_digits  # noqa: E402  (the same data and train/test split)


def make_model(lib: Any) -> Any:
    """1x8x8 -> 16x4x4 -> 32x2x2 -> 10 classes."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(128, 10))


def images(x: np.ndarray) -> np.ndarray:
    """Flat 64-pixel rows as (N, 1, 8, 8) images."""
    return x.reshape(-1, 1, 8, 8)


class Progress:
    """A tqdm bar over all training steps (or nothing), with lines written above it."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.bar = None
        if not quiet:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, desc="training", ncols=80, leave=False)
            except ImportError:
                pass
        self.quiet = quiet

    def step(self, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.3f}", refresh=False)

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line)
        elif not self.quiet:
            print(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def accuracy(lib: Any, model: Any, x: np.ndarray, y: np.ndarray) -> float:
    was_training = model.training
    model.eval()
    with lib.no_grad():
        pred = model(lib.tensor(images(x))).argmax(dim=1)
    model.train(was_training)
    return float((pred.numpy() == y).mean())


def train(lib: Any, epochs: int = 20, batch_size: int = 64, lr: float = 3e-3,
          quiet: bool = False) -> dict:
    """Train and evaluate; returns per-epoch losses and accuracies, the model and optimizer."""
    lib.manual_seed(0)
    x_train, y_train, x_test, y_test = load_digits()
    data = lib.utils.data.TensorDataset(lib.tensor(images(x_train)), lib.tensor(y_train))
    loader = lib.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True,
                                       generator=lib.Generator().manual_seed(0))
    model = make_model(lib)
    criterion = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
    schedule = lib.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    history: dict = {"loss": [], "accuracy": []}
    progress = Progress(epochs * len(loader), quiet)
    start = time.perf_counter()
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
            progress.step(loss.item())
        schedule.step()
        history["loss"].append(total / len(data))
        history["accuracy"].append(accuracy(lib, model, x_test, y_test))
        progress.write(f"  epoch {epoch + 1:3d}  loss {history['loss'][-1]:.4f}  "
                       f"test accuracy {history['accuracy'][-1]:.2%}  "
                       f"lr {schedule.get_last_lr()[0]:.2e}")
    progress.close()
    return {**history, "seconds_per_epoch": (time.perf_counter() - start) / max(epochs, 1),
            "model": model, "optimizer": optimizer, "test": (x_test, y_test)}


def plot_history(history: dict, path: str, title: str) -> str:
    """Loss and accuracy per epoch as a PNG; matplotlib's Figure, no pyplot (the
    user's backend is left alone)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return "(matplotlib not installed: no plot)"
    fig = Figure(figsize=(8, 3.2))
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = range(1, len(history["loss"]) + 1)
    loss_ax.plot(epochs, history["loss"], marker=".")
    loss_ax.set(xlabel="epoch", ylabel="training loss (cross entropy)")
    acc_ax.plot(epochs, [100 * a for a in history["accuracy"]], marker=".", color="tab:green")
    acc_ax.set(xlabel="epoch", ylabel="test accuracy (%)")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def save_and_reload(lib: Any, result: dict, path: str) -> float:
    """Save a checkpoint (model, optimizer, epochs), load it into a fresh model and
    return that model's test accuracy (it must equal the trained one's)."""
    checkpoint = {"model": result["model"].state_dict(),
                  "optimizer": result["optimizer"].state_dict(),
                  "epochs": len(result["loss"]), "accuracy": result["accuracy"][-1]}
    lib.save(checkpoint, path)
    restored = make_model(lib)
    restored.load_state_dict(lib.load(path)["model"])
    return accuracy(lib, restored, *result["test"])


def main(epochs: int = 20, out_dir: str = "examples/output", use_torch: bool = False,
         quiet: bool = False) -> dict:
    # the same script runs on either library (one name for both keeps it that way)
    lib: Any = importlib.import_module("torch" if use_torch else "functrace")
    name = lib.__name__
    print(f"== digits CNN with {name}: 2 x (Conv2d, BatchNorm2d, ReLU, MaxPool2d), Dropout, "
          f"Linear; AdamW, cosine schedule, {epochs} epochs")
    result = train(lib, epochs=epochs, quiet=quiet)
    print(f"test accuracy {result['accuracy'][-1]:.2%}, "
          f"{result['seconds_per_epoch'] * 1e3:.1f} ms per epoch ({name})")
    os.makedirs(out_dir, exist_ok=True)
    print("plot:", plot_history(result, os.path.join(out_dir, f"digits_cnn_{name}.png"),
                                f"CNN on 8x8 digits ({name})"))
    path = os.path.join(out_dir, f"digits_cnn_{name}.{'pt' if use_torch else 'npz'}")
    restored = save_and_reload(lib, result, path)
    print(f"checkpoint saved to {path}; reloaded model: test accuracy {restored:.2%}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default="examples/output")
    parser.add_argument("--torch", action="store_true", help="train the same model with torch")
    args = parser.parse_args()
    main(args.epochs, args.out, args.torch)
