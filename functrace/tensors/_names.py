"""The facade's names: ONE table of its operations under their torch names.

Each row says, for one operation: its torch names, the function, whether it is
also a Tensor method (and with which callable), whether it has an in-place
variant ``name_``, the ``grad_fn`` name of its result and the primitives whose
nodes carry that name. :mod:`functrace.tensors` derives from the rows
``ft.<name>`` (and ``functrace.tensors.__all__``), every Tensor method and
in-place variant, and the names of the graph's nodes
(:data:`functrace.tensors._graph.TORCH_NAMES`). The row types and those
derivations are in :mod:`._table`.

Adding a torch operation is one row (and its function, if it is new):

* a function that is also a Tensor method (here replacing the ``node()`` row
  below that names ``logaddexp``'s nodes today)::

      logaddexp = op(fnp.logaddexp, "LogaddexpBackward0", prim="logaddexp")

  ``prim=`` names the primitive the function binds, whose nodes then print as
  torch's (without it a node is called ``<Primitive>Backward0``); a composite
  gives its result torch's name itself with ``relabel`` and states it here.
  More names bound to the same ``op(...)`` are aliases (``abs = absolute =
  op(...)``); ``inplace=True`` adds ``name_`` for each; ``method=False`` keeps it
  off ``Tensor``, ``method=f`` installs another callable (``x.view(2, 3)``);
* a Tensor-only method (operators, ``view``, ``to``, ``zero_``)::

      method("view", _shape.view, "ViewBackward0")

* a primitive that Tensors reach only through ``functrace.numpy`` (or ``nn``), so
  that its nodes still print as torch's: ``node("linalg.inv", "inv",
  "LinalgInvExBackward0")``; one that needs no row at all:
  ``no_row("cofactor", "why")``.

Then list a new ``ft.<name>`` in ``functrace/__init__.py``'s ``__all__`` (it
loads the facade only for the names listed there). tests/test_facade_names.py
checks every row: each function runs on Tensors and gives the stated
``grad_fn``; each registered primitive has a row or a ``no_row``; the names
in ``functrace/__init__.py`` match. Its ``EXAMPLES`` give the arguments when the
default ones (float tensors that require grad) do not fit the function.

Classes, dtypes, factories and random functions (``ft.Tensor``, ``ft.float32``,
``ft.zeros``, ``ft.randn``) are not operations: :mod:`functrace.tensors`
imports them by name.
"""
from __future__ import annotations

from .. import numpy as fnp
from ..numpy._methods import ARRAY_METHODS, _swap
from . import _conversions, _inplace, _ops, _shape
from ._factories import bool_, float16, float32, float64, int32, int64
from ._protocols import array_function, array_ufunc
from ._table import method, name_rows, no_row, node, op


def _getitem_name(params: dict) -> str:
    """PyTorch names indexing after the last view op it applies (``x[1:3, 0]`` selects)."""
    for i in reversed(params["idx"]):
        if type(i) is int:
            return "SelectBackward0"
        if type(i) is slice and i != slice(None):
            return "SliceBackward0"
        if i is None:
            return "UnsqueezeBackward0"
        if i is not Ellipsis and type(i) is not slice:
            return "IndexBackward0"
    return "AliasBackward0"


