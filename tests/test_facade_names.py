"""The facade's name table (functrace/tensors/_names.py) against what it claims.

Every row's function and method runs on Tensors and gives the row's ``grad_fn``
(and every primitive the row names gets that name wherever it is recorded);
every registered primitive has a row or a ``no_row`` reason; every name is
installed where the row says; ``functrace/__init__.py`` lists exactly the
facade's names, and an unknown attribute (``ft.gard``) raises without importing
the facade. With torch installed, the names, the methods, the in-place variants
and the ``grad_fn`` names are checked against torch itself.

A row whose function does not run on the default arguments (float64 tensors of
shape (2, 3) that require grad, one per positional parameter) gets its own in
``EXAMPLES``: ``name -> lambda L: (args, kwargs)``, written for both libraries
(``L.m`` is ``functrace`` or ``torch``).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
import functrace.primitives
import functrace.scipy.integrate  # noqa: F401  (registers odeint)
import functrace.scipy.linalg as fsl
import functrace.scipy.special as fsp
import functrace.tensors as T
from functrace.registry import PRIMITIVES
from functrace.tensors._graph import TORCH_NAMES, Node
from functrace.tensors._table import NO_ROW, ROWS, node_names

for _module in pkgutil.iter_modules(functrace.primitives.__path__):    # register every primitive
    importlib.import_module(f"functrace.primitives.{_module.name}")


class Lib:
    """Makes the same tensors in functrace (``m=ft``) or torch (``m=torch``)."""

    def __init__(self, m):
        self.m = m
        self.rng = np.random.default_rng(0)

    def x(self, *shape, low=0.2, high=0.8, dtype="float64", grad=True):
        a = self.rng.uniform(low, high, shape).astype(dtype)
        return self.m.tensor(a, requires_grad=grad and a.dtype.kind == "f")

    def y(self, *shape):
        """A tensor in the graph (a non-leaf): in-place operations need one."""
        return self.x(*shape) * 1.0

    def const(self, values, dtype=None):
        return self.m.tensor(np.array(values, dtype=dtype))

    def mask(self):
        return self.const([[True, False, True], [False, True, False]])

    def square(self):
        """A well-conditioned symmetric positive definite 3x3 matrix in the graph."""
        a = self.x(3, 3)
        return a @ a.T + self.const(3.0 * np.eye(3))


EXAMPLES = {
    "acosh": lambda L: ((L.x(2, 3, low=1.5, high=2.5),), {}),
    "rsub": lambda L: ((L.x(2, 3), 1.0), {}),
    "pow": lambda L: ((L.x(2, 3), 2.0), {}),
    "lerp": lambda L: ((L.x(2, 3), L.x(2, 3), 0.3), {}),
    "clamp": lambda L: ((L.x(2, 3),), {"min": 0.4}),
    "clamp_min": lambda L: ((L.x(2, 3), 0.4), {}),
    "clamp_max": lambda L: ((L.x(2, 3), 0.4), {}),
    "softmax": lambda L: ((L.x(2, 3),), {"dim": -1}),
    "log_softmax": lambda L: ((L.x(2, 3),), {"dim": -1}),
    "logsumexp": lambda L: ((L.x(2, 3),), {"dim": -1}),
    "matmul": lambda L: ((L.x(2, 3), L.x(3, 2)), {}),
    "mm": lambda L: ((L.x(2, 3), L.x(3, 2)), {}),
    "bmm": lambda L: ((L.x(2, 2, 3), L.x(2, 3, 2)), {}),
    "mv": lambda L: ((L.x(2, 3), L.x(3)), {}),
    "dot": lambda L: ((L.x(3), L.x(3)), {}),
    "outer": lambda L: ((L.x(2), L.x(3)), {}),
    "einsum": lambda L: (("ij,jk->ik", L.x(2, 3), L.x(3, 2)), {}),
    "cumsum": lambda L: ((L.x(2, 3), 1), {}),
    "cumprod": lambda L: ((L.x(2, 3), 1), {}),
    "trace": lambda L: ((L.x(3, 3),), {}),
    "topk": lambda L: ((L.x(2, 3), 2), {}),
    "cat": lambda L: (([L.x(2, 3), L.x(2, 3)],), {}),
    "stack": lambda L: (([L.x(2, 3), L.x(2, 3)],), {}),
    "hstack": lambda L: (([L.x(2, 3), L.x(2, 3)],), {}),
    "vstack": lambda L: (([L.x(2, 3), L.x(2, 3)],), {}),
    "reshape": lambda L: ((L.x(2, 3), (3, 2)), {}),
    "permute": lambda L: ((L.x(2, 3), (1, 0)), {}),
    "flip": lambda L: ((L.x(2, 3), (0,)), {}),
    "tile": lambda L: ((L.x(2, 3), (2, 1)), {}),
    "broadcast_to": lambda L: ((L.x(2, 3), (2, 2, 3)), {}),
    "unflatten": lambda L: ((L.x(2, 3), 1, (3, 1)), {}),
    "unsqueeze": lambda L: ((L.x(2, 3), 0), {}),
    "squeeze": lambda L: ((L.x(1, 3),), {}),
    "transpose": lambda L: ((L.x(2, 3), 0, 1), {}),
    "narrow": lambda L: ((L.x(2, 3), 1, 0, 2), {}),
    "select": lambda L: ((L.x(2, 3), 1, 0), {}),
    "split": lambda L: ((L.x(2, 3), 1), {}),
    "chunk": lambda L: ((L.x(2, 3), 2), {}),
    "gather": lambda L: ((L.x(2, 3), 1, L.const([[0, 0], [1, 0]])), {}),
    "index_select": lambda L: ((L.x(2, 3), 1, L.const([0, 2])), {}),
    "masked_fill": lambda L: ((L.x(2, 3), L.mask(), 0.0), {}),
    "masked_select": lambda L: ((L.x(2, 3), L.mask()), {}),
    "where": lambda L: ((L.mask(), L.x(2, 3), L.x(2, 3)), {}),
    "diag": lambda L: ((L.x(3),), {}),
    "diagonal": lambda L: ((L.x(3, 3),), {}),
    "roll": lambda L: ((L.x(2, 3), 1, 1), {}),
    "repeat_interleave": lambda L: ((L.x(2, 3), 2), {}),
    "__rsub__": lambda L: ((L.x(2, 3), 1.0), {}),
    "__rtruediv__": lambda L: ((L.x(2, 3), 2.0), {}),
    "__pow__": lambda L: ((L.x(2, 3), 2.0), {}),
    "__rpow__": lambda L: ((L.x(2, 3), 2.0), {}),
    "__matmul__": lambda L: ((L.x(2, 3), L.x(3, 2)), {}),
    "__rmatmul__": lambda L: ((L.x(3, 2), L.x(2, 3)), {}),
    "__and__": lambda L: ((L.mask(), L.mask()), {}),
    "__or__": lambda L: ((L.mask(), L.mask()), {}),
    "__xor__": lambda L: ((L.mask(), L.mask()), {}),
    "__invert__": lambda L: ((L.mask(),), {}),
    "__getitem__": lambda L: ((L.x(2, 3), 0), {}),
    "view": lambda L: ((L.x(2, 3), 3, 2), {}),
    "view_as": lambda L: ((L.x(2, 3), L.x(3, 2)), {}),
    "reshape_as": lambda L: ((L.x(2, 3), L.x(3, 2)), {}),
    "expand": lambda L: ((L.x(1, 3), 2, 3), {}),
    "expand_as": lambda L: ((L.x(1, 3), L.x(2, 3)), {}),
    "repeat": lambda L: ((L.x(2, 3), 2, 1), {}),
    "to": lambda L: ((L.x(2, 3), L.m.float32), {}),
    "type": lambda L: ((L.x(2, 3), L.m.float32), {}),
    "float": lambda L: ((L.x(2, 3),), {}),
    "double": lambda L: ((L.x(2, 3, dtype="float32"),), {}),
    "half": lambda L: ((L.x(2, 3),), {}),
    "__iadd__": lambda L: ((L.y(2, 3), L.x(2, 3)), {}),
    "__isub__": lambda L: ((L.y(2, 3), L.x(2, 3)), {}),
    "__imul__": lambda L: ((L.y(2, 3), L.x(2, 3)), {}),
    "__itruediv__": lambda L: ((L.y(2, 3), L.x(2, 3)), {}),
    "__ipow__": lambda L: ((L.y(2, 3), 2.0), {}),
    "__ifloordiv__": lambda L: ((L.y(2, 3), L.x(2, 3)), {}),
    "__setitem__": lambda L: ((L.y(2, 3), 0, L.x(3)), {}),
    "zero_": lambda L: ((L.y(2, 3),), {}),
    "fill_": lambda L: ((L.y(2, 3), 0.5), {}),
    "copy_": lambda L: ((L.y(2, 3), L.x(2, 3)), {}),
    "float_power": lambda L: ((L.x(2, 3), 2.0), {}),
    "renorm": lambda L: ((L.x(2, 3), 2, 0, 0.5), {}),
    "cummax": lambda L: ((L.x(2, 3), 1), {}),
    "cummin": lambda L: ((L.x(2, 3), 1), {}),
    "logcumsumexp": lambda L: ((L.x(2, 3), 1), {}),
    "kthvalue": lambda L: ((L.x(2, 3), 2), {}),
    "quantile": lambda L: ((L.x(2, 3), 0.3), {}),
    "take_along_dim": lambda L: ((L.x(2, 3), L.const([[0, 2], [1, 0]]), 1), {}),
    "take": lambda L: ((L.x(2, 3), L.const([[0, 5], [3, 1]])), {}),
    "scatter": lambda L: ((L.x(2, 3), 1, L.const([[0, 2], [1, 0]]), L.x(2, 3)), {}),
    "scatter_add": lambda L: ((L.x(2, 3), 1, L.const([[0, 2], [1, 0]]), L.x(2, 3)), {}),
    "index_add": lambda L: ((L.x(2, 3), 1, L.const([0, 2]), L.x(2, 2)), {}),
    "index_copy": lambda L: ((L.x(2, 3), 1, L.const([0, 2]), L.x(2, 2)), {}),
    "index_fill": lambda L: ((L.x(2, 3), 1, L.const([0, 2]), 0.5), {}),
    "movedim": lambda L: ((L.x(2, 3), 0, 1), {}),
    "bitwise_and": lambda L: ((L.mask(), L.mask()), {}),
    "bitwise_or": lambda L: ((L.mask(), L.mask()), {}),
    "bitwise_xor": lambda L: ((L.mask(), L.mask()), {}),
    "bitwise_not": lambda L: ((L.mask(),), {}),
    "unfold": lambda L: ((L.x(2, 3), 1, 2, 1), {}),
    "new_tensor": lambda L: ((L.x(2, 3), [1.0, 2.0]), {}),
    "new_full": lambda L: ((L.x(2, 3), (2,), 0.5), {}),
    "new_zeros": lambda L: ((L.x(2, 3), 2, 3), {}),
    "new_empty": lambda L: ((L.x(2, 3), 2, 3), {}),
    "new_ones": lambda L: ((L.x(2, 3), 2, 3), {}),
    "uniform_": lambda L: ((L.x(2, 3, grad=False),), {}),
    "normal_": lambda L: ((L.x(2, 3, grad=False),), {}),
    "bernoulli_": lambda L: ((L.x(2, 3, grad=False),), {}),
}
# Rows whose method is another callable than their function (x.view(3, 2) style).
METHOD_EXAMPLES = {
    "reshape": lambda L: ((L.x(2, 3), 3, 2), {}),
    "permute": lambda L: ((L.x(2, 3), 1, 0), {}),
    "flip": lambda L: ((L.x(2, 3), 0), {}),
    "tile": lambda L: ((L.x(2, 3), 2, 1), {}),
    "where": lambda L: ((L.x(2, 3), L.mask(), L.x(2, 3)), {}),
}
# The grad_fn of a row whose name depends on the call (a function of the params).
EXPECTED = {"__getitem__": "SelectBackward0"}
# node() rows: how Tensors reach the primitive in functrace, and torch's function of that name.
NODE_CALLS = {
    "linalg.inv": (lambda L: fnp.linalg.inv(L.square()),
                   lambda L: L.m.linalg.inv(L.square())),
    "linalg.det": (lambda L: fnp.linalg.det(L.square()),
                   lambda L: L.m.linalg.det(L.square())),
    "linalg.slogdet": (lambda L: fnp.linalg.slogdet(L.square()).logabsdet,
                       lambda L: L.m.linalg.slogdet(L.square()).logabsdet),
    "linalg.solve": (lambda L: fnp.linalg.solve(L.square(), L.x(3, 2)),
                     lambda L: L.m.linalg.solve(L.square(), L.x(3, 2))),
    "linalg.cholesky": (lambda L: fnp.linalg.cholesky(L.square()),
                        lambda L: L.m.linalg.cholesky(L.square())),
    "linalg.eigh": (lambda L: fsl.eigh(L.square())[0],
                    lambda L: L.m.linalg.eigh(L.square())[0]),
    "linalg.eigvalsh": (lambda L: fnp.linalg.eigvalsh(L.square()),
                        lambda L: L.m.linalg.eigvalsh(L.square())),
    "linalg.eig": (lambda L: fnp.linalg.eig(L.square())[0],
                   lambda L: L.m.linalg.eig(L.square())[0]),
    "linalg.eigvals": (lambda L: fnp.linalg.eigvals(L.square()),
                       lambda L: L.m.linalg.eigvals(L.square())),
    "linalg.svd": (lambda L: fnp.linalg.svd(L.x(3, 2), full_matrices=False)[0],
                   lambda L: L.m.linalg.svd(L.x(3, 2), full_matrices=False)[0]),
    "linalg.svdvals": (lambda L: fnp.linalg.svdvals(L.x(3, 2)),
                       lambda L: L.m.linalg.svdvals(L.x(3, 2))),
    "linalg.qr": (lambda L: fnp.linalg.qr(L.x(3, 2))[0],
                  lambda L: L.m.linalg.qr(L.x(3, 2))[0]),
    "linalg.lu_factor": (lambda L: fsl.lu_factor(L.square())[0],
                         lambda L: L.m.linalg.lu_factor(L.square())[0]),
    "linalg.matrix_exp": (lambda L: fsl.expm(L.square() * 0.1),
                          lambda L: L.m.linalg.matrix_exp(L.square() * 0.1)),
    "linalg.solve_triangular": (
        lambda L: fsl.solve_triangular(L.square(), L.x(3, 2)),
        lambda L: L.m.linalg.solve_triangular(L.square(), L.x(3, 2), upper=True)),
    "index_put": (lambda L: _setitem(L.y(2, 3), 0, L.x(3)),
                  lambda L: L.m.index_put(L.y(2, 3), (L.const(0),), L.x(3))),
    "nn.functional.pad": (lambda L: fnp.pad(L.x(2, 3), ((0, 0), (1, 2))),
                          lambda L: L.m.nn.functional.pad(L.x(2, 3), (1, 2))),
    "special.polygamma": (lambda L: fsp.polygamma(1, L.x(2, 3)),
                          lambda L: L.m.special.polygamma(1, L.x(2, 3))),
    "special.gammainc": (lambda L: fsp.gammainc(L.x(2, 3, low=1, high=2), L.x(2, 3)),
                         lambda L: L.m.special.gammainc(L.x(2, 3, low=1, high=2), L.x(2, 3))),
    "special.gammaincc": (lambda L: fsp.gammaincc(L.x(2, 3, low=1, high=2), L.x(2, 3)),
                          lambda L: L.m.special.gammaincc(L.x(2, 3, low=1, high=2),
                                                          L.x(2, 3))),
}
for _name in ("gammaln", "digamma", "i0", "i0e", "i1", "i1e", "log_ndtr",
              "ndtri", "entr"):        # one argument, the same function in both
    NODE_CALLS[f"special.{_name}"] = (lambda L, f=getattr(fsp, _name): f(L.x(2, 3)),
                                      lambda L, n=_name: getattr(L.m.special, n)(L.x(2, 3)))
for _name in ("xlog1py",):
    NODE_CALLS[f"special.{_name}"] = (
        lambda L, f=getattr(fsp, _name): f(L.x(2, 3), L.x(2, 3)),
        lambda L, n=_name: getattr(L.m.special, n)(L.x(2, 3), L.x(2, 3)))


def _setitem(y, index, value):
    y[index] = value
    return y


FUNCTION_ROWS = [r for r in ROWS if r.function is not None]
METHOD_ROWS = [r for r in ROWS if r.method is not None]
NODE_ROWS = [r for r in ROWS if r.function is None and r.method is None]


def _params(r):
    return pytest.param(r, id=r.names[0])


def _positional(fn):
    """How many positional parameters ``fn`` requires."""
    return len([p for p in inspect.signature(fn).parameters.values() if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])


def call_args(row, L, as_method=False):
    """The example arguments of ``row`` (for its function, or for its method)."""
    name = row.names[0]
    if as_method and row.method is not row.function and name in METHOD_EXAMPLES:
        return METHOD_EXAMPLES[name](L)
    if name in EXAMPLES:
        return EXAMPLES[name](L)
    fn = row.method if as_method else row.function       # a method counts its tensor
    arity = 1 if isinstance(fn, property) else max(_positional(fn), 1)
    return tuple(L.x(2, 3) for _ in range(arity)), {}


def first_tensor(result, tensor_type):
    if isinstance(result, tensor_type):
        return result
    if isinstance(result, (tuple, list)):
        for item in result:
            found = first_tensor(item, tensor_type)
            if found is not None:
                return found
    return None


def grad_fn_name(result, tensor_type):
    t = first_tensor(result, tensor_type)
    return None if t is None or t.grad_fn is None else t.grad_fn.name().split("::")[-1]


def expected(row):
    return EXPECTED.get(row.names[0], row.grad_fn) if callable(row.grad_fn) else row.grad_fn


def run_method(obj, name, args, kwargs):
    attr = getattr(obj, name)
    if not callable(attr) or name == "T":
        return attr
    result = attr(*args, **kwargs)
    return obj if result is None else result       # __setitem__ changes obj


def graph_nodes(t):
    """Every Node in the graph behind tensor ``t``."""
    seen, stack, out = set(), [t.grad_fn], []
    while stack:
        node = stack.pop()
        if isinstance(node, Node) and id(node) not in seen:
            seen.add(id(node))
            out.append(node)
            stack.extend(fn for fn, _ in node.next_functions)
    return out


def check_prims_named(row, result):
    """Each differentiable primitive of ``row`` is recorded under the row's grad_fn name."""
    t = first_tensor(result, ft.Tensor)
    for prim in row.prims:
        if PRIMITIVES[prim].vjp is None:
            continue
        names = {n.name() for n in graph_nodes(t) if n.prim.name == prim}
        assert names, f"{row.names[0]}'s example records no {prim} node"
        assert names == {expected(row)}, (prim, names)


