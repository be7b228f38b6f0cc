"""Spec rows: svd, eigh, eig, qr, pinv (``functrace/primitives/spectral.py``,
``factorizations.py``) and their composites in ``functrace.numpy.linalg`` (lstsq,
matrix_power, multi_dot, norm with singular values, cond).

Inputs are generated with well-separated singular values or eigenvalues (so that the
eigenvector and singular-vector derivatives exist and are well-conditioned). Singular
and eigen-vectors are defined up to sign, so rows check gauge-free functions of them:
``u * u[..., :1, :]`` (each column times its own first entry) does not change when a
column changes sign.
"""
import numpy as np

import functrace.numpy as fnp

from ._spec import Spec
from .linalg import well_conditioned

SPECS: list = []
LA = fnp.linalg


def _orthogonal(rng: np.random.Generator, batch: tuple, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def distinct_singular(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """``U diag(s) V^T`` with singular values ``1, 1.6, 2.2, ...`` (gaps of 0.6)."""
    *batch, m, n = shape
    k = min(m, n)
    s = 1.0 + 0.6 * np.arange(k)[::-1]
    u = _orthogonal(rng, tuple(batch), m)[..., :k]
    v = _orthogonal(rng, tuple(batch), n)[..., :k]
    return (u * s) @ np.swapaxes(v, -1, -2)


def distinct_spd(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Symmetric ``Q diag(w) Q^T`` with eigenvalues ``1, 1.8, 2.6, ...``."""
    *batch, n, _ = shape
    q = _orthogonal(rng, tuple(batch), n)
    return (q * (1.0 + 0.8 * np.arange(n))) @ np.swapaxes(q, -1, -2)


def upper_from_spd(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """An SPD upper triangle over an unrelated lower one (numpy's eigh reads only one)."""
    a = distinct_spd(rng, shape, dtype)
    return np.triu(a) + np.tril(rng.uniform(-1.0, 1.0, size=shape), -1)


def real_spectrum(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Non-symmetric ``S diag(d) S^-1`` with real eigenvalues ``1, 2, 3, ...``."""
    s = well_conditioned(rng, shape, dtype)
    d = 1.0 + np.arange(shape[-1])
    return (s * d) @ np.linalg.inv(s)


def _row(name, prims, fn, shapes, reference, **kw):
    SPECS.append(Spec(name, tuple(prims), fn, shapes, reference=reference, **kw))


def _columns_gauge(u):
    return u * u[..., :1, :]


def _rows_gauge(vh):
    return vh * vh[..., :, :1]


# -- svd ---------------------------------------------------------------------------------------

for _label, _shape in [("square", (3, 3)), ("tall", (4, 2)), ("wide", (2, 4)),
                       ("stack", (2, 3, 2))]:
    _row(f"svd/U-{_label}", ["svd"],
         lambda a: _columns_gauge(LA.svd(a, full_matrices=False).U), [_shape],
         lambda a: _columns_gauge(np.linalg.svd(a, full_matrices=False).U),
         domain=distinct_singular)
    _row(f"svd/Vh-{_label}", ["svd"],
         lambda a: _rows_gauge(LA.svd(a, full_matrices=False).Vh), [_shape],
         lambda a: _rows_gauge(np.linalg.svd(a, full_matrices=False).Vh),
         domain=distinct_singular)
    _row(f"svdvals/{_label}", ["svdvals"], lambda a: LA.svd(a, compute_uv=False), [_shape],
         lambda a: np.linalg.svd(a, compute_uv=False), domain=distinct_singular)

_row("svd/S-with-vectors", ["svd"], lambda a: LA.svd(a).S, [(3, 2)],
     lambda a: np.linalg.svd(a).S, domain=distinct_singular)
_row("svd/reconstruct", ["svd", "matmul"],
     lambda a: LA.svd(a, full_matrices=False).U * LA.svd(a, full_matrices=False).S[..., None, :]
     @ LA.svd(a, full_matrices=False).Vh, [(2, 3, 4)],
     lambda a: a, domain=distinct_singular)
# full_matrices=True: the first k columns are differentiable; the complement (a
# non-unique basis) must not leak NaN into them.
_row("svd/full-U-first-columns", ["svd", "orthogonal_complement"],
     lambda a: _columns_gauge(LA.svd(a).U[..., :2]), [(4, 2)],
     lambda a: _columns_gauge(np.linalg.svd(a).U[..., :2]), domain=distinct_singular)
_row("svd/full-Vh-first-rows", ["svd", "orthogonal_complement"],
     lambda a: _rows_gauge(LA.svd(a).Vh[..., :2, :]), [(2, 4)],
     lambda a: _rows_gauge(np.linalg.svd(a).Vh[..., :2, :]), domain=distinct_singular)

# -- eigh, eigvalsh ----------------------------------------------------------------------------

_row("eigh/values", ["eigh"], lambda a: LA.eigh(a).eigenvalues, [(3, 3)],
     lambda a: np.linalg.eigh(a).eigenvalues, domain=distinct_spd)
_row("eigh/vectors", ["eigh"], lambda a: _columns_gauge(LA.eigh(a).eigenvectors), [(2, 3, 3)],
     lambda a: _columns_gauge(np.linalg.eigh(a).eigenvectors), domain=distinct_spd)
_row("eigh/upper-triangle", ["eigh"],
     lambda a: _columns_gauge(LA.eigh(a, UPLO="U", symmetrize_input=False)[1]), [(3, 3)],
     lambda a: _columns_gauge(np.linalg.eigh(a, UPLO="U")[1]), domain=upper_from_spd)
_row("eigvalsh/3x3", ["eigvalsh"], LA.eigvalsh, [(3, 3)], np.linalg.eigvalsh,
     domain=distinct_spd)
_row("eigvalsh/stack-lower", ["eigvalsh"],
     lambda a: LA.eigvalsh(fnp.swapaxes(a, -1, -2), symmetrize_input=False), [(2, 3, 3)],
     lambda a: np.linalg.eigvalsh(np.swapaxes(a, -1, -2)), domain=upper_from_spd)

# -- eig, eigvals (real spectra) -----------------------------------------------------------------

_row("eig/values", ["eig"], lambda a: LA.eig(a).eigenvalues, [(3, 3)],
     lambda a: np.linalg.eig(a).eigenvalues, domain=real_spectrum)
_row("eig/vectors", ["eig"], lambda a: _columns_gauge(LA.eig(a).eigenvectors), [(2, 3, 3)],
     lambda a: _columns_gauge(np.linalg.eig(a).eigenvectors), domain=real_spectrum)
_row("eigvals/3x3", ["eigvals"], LA.eigvals, [(3, 3)], np.linalg.eigvals,
     domain=real_spectrum)
_row("eigvals/stack", ["eigvals"], LA.eigvals, [(2, 4, 4)], np.linalg.eigvals,
     domain=real_spectrum)

# -- eig, eigvals (complex spectra: real matrices with complex eigenvalues, complex matrices) --

COMPLEX = ("complex128", "complex64")


def complex_spectrum(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Real ``S B S^-1`` with ``B`` block-diagonal rotation-scalings: eigenvalues
    ``1 +- 1.5i`` and ``3 +- i`` (a real 3 for the odd last one), gaps of at least 2."""
    s = well_conditioned(rng, shape, dtype)
    n = shape[-1]
    b = np.zeros((n, n))
    for j, (re, im) in zip(range(0, n - 1, 2), [(1.0, 1.5), (3.0, 1.0)]):
        b[j:j + 2, j:j + 2] = [[re, -im], [im, re]]
    if n % 2:
        b[-1, -1] = 3.0 if n < 4 else 5.0
    return s @ b @ np.linalg.inv(s)


def distinct_complex_spectrum(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Complex ``S diag(d) S^-1`` (``S`` near ``2 I``) with eigenvalues ``d`` at least 1.5
    apart: ``1 + i, 2.5 - 0.5i, -1 + 0.5i, 0.5 - 2i``."""
    s = (well_conditioned(rng, shape, dtype)
         + 1j * rng.uniform(-1.0, 1.0, size=shape) / shape[-1])
    d = np.array([1 + 1j, 2.5 - 0.5j, -1 + 0.5j, 0.5 - 2j])[:shape[-1]]
    return (s * d) @ np.linalg.inv(s)


distinct_complex_spectrum.complex_values = True


def _phase_gauge(v):
    """Each column times the conjugate of its first entry: unchanged by any phase."""
    return v * fnp.conj(v[..., :1, :])


def _np_phase_gauge(v):
    return v * np.conj(v[..., :1, :])


def _reconstruct(a):
    """``V diag(w) V^-1`` (as ``(V^-T (V diag(w))^T)^T``): ``a`` again, whatever the gauge."""
    w, v = LA.eig(a)
    v_w = v * w[..., None, :]
    return fnp.swapaxes(LA.solve(fnp.swapaxes(v, -1, -2), fnp.swapaxes(v_w, -1, -2)), -1, -2)


for _label, _domain, _dtypes in [("real-complex-spectrum", complex_spectrum, None),
                                 ("complex", distinct_complex_spectrum, COMPLEX)]:
    _kw = {"domain": _domain} | ({"dtypes": _dtypes} if _dtypes else {})
    _row(f"eig/values-{_label}", ["eig"], lambda a: LA.eig(a).eigenvalues, [(3, 3)],
         lambda a: np.linalg.eig(a).eigenvalues, **_kw)
    _row(f"eig/vectors-gauge-free-{_label}", ["eig"],
         lambda a: _phase_gauge(LA.eig(a).eigenvectors), [(2, 3, 3)],
         lambda a: _np_phase_gauge(np.linalg.eig(a).eigenvectors), **_kw)
    _row(f"eig/reconstruct-{_label}", ["eig", "solve"], _reconstruct, [(3, 3)],
         lambda a: a.astype(np.linalg.eig(a).eigenvalues.dtype), **_kw)
    _row(f"eigvals/{_label}", ["eigvals"], LA.eigvals, [(2, 4, 4)], np.linalg.eigvals, **_kw)
    _row(f"eigvals/abs-squared-{_label}", ["eigvals", "absolute"],
         lambda a: fnp.abs(LA.eigvals(a)) ** 2, [(3, 3)],
         lambda a: np.abs(np.linalg.eigvals(a)) ** 2, **_kw)

# numpy's own gauge for a complex matrix (unit norm, largest entry real and positive) is
# what the rules keep, so the eigenvectors themselves have derivatives. (For a real matrix
# LAPACK picks the sign of a complex pair's real largest entry discontinuously, as it
# picks the sign of a real eigenvector: only gauge-free functions are checked there.)
_row("eig/vectors-numpy-gauge-complex", ["eig"], lambda a: LA.eig(a).eigenvectors, [(4, 4)],
     lambda a: np.linalg.eig(a).eigenvectors, domain=distinct_complex_spectrum, dtypes=COMPLEX)

# -- svd of complex matrices: each pair (U[:, j], Vh[j]) has a free common phase -----------


def _u_phase_free(a):
    u = LA.svd(a, full_matrices=False).U
    return u * fnp.conj(u[..., :1, :])


def _np_u_phase_free(a):
    u = np.linalg.svd(a, full_matrices=False).U
    return u * np.conj(u[..., :1, :])


def _rank_one_part(a):
    """``U[:, :1] Vh[:1]``: the first singular pair's outer product (phase-free)."""
    u, _, vh = LA.svd(a, full_matrices=False)
    return u[..., :, :1] @ vh[..., :1, :]


def _np_rank_one_part(a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return u[..., :, :1] @ vh[..., :1, :]


for _label, _shape in [("square", (3, 3)), ("tall", (4, 2)), ("wide", (2, 4)),
                       ("stack", (2, 3, 2))]:
    _row(f"svd/complex-U-phase-free-{_label}", ["svd"], _u_phase_free, [_shape],
         _np_u_phase_free, domain=distinct_singular, dtypes=COMPLEX)
    _row(f"svd/complex-rank-one-{_label}", ["svd", "matmul"], _rank_one_part, [_shape],
         _np_rank_one_part, domain=distinct_singular, dtypes=COMPLEX)
    _row(f"svdvals/complex-{_label}", ["svdvals"], lambda a: LA.svd(a, compute_uv=False),
         [_shape], lambda a: np.linalg.svd(a, compute_uv=False), domain=distinct_singular,
         dtypes=COMPLEX)
_row("svd/complex-S-with-vectors", ["svd"], lambda a: LA.svd(a).S, [(3, 2)],
     lambda a: np.linalg.svd(a).S, domain=distinct_singular, dtypes=COMPLEX)

# -- qr ------------------------------------------------------------------------------------------

for _label, _shape in [("square", (3, 3)), ("tall", (4, 2)), ("stack", (2, 3, 2))]:
    _row(f"qr/Q-{_label}", ["qr"], lambda a: LA.qr(a).Q, [_shape],
         lambda a: np.linalg.qr(a).Q, domain=distinct_singular)
    _row(f"qr/R-{_label}", ["qr"], lambda a: LA.qr(a, mode="r"), [_shape],
         lambda a: np.linalg.qr(a, mode="r"), domain=distinct_singular)
_row("qr/wide", ["qr", "matmul"], lambda a: LA.qr(a).R, [(2, 4)],
     lambda a: np.linalg.qr(a).R, domain=distinct_singular)
_row("qr/complete-first-columns", ["qr", "orthogonal_complement"],
     lambda a: fnp.concatenate([LA.qr(a, mode="complete").Q[:, :2],
                                LA.qr(a, mode="complete").R]),
     [(4, 2)], lambda a: np.concatenate([np.linalg.qr(a, mode="complete").Q[:, :2],
                                         np.linalg.qr(a, mode="complete").R]),
     domain=distinct_singular)

# -- pinv, lstsq ---------------------------------------------------------------------------------

for _label, _shape in [("square", (3, 3)), ("tall", (4, 2)), ("wide", (2, 4)),
                       ("stack", (2, 3, 2))]:
    _row(f"pinv/{_label}", ["pinv"], LA.pinv, [_shape], np.linalg.pinv,
         domain=distinct_singular)
_row("pinv/lstsq-x", ["pinv", "matmul"], lambda a, b: LA.lstsq(a, b)[0], [(4, 2), (4, 3)],
     lambda a, b: np.linalg.lstsq(a, b)[0], domain=(distinct_singular, (-2.0, 2.0)))
_row("pinv/lstsq-residuals", ["pinv", "matmul"], lambda a, b: LA.lstsq(a, b)[1],
     [(4, 2), (4,)], lambda a, b: np.linalg.lstsq(a, b)[1],
     domain=(distinct_singular, (-2.0, 2.0)))
_row("svdvals/lstsq-s", ["svdvals"], lambda a, b: LA.lstsq(a, b)[3], [(3, 2), (3,)],
     lambda a, b: np.linalg.lstsq(a, b)[3], domain=(distinct_singular, (-2.0, 2.0)))

# -- matrix_power, multi_dot ---------------------------------------------------------------------

for _power in (3, 4, -2):
    _row(f"matmul/matrix_power-{_power}", ["matmul"] + (["inv"] if _power < 0 else []),
         lambda a, p=_power: LA.matrix_power(a, p), [(2, 3, 3)],
         lambda a, p=_power: np.linalg.matrix_power(a, p), domain=well_conditioned)
_row("matmul/multi_dot", ["matmul", "reshape"], lambda *xs: LA.multi_dot(xs),
     [(3,), (3, 4), (4, 2), (2,)], lambda *xs: np.linalg.multi_dot(xs))
_row("matmul/multi_dot-matrices", ["matmul"], lambda *xs: LA.multi_dot(xs),
     [(4, 3), (3, 1), (1, 2), (2, 2)], lambda *xs: np.linalg.multi_dot(xs))

# -- norms and condition numbers from singular values ---------------------------------------

for _ord in (2, -2, "nuc"):
    _row(f"svdvals/norm-{_ord}", ["svdvals"], lambda a, o=_ord: LA.norm(a, o), [(3, 2)],
         lambda a, o=_ord: np.linalg.norm(a, o), domain=distinct_singular)
_row("svdvals/norm-axes-keepdims", ["svdvals"],
     lambda a: LA.norm(a, "nuc", axis=(2, 0), keepdims=True), [(3, 2, 2)],
     lambda a: np.linalg.norm(a, "nuc", axis=(2, 0), keepdims=True), domain=(-2.0, 2.0))
for _p in (None, -2):
    _row(f"svdvals/cond-{_p}", ["svdvals"], lambda a, p=_p: LA.cond(a, p), [(2, 3, 3)],
         lambda a, p=_p: np.linalg.cond(a, p), domain=distinct_singular)
for _p in ("fro", 1, -np.inf):
    _row(f"inv/cond-{_p}", ["inv"], lambda a, p=_p: LA.cond(a, p), [(3, 3)],
         lambda a, p=_p: np.linalg.cond(a, p), domain=well_conditioned)

# -- tensorinv, tensorsolve, vecdot --------------------------------------------------------------


def _tensor_identity_plus(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """``3 I`` reshaped to ``shape`` plus noise: well-conditioned as a square matrix."""
    size = int(np.sqrt(np.prod(shape)))
    return (3.0 * np.eye(size)).reshape(shape) + rng.uniform(-0.5, 0.5, size=shape)


_row("inv/tensorinv", ["inv", "reshape"], lambda a: LA.tensorinv(a, ind=1), [(6, 2, 3)],
     lambda a: np.linalg.tensorinv(a, ind=1), domain=_tensor_identity_plus)
_row("solve/tensorsolve", ["solve", "reshape"], LA.tensorsolve, [(2, 3, 6), (2, 3)],
     np.linalg.tensorsolve, domain=(_tensor_identity_plus, (-2.0, 2.0)))
_row("solve/tensorsolve-axes", ["solve", "transpose"],
     lambda a, b: LA.tensorsolve(a, b, axes=(0,)), [(6, 2, 3), (2, 3)],
     lambda a, b: np.linalg.tensorsolve(a, b, axes=(0,)),
     domain=(lambda rng, s, d: np.moveaxis(_tensor_identity_plus(rng, (2, 3, 6), d), 2, 0),
             (-2.0, 2.0)))
_row("reduce_sum/vecdot", ["multiply", "reduce_sum"], lambda a, b: LA.vecdot(a, b, axis=0),
     [(3, 2), (3, 1)], lambda a, b: np.linalg.vecdot(a, b, axis=0))
