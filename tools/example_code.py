"""Example code for the nn, scipy.special and numpy tables of tools/docstring_examples.py."""
from __future__ import annotations

from numpy_example_code import NUMPY_MORE

X = "ft.tensor([-1.0, 0.5, 2.0])"
P = "ft.tensor([0.2, 0.7])"            # probabilities
T = "ft.tensor([0.0, 1.0])"            # binary targets
LOGITS = "ft.tensor([[2.0, 0.5, -1.0]])"
ACTIVATIONS = ["ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU",
               "Mish", "Hardsigmoid", "Hardswish", "Softplus", "PReLU", "Sigmoid", "Tanh",
               "LogSigmoid", "Softsign", "Tanhshrink", "Identity"]
SOFTMAXES = ["Softmax", "LogSoftmax", "Softmin"]
REGRESSION_LOSSES = ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"]
POOLS = {"MaxPool1d": 1, "MaxPool2d": 2, "MaxPool3d": 3, "AvgPool1d": 1, "AvgPool2d": 2,
         "AvgPool3d": 3}


def _shape(dims: int, channels: int = 2, size: int = 4) -> str:
    return ", ".join(["1", str(channels)] + [str(size)] * dims)


CODE: dict[str, list[str]] = {
    **{n: [f"ft.nn.{n}()({X})"] for n in ACTIVATIONS},
    **{n: [f"ft.nn.{n}(dim=1)({LOGITS})"] for n in SOFTMAXES},
    **{n: [f"ft.nn.{n}()({P}, {T})"] for n in REGRESSION_LOSSES},
    **{n: [f"ft.nn.{n}(2)(ft.ones({_shape(d)})).shape"] for n, d in POOLS.items()},
    **{f"AdaptiveAvgPool{d}d": [f"ft.nn.AdaptiveAvgPool{d}d(1)(ft.ones({_shape(d)})).shape"]
       for d in (1, 2, 3)},
    **{f"Conv{d}d": [f"ft.nn.Conv{d}d(2, 3, kernel_size=3)(ft.ones({_shape(d, 2, 5)})).shape"]
       for d in (1, 2, 3)},
    **{f"ConvTranspose{d}d": [f"ft.nn.ConvTranspose{d}d(2, 3, kernel_size=3)"
                              f"(ft.ones({_shape(d, 2, 5)})).shape"] for d in (1, 2, 3)},
    **{f"BatchNorm{d}d": [f"bn = ft.nn.BatchNorm{d}d(2)",
                          f"y = bn(ft.randn({_shape(max(d - 1, 0) + 1, 2, 3)}) + 5.0)",
                          "y.shape, bool(abs(y.mean().detach()) < 1e-5)"] for d in (1, 2, 3)},
    **{f"Dropout{s}": [f"m = ft.nn.Dropout{s}(0.5).eval()",
                       f"x = ft.ones({_shape(int(s[0]) if s else 1, 2, 3)})",
                       "bool((m(x) == x).all())"] for s in ("", "1d", "2d", "3d")},
    "Module": ["class Affine(ft.nn.Module):\n"
               "    def __init__(self):\n"
               "        super().__init__()\n"
               "        self.w = ft.nn.Parameter(ft.tensor([2.0]))\n"
               "    def forward(self, x):\n"
               "        return self.w * x",
               "Affine()(ft.tensor([1.0, 3.0]))"],
    "Parameter": ["p = ft.nn.Parameter(ft.zeros(2))", "p.requires_grad, p.shape"],
    "Sequential": ["net = ft.nn.Sequential(ft.nn.Linear(3, 4), ft.nn.ReLU(), ft.nn.Linear(4, 1))",
                   "net(ft.ones(5, 3)).shape"],
    "ModuleList": ["layers = ft.nn.ModuleList([ft.nn.Linear(2, 2) for _ in range(3)])",
                   "len(layers), len(list(layers.parameters()))"],
    "ModuleDict": ["heads = ft.nn.ModuleDict({'a': ft.nn.Linear(2, 1), 'b': ft.nn.Linear(2, 3)})",
                   "sorted(heads.keys()), heads['b'](ft.ones(1, 2)).shape"],
    "ParameterList": ["ps = ft.nn.ParameterList([ft.nn.Parameter(ft.ones(2)) for _ in range(2)])",
                      "len(ps), sum(p.numel() for p in ps)"],
    "ParameterDict": ["pd = ft.nn.ParameterDict({'scale': ft.nn.Parameter(ft.ones(3))})",
                      "pd['scale'].shape"],
    "Linear": ["ft.nn.Linear(3, 2)(ft.ones(4, 3)).shape"],
    "Flatten": ["ft.nn.Flatten()(ft.ones(2, 3, 4)).shape"],
    "Unflatten": ["ft.nn.Unflatten(1, (3, 4))(ft.ones(2, 12)).shape"],
    "Embedding": ["emb = ft.nn.Embedding(10, 3)", "emb(ft.tensor([[1, 2], [4, 9]])).shape"],
    "LayerNorm": ["y = ft.nn.LayerNorm(4)(ft.tensor([[1.0, 2.0, 3.0, 4.0]]))",
                  "y.detach().numpy().round(4)"],
    "GroupNorm": ["ft.nn.GroupNorm(2, 4)(ft.randn(3, 4, 5)).shape"],
    "RMSNorm": ["ft.nn.RMSNorm(2)(ft.tensor([[3.0, 4.0]])).detach().numpy().round(4)"],
    "RNN": ["out, h = ft.nn.RNN(3, 4)(ft.ones(5, 2, 3))", "out.shape, h.shape"],
    "GRU": ["out, h = ft.nn.GRU(3, 4, batch_first=True)(ft.ones(2, 5, 3))", "out.shape, h.shape"],
    "LSTM": ["out, (h, c) = ft.nn.LSTM(3, 4)(ft.ones(5, 2, 3))", "out.shape, h.shape, c.shape"],
    "RNNCell": ["ft.nn.RNNCell(3, 4)(ft.ones(2, 3)).shape"],
    "GRUCell": ["ft.nn.GRUCell(3, 4)(ft.ones(2, 3)).shape"],
    "LSTMCell": ["h, c = ft.nn.LSTMCell(3, 4)(ft.ones(2, 3))", "h.shape, c.shape"],
    "NLLLoss": [f"ft.nn.NLLLoss()(ft.log_softmax({LOGITS}, dim=1), ft.tensor([0]))"],
    "CrossEntropyLoss": [f"ft.nn.CrossEntropyLoss()({LOGITS}, ft.tensor([0]))"],
    "BCELoss": [f"ft.nn.BCELoss()({P}, {T})"],
    "BCEWithLogitsLoss": [f"ft.nn.BCEWithLogitsLoss()({X}[:2], {T})"],
    "KLDivLoss": [f"ft.nn.KLDivLoss(reduction='batchmean')(ft.log({P}), ft.tensor([0.5, 0.5]))"],
    "CosineEmbeddingLoss": ["ft.nn.CosineEmbeddingLoss()(ft.tensor([[1.0, 0.0]]), "
                            "ft.tensor([[0.0, 1.0]]), ft.tensor([1.0]))"],
}