# -- the table against functrace ----------------------------------------------------------

@pytest.mark.parametrize("row", [_params(r) for r in FUNCTION_ROWS])
def test_function_row_runs_on_tensors_with_its_grad_fn(row):
    args, kwargs = call_args(row, Lib(ft))
    result = row.function(*args, **kwargs)
    assert grad_fn_name(result, ft.Tensor) == expected(row)
    check_prims_named(row, result)


@pytest.mark.parametrize("row", [_params(r) for r in METHOD_ROWS])
def test_method_row_runs_on_tensors_with_its_grad_fn(row):
    name = row.names[0]
    if name == "cuda":
        with pytest.raises(RuntimeError, match="CUDA"):
            ft.ones(1).cuda()
        return
    if name == "__array_ufunc__":
        result = np.isnan(Lib(ft).x(2, 3))
        assert isinstance(result, ft.Tensor) and result.grad_fn is None
        return
    if name == "__array_function__":
        assert np.shape(Lib(ft).x(2, 3)) == (2, 3)
        return
    args, kwargs = call_args(row, Lib(ft), as_method=True)
    result = run_method(args[0], name, args[1:], kwargs)
    assert grad_fn_name(result, ft.Tensor) == expected(row)
    check_prims_named(row, result)


@pytest.mark.parametrize("row", [_params(r) for r in ROWS if r.inplace])
def test_in_place_variant_gives_the_rows_grad_fn(row):
    for name in row.names:
        args, kwargs = call_args(row, Lib(ft), as_method=True)
        target = args[0] * 1.0 if args[0].is_floating_point() else args[0].clone()
        result = getattr(target, name + "_")(*args[1:], **kwargs)
        assert result is target
        assert grad_fn_name(result, ft.Tensor) == expected(row), name


