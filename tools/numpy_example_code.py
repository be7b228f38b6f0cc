"""Example code for the rest of ``functrace.numpy`` (statistics, shapes, sets, polynomials...).

tools/example_code.py merges NUMPY_MORE into its NUMPY table. Differentiable functions
also show a derivative, written out so that it can be checked by hand.
"""
from __future__ import annotations

V = "np.array([0.25, 0.5, 0.75])"
W = "np.array([2.0, 0.5, 1.0])"
MAT = "np.array([[1.0, 2.0], [3.0, 4.0]])"
NAN = "np.array([1.0, np.nan, 3.0])"
NAN_MAT = "np.array([[1.0, np.nan], [3.0, 4.0]])"
INF = "np.array([-np.inf, 0.0, np.inf])"
SETS = "np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.0])"
REPEATS = "np.array([3.0, 1.0, 3.0, 2.0])"
POLY = "np.array([1.0, -3.0, 2.0])"             # x**2 - 3x + 2 = (x - 1)(x - 2)


def _grad(expr: str, at: str) -> str:
    """The line printing the gradient of ``sum(expr)`` (written in ``x``) at ``at``."""
    return f"ft.grad(lambda x: fnp.sum({expr}))({at})"


def _valued(expr: str, at: str) -> list[str]:
    """``expr`` (written in ``x``) at ``at``, then its gradient there."""
    return [f"x = {at}", expr, _grad(expr, "x")]


NAN_REDUCTIONS = ["nanmax", "nanmin", "nanmean", "nanprod", "nanstd", "nanvar",
                  "nanmedian", "nanargmax", "nanargmin", "nancumsum", "nancumprod"]

