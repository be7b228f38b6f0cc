"""Spec rows: linear algebra and products (``functrace/primitives/linalg.py``,
``products.py``, ``decompositions.py``) and their composites (dot, tensordot,
outer, inner, trace, diag, linalg.norm).

Matrix inputs come from well-conditioned or positive-definite generators;
``prod``/``cumprod`` rows include exact zeros (a product is a polynomial, so
finite differences are exact there too).
"""
import numpy as np

import functrace
import functrace.numpy as fnp

from ._spec import Spec, away_from_zero

SPECS: list = []

NONZERO = away_from_zero(0.3, 1.5)


def well_conditioned(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Square matrices near 2 I: condition number below ~3."""
    n = shape[-1]
    return 2.0 * np.eye(n) + rng.uniform(-1.0, 1.0, size=shape) / n


def negative_det(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Well-conditioned matrices whose first row is negated (det < 0)."""
    a = well_conditioned(rng, shape, dtype)
    a[..., 0, :] *= -1.0
    return a


def spd(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Symmetric positive-definite matrices ``M M^T / n + I``."""
    m = rng.standard_normal(shape)
    return m @ np.swapaxes(m, -1, -2) / shape[-1] + np.eye(shape[-1])


def singular(deficiency: int):
    """Exactly singular matrices: small-integer rows, the last ``deficiency`` of them
    integer combinations of the others (exact in float32 and float64)."""
    def sample(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
        n = shape[-1]
        free = rng.integers(-3, 4, size=shape[:-2] + (n - deficiency, n)).astype(float)
        mix = rng.integers(-2, 3, size=shape[:-2] + (deficiency, n - deficiency))
        return np.concatenate([free, mix @ free], axis=-2)
    sample.__name__ = f"singular({deficiency})"
    return sample


def cofactor_by_minors(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix from its definition (signed minors), for small stacks."""
    n = a.shape[-1]
    out = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, axis=-2), j, axis=-1)
            out[..., i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if n > 1 else 1.0)
    return out


def with_zeros(count: int):
    """Uniform values in [0.5, 1.5] with random signs and ``count`` exact zeros."""
    def sample(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
        x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        x.reshape(-1)[rng.choice(x.size, size=count, replace=False)] = 0.0
        return x
    sample.__name__ = f"with_zeros({count})"
    return sample


def _row(name, prims, fn, shapes, reference, **kw):
    return Spec(name, tuple(prims), fn, shapes, reference=reference, **kw)


# -- matmul, dot, tensordot, outer, inner --------------------------------------------------

MATMUL_SHAPES = [("1d@1d", (3,), (3,)), ("1d@2d", (3,), (3, 4)), ("2d@1d", (2, 3), (3,)),
                 ("2d@2d", (2, 3), (3, 4)), ("batched-broadcast", (2, 1, 2, 3), (4, 3, 2)),
                 ("1d@batched", (3,), (2, 3, 4)), ("batched@1d", (2, 2, 3), (3,))]
SPECS += [_row(f"matmul/{name}", ["matmul"], fnp.matmul, [sa, sb], np.matmul)
          for name, sa, sb in MATMUL_SHAPES]
SPECS += [
    _row("matmul/operator", ["matmul"], lambda a, b: a @ b, [(2, 3), (3, 2)], np.matmul),
    _row("matmul/dot-2d", ["matmul"], fnp.dot, [(2, 3), (3, 4)], np.dot),
    _row("matmul/dot-nd", ["matmul", "transpose", "reshape"], fnp.dot, [(2, 3), (4, 3, 2)],
         np.dot),
    _row("matmul/tensordot-2", ["matmul", "reshape"], fnp.tensordot, [(2, 3, 4), (3, 4, 2)],
         np.tensordot),
    _row("matmul/tensordot-pairs", ["matmul", "transpose", "reshape"],
         lambda a, b: fnp.tensordot(a, b, axes=([1, 0], [0, 2])), [(3, 2, 4), (2, 4, 3)],
         lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2]))),
    _row("matmul/tensordot-0", ["matmul", "reshape"], lambda a, b: fnp.tensordot(a, b, 0),
         [(2,), (3,)], lambda a, b: np.tensordot(a, b, 0)),
    _row("multiply/outer", ["multiply", "reshape"], fnp.outer, [(2, 2), (3,)], np.outer),
    _row("matmul/inner-1d", ["matmul"], fnp.inner, [(3,), (3,)], np.inner),
    _row("matmul/inner-nd", ["matmul", "transpose", "reshape"], fnp.inner,
         [(2, 3), (4, 2, 3)], np.inner),
]

# -- einsum ------------------------------------------------------------------------