@pytest.mark.parametrize("row", [_params(r) for r in NODE_ROWS])
def test_node_row_names_its_primitives_nodes(row):
    (prim,) = row.prims
    result = NODE_CALLS[row.names[0]][0](Lib(ft))
    names = {n.name() for n in graph_nodes(first_tensor(result, ft.Tensor))
             if n.prim.name == prim}
    assert names == {row.grad_fn}


def test_every_primitive_has_a_row_or_a_reason():
    """Every primitive of functrace.primitives (all of them are registered above)."""
    named = {p for r in ROWS for p in r.prims}
    assert not named & set(NO_ROW), sorted(named & set(NO_ROW))
    missing = sorted(set(PRIMITIVES) - named - set(NO_ROW))
    assert not missing, f"primitives with no facade row and no no_row reason: {missing}"
    unknown = sorted((named | set(NO_ROW)) - set(PRIMITIVES))
    assert not unknown, f"rows name primitives that are not registered: {unknown}"
    assert all(reason.strip() for reason in NO_ROW.values())


def test_the_recorder_names_nodes_from_the_table():
    assert TORCH_NAMES == node_names(ROWS)


def test_every_name_is_installed_where_its_row_says():
    for row in ROWS:
        for name in row.names:
            if row.function is not None:
                assert getattr(ft, name) is row.function is getattr(T, name), name
                assert name in T.__all__
            if row.method is not None:
                assert T.Tensor.__dict__[name] is row.method, name
            elif row.function is not None:
                assert T.Tensor.__dict__.get(name) is not row.function, name
            if row.inplace:
                assert callable(T.Tensor.__dict__[name + "_"]), name


