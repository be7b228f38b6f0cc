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

* a function that is also a Tensor method::

      logaddexp = op(_ops.logaddexp, "LogaddexpBackward0", prim="logaddexp")

  ``prim=`` names the primitive the function binds, whose nodes then print as
  torch's (without it a node is called ``<Primitive>Backward0``); a composite
  gives its result torch's name itself with ``relabel`` and states it here.
  More names bound to the same ``op(...)`` are aliases (``abs = absolute =
  op(...)``); ``inplace=True`` adds ``name_`` for each; ``method=False`` keeps it
  off ``Tensor``, ``method=f`` installs another callable (``x.view(2, 3)``).
  Every function and named method gets torch's ``axis=``/``keepdims=`` aliases
  and error types (:func:`._args.torch_function`); dtypes promote as torch's in
  the root handler (:mod:`._promotion`), and ``dim`` arguments are read with
  :func:`._args.dims` / :func:`._args.dim_index`;
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
default ones (float tensors that require grad) do not fit the function. With
torch installed, tests/test_facade_torch_oracle.py runs every row against torch
(values, dtypes, gradients, errors) over the variants of its family in
tests/oracle_cases.py: a row not listed there is run as unary or binary.

Classes, dtypes, factories and random functions (``ft.Tensor``, ``ft.float32``,
``ft.zeros``, ``ft.randn``) are not operations: :mod:`functrace.tensors`
imports them by name.
"""
from __future__ import annotations

from .. import numpy as fnp
from ..numpy._methods import ARRAY_METHODS, _swap
from . import (_compare, _conversions, _factories, _indexing, _inplace, _ops, _products,
               _reduce, _scan, _shape, _sorting)
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
exp2 = op(fnp.exp2, "Exp2Backward0", prim="exp2", inplace=True)
expm1 = op(fnp.expm1, "Expm1Backward0", prim="expm1", inplace=True)
log = op(fnp.log, "LogBackward0", prim="log", inplace=True)
log2 = op(fnp.log2, "Log2Backward0", prim="log2", inplace=True)
log10 = op(fnp.log10, "Log10Backward0", prim="log10", inplace=True)
log1p = op(fnp.log1p, "Log1PBackward0", prim="log1p", inplace=True)
sqrt = op(fnp.sqrt, "SqrtBackward0", prim="sqrt", inplace=True)
square = op(fnp.square, "PowBackward0", prim="square", inplace=True)
reciprocal = op(fnp.reciprocal, "ReciprocalBackward0", prim="reciprocal", inplace=True)
abs = absolute = op(fnp.abs, "AbsBackward0", prim="absolute", inplace=True)
sin = op(fnp.sin, "SinBackward0", prim="sin", inplace=True)
cos = op(fnp.cos, "CosBackward0", prim="cos", inplace=True)
tan = op(fnp.tan, "TanBackward0", prim="tan", inplace=True)
sinh = op(fnp.sinh, "SinhBackward0", prim="sinh", inplace=True)
cosh = op(fnp.cosh, "CoshBackward0", prim="cosh", inplace=True)
tanh = op(fnp.tanh, "TanhBackward0", prim="tanh", inplace=True)
asin = arcsin = op(fnp.arcsin, "AsinBackward0", prim="arcsin", inplace=True)
acos = arccos = op(fnp.arccos, "AcosBackward0", prim="arccos", inplace=True)
atan = arctan = op(fnp.arctan, "AtanBackward0", prim="arctan", inplace=True)
asinh = arcsinh = op(fnp.arcsinh, "AsinhBackward0", prim="arcsinh", inplace=True)
acosh = arccosh = op(fnp.arccosh, "AcoshBackward0", prim="arccosh", inplace=True)
atanh = arctanh = op(fnp.arctanh, "AtanhBackward0", prim="arctanh", inplace=True)
maximum = op(fnp.maximum, "MaximumBackward0", prim="maximum")
minimum = op(fnp.minimum, "MinimumBackward0", prim="minimum")
fmax = op(fnp.fmax, "FmaxBackward0", prim="fmax")
fmin = op(fnp.fmin, "FminBackward0", prim="fmin")
isnan = op(fnp.isnan, prim="isnan")
isinf = op(fnp.isinf, prim="isinf")
isfinite = op(fnp.isfinite, prim="isfinite")
logical_and = op(fnp.logical_and, prim="logical_and", inplace=True)
logical_or = op(fnp.logical_or, prim="logical_or", inplace=True)
logical_xor = op(fnp.logical_xor, prim="logical_xor", inplace=True)
logical_not = op(fnp.logical_not, prim="logical_not", inplace=True)

# -- arithmetic, rounding and activations (functrace.tensors._ops) ------------------------
add = op(_ops.add, "AddBackward0", prim="add", inplace=True)
sub = subtract = op(_ops.sub, "SubBackward0", prim="subtract", inplace=True)
rsub = op(_ops.rsub, "RsubBackward1")
mul = multiply = op(_ops.mul, "MulBackward0", prim="multiply", inplace=True)
div = divide = true_divide = op(_ops.div, "DivBackward0", prim="divide", inplace=True)
floor_divide = op(_ops.floor_divide, inplace=True)
remainder = op(_ops.remainder, "RemainderBackward1", inplace=True)
fmod = op(_ops.fmod, "FmodBackward1", inplace=True)
pow = op(_ops.pow, "PowBackward0", prim="power", inplace=True)
float_power = op(_ops.float_power, "PowBackward0", inplace=True)
neg = negative = op(_ops.neg, "NegBackward0", prim="negative", inplace=True)
sign = op(_ops.sign, "SignBackward0", prim="sign", inplace=True)
sgn = op(_ops.sgn, "SgnBackward0", inplace=True)
floor = op(_ops.floor, "FloorBackward0", prim="floor", inplace=True)
ceil = op(_ops.ceil, "CeilBackward0", prim="ceil", inplace=True)
trunc = fix = op(_ops.trunc, "TruncBackward0", prim="trunc", inplace=True)
round = op(_ops.round, "RoundBackward0", prim="round", inplace=True)
frac = op(_ops.frac, "FracBackward0", inplace=True)
rsqrt = op(_ops.rsqrt, "RsqrtBackward0", inplace=True)
copysign = op(_ops.copysign, "CopysignBackward0", inplace=True)
logaddexp = op(_ops.logaddexp, "LogaddexpBackward0", prim="logaddexp")
logaddexp2 = op(_ops.logaddexp2, "Logaddexp2Backward0")
hypot = op(_ops.hypot, "HypotBackward0", prim="hypot", inplace=True)
atan2 = arctan2 = op(_ops.atan2, "Atan2Backward0", prim="arctan2", inplace=True)
xlogy = op(_ops.xlogy, "XlogyBackward0", prim="xlogy", inplace=True)
nan_to_num = op(_ops.nan_to_num, "NanToNumBackward0", inplace=True)
lerp = op(_ops.lerp, "LerpBackward0", inplace=True)
clamp = clip = op(_ops.clamp, "ClampBackward1", prim="clip", inplace=True)
clamp_min = op(_ops.clamp_min, "ClampMinBackward0", inplace=True)
clamp_max = op(_ops.clamp_max, "ClampMaxBackward0", inplace=True)
sigmoid = op(_ops.sigmoid, "SigmoidBackward0", prim="expit", inplace=True)
relu = op(_ops.relu, "ReluBackward0", prim="relu", inplace=True)
logit = op(_ops.logit, "LogitBackward0", inplace=True)
erf = op(_ops.erf, "ErfBackward0", prim="erf", inplace=True)
erfc = op(_ops.erfc, "ErfcBackward0", prim="erfc", inplace=True)
erfinv = op(_ops.erfinv, "ErfinvBackward0", prim="erfinv", inplace=True)
softmax = op(_ops.softmax, "SoftmaxBackward0")
log_softmax = op(_ops.log_softmax, "LogSoftmaxBackward0")

# -- products (functrace.tensors._products) -----------------------------------------------
matmul = op(_products.matmul, "MmBackward0", prim="matmul")
mm = op(_products.mm, "MmBackward0")
bmm = op(_products.bmm, "BmmBackward0")
mv = op(_products.mv, "MvBackward0")
dot = op(_products.dot, "DotBackward0")
outer = ger = op(_products.outer, "MulBackward0")
inner = op(_products.inner, "ViewBackward0")
einsum = op(_products.einsum, "EinsumBackward0", prim="einsum", method=False)
kron = op(_products.kron, "UnsafeViewBackward0")
cross = op(_products.cross, "LinalgCrossBackward0")
trace = op(_products.trace, "TraceBackward0")

# -- reductions (functrace.tensors._reduce) -----------------------------------------------
sum = op(_reduce.sum, "SumBackward0", prim="reduce_sum")
nansum = op(_reduce.nansum, "NansumBackward0")
mean = op(_reduce.mean, "MeanBackward0", prim="reduce_mean")
nanmean = op(_reduce.nanmean, "DivBackward0")
prod = op(_reduce.prod, "ProdBackward0", prim="reduce_prod")
var = op(_reduce.var, "VarBackward0")
std = op(_reduce.std, "StdBackward0")
var_mean = op(_reduce.var_mean, "VarMeanBackward0", method=False)
std_mean = op(_reduce.std_mean, "StdMeanBackward0", method=False)
max = op(_reduce.max, "MaxBackward1", prim="reduce_max")
min = op(_reduce.min, "MinBackward1", prim="reduce_min")
amax = op(_reduce.amax, "AmaxBackward0")
amin = op(_reduce.amin, "AminBackward0")
aminmax = op(_reduce.aminmax, "AminmaxBackward0")
argmax = op(_reduce.argmax, prim="argmax")
argmin = op(_reduce.argmin, prim="argmin")
logsumexp = op(_reduce.logsumexp, "LogsumexpBackward0", prim="logsumexp")
norm = op(_reduce.norm, "LinalgVectorNormBackward0")
dist = op(_reduce.dist, "DistBackward0")
renorm = op(_reduce.renorm, "RenormBackward0", inplace=True)
all = op(_reduce.all)
any = op(_reduce.any)
count_nonzero = op(_reduce.count_nonzero)

# -- scans (functrace.tensors._scan) and order statistics (._sorting) ---------------------
cumsum = op(_scan.cumsum, "CumsumBackward0", prim="cumsum", inplace=True)
cumprod = op(_scan.cumprod, "CumprodBackward0", prim="cumprod", inplace=True)
cummax = op(_scan.cummax, "CummaxBackward0")
cummin = op(_scan.cummin, "CumminBackward0")
logcumsumexp = op(_scan.logcumsumexp, "LogcumsumexpBackward0", prim="logcumsumexp")
diff = op(_scan.diff, "SubBackward0")
sort = op(_sorting.sort, "SortBackward0")
argsort = op(_sorting.argsort, prim="argsort")
msort = op(_sorting.msort, "SortBackward0")
topk = op(_sorting.topk, "TopkBackward0")
kthvalue = op(_sorting.kthvalue, "KthvalueBackward0")
median = op(_sorting.median, "MedianBackward0")
nanmedian = op(_sorting.nanmedian, "NanmedianBackward0")
quantile = op(_sorting.quantile, "SqueezeBackward4")

# -- comparisons and tests: constant results (functrace.tensors._compare) -----------------
eq = op(_compare.eq, prim="equal", inplace=True)
ne = not_equal = op(_compare.ne, prim="not_equal", inplace=True)
lt = less = op(_compare.lt, prim="less", inplace=True)
le = less_equal = op(_compare.le, prim="less_equal", inplace=True)
gt = greater = op(_compare.gt, prim="greater", inplace=True)
ge = greater_equal = op(_compare.ge, prim="greater_equal", inplace=True)
isclose = op(_compare.isclose)
allclose = op(_compare.allclose)
equal = op(_compare.equal)
nonzero = op(_compare.nonzero)
isposinf = op(_compare.isposinf)
isneginf = op(_compare.isneginf)
signbit = op(_compare.signbit)
bitwise_and = op(_compare.bitwise_and, inplace=True)
bitwise_or = op(_compare.bitwise_or, inplace=True)
bitwise_xor = op(_compare.bitwise_xor, inplace=True)
bitwise_not = op(_compare.bitwise_not, inplace=True)
numel = op(_compare.numel, method=False)
is_tensor = op(_compare.is_tensor, method=False)

# -- shapes (functrace.tensors._shape) ------------------------------------------------------
cat = concat = concatenate = op(_shape.cat, "CatBackward0", prim="concatenate", method=False)
stack = op(_shape.stack, "StackBackward0", method=False)
hstack = op(_shape.hstack, "CatBackward0", method=False)
vstack = op(_shape.vstack, "CatBackward0", method=False)
reshape = op(_shape.reshape, "ViewBackward0", prim="reshape", method=_shape.reshape_method)
permute = op(_shape.permute, "PermuteBackward0", prim="transpose",
             method=_shape.permute_method)
movedim = moveaxis = op(_shape.movedim, "PermuteBackward0")
flip = op(_shape.flip, "FlipBackward0", prim="flip", method=_shape.flip_method)
tile = op(_shape.tile, "RepeatBackward0", method=_shape.tile_method)
broadcast_to = op(_shape.broadcast_to, "ExpandBackward0", prim="broadcast_to")
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
where = op(_shape.where, "WhereBackward0", prim="where", method=_shape.where_method)
tril = op(_shape.tril, "TrilBackward0", inplace=True)
triu = op(_shape.triu, "TriuBackward0", inplace=True)
diag = op(_shape.diag, "DiagEmbedBackward0", prim="embed_diagonal")
diagonal = op(_shape.diagonal, "DiagonalBackward0", prim="diagonal")
clone = op(_shape.clone, "CloneBackward0")
roll = op(_shape.roll, "RollBackward0")
repeat_interleave = op(_shape.repeat_interleave, "ViewBackward0")

# -- indexing (functrace.tensors._indexing) -------------------------------------------------
gather = op(_indexing.gather, "GatherBackward0")
take_along_dim = op(_indexing.take_along_dim, "GatherBackward0")
take = op(_indexing.take, "TakeBackward0")
index_select = op(_indexing.index_select, "IndexSelectBackward0")
scatter = op(_indexing.scatter, "ScatterBackward0", inplace=True)
scatter_add = op(_indexing.scatter_add, "ScatterAddBackward0", inplace=True)
index_add = op(_indexing.index_add, "IndexAddBackward0", inplace=True)
index_copy = op(_indexing.index_copy, "IndexCopyBackward0", inplace=True)
index_fill = op(_indexing.index_fill, "IndexFillBackward0", inplace=True)
masked_fill = op(_indexing.masked_fill, "MaskedFillBackward0", inplace=True)
masked_select = op(_indexing.masked_select, "MaskedSelectBackward0")

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
method("__matmul__", _products.matmul, "MmBackward0")
method("__rmatmul__", _swap(_products.matmul), "MmBackward0")
method("__neg__", ARRAY_METHODS["__neg__"], "NegBackward0")
method("__pos__", _ops.pos)
method("__abs__", ARRAY_METHODS["__abs__"], "AbsBackward0")
method("__lt__", ARRAY_METHODS["__lt__"])
method("__le__", ARRAY_METHODS["__le__"])
method("__gt__", ARRAY_METHODS["__gt__"])
method("__ge__", ARRAY_METHODS["__ge__"])
method("__eq__", ARRAY_METHODS["__eq__"])
method("__ne__", ARRAY_METHODS["__ne__"])
method("__and__", _compare.bitwise_and)
method("__or__", _compare.bitwise_or)
method("__xor__", _compare.bitwise_xor)
method("__invert__", _compare.bitwise_not)
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
method("unfold", _indexing.unfold, "UnfoldBackward0")
method("new_tensor", _factories.new_tensor)
method("new_full", _factories.new_full)
method("new_zeros", _factories.new_zeros)
method("new_empty", _factories.new_empty)
method("new_ones", _factories.new_ones)
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
node("index_put", "scatter_add", "IndexPutBackward0")
node("nn.functional.pad", "pad", "ConstantPadNdBackward0")
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
for _prim in ("real", "imag", "conj", "fft", "rfft", "irfft"):
    no_row(_prim, "complex Tensors are not part of the facade yet (torch.real/imag are views, "
                  "torch.conj a lazy bit): functrace.numpy's real/imag/conj/fft bind it")
for _prim in ("reduce_all", "reduce_any"):
    no_row(_prim, f"ft.{_prim[7:]} computes on the data (a constant) without a primitive")
no_row("stop_gradient", "Tensor.detach() makes its constant without a primitive")
for _prim in ("zeros_like", "ones_like", "full_like"):
    no_row(_prim, f"ft.{_prim} builds its tensor itself; the primitive is functrace.numpy's")

name_rows(globals())