F = "ft.nn.functional"
CODE.update({
    f"functional.{n}": [f"{F}.{n}({X})"] for n in
    ["sigmoid", "tanh", "relu", "relu6", "hardtanh", "leaky_relu", "elu", "selu", "celu", "gelu",
     "silu", "mish", "hardsigmoid", "hardswish", "softplus", "logsigmoid", "softsign",
     "tanhshrink"]})
CODE.update({f"functional.{n}": [f"{F}.{n}({LOGITS}, dim=1)"]
             for n in ["softmax", "softmin", "log_softmax"]})
CODE.update({f"functional.{n}": [f"{F}.{n}({P}, {T})"]
             for n in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                       "binary_cross_entropy"]})
CODE.update({f"functional.{n}": [f"{F}.{n}(ft.ones({_shape(d)}), 2).shape"]
             for n, d in [("max_pool1d", 1), ("max_pool2d", 2), ("max_pool3d", 3),
                          ("avg_pool1d", 1), ("avg_pool2d", 2), ("avg_pool3d", 3)]})
CODE.update({f"functional.adaptive_avg_pool{d}d":
             [f"{F}.adaptive_avg_pool{d}d(ft.ones({_shape(d)}), 1).shape"] for d in (1, 2, 3)})
CODE.update({f"functional.conv{d}d":
             [f"{F}.conv{d}d(ft.ones({_shape(d, 2, 5)}), ft.ones({_shape(d, 2, 3)})).shape"]
             for d in (1, 2, 3)})