def test_functrace_init_lists_exactly_the_facades_names():
    listed = set(ft.__all__[ft._N_BEFORE_FACADE:])
    assert listed == ft._FACADE
    assert listed == set(T.__all__) | set(T.DTYPE_ALIASES)
    assert len(ft.__all__) == len(set(ft.__all__))


def test_unknown_names_raise_without_importing_the_facade_and_facade_names_load():
    code = """if True:
        import sys, functrace as ft
        for probe in (lambda: ft.gard, lambda: ft.__all__, lambda: dir(ft),
                      lambda: hasattr(ft, "tensr")):
            try:
                probe()
            except AttributeError as e:
                assert "gard" in str(e) and e.name == "gard", e
        assert not hasattr(ft, "tensr")
        assert "functrace.tensors" not in sys.modules
        assert "sum" in dir(ft) and "Tensor" in ft.__all__
        import functrace.tensors as T
        for name in ft._FACADE:
            assert getattr(ft, name) is {**vars(T), **T.DTYPE_ALIASES}[name], name
        """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


# -- the table against torch ----------------------------------------------------------------

# functrace's results that differ from torch's on purpose, or that are not done yet
_NO_DERIVATIVE = "functrace: a constant; torch: a node that raises 'not implemented' in backward"
TORCH_DIFFERENT = {
    "floor_divide": _NO_DERIVATIVE, "__floordiv__": _NO_DERIVATIVE,
    "__rfloordiv__": _NO_DERIVATIVE, "__ifloordiv__": _NO_DERIVATIVE,
    "einsum": "functrace records one einsum node; torch, the view of its bmm lowering",
    "__rtruediv__": "functrace records other / x; torch, x.reciprocal() * other",
}
NOT_TORCH_NAMES = {"__array_ufunc__", "__array_function__"}   # numpy's protocols
NOT_TORCH_METHODS = {"rsub"}      # functrace keeps Tensor.rsub; torch has torch.rsub only


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("row", [_params(r) for r in ROWS if r.function or r.method])
def test_row_names_are_torch_names_with_torch_grad_fns(row, torch):
    for name in row.names:
        if name in NOT_TORCH_NAMES:
            continue
        if row.function is not None:
            assert hasattr(torch, name), f"torch.{name}"
        if row.method is not None and name not in NOT_TORCH_METHODS:
            assert hasattr(torch.Tensor, name), f"torch.Tensor.{name}"
        if row.inplace:
            assert hasattr(torch.Tensor, name + "_"), f"torch.Tensor.{name}_"
    name = row.names[0]
    if name in NOT_TORCH_NAMES | {"cuda"} or name in TORCH_DIFFERENT:
        return
    if row.function is not None:
        args, kwargs = call_args(row, Lib(torch))
        theirs = grad_fn_name(getattr(torch, name)(*args, **kwargs), torch.Tensor)
    else:
        args, kwargs = call_args(row, Lib(torch), as_method=True)
        theirs = grad_fn_name(run_method(args[0], name, args[1:], kwargs), torch.Tensor)
    assert theirs == expected(row)


# torch's in-place variants that functrace leaves out, and why
NO_INPLACE = {
    name: "changes the tensor's shape in place (functrace writes results into the buffer)"
    for name in ("squeeze", "unsqueeze", "t", "transpose", "swapaxes", "swapdims")}


def test_every_torch_in_place_variant_of_a_row_exists(torch):
    missing = sorted(n for r in ROWS if r.method is not None and not r.inplace
                     for n in r.names
                     if hasattr(torch.Tensor, n + "_") and not n.startswith("__")
                     and n not in NO_INPLACE)
    assert not missing, f"rows without the in-place variant torch has: {missing}"


@pytest.mark.parametrize("row", [_params(r) for r in NODE_ROWS])
def test_node_rows_grad_fn_is_torchs(row, torch):
    assert grad_fn_name(NODE_CALLS[row.names[0]][1](Lib(torch)), torch.Tensor) == row.grad_fn