# -- pointwise: one primitive each --------------------------------------------------------
exp = op(fnp.exp, "ExpBackward0", prim="exp", inplace=True)
exp2 = op(fnp.exp2, "Exp2Backward0", prim="exp2")
expm1 = op(fnp.expm1, "Expm1Backward0", prim="expm1")
log = op(fnp.log, "LogBackward0", prim="log", inplace=True)
log2 = op(fnp.log2, "Log2Backward0", prim="log2")
log10 = op(fnp.log10, "Log10Backward0", prim="log10")
log1p = op(fnp.log1p, "Log1PBackward0", prim="log1p")
sqrt = op(fnp.sqrt, "SqrtBackward0", prim="sqrt", inplace=True)
square = op(fnp.square, "PowBackward0", prim="square", inplace=True)
reciprocal = op(fnp.reciprocal, "ReciprocalBackward0", prim="reciprocal", inplace=True)
abs = absolute = op(fnp.abs, "AbsBackward0", prim="absolute", inplace=True)
sign = sgn = op(fnp.sign, prim="sign", inplace=True)
sin = op(fnp.sin, "SinBackward0", prim="sin", inplace=True)
cos = op(fnp.cos, "CosBackward0", prim="cos", inplace=True)
tan = op(fnp.tan, "TanBackward0", prim="tan")
sinh = op(fnp.sinh, "SinhBackward0", prim="sinh")
cosh = op(fnp.cosh, "CoshBackward0", prim="cosh")
tanh = op(fnp.tanh, "TanhBackward0", prim="tanh", inplace=True)
asin = arcsin = op(fnp.arcsin, "AsinBackward0", prim="arcsin")
acos = arccos = op(fnp.arccos, "AcosBackward0", prim="arccos")
atan = arctan = op(fnp.arctan, "AtanBackward0", prim="arctan")
atan2 = arctan2 = op(fnp.arctan2, "Atan2Backward0", prim="arctan2")
asinh = op(fnp.arcsinh, "AsinhBackward0", prim="arcsinh")
acosh = op(fnp.arccosh, "AcoshBackward0", prim="arccosh")
atanh = op(fnp.arctanh, "AtanhBackward0", prim="arctanh")
floor = op(fnp.floor, prim="floor", inplace=True)
ceil = op(fnp.ceil, prim="ceil", inplace=True)
trunc = op(fnp.trunc, prim="trunc")
round = op(_ops.round, prim="round", inplace=True)
maximum = op(fnp.maximum, "MaximumBackward0", prim="maximum")
minimum = op(fnp.minimum, "MinimumBackward0", prim="minimum")
fmax = op(fnp.fmax, "FmaxBackward0", prim="fmax")
fmin = op(fnp.fmin, "FminBackward0", prim="fmin")
hypot = op(fnp.hypot, "HypotBackward0", prim="hypot")
isnan = op(fnp.isnan, prim="isnan")
isinf = op(fnp.isinf, prim="isinf")
isfinite = op(fnp.isfinite, prim="isfinite")
logical_and = op(fnp.logical_and, prim="logical_and")
logical_or = op(fnp.logical_or, prim="logical_or")
logical_xor = op(fnp.logical_xor, prim="logical_xor")
logical_not = op(fnp.logical_not, prim="logical_not")

# -- arithmetic and activations (functrace.tensors._ops) ----------------------------------
add = op(_ops.add, "AddBackward0", prim="add", inplace=True)
sub = subtract = op(_ops.sub, "SubBackward0", prim="subtract", inplace=True)
rsub = op(_ops.rsub, "RsubBackward1")
mul = multiply = op(_ops.mul, "MulBackward0", prim="multiply", inplace=True)
div = divide = true_divide = op(_ops.div, "DivBackward0", prim="divide", inplace=True)
floor_divide = op(_ops.floor_divide)
remainder = op(_ops.remainder, "RemainderBackward1")
fmod = op(_ops.fmod, "FmodBackward1")
pow = op(_ops.pow, "PowBackward0", prim="power", inplace=True)
neg = negative = op(_ops.neg, "NegBackward0", prim="negative", inplace=True)
rsqrt = op(_ops.rsqrt, "RsqrtBackward0")
frac = op(_ops.frac, "FracBackward0")
lerp = op(_ops.lerp, "LerpBackward0", inplace=True)
clamp = clip = op(_ops.clamp, "ClampBackward1", prim="clip", inplace=True)
clamp_min = op(_ops.clamp_min, "ClampMinBackward0")
clamp_max = op(_ops.clamp_max, "ClampMaxBackward0")
sigmoid = op(_ops.sigmoid, "SigmoidBackward0", prim="expit", inplace=True)
relu = op(_ops.relu, "ReluBackward0", prim="relu", inplace=True)
logit = op(_ops.logit, "LogitBackward0")
erf = op(_ops.erf, "ErfBackward0", prim="erf")
softmax = op(_ops.softmax, "SoftmaxBackward0")
log_softmax = op(_ops.log_softmax, "LogSoftmaxBackward0")
logsumexp = op(_ops.logsumexp, "LogsumexpBackward0", prim="logsumexp")

# -- products ------------------------------------------------------------------------------
matmul = op(_ops.matmul, "MmBackward0", prim="matmul")
mm = op(_ops.mm, "MmBackward0")
bmm = op(_ops.bmm, "BmmBackward0")
mv = op(_ops.mv, "MvBackward0")
dot = op(_ops.dot, "DotBackward0")
outer = op(_ops.outer, "MulBackward0")
einsum = op(_ops.einsum, "EinsumBackward0", prim="einsum", method=False)