NUMPY_MORE: dict[str, list[str]] = {
    # elementwise
    "copysign": _valued("fnp.copysign(x, np.array([-1.0, 1.0, -1.0]))", V),
    "fmod": _valued("fnp.fmod(x, 0.3)", V),
    "logaddexp2": _valued("fnp.logaddexp2(x, np.array([0.25, 1.5, 0.0]))", V),
    "ldexp": _valued("fnp.ldexp(x, 2)", V),
    "heaviside": ["fnp.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5)"],
    "fix": _valued("fnp.fix(x)", "np.array([-1.5, 0.5, 2.7])"),
    "signbit": ["fnp.signbit(np.array([-1.5, 0.0, 2.7]))"],
    "isneginf": [f"fnp.isneginf({INF})"],
    "isposinf": [f"fnp.isposinf({INF})"],
    "nan_to_num": _valued("fnp.nan_to_num(x, nan=0.0)", NAN),
    "nextafter": ["fnp.nextafter(1.0, 2.0) == 1.0 + np.finfo(np.float64).eps"],
    "frexp": ["fnp.frexp(np.array([1.0, 8.0, 0.75]))"],
    "modf": ["fnp.modf(np.array([1.5, -2.25]))"],
    "divmod": ["fnp.divmod(np.array([7.0, -7.0]), 2.0)"],
    "isclose": [f"fnp.isclose({V}, {V} + 1e-10), fnp.isclose(0.5, 0.6)"],
    "allclose": [f"fnp.allclose({V}, {V} + 1e-10), fnp.allclose({V}, {W})"],
    "array_equal": [f"fnp.array_equal({V}, {V}), fnp.array_equal({V}, {W})"],
    "array_equiv": [f"fnp.array_equiv({V}, np.tile({V}, (2, 1)))"],
    "interp": _valued("fnp.interp(x, np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 0.0]))",
                      "np.array([0.5, 1.5])"),
    "unwrap": ["fnp.unwrap(np.array([0.0, 3.0, 6.5]))"],
    # creation
    "full": ["fnp.full((2,), 7.0)"],
    "empty_like": [f"fnp.empty_like({MAT}).shape"],
    "copy": _valued("fnp.copy(x) ** 2", V),
    "linspace": ["fnp.linspace(0.0, 1.0, 5)",
                 "ft.grad(lambda b: fnp.sum(fnp.linspace(0.0, b, 5)))(1.0)   # 0 + 1/4 + ... + 1"],
    "logspace": ["fnp.logspace(0.0, 2.0, 3)"],
    "geomspace": ["fnp.geomspace(1.0, 100.0, 3)"],
    "vander": _valued("fnp.vander(x, 3)", "np.array([1.0, 2.0, 3.0])"),
    "diagflat": ["fnp.diagflat(np.array([1.0, 2.0]))"],
    "meshgrid": ["xs, ys = fnp.meshgrid(np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))",
                 "xs.shape, ys[:, 0]"],
    "result_type": ["fnp.result_type(np.float32, np.float64)"],
    # statistics
    "average": _valued(f"fnp.average(x, weights={W})", V),
    "median": _valued("fnp.median(x, axis=1)", MAT),
    "percentile": _valued("fnp.percentile(x, 50.0)", V),
    "quantile": _valued("fnp.quantile(x, 0.25)", V),
    "nanpercentile": [f"fnp.nanpercentile({NAN}, 50.0)"],
    "nanquantile": [f"fnp.nanquantile({NAN}, 0.5)"],
    **{n: [f"fnp.{n}({NAN_MAT}, axis=1)"] for n in NAN_REDUCTIONS},
    "nansum": _valued("fnp.nansum(x)", NAN),
    "ptp": _valued("fnp.ptp(x)", V),
    "cov": [f"fnp.cov({V}, {W})"],
    "corrcoef": [f"fnp.corrcoef({V}, np.array([1.0, 2.0, 3.0]))"],
    "count_nonzero": ["fnp.count_nonzero(np.array([0.0, 1.0, 2.0]))"],
    "bincount": ["fnp.bincount(np.array([0, 1, 1, 3]))"],
    "histogram": [f"fnp.histogram({V}, bins=2, range=(0.0, 1.0))"],
    "digitize": [f"fnp.digitize({V}, np.array([0.3, 0.6]))"],
    "cumulative_sum": _valued("fnp.cumulative_sum(x)", V),
    "cumulative_prod": _valued("fnp.cumulative_prod(x)", V),
    # calculus
    "diff": _valued("fnp.diff(x ** 2)", V),
    "ediff1d": ["fnp.ediff1d(np.array([1.0, 4.0, 9.0]))"],
    "gradient": _valued("fnp.gradient(x ** 2)", "np.array([0.0, 1.0, 2.0, 3.0])"),
    "trapezoid": _valued("fnp.trapezoid(x ** 2)", "np.array([0.0, 1.0, 2.0])"),
    "convolve": _valued("fnp.convolve(x, np.array([0.0, 1.0, 0.5]))", "np.array([1.0, 2.0, 3.0])"),
    "correlate": _valued("fnp.correlate(x, np.array([0.0, 1.0, 0.5]))",
                         "np.array([1.0, 2.0, 3.0])"),
    # products
    "cross": _valued("fnp.cross(x, np.array([0.0, 1.0, 0.0]))", "np.array([1.0, 0.0, 0.0])"),
    "kron": ["fnp.kron(np.eye(2), np.array([[1.0, 2.0]]))"],
    "vdot": _valued(f"fnp.vdot(x, {W})", V),
    "vecdot": _valued("fnp.vecdot(x, np.array([1.0, -1.0]))", MAT),
    "matvec": _valued("fnp.matvec(x, np.array([1.0, -1.0]))", MAT),
    "vecmat": _valued("fnp.vecmat(np.array([1.0, -1.0]), x)", MAT),
    # polynomials
    "poly": ["fnp.poly(np.array([1.0, 2.0]))"],
    "polyval": _valued(f"fnp.polyval({POLY}, x)", V),
    "polyadd": [f"fnp.polyadd({POLY}, np.array([1.0, 1.0]))"],
    "polysub": [f"fnp.polysub({POLY}, np.array([1.0, 1.0]))"],
    "polymul": ["fnp.polymul(np.array([1.0, -1.0]), np.array([1.0, -2.0]))"],
    "polyder": [f"fnp.polyder({POLY})"],
    "polyint": [f"fnp.polyint({POLY})"],
    # shapes
    "append": _valued("fnp.append(x, x) ** 2", V),
    "insert": [f"fnp.insert({V}, 1, 9.0)"],
    "delete": _valued("fnp.delete(x, 1) ** 2", V),
    "resize": [f"fnp.resize({V}, 5)"],
    "block": [f"fnp.block([[{MAT}, np.zeros((2, 1))]])"],
    "broadcast_arrays": [f"[a.shape for a in fnp.broadcast_arrays({V}, np.ones((2, 1)))]"],
    "fliplr": [f"fnp.fliplr({MAT})"],
    "flipud": [f"fnp.flipud({MAT})"],
    "rot90": [f"fnp.rot90({MAT})"],
    "rollaxis": ["fnp.rollaxis(np.zeros((2, 3, 4)), 2).shape"],
    "matrix_transpose": [f"fnp.matrix_transpose({MAT})"],
    "permute_dims": ["fnp.permute_dims(np.zeros((2, 3, 4)), (2, 0, 1)).shape"],
    "unstack": [f"fnp.unstack({MAT})"],
    "tril": _valued("fnp.tril(x) ** 2", MAT),
    "triu": [f"fnp.triu({MAT})"],
    "trim_zeros": ["fnp.trim_zeros(np.array([0.0, 1.0, 2.0, 0.0]))"],
    # indexing and selection
    "apply_along_axis": _valued("fnp.apply_along_axis(lambda row: row[0] * row[1], 1, x)", MAT),
    "apply_over_axes": [f"fnp.apply_over_axes(fnp.sum, {MAT}, [0])"],
    "piecewise": _valued("fnp.piecewise(x, [x < 0.5, x >= 0.5], [lambda t: t ** 2, lambda t: -t])",
                         V),
    "select": _valued("fnp.select([x < 0.4, x > 0.6], [x, -x], 0.0)", V),
    "choose": [f"fnp.choose(np.array([0, 1, 0]), [{V}, {W}])"],
    "compress": _valued("fnp.compress([True, False, True], x) ** 2", V),
    "extract": [f"x = {V}", "fnp.extract(x > 0.4, x)"],
    "argwhere": [f"fnp.argwhere({MAT} > 2.0)"],
    "flatnonzero": ["fnp.flatnonzero(np.array([0.0, 1.0, 0.0, 2.0]))"],
    "nonzero": ["fnp.nonzero(np.array([0.0, 1.0, 0.0, 2.0]))"],
    "partition": ["fnp.partition(np.array([3.0, 1.0, 2.0, 0.0]), 1)[1]"],
    "argpartition": ["fnp.argpartition(np.array([3.0, 1.0, 2.0, 0.0]), 1)[1]"],
    "lexsort": ["fnp.lexsort((np.array([1.0, 0.0, 2.0]), np.array([1.0, 1.0, 0.0])))"],
    "searchsorted": ["fnp.searchsorted(np.array([1.0, 2.0, 3.0]), np.array([2.5, 0.5]))"],
    "diag_indices_from": [f"fnp.diag_indices_from({MAT})"],
    "tril_indices_from": [f"fnp.tril_indices_from({MAT})"],
    "triu_indices_from": [f"fnp.triu_indices_from({MAT})"],
    # sets
    "isin": [f"fnp.isin({V}, np.array([0.5]))"],
    "intersect1d": [f"fnp.intersect1d({SETS})"],
    "setdiff1d": [f"fnp.setdiff1d({SETS})"],
    "setxor1d": [f"fnp.setxor1d({SETS})"],
    "union1d": [f"fnp.union1d({SETS})"],
    "unique": [f"fnp.unique({REPEATS})"],
    "unique_values": [f"fnp.unique_values({REPEATS})"],
    "unique_counts": [f"fnp.unique_counts({REPEATS})"],
    "unique_inverse": [f"fnp.unique_inverse({REPEATS})"],
    "unique_all": [f"fnp.unique_all({REPEATS})"],
}
