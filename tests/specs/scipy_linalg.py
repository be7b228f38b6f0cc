"""Spec rows: the scipy.linalg primitives (``functrace/primitives/scipy_linalg.py``,
``scipy_decompositions.py``) and the composites of ``functrace.scipy.linalg``."""
import numpy as np
import scipy.linalg as sla

import functrace.numpy as fnp
import functrace.scipy.linalg as fsl
from functrace.primitives import scipy_decompositions as D

from ._spec import Spec
from .linalg import spd, well_conditioned

SPECS: list = []


def _row(name, prims, fn, shapes, reference=None, **kw):
    SPECS.append(Spec(name, prims, fn, shapes, reference=reference, **kw))


def _same_dtype(fn):
    """A scipy reference cast to the dtype of the first argument."""
    def ref(*args):
        return np.asarray(fn(*args)).astype(args[0].dtype)
    return ref


def triangular(lower: bool):
    def sample(rng, shape, dtype):
        a = well_conditioned(rng, shape, dtype)
        return np.tril(a) if lower else np.triu(a)
    sample.__name__ = f"triangular(lower={lower})"
    return sample


def pivoting(rng, shape, dtype):
    """Well-conditioned matrices with their rows rotated: partial pivoting then swaps
    rows, and stays with the same choice under small perturbations."""
    return np.roll(well_conditioned(rng, shape, dtype), 1, axis=-2)


_RHS = (-1.0, 1.0)
for _lower in (True, False):
    for _trans in (0, 1):
        for _unit in (False, True):
            _name = (f"solve_triangular/{'lower' if _lower else 'upper'}-trans{_trans}"
                     f"{'-unit' if _unit else ''}")

            def _fn(a, b, lower=_lower, trans=_trans, unit=_unit):
                return fsl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit)

            def _ref(a, b, lower=_lower, trans=_trans, unit=_unit):
                return sla.solve_triangular(a, b, trans=trans, lower=lower,
                                            unit_diagonal=unit).astype(a.dtype)
            _row(_name, ("solve_triangular",), _fn, [(3, 3), (3, 2)], _ref,
                 domain=(triangular(_lower), _RHS))
_row("solve_triangular/vector", ("solve_triangular",),
     lambda a, b: fsl.solve_triangular(a, b, lower=True), [(3, 3), (3,)],
     lambda a, b: sla.solve_triangular(a, b, lower=True).astype(a.dtype),
     domain=(triangular(True), _RHS))
_row("solve_triangular/stack-broadcast", ("solve_triangular",),
     lambda a, b: fsl.solve_triangular(a, b, lower=True), [(2, 3, 3), (3, 2)],
     domain=(triangular(True), _RHS))
_row("cho_solve", ("cholesky", "solve_triangular"),
     lambda a, b: fsl.cho_solve(fsl.cho_factor(a), b), [(3, 3), (3, 2)],
     lambda a, b: sla.cho_solve(sla.cho_factor(a), b).astype(a.dtype), domain=(spd, _RHS))
_row("cho_solve/lower", ("cholesky", "solve_triangular"),
     lambda a, b: fsl.cho_solve(fsl.cho_factor(a, lower=True), b), [(3, 3), (3,)],
     lambda a, b: sla.cho_solve(sla.cho_factor(a, lower=True), b).astype(a.dtype),
     domain=(spd, _RHS))

_row("solve_sylvester", ("solve_sylvester",), fsl.solve_sylvester, [(3, 3), (2, 2), (3, 2)],
     _same_dtype(sla.solve_sylvester), domain=(well_conditioned, well_conditioned, _RHS))
_row("solve_sylvester/stack", ("solve_sylvester",), fsl.solve_sylvester,
     [(2, 2, 2), (2, 2), (2, 2, 2)], domain=(well_conditioned, well_conditioned, _RHS))

_row("expm", ("expm",), fsl.expm, [(3, 3)], _same_dtype(sla.expm), domain=(-1.0, 1.0))
_row("expm/stack", ("expm",), fsl.expm, [(2, 3, 3)], domain=(-1.0, 1.0))
_row("expm_frechet", ("expm",), lambda a, e: fsl.expm_frechet(a, e, compute_expm=False),
     [(3, 3), (3, 3)], lambda a, e: sla.expm_frechet(a, e, compute_expm=False).astype(
         a.dtype), domain=(-1.0, 1.0))
_row("sqrtm", ("sqrtm",), fsl.sqrtm, [(3, 3)],
     _same_dtype(lambda a: np.real(sla.sqrtm(a))), domain=spd)
_row("sqrtm/stack", ("sqrtm",), fsl.sqrtm, [(2, 3, 3)], domain=spd)

_row("lu", ("lu",), lambda a: fsl.lu_factor(a)[0], [(3, 3)],
     lambda a: sla.lu_factor(a)[0].astype(a.dtype), domain=pivoting)
_row("lu/stack", ("lu",), lambda a: fsl.lu_factor(a)[0], [(2, 3, 3)], domain=pivoting)
_row("lu_pivots", ("lu_pivots",), lambda a: fsl.lu_factor(a)[1], [(3, 3)],
     lambda a: sla.lu_factor(a)[1], domain=pivoting, order=0)
_row("lu_permutation", ("lu_permutation", "lu_pivots"),
     lambda a: D.lu_permutation_p.bind(fsl.lu_factor(a)[1]), [(3, 3)],
     lambda a: np.argmax(sla.lu(a)[0], axis=0), domain=pivoting, order=0)   # a = P L U
_row("lu_solve", ("lu", "lu_pivots", "lu_permutation", "solve_triangular"),
     lambda a, b: fsl.lu_solve(fsl.lu_factor(a), b), [(3, 3), (3, 2)],
     lambda a, b: sla.lu_solve(sla.lu_factor(a), b).astype(a.dtype),
     domain=(pivoting, _RHS))
_row("lu_solve/trans", ("lu", "solve_triangular"),
     lambda a, b: fsl.lu_solve(fsl.lu_factor(a), b, trans=1), [(3, 3), (3,)],
     lambda a, b: sla.lu_solve(sla.lu_factor(a), b, trans=1).astype(a.dtype),
     domain=(pivoting, _RHS))


def _eigh_gauge_free(a):
    """Eigenvalues and squared eigenvector entries (independent of the signs LAPACK
    picks for the eigenvectors)."""
    w, v = fsl.eigh(a)
    return w, v * v


def _eigh_gauge_free_ref(a):
    w, v = sla.eigh(a)
    return w.astype(a.dtype), (v * v).astype(a.dtype)


_row("eigh", ("eigh",), _eigh_gauge_free, [(3, 3)], _eigh_gauge_free_ref, domain=spd)
_row("eigh/stack", ("eigh",), lambda a: fsl.eigh(a)[1] ** 2, [(2, 3, 3)], domain=spd)
_row("eigh/eigvals_only", ("eigh",), lambda a: fsl.eigh(a, eigvals_only=True), [(3, 3)],
     lambda a: sla.eigh(a, eigvals_only=True).astype(a.dtype), domain=spd)
_row("eigh/generalized", ("eigh", "cholesky", "solve_triangular"),
     lambda a, b: fsl.eigh(a, b)[0], [(3, 3), (3, 3)],
     lambda a, b: sla.eigh(a, b, eigvals_only=True).astype(a.dtype), domain=(spd, spd))
_row("block_diag", ("concatenate",), lambda a, b: fsl.block_diag(a, b, fnp.sum(a)),
     [(2, 2), (1, 3)], lambda a, b: sla.block_diag(a, b, np.sum(a)).astype(a.dtype))
