"""Fit an unknown linear filter from input/output recordings, in the frequency domain.

Signals ``x`` pass through a filter (here a first-order low-pass, ``H(f) = g / (1 + i f
/ f0)``) and come out with noise: ``y = irfft(H * rfft(x)) + noise``. Two fits:

1. Non-parametric: one complex gain per frequency, ``H`` (complex128), by gradient
   descent on the real mean squared error. ``functrace.grad`` of a real function of
   complex parameters is ``dL/dRe - i dL/dIm`` (JAX's convention), so the descent
   step is along its conjugate.
2. Parametric: the gain ``g`` and cutoff ``f0`` (real, as logs) by damped Newton steps,
   with ``functrace.hessian`` through the complex arithmetic and the transforms.

With an even number of samples the imaginary part of the Nyquist gain has no effect on
real signals (rfft's Hermitian halving), so the default length is odd.

Run: python examples/spectral_fit.py [--samples N] [--signals M]
"""
from __future__ import annotations

import argparse

import numpy as np

import functrace as ft
import functrace.numpy as fnp

TRUE_GAIN, TRUE_CUTOFF = 2.0, 0.08       # cutoff in cycles per sample


def low_pass(freqs, gain, cutoff):
    return gain / (1.0 + 1j * freqs / cutoff)


def make_data(n: int, signals: int, noise: float, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((signals, n))
    h = low_pass(np.fft.rfftfreq(n), TRUE_GAIN, TRUE_CUTOFF)
    y = np.fft.irfft(h * np.fft.rfft(x), n) + noise * rng.standard_normal((signals, n))
    return x, y


def filtered(h, x):
    return fnp.fft.irfft(h * fnp.fft.rfft(x), x.shape[-1])


def fit_response(x, y, steps: int, rate: float) -> np.ndarray:
    """Per-frequency complex gains by gradient descent (step along conj(grad))."""
    def loss(h):
        return fnp.mean((filtered(h, x) - y) ** 2)
    grad = ft.grad(loss)
    h = np.zeros(x.shape[-1] // 2 + 1, np.complex128)
    for _ in range(steps):
        h = h - rate * np.conj(grad(h))
    return h


def fit_low_pass(x, y, iterations: int = 30) -> np.ndarray:
    """(log gain, log cutoff) by Newton steps damped towards gradient descent
    (Levenberg-Marquardt: more damping after a step that does not lower the loss)."""
    freqs = np.fft.rfftfreq(x.shape[-1])

    def loss(p):
        return fnp.mean((filtered(low_pass(freqs, fnp.exp(p[0]), fnp.exp(p[1])), x) - y) ** 2)
    value_and_grad, hess = ft.value_and_grad(loss), ft.hessian(loss)
    p, damping = np.log(np.array([1.0, 0.2])), 1e-2
    value, g = value_and_grad(p)
    for _ in range(iterations):
        trial = p - np.linalg.solve(hess(p) + damping * np.eye(2), g)
        trial_value, trial_g = value_and_grad(trial)
        if trial_value < value:
            p, value, g, damping = trial, trial_value, trial_g, damping / 3
        else:
            damping *= 10
    return p


def main(n: int = 127, signals: int = 8, noise: float = 0.05, steps: int = 300,
         quiet: bool = False) -> dict:
    x, y = make_data(n, signals, noise)
    # the loss is a quadratic in h with curvature about 2 |X(f)|^2 / n^2 per signal
    h = fit_response(x, y, steps, rate=0.5 * n / signals)
    truth = low_pass(np.fft.rfftfreq(n), TRUE_GAIN, TRUE_CUTOFF)
    gain, cutoff = np.exp(fit_low_pass(x, y))
    result = {"response_error": float(np.max(np.abs(h - truth))),
              "gain": float(gain), "cutoff": float(cutoff)}
    if not quiet:
        print(f"non-parametric response: max |H - H_true| = {result['response_error']:.3f}")
        print(f"low-pass fit: gain {gain:.3f} (true {TRUE_GAIN}), "
              f"cutoff {cutoff:.4f} (true {TRUE_CUTOFF})")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=127)
    parser.add_argument("--signals", type=int, default=8)
    args = parser.parse_args()
    main(args.samples, args.signals)