# -- reductions ----------------------------------------------------------------------------
sum = op(_ops.sum, "SumBackward0", prim="reduce_sum")
mean = op(_ops.mean, "MeanBackward0")
prod = op(_ops.prod, "ProdBackward0", prim="reduce_prod")
var = op(_ops.var, "VarBackward0")
std = op(_ops.std, "StdBackward0")
max = op(_ops.max, "MaxBackward1", prim="reduce_max")
min = op(_ops.min, "MinBackward1", prim="reduce_min")
amax = op(_ops.amax, "AmaxBackward0")
amin = op(_ops.amin, "AminBackward0")
argmax = op(_ops.argmax, prim="argmax")
argmin = op(_ops.argmin, prim="argmin")
cumsum = op(_ops.cumsum, "CumsumBackward0", prim="cumsum")
cumprod = op(_ops.cumprod, "CumprodBackward0", prim="cumprod")
norm = op(_ops.norm, "LinalgVectorNormBackward0")
dist = op(_ops.dist, "DistBackward0")
trace = op(_ops.trace, "TraceBackward0")

# -- comparisons and tests: constant results -----------------------------------------------
eq = op(_ops.eq, prim="equal")
ne = not_equal = op(_ops.ne, prim="not_equal")
lt = less = op(_ops.lt, prim="less")
le = less_equal = op(_ops.le, prim="less_equal")
gt = greater = op(_ops.gt, prim="greater")
ge = greater_equal = op(_ops.ge, prim="greater_equal")
all = op(_ops.all)
any = op(_ops.any)
count_nonzero = op(_ops.count_nonzero)
nonzero = op(_ops.nonzero)
isclose = op(_ops.isclose)
allclose = op(_ops.allclose)
equal = op(_ops.equal)
sort = op(_ops.sort, "SortBackward0")
argsort = op(_ops.argsort, prim="argsort")
topk = op(_ops.topk, "TopkBackward0")
numel = op(_ops.numel, method=False)
is_tensor = op(_ops.is_tensor, method=False)

# -- shapes and indexing (functrace.tensors._shape) ----------------------------------------
cat = concat = concatenate = op(_shape.cat, "CatBackward0", prim="concatenate", method=False)
stack = op(_shape.stack, "StackBackward0", method=False)
hstack = op(_shape.hstack, "CatBackward0", method=False)
vstack = op(_shape.vstack, "CatBackward0", method=False)
reshape = op(_shape.reshape, "ViewBackward0", prim="reshape", method=_shape.reshape_method)
permute = op(_shape.permute, "PermuteBackward0", prim="transpose",
             method=_shape.permute_method)
flip = op(_shape.flip, "FlipBackward0", prim="flip", method=_shape.flip_method)
tile = op(_shape.tile, "RepeatBackward0", method=_shape.tile_method)
broadcast_to = op(_shape.broadcast_to, "ExpandBackward0", prim="broadcast_to", method=False)
flatten = op(_shape.flatten, "ViewBackward0")
unflatten = op(_shape.unflatten, "ViewBackward0")
unsqueeze = op(_shape.unsqueeze, "UnsqueezeBackward0")
squeeze = op(_shape.squeeze, "SqueezeBackward0")
transpose = swapaxes = swapdims = op(_shape.transpose, "TransposeBackward0")
t = op(_shape.t, "TBackward0")
narrow = op(_shape.narrow, "SliceBackward0")
select = op(_shape.select, "SelectBackward0")
split = op(_shape.split, "SplitBackward0")
chunk = op(_shape.chunk, "SplitBackward0")
unbind = op(_shape.unbind, "UnbindBackward0")
gather = op(_shape.gather, "GatherBackward0")
index_select = op(_shape.index_select, "IndexSelectBackward0")
masked_fill = op(_shape.masked_fill, "MaskedFillBackward0", inplace=True)
masked_select = op(_shape.masked_select, "MaskedSelectBackward0")
where = op(_shape.where, "WhereBackward0", prim="where", method=_shape.where_method)
tril = op(_shape.tril, "TrilBackward0")
triu = op(_shape.triu, "TriuBackward0")
diag = op(_shape.diag, "DiagEmbedBackward0", prim="embed_diagonal")
diagonal = op(_shape.diagonal, "DiagonalBackward0", prim="diagonal")
clone = op(_shape.clone, "CloneBackward0")
roll = op(_shape.roll, "RollBackward0")
repeat_interleave = op(_shape.repeat_interleave, "ViewBackward0")

