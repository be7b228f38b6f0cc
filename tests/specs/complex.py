"""Spec rows in complex64/complex128 (``functrace/primitives/complex_parts.py`` and
every primitive where complex values make sense).

Most rows are the real table's rows run again in complex dtypes (real and
imaginary parts drawn from the row's domain: ``tests/specs/_spec.py``); rows of ops
that numpy does not define on complex values (ordering, rounding, hypot, ...) or
whose complex form is not implemented (ordering) are left out by name; Hermitian matrices have their own rows. The
rows below them check what only complex values have: the parts, the conjugate,
``abs``/``angle`` of complex values, and real inputs whose values pass through
complex ones (their cotangents are the real parts).
"""
import dataclasses

import numpy as np

import functrace.numpy as fnp

import functrace

from . import elementwise, linalg, reductions, shape
from ._spec import BROADCAST_PAIRS, Spec, away_from_zero, pair_id

COMPLEX = ("complex128", "complex64")

# Rows of the real table that have no complex counterpart (numpy refuses complex
# values, or orders them lexicographically where a derivative makes no sense), or
# whose primitive's complex derivative is not implemented yet (raises TypeError).
_REAL_ONLY = ("cbrt", "arctan2", "sign", "floor", "ceil", "trunc", "rint", "round",
              "logcumsumexp", "maximum", "minimum", "fmax", "fmin", "hypot",
              "logaddexp", "where/relu", "where/traced-cond", "clip", "reduce_max",
              "reduce_min", "cholesky", "cofactor/",
              "astype", "sort", "power/array-exponent-negative-base", "absolute/operator",
              "det/singular", "det/zero", "slogdet/negative-sign-times", "cumsum/method-nonlinear")


def _complex_variant(spec: Spec) -> Spec:
    return dataclasses.replace(spec, name=f"{spec.name}/complex", dtypes=COMPLEX,
                               kernel=False)


def _has_complex_form(spec: Spec) -> bool:
    return spec.order > 0 and not any(spec.name.startswith(p) for p in _REAL_ONLY)


SPECS: list = [_complex_variant(s) for module in (elementwise, reductions, shape, linalg)
               for s in module.SPECS if _has_complex_form(s)]

NONZERO = away_from_zero(0.3, 2.0)

# -- the parts of complex values --------------------------------------------------------
SPECS += [
    Spec("real", ("real",), fnp.real, [(2, 3)], dtypes=COMPLEX, reference=np.real),
    Spec("imag", ("imag",), fnp.imag, [(2, 3)], dtypes=COMPLEX, reference=np.imag),
    Spec("conj", ("conj",), fnp.conj, [(2, 3)], dtypes=COMPLEX, reference=np.conj),
    Spec("conj/method-nonlinear", ("conj", "multiply"), lambda z: z.conjugate() * z,
         [(2, 3)], dtypes=COMPLEX, reference=lambda z: z.conjugate() * z),
    Spec("real/attributes", ("real", "imag", "multiply"), lambda z: z.real * z.imag,
         [(3,)], dtypes=COMPLEX, reference=lambda z: z.real * z.imag),
    Spec("absolute/complex-nonzero", ("absolute",), fnp.abs, [(2, 3)], NONZERO,
         dtypes=COMPLEX, reference=np.abs),
    Spec("absolute/complex-squared", ("absolute", "power"), lambda z: fnp.abs(z) ** 2,
         [(2, 3)], NONZERO, dtypes=COMPLEX, reference=lambda z: np.abs(z) ** 2),
    Spec("arctan2/angle", ("arctan2", "imag", "real"), fnp.angle, [(2, 3)], NONZERO,
         dtypes=COMPLEX, reference=np.angle),
    Spec("arctan2/angle-deg", ("arctan2",), lambda z: fnp.angle(z, deg=True), [(3,)],
         NONZERO, dtypes=COMPLEX, reference=lambda z: np.angle(z, deg=True), rtol=1e-4),
    Spec("real/real_if_close", ("real",), lambda z: fnp.real_if_close(z * 0.0 + z.real),
         [(3,)], dtypes=COMPLEX, reference=lambda z: np.real_if_close(z * 0.0 + z.real)),
]

# -- real inputs through complex values: the cotangent of a real input is real ---------
SPECS += [
    Spec("real/of-exp-i-theta", ("real", "exp", "multiply"),
         lambda t: fnp.real(fnp.exp(1j * t)), [(2, 3)], reference=lambda t: np.cos(t)),
    Spec("absolute/of-complex-from-parts", ("absolute", "add", "multiply"),
         lambda x, y: fnp.abs(x + 1j * y), [(3,), (2, 3)], NONZERO,
         reference=lambda x, y: np.abs(x + 1j * y)),
    Spec("imag/of-polynomial", ("imag", "power", "multiply"),
         lambda x, y: fnp.imag((x + 1j * y) ** 3 * (0.5 - 2j)), [(2, 3), (2, 3)],
         reference=lambda x, y: np.imag((x + 1j * y) ** 3 * (0.5 - 2j))),
    Spec("astype/real-to-complex", ("astype", "real"),
         lambda x: fnp.real(fnp.astype(x, np.complex128) * (1 + 2j)) * x, [(3,)],
         dtypes=("float64",)),
    Spec("matmul/real-by-complex", ("matmul", "real", "conj"),
         lambda a, b: fnp.real(fnp.conj(a @ (b * (1 - 1j))) * (a @ b)), [(2, 3), (3, 2)]),
]
for shapes in BROADCAST_PAIRS:       # a complex and a real argument, broadcast
    SPECS.append(Spec(f"multiply/complex-by-real/{pair_id(shapes)}", ("multiply", "real"),
                      lambda z, x: fnp.real(z * (x + 0j).real * (z - 1j)),
                      list(shapes), dtypes=COMPLEX))


# -- linear algebra: holomorphic det, the complex sign of slogdet, Hermitian cholesky ----
def hpd(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Hermitian positive-definite matrices ``M M^H / n + I``."""
    m = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return m @ np.swapaxes(m, -1, -2).conj() / shape[-1] + np.eye(shape[-1])


hpd.complex_values = True
LA = fnp.linalg
SPECS += [
    Spec("cofactor/grad-of-det-holomorphic", ("cofactor",),
         functrace.grad(lambda a: fnp.sum(LA.det(a)), holomorphic=True), [(2, 3, 3)],
         linalg.well_conditioned, dtypes=COMPLEX, reference=linalg.cofactor_by_minors),
    Spec("slogdet/complex-sign", ("slogdet", "getitem"), lambda a: LA.slogdet(a).sign,
         [(2, 3, 3)], linalg.well_conditioned, dtypes=COMPLEX,
         reference=lambda a: np.linalg.slogdet(a).sign),
    Spec("slogdet/complex-sign-times", ("slogdet", "getitem", "exp"),
         lambda a: LA.slogdet(a).sign * fnp.exp(LA.slogdet(a).logabsdet), [(3, 3)],
         linalg.negative_det, dtypes=COMPLEX,
         reference=lambda a: np.linalg.slogdet(a).sign * np.exp(np.linalg.slogdet(a)[1])),
    Spec("cholesky/hermitian", ("cholesky",), LA.cholesky, [(3, 3)], hpd, dtypes=COMPLEX,
         reference=np.linalg.cholesky),
    Spec("cholesky/hermitian-batched", ("cholesky",), LA.cholesky, [(2, 3, 3)], hpd,
         dtypes=COMPLEX, reference=np.linalg.cholesky),
]
