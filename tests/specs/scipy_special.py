"""Spec rows: the scipy.special primitives (``functrace/primitives/special_functions.py``,
``bessel.py``), with scipy's own functions as the value references."""
import numpy as np
import scipy.special as sc

import functrace.scipy.special as fsp
from functrace.primitives import special_functions as P

from ._spec import BROADCAST_PAIRS, Spec, away_from_zero, pair_id

SPECS: list = []


def _row(name, prims, fn, shapes, reference, **kw):
    SPECS.append(Spec(name, prims, fn, shapes, reference=reference, **kw))


def _ref(fn, *constants, promote=False):
    """A scipy reference in the floating dtype of the traced arguments (and of the
    constants too with ``promote=True``: values, not orders, promote as in numpy)."""
    def ref(*args):
        dtype = np.result_type(*(constants if promote else ()), *args)
        return np.asarray(fn(*constants, *args)).astype(dtype)[()]
    return ref


_UNARY = [  # name, domain
    ("gammaln", (0.3, 4.0)), ("digamma", (0.3, 4.0)), ("gamma", (0.3, 3.0)),
    ("rgamma", (0.3, 3.0)), ("erfinv", (-0.9, 0.9)), ("erfcinv", (0.1, 1.9)),
    ("ndtr", (-3.0, 3.0)), ("ndtri", (0.05, 0.95)), ("log_ndtr", (-5.0, 5.0)),
    ("entr", (0.1, 3.0)), ("j0", (0.5, 5.0)), ("j1", (0.5, 5.0)), ("y0", (0.5, 5.0)),
    ("y1", (0.5, 5.0)), ("i0", (-3.0, 3.0)), ("i1", (-3.0, 3.0)),
    ("i0e", away_from_zero(0.2, 3.0)), ("i1e", away_from_zero(0.2, 3.0)),
]
for _name, _domain in _UNARY:
    _row(_name, (_name,), getattr(fsp, _name), [(2, 3)], _ref(getattr(sc, _name)),
         domain=_domain)
_row("log_ndtr/far-tails", ("log_ndtr",), fsp.log_ndtr, [(2, 3)], _ref(sc.log_ndtr),
     domain=away_from_zero(10.0, 30.0), dtypes=("float64",))
_row("psi", ("digamma",), fsp.psi, [(3,)], _ref(sc.psi), domain=(0.5, 3.0))

# Orders (not differentiable) broadcast against the values.
_ORDERS = np.array([[0.5], [2.0]])
for _name, _domain in [("jv", (0.5, 5.0)), ("yv", (0.5, 5.0)), ("iv", (-3.0, 3.0)),
                       ("ive", away_from_zero(0.2, 3.0))]:
    _orders = np.array([[1.0], [2.0]]) if _name in ("iv", "ive") else _ORDERS
    _row(_name, (_name,), lambda x, f=getattr(fsp, _name), v=_orders: f(v, x), [(2, 3)],
         _ref(getattr(sc, _name), _orders), domain=_domain)
_row("jn", ("jv",), lambda x: fsp.jn(3, x), [(3,)], _ref(sc.jn, 3), domain=(0.5, 5.0))
_row("yn", ("yv",), lambda x: fsp.yn(2, x), [(3,)], _ref(sc.yn, 2), domain=(0.5, 5.0))
_N = np.array([[0], [2]])
_row("polygamma", ("polygamma",), lambda x: fsp.polygamma(_N, x), [(2, 3)],
     _ref(sc.polygamma, _N), domain=(0.5, 3.0))

_BINARY = [  # name, domain of each argument
    ("beta", ((0.5, 3.0), (0.5, 3.0))), ("betaln", ((0.5, 3.0), (0.5, 3.0))),
    ("xlogy", ((-2.0, 2.0), (0.5, 3.0))), ("xlog1py", ((-2.0, 2.0), (-0.5, 2.0))),
    ("rel_entr", ((0.1, 3.0), (0.1, 3.0))),
]
for _name, _domain in _BINARY:
    for _shapes in BROADCAST_PAIRS:
        _row(f"{_name}/{pair_id(_shapes)}", (_name,), getattr(fsp, _name), list(_shapes),
             _ref(getattr(sc, _name)), domain=_domain)


def _zeros(rng, shape, dtype):
    return np.zeros(shape)


# At x = 0 the function is 0 for every y; d/dx = log(y), d/dy = 0, d2/dxdy = 1/y.
_row("xlogy/x-zero", ("xlogy",), fsp.xlogy, [(2, 3), (2, 3)], _ref(sc.xlogy),
     domain=(_zeros, (0.5, 3.0)))
_row("xlog1py/x-zero", ("xlog1py",), fsp.xlog1py, [(2, 3), (2, 3)], _ref(sc.xlog1py),
     domain=(_zeros, (-0.5, 2.0)))

# gammainc / gammaincc: all orders in x; first order in a (the series primitive). The
# constant parameters take x's dtype: float64 constants would promote the float32 rows
# to float64, leaving the float32 rules unchecked.
_A = np.array([0.5, 2.0, 5.0])
for _name in ("gammainc", "gammaincc"):
    _row(f"{_name}/x", (_name,), lambda x, f=getattr(fsp, _name): f(_A.astype(x.dtype), x),
         [(2, 3)], lambda x, f=getattr(sc, _name): _ref(f, _A.astype(x.dtype))(x),
         domain=(0.2, 6.0))
    _row(f"{_name}/a-and-x", (_name,), getattr(fsp, _name), [(2, 3), (3,)],
         _ref(getattr(sc, _name)), domain=((0.5, 4.0), (0.2, 6.0)), order=1)
_row("gammainc_da", ("gammainc_da",), lambda x: P.gammainc_da_p.bind(_A.astype(x.dtype), x),
     [(2, 3)], None, domain=(0.2, 6.0))
_B = 3.0 - _A / 2
_row("betainc/x", ("betainc",), lambda x: fsp.betainc(_A.astype(x.dtype), _B.astype(x.dtype), x),
     [(2, 3)], lambda x: _ref(sc.betainc, _A.astype(x.dtype), _B.astype(x.dtype))(x),
     domain=(0.1, 0.9))
_row("betainc/a-b-x", ("betainc",), fsp.betainc, [(2, 3), (3,), (2, 1)], _ref(sc.betainc),
     domain=((0.5, 4.0), (0.5, 4.0), (0.05, 0.95)), order=1)
for _name in ("betainc_da", "betainc_db"):
    _row(_name, (_name,), lambda x, p=getattr(P, f"{_name}_p"): p.bind(
        _A.astype(x.dtype), _B.astype(x.dtype), x), [(2, 3)], None, domain=(0.1, 0.9))

# Composites
_row("multigammaln", ("gammaln", "add"), lambda x: fsp.multigammaln(x, 3), [(2, 3)],
     lambda x: np.asarray(sc.multigammaln(x, 3)).astype(x.dtype), domain=(1.5, 4.0))