# -- Tensor-only methods: operators --------------------------------------------------------
method("__add__", ARRAY_METHODS["__add__"], "AddBackward0")
method("__radd__", ARRAY_METHODS["__radd__"], "AddBackward0")
method("__sub__", ARRAY_METHODS["__sub__"], "SubBackward0")
method("__rsub__", _ops.rsub, "RsubBackward1")
method("__mul__", ARRAY_METHODS["__mul__"], "MulBackward0")
method("__rmul__", ARRAY_METHODS["__rmul__"], "MulBackward0")
method("__truediv__", ARRAY_METHODS["__truediv__"], "DivBackward0")
method("__rtruediv__", ARRAY_METHODS["__rtruediv__"], "DivBackward0")
method("__floordiv__", _ops.floor_divide)
method("__rfloordiv__", _swap(_ops.floor_divide))
method("__mod__", _ops.remainder, "RemainderBackward1")
method("__rmod__", _swap(_ops.remainder), "RemainderBackward1")
method("__pow__", _ops.pow, "PowBackward0")
method("__rpow__", _ops.rpow, "PowBackward2")
method("__matmul__", ARRAY_METHODS["__matmul__"], "MmBackward0")
method("__rmatmul__", ARRAY_METHODS["__rmatmul__"], "MmBackward0")
method("__neg__", ARRAY_METHODS["__neg__"], "NegBackward0")
method("__pos__", ARRAY_METHODS["__pos__"])
method("__abs__", ARRAY_METHODS["__abs__"], "AbsBackward0")
method("__lt__", ARRAY_METHODS["__lt__"])
method("__le__", ARRAY_METHODS["__le__"])
method("__gt__", ARRAY_METHODS["__gt__"])
method("__ge__", ARRAY_METHODS["__ge__"])
method("__eq__", ARRAY_METHODS["__eq__"])
method("__ne__", ARRAY_METHODS["__ne__"])
method("__and__", _ops.bitwise_and)
method("__or__", _ops.bitwise_or)
method("__xor__", _ops.bitwise_xor)
method("__invert__", _ops.bitwise_not)
method("__getitem__", ARRAY_METHODS["__getitem__"], _getitem_name, prim="getitem")
method("T", ARRAY_METHODS["T"], "PermuteBackward0")
method("__array_ufunc__", array_ufunc)
method("__array_function__", array_function)

# -- Tensor-only methods: shapes and conversions -------------------------------------------
method("view", _shape.view, "ViewBackward0")
method("view_as", _shape.view_as, "ViewBackward0")
method("reshape_as", _shape.reshape_as, "ViewBackward0")
method("expand", _shape.expand, "ExpandBackward0")
method("expand_as", _shape.expand_as, "ExpandBackward0")
method("repeat", _shape.repeat, "RepeatBackward0")
method("to", _conversions.to, "ToCopyBackward0", prim=("astype", "astype_nonfloat"))
method("type", _conversions.type_, "ToCopyBackward0")
method("float", _conversions.cast(float32), "ToCopyBackward0")
method("double", _conversions.cast(float64), "ToCopyBackward0")
method("half", _conversions.cast(float16), "ToCopyBackward0")
method("long", _conversions.cast(int64))
method("int", _conversions.cast(int32))
method("bool", _conversions.cast(bool_))
method("contiguous", _conversions.contiguous)
method("cpu", _conversions.cpu)
method("cuda", _conversions.cuda)

# -- Tensor-only methods: in place ---------------------------------------------------------
method("__iadd__", _inplace.inplace_of(_ops.add, "__iadd__"), "AddBackward0")
method("__isub__", _inplace.inplace_of(_ops.sub, "__isub__"), "SubBackward0")
method("__imul__", _inplace.inplace_of(_ops.mul, "__imul__"), "MulBackward0")
method("__itruediv__", _inplace.inplace_of(_ops.div, "__itruediv__"), "DivBackward0")
method("__ipow__", _inplace.inplace_of(_ops.pow, "__ipow__"), "PowBackward0")
method("__ifloordiv__", _inplace.inplace_of(_ops.floor_divide, "__ifloordiv__"))
method("__setitem__", _inplace.setitem, "CopySlices")
method("zero_", _inplace.zero_, "ZeroBackward0")
method("fill_", _inplace.fill_, "FillBackward2")
method("copy_", _inplace.copy_, "CopyBackwards")
method("uniform_", _inplace.uniform_)
method("normal_", _inplace.normal_)
method("bernoulli_", _inplace.bernoulli_)

