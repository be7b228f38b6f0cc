"""Spec rows: ``functrace.scipy.integrate.odeint`` (the ``odeint`` primitive of
``functrace/primitives/ode.py``). Finite differences of the solver itself check the
adjoint (reverse) and sensitivity (forward) rules, to second order. (Values against
scipy's LSODA are in tests/test_scipy_integrate.py: two solvers agree to their
tolerance, not to the spec table's 1e-12.)"""
import numpy as np

import functrace.numpy as fnp
import functrace.scipy.integrate as fsi

from ._spec import Spec

SPECS: list = []
_TOL = dict(rtol=1e-10, atol=1e-10)


def _predator_prey(y, t, rates):
    """A non-autonomous Lotka-Volterra system (depends on y, t and the parameters)."""
    growth = rates[0] * y[0] - rates[1] * y[0] * y[1]
    decay = -rates[2] * y[1] + rates[1] * y[0] * y[1] * fnp.cos(t)
    return fnp.stack([growth, decay])


def _times(rng, shape, dtype):
    return np.cumsum(rng.uniform(0.2, 0.4, size=shape)) - 0.1


def _solve(y0, t, rates):
    return fsi.odeint(_predator_prey, y0, t, rates, **_TOL)


_SHAPES, _DOMAIN = [(2,), (3,), (3,)], ((0.5, 1.5), _times, (0.5, 1.5))
_MODES_AGREE = {"jvp_vjp_rtol": 1e-6}    # two solves, each to rtol = atol = 1e-10
SPECS.append(Spec("odeint", ("odeint",), _solve, _SHAPES, domain=_DOMAIN,
                  dtypes=("float64",), atol=1e-5, rtol=1e-4, extra=_MODES_AGREE))
SPECS.append(Spec("odeint/float32", ("odeint",), _solve, _SHAPES, domain=_DOMAIN,
                  dtypes=("float32",), extra=_MODES_AGREE))