CODE.update({f"functional.conv_transpose{d}d":
             [f"{F}.conv_transpose{d}d(ft.ones({_shape(d, 1, 5)}), "
              f"ft.ones({_shape(d, 2, 3)})).shape"] for d in (1, 2, 3)})
CODE.update({f"functional.dropout{s}": [f"x = ft.ones({_shape(int(s[0]) if s else 1, 2, 3)})",
                                        f"bool(({F}.dropout{s}(x, 0.5, False) == x).all())"]
             for s in ("", "1d", "2d", "3d")})
CODE.update({
    "functional.linear": [f"{F}.linear(ft.ones(2, 3), ft.ones(4, 3), ft.zeros(4))"],
    "functional.normalize": [f"{F}.normalize(ft.tensor([[3.0, 4.0]]), dim=1)"],
    "functional.one_hot": [f"{F}.one_hot(ft.tensor([0, 2]), num_classes=3)"],
    "functional.cosine_similarity": [f"{F}.cosine_similarity(ft.tensor([[1.0, 0.0]]), "
                                     "ft.tensor([[1.0, 1.0]]))"],
    "functional.pad": [f"{F}.pad(ft.tensor([1.0, 2.0]), (1, 2))"],
    "functional.prelu": [f"{F}.prelu({X}, ft.tensor([0.25]))"],
    "functional.kl_div": [f"{F}.kl_div(ft.log({P}), ft.tensor([0.5, 0.5]), reduction='sum')"],
    "functional.cosine_embedding_loss": [f"{F}.cosine_embedding_loss(ft.tensor([[1.0, 0.0]]), "
                                         "ft.tensor([[0.0, 1.0]]), ft.tensor([1.0]))"],
    "functional.nll_loss": [f"{F}.nll_loss(ft.log_softmax({LOGITS}, dim=1), ft.tensor([0]))"],
    "functional.cross_entropy": [f"{F}.cross_entropy({LOGITS}, ft.tensor([0]))"],
    "functional.binary_cross_entropy_with_logits":
        [f"{F}.binary_cross_entropy_with_logits({X}[:2], {T})"],
    "functional.layer_norm": [f"{F}.layer_norm(ft.tensor([[1.0, 2.0, 3.0]]), (3,))"],
    "functional.group_norm": [f"{F}.group_norm(ft.randn(2, 4, 3), 2).shape"],
    "functional.rms_norm": [f"{F}.rms_norm(ft.tensor([[3.0, 4.0]]), (2,))"],
    "functional.embedding": [f"{F}.embedding(ft.tensor([1, 0]), "
                             "ft.tensor([[0.0, 1.0], [2.0, 3.0]]))"],
    "functional.batch_norm": [f"{F}.batch_norm(ft.tensor([[1.0], [3.0]]), None, None, "
                              "training=True)"],
})


def default(name: str) -> list[str]:
    raise KeyError(f"no example code for nn.{name}: add it to tools/example_code.py")


SPECIAL: dict[str, list[str]] = {
    **{n: ["fsp.{name}(np.array([0.5, 1.5, 2.5]))"] for n in
       ["gammaln", "digamma", "psi", "gamma", "rgamma", "erf", "erfc", "expit", "log_ndtr",
        "ndtr", "i0", "i1", "i0e", "i1e", "j0", "j1", "y0", "y1", "entr"]},
    **{n: ["fsp.{name}(np.array([0.25, 0.5, 0.75]))"] for n in
       ["erfinv", "logit", "ndtri"]},
    "erfcinv": ["fsp.erfcinv(np.array([0.25, 0.5, 1.5]))"],
    **{n: ["fsp.{name}(np.array([0.5, 1.5]), np.array([2.0, 0.5]))"] for n in
       ["beta", "betaln", "gammainc", "gammaincc", "xlogy", "xlog1py", "rel_entr"]},
    **{n: ["fsp.{name}(1, np.array([0.5, 1.5, 2.5]))"] for n in
       ["polygamma", "iv", "ive", "jn", "jv", "yn", "yv"]},
    "betainc": ["fsp.betainc(2.0, 3.0, np.array([0.25, 0.5]))"],
    "multigammaln": ["fsp.multigammaln(np.array([2.0, 3.5]), 2)"],
    "logsumexp": ["fsp.logsumexp(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)"],
    "softmax": ["fsp.softmax(np.array([1.0, 2.0, 3.0]))"],
    "log_softmax": ["fsp.log_softmax(np.array([1.0, 2.0, 3.0]))"],
}