# -- primitives that Tensors reach through functrace.numpy, nn or scipy only --------------
node("linalg.inv", "inv", "LinalgInvExBackward0")
node("linalg.det", "det", "LinalgDetBackward0")
node("linalg.slogdet", "slogdet", "LinalgSlogdetBackward0")
node("linalg.solve", "solve", "LinalgSolveExBackward0")
node("linalg.cholesky", "cholesky", "LinalgCholeskyExBackward0")
node("linalg.eigh", "eigh", "LinalgEighBackward0")
node("linalg.eigvalsh", "eigvalsh", "LinalgEighBackward0")
node("linalg.eig", "eig", "LinalgEigBackward0")
node("linalg.eigvals", "eigvals", "LinalgEigBackward0")
node("linalg.svd", "svd", "LinalgSvdBackward0")
node("linalg.svdvals", "svdvals", "LinalgSvdBackward0")
node("linalg.qr", "qr", "LinalgQrBackward0")
node("linalg.lu_factor", "lu", "LinalgLuFactorExBackward0")
node("linalg.matrix_exp", "expm", "LinalgMatrixExpBackward0")
node("linalg.solve_triangular", "solve_triangular", "LinalgSolveTriangularBackward0")
node("logaddexp", "logaddexp", "LogaddexpBackward0")
node("index_put", "scatter_add", "IndexPutBackward0")
node("nn.functional.pad", "pad", "ConstantPadNdBackward0")
node("special.erfc", "erfc", "ErfcBackward0")
node("special.erfinv", "erfinv", "ErfinvBackward0")
node("special.gammaln", "gammaln", "LgammaBackward0")
node("special.digamma", "digamma", "DigammaBackward0")
node("special.polygamma", "polygamma", "PolygammaBackward0")
node("special.gammainc", "gammainc", "IgammaBackward0")
node("special.gammaincc", "gammaincc", "IgammacBackward0")
node("special.i0", "i0", "I0Backward0")
node("special.i0e", "i0e", "SpecialI0EBackward0")
node("special.i1", "i1", "SpecialI1Backward0")
node("special.i1e", "i1e", "SpecialI1EBackward0")
node("special.log_ndtr", "log_ndtr", "SpecialLogNdtrBackward0")
node("special.ndtri", "ndtri", "SpecialNdtriBackward0")
node("special.xlogy", "xlogy", "XlogyBackward0")
node("special.xlog1py", "xlog1py", "SpecialXlog1PyBackward0")
node("special.entr", "entr", "SpecialEntrBackward0")

# -- primitives without a row (their nodes are called <Primitive>Backward0) ---------------
_NOT_IN_TORCH = "torch has no such function"
for _prim in ("cbrt", "gamma", "rgamma", "beta", "betaln", "betainc", "erfcinv", "rel_entr",
              "jv", "yv", "iv", "ive", "sqrtm", "solve_sylvester", "odeint", "convolve_nd"):
    no_row(_prim, _NOT_IN_TORCH)
for _prim in ("j0", "j1", "y0", "y1"):
    no_row(_prim, "torch.special.bessel_* have no derivative in torch (constant results)")
no_row("ndtr", "torch.special.ndtr is a composite in torch (its node is MulBackward1)")
for _prim in ("isclose", "searchsorted", "signbit", "frexp_exponent", "nextafter"):
    no_row(_prim, "a constant result of functrace.numpy: no gradient, so no node in torch")
no_row("rint", "torch has no rint: torch.round is numpy's rint, and ft.round binds round")
for _prim in ("cofactor", "betainc_da", "betainc_db", "gammainc_da"):
    no_row(_prim, "a step inside another primitive's derivative, not an operation")
for _prim in ("conv", "conv_transpose", "window_sum", "window_argmax", "window_sum_transpose"):
    no_row(_prim, "inside functrace.nn.functional's convolutions and pooling, whose results "
                  "carry torch's node names (ConvolutionBackward0, MaxPool2DBackward0, ...)")
no_row("pinv", "torch.linalg.pinv is a composite (of svd and products): no node of its own")
no_row("orthogonal_complement", "the extra columns of svd/qr with full matrices, a step "
                                "inside linalg.svd and linalg.qr")
no_row("lu_pivots", "the pivots of linalg.lu_factor: integers, a constant")
no_row("lu_permutation", "the permutation of linalg.lu_factor's pivots: a constant")
no_row("stop_gradient", "Tensor.detach() makes its constant without a primitive")
for _prim in ("zeros_like", "ones_like", "full_like"):
    no_row(_prim, f"ft.{_prim} builds its tensor itself; the primitive is functrace.numpy's")
for _prim in ("reduce_all", "reduce_any"):
    no_row(_prim, f"ft.{_prim[7:]} computes on the data (a constant) without a primitive")

name_rows(globals())
