"""An adaptive Dormand-Prince 5(4) integrator in numpy (the forward pass of odeint).

``integrate(f, y0, ts, rtol, atol, mxstep, hmax)`` returns ``y`` at each time in ``ts``
(increasing), stepping exactly onto each requested time. Step control as in Hairer,
Norsett and Wanner (II.4): error norm ``rms(err / (atol + rtol max(|y|, |y_new|)))``,
new step ``h * clip(0.9 err^(-1/5), 0.2, 10)``, and their initial-step heuristic.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

# Butcher tableau (the 5th-order solution is also the last stage: FSAL).
_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
_B5 = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
_B4 = np.array([5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100,
                1 / 40])
_E = _B5 - _B4

Rhs = Callable[[np.ndarray, float], np.ndarray]


class TooManySteps(RuntimeError):
    """The integrator needed more than ``mxstep`` steps between two output times."""


def _norm(err: np.ndarray, y: np.ndarray, y_new: np.ndarray, rtol: float, atol: float) -> float:
    scale = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
    return float(np.sqrt(np.mean((err / scale) ** 2))) if err.size else 0.0


def _initial_step(f: Rhs, t0: float, y0: np.ndarray, f0: np.ndarray, rtol: float,
                  atol: float) -> float:
    scale = atol + np.abs(y0) * rtol
    d0 = np.sqrt(np.mean((y0 / scale) ** 2)) if y0.size else 0.0
    d1 = np.sqrt(np.mean((f0 / scale) ** 2)) if y0.size else 0.0
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    f1 = f(y0 + h0 * f0, t0 + h0)
    d2 = np.sqrt(np.mean(((f1 - f0) / scale) ** 2)) / h0 if y0.size else 0.0
    h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** 0.2
    return min(100.0 * h0, h1)


def _step(f: Rhs, t: float, y: np.ndarray, f0: np.ndarray, h: float) -> tuple:
    """One Dormand-Prince step: ``(y_new, f_new, error estimate)``."""
    k = [f0]
    for i in range(1, 7):
        dy = sum(a * ki for a, ki in zip(_A[i], k) if a != 0.0)
        k.append(f(y + h * dy, t + _C[i] * h))
    y_new = y + h * sum(b * ki for b, ki in zip(_B5, k) if b != 0.0)
    err = h * sum(e * ki for e, ki in zip(_E, k) if e != 0.0)
    return y_new, k[6], err


def integrate(f: Rhs, y0: np.ndarray, ts: np.ndarray, rtol: float, atol: float,
              mxstep: float, hmax: float = math.inf) -> np.ndarray:
    """The solution of ``dy/dt = f(y, t)``, ``y(ts[0]) = y0``, at each of ``ts``."""
    y = np.asarray(y0, np.float64).ravel()
    ts = np.asarray(ts, np.float64)
    out = np.empty((len(ts), y.size))
    out[0] = y
    t = float(ts[0])
    fy = f(y, t)
    h = _initial_step(f, t, y, fy, rtol, atol) if len(ts) > 1 else 0.0
    for i in range(1, len(ts)):
        target = float(ts[i])
        steps = 0
        while t < target:
            if steps >= mxstep:
                raise TooManySteps(
                    f"odeint: more than mxstep={mxstep} steps between t={ts[i - 1]} and "
                    f"t={target} (a stiff or diverging system?); raise mxstep or loosen "
                    "rtol/atol")
            h = min(h, hmax)
            last = h >= target - t
            h_try = target - t if last else h
            if h_try <= 1e-14 * max(abs(t), 1.0):
                raise TooManySteps(f"odeint: the step size underflowed at t={t} (the "
                                   "solution blows up, or func returned inf/nan)")
            y_new, f_new, err = _step(f, t, y, fy, h_try)
            ratio = _norm(err, y, y_new, rtol, atol)
            steps += 1
            factor = 0.2 if not ratio <= 1.0 else (
                10.0 if ratio == 0.0 else min(10.0, max(0.2, 0.9 * ratio ** -0.2)))
            if ratio <= 1.0:                  # accepted
                t, y, fy = (target if last else t + h_try), y_new, f_new
                h = max(h, h_try * factor) if last else h_try * factor
            else:
                h = h_try * factor
        out[i] = y
    return out