def special_default(name: str) -> list[str]:
    raise KeyError(f"no example code for scipy.special.{name}: add it to tools/example_code.py")


# functrace.numpy: numpy's own arguments (axis=, keepdims=); unary ufuncs also show
# their derivative.
V = "np.array([0.25, 0.5, 0.75])"
W = "np.array([2.0, 0.5, 1.0])"
MAT = "np.array([[1.0, 2.0], [3.0, 4.0]])"
NP_BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "power", "float_power",
             "logaddexp", "arctan2", "maximum", "minimum", "fmax", "fmin", "hypot",
             "floor_divide", "remainder", "mod", "equal", "not_equal", "less", "less_equal",
             "greater", "greater_equal"]
NP_REDUCTIONS = ["all", "any", "amax", "amin", "argmax", "argmin", "argsort", "cumsum", "max",
                 "mean", "min", "std", "sum", "var", "sort"]
NP_ROUNDING = ["sign", "floor", "ceil", "trunc", "rint", "round", "around"]
NP_NO_GRAD = ["isnan", "isfinite", "isinf", "logical_not"]

NUMPY: dict[str, list[str]] = {
    **{n: [f"fnp.{n}({V}, {W})"] for n in NP_BINARY},
    **{n: [f"fnp.{n}({MAT}, axis=1)"] for n in NP_REDUCTIONS},
    **{n: [f"fnp.{n}(np.array([-1.5, 0.5, 2.7]))"] for n in NP_ROUNDING},
    **{n: [f"fnp.{n}(np.array([1.0, np.inf, np.nan]))"] for n in NP_NO_GRAD},
    **{n: [f"fnp.{n}(np.array([True, False]), np.array([True, True]))"]
       for n in ["logical_and", "logical_or", "logical_xor"]},
    "arccosh": ["fnp.arccosh(np.array([1.5, 2.0, 3.0]))",
                "ft.grad(lambda x: fnp.sum(fnp.arccosh(x)))(np.array([1.5, 2.0, 3.0]))"],
    "matmul": [f"fnp.matmul({MAT}, {MAT})"],
    "array": ["fnp.array([1.0, 2.0])",
              "ft.grad(lambda x: fnp.sum(fnp.array([x, 2 * x]) ** 2))(1.0)   # [x, 2x]: 10x"],
    "asarray": ["fnp.asarray([1.0, 2.0])"],
    "full_like": [f"fnp.full_like({V}, 2.0)"],
    "ones_like": [f"fnp.ones_like({V})"],
    "zeros_like": [f"fnp.zeros_like({V})"],
    "broadcast_to": [f"fnp.broadcast_to({V}, (2, 3))"],
    "concatenate": [f"fnp.concatenate([{V}, {W}])"],
    "expand_dims": [f"fnp.expand_dims({V}, 0).shape"],
    "flip": [f"fnp.flip({V})"],
    "getitem": [f"fnp.getitem({MAT}, (slice(None), 0))"],
    "moveaxis": ["fnp.moveaxis(np.zeros((2, 3, 4)), 0, -1).shape"],
    "ravel": [f"fnp.ravel({MAT})"],
    "reshape": ["fnp.reshape(np.arange(6.0), (2, 3))"],
    "squeeze": ["fnp.squeeze(np.ones((1, 2))).shape"],
    "stack": [f"fnp.stack([{V}, {W}])"],
    "swapaxes": [f"fnp.swapaxes({MAT}, 0, 1)"],
    "transpose": [f"fnp.transpose({MAT})"],
    "atleast_1d": ["fnp.atleast_1d(2.0)"],
    "atleast_2d": [f"fnp.atleast_2d({V}).shape"],
    "atleast_3d": [f"fnp.atleast_3d({V}).shape"],
    "hstack": [f"fnp.hstack([{V}, {W}])"],
    "vstack": [f"fnp.vstack([{V}, {W}])"],
    "dstack": [f"fnp.dstack([{V}, {W}]).shape"],
    "column_stack": [f"fnp.column_stack([{V}, {W}])"],
    "split": ["fnp.split(np.arange(6.0), 3)"],
    "array_split": ["fnp.array_split(np.arange(5.0), 2)"],
    "hsplit": ["fnp.hsplit(np.arange(4.0), 2)"],
    "vsplit": [f"fnp.vsplit({MAT}, 2)"],
    "dsplit": ["[part.shape for part in fnp.dsplit(np.zeros((1, 1, 4)), 2)]"],
    "roll": ["fnp.roll(np.arange(4.0), 1)"],
    "tile": [f"fnp.tile({V}, 2)"],
    "repeat": ["fnp.repeat(np.array([1.0, 2.0]), 2)"],
    "pad": ["fnp.pad(np.array([1.0, 2.0]), (1, 2))"],
    "take": ["fnp.take(np.array([10.0, 20.0, 30.0]), [2, 0])"],
    "take_along_axis": [f"fnp.take_along_axis({MAT}, np.array([[1], [0]]), axis=1)"],
    "where": [f"x = {V}", "fnp.where(x > 0.4, x, 0.0)"],
    "clip": [f"fnp.clip({V}, 0.4, 0.6)"],
    "astype": [f"fnp.astype({V}, np.float32)"],
    "positive": [f"fnp.positive({V})"],
    "shape": [f"fnp.shape({MAT})"],
    "ndim": [f"fnp.ndim({MAT})"],
    "size": [f"fnp.size({MAT})"],
    # functrace.numpy.linalg
    "linalg.matmul": [f"fnp.linalg.matmul({MAT}, np.eye(2))"],
    "linalg.tensordot": [f"fnp.linalg.tensordot({MAT}, {MAT}, axes=2)"],
    "linalg.outer": ["fnp.linalg.outer(np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]))"],
    "linalg.diagonal": [f"fnp.linalg.diagonal({MAT})"],
    "linalg.trace": [f"fnp.linalg.trace({MAT})"],
    "linalg.vector_norm": ["fnp.linalg.vector_norm(np.array([3.0, 4.0]))",
                           "ft.grad(fnp.linalg.vector_norm)(np.array([3.0, 4.0]))"],
    "linalg.matrix_norm": [f"fnp.linalg.matrix_norm({MAT})"],
}