EINSUM = [
    ("matmul", "ij,jk->ik", [(2, 3), (3, 4)]),
    ("implicit", "ij,jk", [(2, 3), (3, 4)]),
    ("implicit-transpose", "ba", [(2, 3)]),
    ("trace", "ii", [(3, 3)]),
    ("diagonal", "ii->i", [(3, 3)]),
    ("sum-out", "ij->i", [(2, 3)]),
    ("sum-all", "ij->", [(2, 3)]),
    ("outer", "i,j->ij", [(2,), (3,)]),
    ("three", "ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("repeated-and-free", "iij,jk->ik", [(2, 2, 3), (3, 2)]),
    ("ellipsis-batch", "...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("ellipsis-implicit", "i...,i...", [(3, 2), (3, 1)]),
    ("size1-broadcast", "ij,ij->ij", [(1, 3), (2, 3)]),
    ("bilinear", "i,ij,j->", [(2,), (2, 3), (3,)]),
]
SPECS += [_row(f"einsum/{name}", ["einsum"],
               lambda *ops, s=subs: fnp.einsum(s, *ops), shapes,
               lambda *ops, s=subs: np.einsum(s, *ops))
          for name, subs, shapes in EINSUM]
SPECS += [_row("einsum/interleaved", ["einsum"],
               lambda a, b: fnp.einsum(a, [0, 1], b, [1, 2], [0, 2]), [(2, 3), (3, 2)],
               lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]))]

# -- diagonals, trace ------------------------------------------------------------------

SPECS += [
    _row("diagonal/2d", ["diagonal"], fnp.diagonal, [(3, 4)], np.diagonal),
    _row("diagonal/offset-axes", ["diagonal"],
         lambda a: fnp.diagonal(a, offset=-1, axis1=2, axis2=0), [(3, 2, 4)],
         lambda a: np.diagonal(a, offset=-1, axis1=2, axis2=0)),
    _row("diagonal/diag-2d-k", ["diagonal"], lambda a: fnp.diag(a, k=1), [(3, 4)],
         lambda a: np.diag(a, k=1)),
    _row("diagonal/trace", ["diagonal", "reduce_sum"], fnp.trace, [(3, 3)], np.trace),
    _row("diagonal/trace-3d", ["diagonal", "reduce_sum"],
         lambda a: fnp.trace(a, offset=1, axis1=1, axis2=2), [(2, 3, 4)],
         lambda a: np.trace(a, offset=1, axis1=1, axis2=2)),
    _row("embed_diagonal/diag", ["embed_diagonal"], fnp.diag, [(3,)], np.diag),
    _row("embed_diagonal/diag-k", ["embed_diagonal"], lambda v: fnp.diag(v, k=-2), [(3,)],
         lambda v: np.diag(v, k=-2)),
    _row("embed_diagonal/nonlinear", ["embed_diagonal", "diagonal", "sin"],
         lambda v: fnp.diag(fnp.sin(fnp.diag(v, 1)), 1), [(3,)],
         lambda v: np.diag(np.sin(np.diag(v, 1)), 1)),
]

# -- prod, cumprod ---------------------------------------------------------------------

PROD = [("all", {}, (2, 3)), ("axis=0", {"axis": 0}, (2, 3)),
        ("axis=-1,keep", {"axis": -1, "keepdims": True}, (2, 3)),
        ("axes=02", {"axis": (0, 2)}, (2, 3, 2)), ("1d", {}, (5,)), ("0d", {}, ())]
SPECS += [_row(f"reduce_prod/{name}", ["reduce_prod"],
               lambda x, kw=kw: fnp.prod(x, **kw), [shape],
               lambda x, kw=kw: np.prod(x, **kw))
          for name, kw, shape in PROD]
SPECS += [_row(f"reduce_prod/{count}-zeros", ["reduce_prod"],
               lambda x: fnp.prod(x, axis=1), [(2, 4)], lambda x: np.prod(x, axis=1),
               domain=with_zeros(count))
          for count in (1, 2, 3)]

CUMPROD = [("flat", {}, (2, 3)), ("axis=0", {"axis": 0}, (3, 2)),
           ("axis=-1-long", {"axis": -1}, (2, 9))]
SPECS += [_row(f"cumprod/{name}", ["cumprod"], lambda x, kw=kw: fnp.cumprod(x, **kw),
               [shape], lambda x, kw=kw: np.cumprod(x, **kw), domain=NONZERO)
          for name, kw, shape in CUMPROD]
SPECS += [_row(f"cumprod/{count}-zeros", ["cumprod"], lambda x: fnp.cumprod(x, axis=-1),
               [(2, 6)], lambda x: np.cumprod(x, axis=-1), domain=with_zeros(count))
          for count in (1, 2, 4)]

# -- inverse, determinants, solve, cholesky ----------------------------------------------

