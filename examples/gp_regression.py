"""Gaussian-process regression with hyperparameters fitted by gradient.

A GP prior with a squared-exponential kernel, ``k(x, x') = a^2 exp(-(x - x')^2 / (2 l^2))``,
plus observation noise ``s^2``, explains noisy samples of a smooth function. The three
hyperparameters (amplitude ``a``, length scale ``l``, noise ``s``, optimised as logs)
maximise the log marginal likelihood

    log p(y | x) = -1/2 y^T K^-1 y - 1/2 log det K - n/2 log(2 pi),   K = k(x, x) + s^2 I,

written with ``functrace.numpy.linalg`` (``solve`` for ``K^-1 y``, ``slogdet`` for the
log-determinant) and differentiated with ``functrace.value_and_grad``; the posterior
mean and variance at new points use ``cholesky``. The gradient is checked against
finite differences before fitting.

Run: python examples/gp_regression.py [--steps N] [--points N]
"""
from __future__ import annotations

import argparse

import numpy as np

import functrace as ft
import functrace.numpy as fnp
from functrace.testing import check_grads

TRUE_NOISE = 0.1


def truth(x: np.ndarray) -> np.ndarray:
    return np.sin(3.0 * x) + 0.5 * x


def make_data(n: int, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2.0, 2.0, size=n))
    return x, truth(x) + TRUE_NOISE * rng.standard_normal(n)


def kernel(log_params, x1, x2):
    """Squared-exponential kernel matrix (without noise)."""
    amplitude, length = fnp.exp(log_params[0]), fnp.exp(log_params[1])
    diff = x1[:, None] - x2[None, :]
    return amplitude ** 2 * fnp.exp(-0.5 * diff ** 2 / length ** 2)


def covariance(log_params, x):
    noise = fnp.exp(log_params[2])
    return kernel(log_params, x, x) + (noise ** 2 + 1e-8) * np.eye(len(x))


def negative_log_marginal_likelihood(log_params, x, y):
    k = covariance(log_params, x)
    fit = y @ fnp.linalg.solve(k, y)
    log_det = fnp.linalg.slogdet(k).logabsdet
    return 0.5 * (fit + log_det + len(x) * np.log(2.0 * np.pi))


def predict(log_params, x, y, x_new):
    """Posterior mean and variance at ``x_new`` (through the Cholesky factor of K)."""
    chol = fnp.linalg.cholesky(covariance(log_params, x))
    k_star = kernel(log_params, x, x_new)
    alpha = fnp.linalg.solve(chol.T, fnp.linalg.solve(chol, y))
    v = fnp.linalg.solve(chol, k_star)
    variance = fnp.exp(2.0 * log_params[0]) - fnp.sum(v ** 2, axis=0)
    return k_star.T @ alpha, variance


def fit(x, y, steps: int, lr: float = 0.05) -> tuple:
    """Adam on the log hyperparameters; returns them and the objective's history."""
    params = np.log(np.array([1.0, 1.0, 0.5]))
    m, v = np.zeros(3), np.zeros(3)
    history = []
    step = ft.value_and_grad(negative_log_marginal_likelihood)
    for t in range(1, steps + 1):
        value, g = step(params, x, y)
        history.append(float(value))
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g ** 2
        params = params - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return params, history


def main(steps: int = 200, points: int = 30, quiet: bool = False) -> dict:
    x, y = make_data(points)
    check_grads(lambda p: negative_log_marginal_likelihood(p, x, y),
                (np.log(np.array([1.0, 1.0, 0.5])),), order=1)
    params, history = fit(x, y, steps)
    x_new = np.linspace(-1.8, 1.8, 50)
    mean, variance = predict(params, x, y, x_new)
    rmse = float(np.sqrt(np.mean((mean - truth(x_new)) ** 2)))
    amplitude, length, noise = np.exp(params)
    if not quiet:
        print(f"negative log marginal likelihood: {history[0]:.3f} -> {history[-1]:.3f}")
        print(f"amplitude {amplitude:.3f}, length scale {length:.3f}, noise {noise:.3f} "
              f"(true noise {TRUE_NOISE})")
        print(f"posterior mean RMSE against the true function: {rmse:.4f}; "
              f"mean posterior std {np.mean(np.sqrt(variance)):.4f}")
    return {"history": history, "params": params, "rmse": rmse, "variance": variance,
            "noise": noise}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--points", type=int, default=30)
    args = parser.parse_args()
    main(args.steps, args.points)