Z = "np.array([1.0 + 2.0j, -3.0 + 0.0j])"
SIGNAL = "np.array([1.0, 2.0, 0.0, -1.0])"
GRID = "np.array([[1.0, 2.0], [3.0, 4.0]])"
NUMPY.update({
    "real": [f"fnp.real({Z})", "ft.grad(lambda z: fnp.real(z))(1.0 + 2.0j)"],
    "imag": [f"fnp.imag({Z})", "ft.grad(lambda z: fnp.imag(z))(1.0 + 2.0j)"],
    "conj": [f"fnp.conj({Z})"],
    "conjugate": [f"fnp.conjugate({Z})"],
    "angle": [f"fnp.angle({Z})"],
    "iscomplex": [f"fnp.iscomplex({Z})"],
    "iscomplexobj": [f"fnp.iscomplexobj({Z}), fnp.iscomplexobj(np.ones(2))"],
    "isrealobj": [f"fnp.isrealobj({Z}), fnp.isrealobj(np.ones(2))"],
    "real_if_close": ["fnp.real_if_close(np.array([1.0 + 1e-15j, 2.0]))"],
    **{f"fft.{n}": [f"fnp.fft.{n}({SIGNAL})"] for n in ["fft", "ifft", "rfft", "fftshift",
                                                       "ifftshift"]},
    "fft.irfft": ["fnp.fft.irfft(np.array([2.0, 1.0 - 3.0j, -2.0]))"],
    **{f"fft.{n}": [f"fnp.fft.{n}({GRID})"] for n in ["fft2", "ifft2", "fftn", "ifftn",
                                                     "rfft2", "rfftn"]},
    **{f"fft.{n}": [f"fnp.fft.{n}(fnp.fft.rfft2({GRID}))"] for n in ["irfft2", "irfftn"]},
    "fft.fftfreq": ["fnp.fft.fftfreq(4)"],
    "fft.rfftfreq": ["fnp.fft.rfftfreq(4)"],
})


def numpy_default(name: str) -> list[str]:
    """A unary elementwise function: its values and its derivative."""
    return [f"fnp.{name}({V})", f"ft.grad(lambda x: fnp.sum(fnp.{name}(x)))({V})"]


NUMPY.update(NUMPY_MORE)