LA = fnp.linalg
SPECS += [
    _row("inv/3x3", ["inv"], LA.inv, [(3, 3)], np.linalg.inv, domain=well_conditioned),
    _row("inv/batched", ["inv"], LA.inv, [(2, 3, 3)], np.linalg.inv, domain=well_conditioned),
    _row("det/3x3", ["det"], LA.det, [(3, 3)], np.linalg.det, domain=well_conditioned),
    _row("det/negative", ["det"], LA.det, [(3, 3)], np.linalg.det, domain=negative_det),
    _row("det/batched", ["det"], LA.det, [(2, 3, 3)], np.linalg.det, domain=well_conditioned),
    _row("det/singular", ["det"], LA.det, [(3, 3)], np.linalg.det,
         domain=singular(1)),
    _row("det/singular-batched-rank-1", ["det"], LA.det, [(2, 3, 3)],
         np.linalg.det, domain=singular(2)),
    _row("det/zero-4x4", ["det"], LA.det, [(4, 4)], np.linalg.det,
         domain=singular(4),
         extra={"scale_invisible": "det's first and second derivatives vanish at the "
                                   "zero 4x4 matrix"}),
    _row("cofactor/grad-of-det", ["cofactor"], functrace.grad(lambda a: fnp.sum(LA.det(a))),
         [(2, 3, 3)], cofactor_by_minors, domain=well_conditioned),
    _row("cofactor/grad-of-det-singular", ["cofactor"],
         functrace.grad(lambda a: fnp.sum(LA.det(a))), [(2, 4, 4)], cofactor_by_minors,
         domain=singular(2)),
    _row("slogdet/3x3", ["slogdet", "getitem"], lambda a: LA.slogdet(a)[1], [(3, 3)],
         lambda a: np.linalg.slogdet(a)[1], domain=well_conditioned),
    _row("slogdet/negative-sign-times", ["slogdet", "getitem", "exp"],
         lambda a: LA.slogdet(a).sign * fnp.exp(LA.slogdet(a).logabsdet), [(2, 3, 3)],
         lambda a: np.linalg.slogdet(a).sign * np.exp(np.linalg.slogdet(a).logabsdet),
         domain=negative_det),
    _row("solve/vector", ["solve"], LA.solve, [(3, 3), (3,)], np.linalg.solve,
         domain=(well_conditioned, (-2.0, 2.0))),
    _row("solve/matrix", ["solve"], LA.solve, [(3, 3), (3, 2)], np.linalg.solve,
         domain=(well_conditioned, (-2.0, 2.0))),
    _row("solve/batched-vector", ["solve"], LA.solve, [(2, 3, 3), (3,)], np.linalg.solve,
         domain=(well_conditioned, (-2.0, 2.0))),
    _row("solve/batched-broadcast", ["solve"], LA.solve, [(2, 1, 3, 3), (4, 3, 2)],
         np.linalg.solve, domain=(well_conditioned, (-2.0, 2.0))),
    _row("solve/single-a-batched-b", ["solve"], LA.solve, [(3, 3), (2, 3, 1)],
         np.linalg.solve, domain=(well_conditioned, (-2.0, 2.0))),
    _row("cholesky/3x3", ["cholesky"], LA.cholesky, [(3, 3)], np.linalg.cholesky, domain=spd),
    _row("cholesky/batched", ["cholesky"], LA.cholesky, [(2, 3, 3)], np.linalg.cholesky,
         domain=spd),
]

# -- norms -------------------------------------------------------------------------------

NORMS = [
    ("vec-2", {"ord": 2}, (4,), ["reduce_sum", "sqrt"]),
    ("vec-1", {"ord": 1}, (4,), ["reduce_sum", "absolute"]),
    ("vec-inf", {"ord": np.inf}, (4,), ["reduce_max", "absolute"]),
    ("vec--inf", {"ord": -np.inf}, (4,), ["reduce_min", "absolute"]),
    ("vec-3", {"ord": 3}, (4,), ["reduce_sum", "power"]),
    ("vec-0.5", {"ord": 0.5}, (4,), ["reduce_sum", "power"]),
    ("vec--1.5", {"ord": -1.5}, (4,), ["reduce_sum", "power"]),
    ("vec-axis-keep", {"ord": 3, "axis": 0, "keepdims": True}, (3, 2), ["power"]),
    ("mat-fro", {"ord": "fro"}, (2, 3), ["reduce_sum", "sqrt"]),
    ("mat-1", {"ord": 1}, (2, 3), ["reduce_max", "reduce_sum"]),
    ("mat--1", {"ord": -1}, (2, 3), ["reduce_min", "reduce_sum"]),
    ("mat-inf", {"ord": np.inf}, (2, 3), ["reduce_max", "reduce_sum"]),
    ("mat-inf-axes", {"ord": np.inf, "axis": (2, 0), "keepdims": True}, (3, 2, 4),
     ["reduce_max", "reduce_sum"]),
    ("nd-none-keep", {"keepdims": True}, (2, 3, 2), ["reduce_sum", "sqrt"]),
]
SPECS += [_row(f"norm/{name}", prims,
               lambda x, kw=kw: LA.norm(x, **kw), [shape],
               lambda x, kw=kw: np.linalg.norm(x, **kw), domain=NONZERO)
          for name, kw, shape, prims in NORMS]
