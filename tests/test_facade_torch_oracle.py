"""The PyTorch facade against PyTorch itself, op by op and module by module (skipped
without torch, which is not in the test extra: run it with the bench extra installed).

The op cases come from the facade's name table (functrace/tensors/_names.py), so a
new row is checked without editing this file: every function row over the
variants of its family (tests/oracle_cases.py: broadcasting, 0-d, empty, integer
and bool inputs, torch's argument forms), its Tensor method and its in-place
variant, every operator and Tensor-only method, and every primitive's node row.
The module cases are every class of ``functrace.nn`` (:data:`MODULES`).

Each case runs in both libraries on the same values. When torch raises, functrace
must raise the same kind of error (a torch "not implemented for 'Long'" is
skipped: functrace computes there). Otherwise the outputs must agree in shape,
dtype and value (float64 to 1e-7, float32 to 2e-4), and the gradients of the
sum of the floating outputs with respect to every input (and parameter) that
requires grad must agree. Known differences are listed in :data:`KNOWN` with
the reason (strict xfails: a fix makes them fail until they are removed), rows
left out in :data:`SKIP`.
"""
from __future__ import annotations

import builtins
import inspect
import warnings

import numpy as np
import pytest

import functrace as ft
from functrace.tensors._table import ROWS
from oracle_cases import A, cases, ints, value_in, x
from oracle_methods import METHOD_CASES, MODIFYING
from test_facade_names import NODE_CALLS, Lib

torch = pytest.importorskip("torch")

#: rows that are not compared, and why
SKIP = {
    "__array_ufunc__": "numpy's protocol (torch has its own __array__ handling)",
    "__array_function__": "numpy's protocol", "cuda": "functrace is CPU-only (tested there)",
    "uniform_": "random numbers: numpy's generator, not torch's",
    "normal_": "random numbers: numpy's generator, not torch's",
    "bernoulli_": "random numbers: numpy's generator, not torch's",
    "type": "the legacy type name differs by design (functrace.FloatTensor)",
    "new_empty": "uninitialised memory in torch (functrace fills zeros)",
}
#: Tensor methods that torch does not have (functrace keeps them), and why
NOT_TORCH_METHODS = {"rsub": "torch has torch.rsub only; functrace keeps Tensor.rsub"}
#: (row name, case label), or (test kind, row name, case label) -> why functrace differs
#: from torch there
_NAN_TIES = ("at a NaN torch's maximum/minimum send the gradient to both arguments; "
             "functrace's (the primitive's rule, shared with the functional API) to neither")
_NOT_RECORDED = ("torch records nothing for an in-place logical op, so the gradient flows "
                 "through the overwritten values as if unchanged; functrace makes the result a "
                 "constant (no gradient), which is what the values are")
KNOWN: dict = {
    ("maximum", "nan"): _NAN_TIES, ("minimum", "nan"): _NAN_TIES,
    ("__rtruediv__", "int32-with-f64-0d"): "torch computes x.__rtruediv__(y) as "
    "x.reciprocal() * y, so a float64 0-d y gives float32; functrace divides (float64, as "
    "torch.div does)",
    **{("inplace", n, "f64"): _NOT_RECORDED for n in ("logical_and", "logical_or",
                                                      "logical_xor", "logical_not")},
}


def _builtin_base(error: BaseException) -> type:
    """The builtin exception class a (torch) error is an instance of."""
    for cls in type(error).__mro__:
        if cls.__module__ == "builtins":
            return cls
    return Exception


def _run(fn, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs), None
        except Exception as e:           # noqa: BLE001 - compared with the other library's
            return None, e


def _flat(out) -> list:
    if isinstance(out, (tuple, list)) and not isinstance(out, (torch.Size, ft.Size)):
        return [o for item in out for o in _flat(item)]
    return [out]


def _leaves(obj) -> list:
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _leaves(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _leaves(o)]
    return [obj] if hasattr(obj, "requires_grad") and obj.requires_grad else []


def _tol(dtype_name: str) -> dict:
    return {"float16": dict(rtol=2e-2, atol=1e-2), "float32": dict(rtol=2e-4, atol=2e-5),
            "complex64": dict(rtol=2e-4, atol=2e-5)}.get(dtype_name, dict(rtol=1e-7, atol=1e-9))


def _same_values(f, t, what: str) -> None:
    if isinstance(t, torch.Tensor):
        assert isinstance(f, ft.Tensor), f"{what}: functrace gave {type(f).__name__}"
        name = str(t.dtype).replace("torch.", "")
        assert f.dtype.name == name, f"{what}: dtype {f.dtype.name}, torch {name}"
        assert tuple(f.shape) == tuple(t.shape), f"{what}: shape {tuple(f.shape)}, torch " \
                                                 f"{tuple(t.shape)}"
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), equal_nan=True,
                                   err_msg=what, **_tol(name))
    else:
        assert not isinstance(f, ft.Tensor) and f == t, f"{what}: {f!r} != torch's {t!r}"


def compare(run_ft, run_th, leaves_ft=None, leaves_th=None) -> None:
    """Run both, compare errors or outputs, then the gradients of their sum."""
    out_t, err_t = run_th()
    out_f, err_f = run_ft()
    if err_t is not None:
        if "not implemented for" in str(err_t):
            pytest.skip(f"torch has no kernel for this dtype ({err_t})")
        if isinstance(err_t, TypeError) and "must be Tensor, not" in str(err_t) and err_f is None:
            pytest.skip(f"functrace takes a number where torch wants a tensor ({err_t})")
        assert err_f is not None, f"torch raised {err_t!r}; functrace returned {out_f!r}"
        assert isinstance(err_f, _builtin_base(err_t)), f"torch: {err_t!r}; functrace: {err_f!r}"
        return
    if err_f is not None:
        raise AssertionError(f"functrace raised {err_f!r}; torch returned {out_t!r}") from err_f
    flat_f, flat_t = _flat(out_f), _flat(out_t)
    assert len(flat_f) == len(flat_t), (out_f, out_t)
    for i, (f, t) in enumerate(zip(flat_f, flat_t)):
        _same_values(f, t, f"output {i}")
    _compare_grads(flat_f, flat_t, leaves_ft or [], leaves_th or [])


def _numpy(t) -> np.ndarray:
    if t._is_zerotensor():                  # torch's symbolic zeros (e.g. sgn's gradient)
        return np.zeros(tuple(t.shape))
    return t.detach().numpy()


def _grad_tol(flat_t, name: str) -> dict:
    """A gradient is as precise as the least precise output it comes through."""
    names = [str(t.dtype).replace("torch.", "") for t in flat_t if isinstance(t, torch.Tensor)
             and t.is_floating_point()]
    worst = max([_tol(n) for n in names + [name]], key=lambda tol: tol["rtol"])
    return worst


def _compare_grads(flat_f, flat_t, leaves_ft, leaves_th) -> None:
    """The gradients of the sum of the outputs that require grad. An output that is a
    constant in functrace must have zero gradients in torch (its node's are zero)."""
    outs_t = [t for t in flat_t if isinstance(t, torch.Tensor) and t.requires_grad]
    if not outs_t or not leaves_th:
        return
    outs_f = [f for f, t in zip(flat_f, flat_t) if isinstance(t, torch.Tensor)
              and t.requires_grad and f.requires_grad]
    try:
        builtins.sum(t.sum() for t in outs_t).backward()
    except (RuntimeError, NotImplementedError) as e:
        pytest.skip(f"torch's backward fails here: {e}")
    if outs_f:
        builtins.sum(f.sum() for f in outs_f).backward()
    for i, (f, t) in enumerate(zip(leaves_ft, leaves_th)):
        if t.grad is None or t.grad.numel() == 0:
            assert f.grad is None or not np.any(f.grad.numpy()), f"gradient {i}"
        elif f.grad is None:
            assert not np.any(_numpy(t.grad)), f"gradient {i}: functrace has none"
        else:
            name = str(t.grad.dtype).replace("torch.", "")
            assert f.grad.dtype.name == name, f"gradient {i}: dtype {f.grad.dtype.name}"
            np.testing.assert_allclose(f.grad.numpy(), _numpy(t.grad), equal_nan=True,
                                       err_msg=f"gradient {i}", **_grad_tol(flat_t, name))


# -- the table's rows ------------------------------------------------------------------------

def _arity(fn) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    return len([p for p in params if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])


def _params(kind: str):
    """(row, name, label, args, kwargs) for every function (``kind="function"``), method
    (``"method"``) or in-place (``"inplace"``) case, with KNOWN's xfails."""
    out = []
    for row in ROWS:
        fn = row.function if kind == "function" else row.method
        if fn is None or (kind == "inplace" and not row.inplace):
            continue
        for name in row.names:
            if name in SKIP or (kind != "function" and name in NOT_TORCH_METHODS):
                continue
            own = METHOD_CASES.get(name) if kind == "method" else None
            variants = own or cases(name, _arity(fn))
            if name != row.names[0] or (kind != "function" and own is None):
                variants = variants[:1] + [v for v in variants if v[0].startswith("int")][:1]
            for label, args, kwargs in variants:
                reason = KNOWN.get((kind, name, label)) or KNOWN.get((name, label))
                marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
                out.append(pytest.param(name, args, kwargs, id=f"{name}-{label}", marks=marks))
    return out


@pytest.mark.parametrize("name, args, kwargs", _params("function"))
def test_function(name, args, kwargs):
    f_args, t_args = value_in(args, ft), value_in(args, torch)
    f_kw, t_kw = value_in(kwargs, ft), value_in(kwargs, torch)
    compare(lambda: _run(getattr(ft, name), f_args, f_kw),
            lambda: _run(getattr(torch, name), t_args, t_kw),
            _leaves(f_args) + _leaves(f_kw), _leaves(t_args) + _leaves(t_kw))


def _call_method(args, kwargs, name):
    def call(*a, **k):
        out = getattr(a[0], name)(*a[1:], **k)
        return a[0] if name == "__setitem__" else out
    return lambda: _run(call, args, kwargs)


@pytest.mark.parametrize("name, args, kwargs", _params("method"))
def test_method(name, args, kwargs):
    if not isinstance(args[0], A):
        pytest.skip("the first argument is not a tensor (no method form)")
    f_args, t_args = value_in(args, ft), value_in(args, torch)
    f_kw, t_kw = value_in(kwargs, ft), value_in(kwargs, torch)
    if name == "T":
        compare(lambda: _run(lambda a: a.T, f_args, {}), lambda: _run(lambda a: a.T, t_args, {}),
                _leaves(f_args), _leaves(t_args))
        return
    if name in MODIFYING:           # on y = x * 1: y's values, and the gradient reaching x
        f_call = [f_args[0] * 1, *f_args[1:]]
        t_call = [t_args[0] * 1, *t_args[1:]]
    else:
        f_call, t_call = f_args, t_args
    compare(_call_method(f_call, f_kw, name), _call_method(t_call, t_kw, name),
            _leaves(f_args) + _leaves(f_kw), _leaves(t_args) + _leaves(t_kw))


@pytest.mark.parametrize("name, args, kwargs", _params("inplace"))
def test_inplace(name, args, kwargs):
    """``y = x * 1`` (or a copy of an integer x), then ``y.name_(...)``: y's values and
    dtype, and the gradient reaching x through the in-place operation."""
    if not isinstance(args[0], A):
        pytest.skip("the first argument is not a tensor")
    f_args, t_args = value_in(args, ft), value_in(args, torch)
    f_kw, t_kw = value_in(kwargs, ft), value_in(kwargs, torch)

    def run(lib_args, kw):
        base = lib_args[0]
        y = base * 1 if base.is_floating_point() else base.clone()
        return _run(lambda *a, **k: getattr(y, name + "_")(*a, **k), lib_args[1:], kw)
    compare(lambda: run(f_args, f_kw), lambda: run(t_args, t_kw),
            _leaves(f_args) + _leaves(f_kw), _leaves(t_args) + _leaves(t_kw))


class _Recording(Lib):
    """test_facade_names' tensors, remembering the leaves it made."""

    def __init__(self, m):
        super().__init__(m)
        self.made = []

    def x(self, *shape, **kw):
        t = super().x(*shape, **kw)
        self.made.append(t)
        return t


@pytest.mark.parametrize("name", sorted(NODE_CALLS))
def test_node_row(name):
    lf, lt = _Recording(ft), _Recording(torch)
    f_call, t_call = NODE_CALLS[name]
    if name in COMPLEX_IN_TORCH:
        t_call = (lambda call: lambda L: _real_part(call(L)))(t_call)
    compare(lambda: _run(f_call, (lf,), {}), lambda: _run(t_call, (lt,), {}), lf.made, lt.made)


#: torch's eig is always complex; fnp.linalg.eig follows numpy (a real spectrum comes
#: back real, and the facade has no complex dtypes): compare the real parts there.
COMPLEX_IN_TORCH = {"linalg.eig", "linalg.eigvals"}


def _real_part(t):
    """The real part of a complex torch result, a real one unchanged."""
    return t.real if t.is_complex() else t


# -- every nn module ---------------------------------------------------------------------------

def _probs(*shape):
    return x(*shape, lo=0.05, hi=0.95, grad=False)


def _signs(n):
    return A(np.where(np.arange(n) % 2 == 0, 1.0, -1.0), False)


_LOSS = [x(4, 3), x(4, 3, grad=False)]
#: class name -> (constructor args, constructor keywords, inputs, train mode)
MODULES = {
    "AdaptiveAvgPool1d": ((3,), {}, [x(2, 4, 6)], True),
    "AdaptiveAvgPool2d": (((2, 3),), {}, [x(2, 3, 5, 7)], True),
    "AdaptiveAvgPool3d": ((2,), {}, [x(1, 2, 4, 4, 4)], True),
    "AvgPool1d": ((2,), {}, [x(2, 3, 6)], True),
    "AvgPool2d": ((2,), {"stride": 1, "padding": 1}, [x(2, 3, 4, 6)], True),
    "AvgPool3d": ((2,), {}, [x(1, 2, 4, 4, 4)], True),
    "BCELoss": ((), {}, [x(4, 3, lo=0.05, hi=0.95), _probs(4, 3)], True),
    "BCEWithLogitsLoss": ((), {"pos_weight": A(np.array([1.0, 2.0, 0.5]), False)},
                          [x(4, 3), _probs(4, 3)], True),
    "BatchNorm1d": ((3,), {}, [x(5, 3)], True),
    "BatchNorm2d": ((3,), {"momentum": 0.2}, [x(2, 3, 4, 4)], True),
    "BatchNorm3d": ((2,), {}, [x(2, 2, 3, 3, 3)], True),
    "CELU": ((1.5,), {}, [x(2, 3)], True),
    "Conv1d": ((2, 3, 3), {"padding": "same", "dilation": 2}, [x(2, 2, 7)], True),
    "Conv2d": ((2, 4, 3), {"stride": 2, "padding": 1, "groups": 2}, [x(2, 2, 5, 5)], True),
    "Conv3d": ((2, 2, 2), {"bias": False}, [x(1, 2, 4, 4, 4)], True),
    "ConvTranspose1d": ((2, 3, 3), {"stride": 2}, [x(2, 2, 5)], True),
    "ConvTranspose2d": ((2, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1},
                        [x(1, 2, 4, 4)], True),
    "ConvTranspose3d": ((2, 2, 2), {}, [x(1, 2, 3, 3, 3)], True),
    "CosineEmbeddingLoss": ((), {"margin": 0.1}, [x(4, 5), x(4, 5), _signs(4)], True),
    "CrossEntropyLoss": ((), {"label_smoothing": 0.1}, [x(4, 5), ints([0, 2, 4, 1])], True),
    "Dropout": ((0.5,), {}, [x(2, 3)], False),
    "Dropout1d": ((0.5,), {}, [x(2, 3, 4)], False),
    "Dropout2d": ((0.5,), {}, [x(2, 3, 4, 4)], False),
    "Dropout3d": ((0.5,), {}, [x(1, 2, 3, 3, 3)], False),
    "ELU": ((), {}, [x(2, 3)], True),
    "Embedding": ((5, 3), {"padding_idx": 0}, [ints([[0, 2], [4, 1]])], True),
    "Flatten": ((), {}, [x(2, 3, 4)], True),
    "GELU": ((), {"approximate": "tanh"}, [x(2, 3)], True),
    "GRU": ((3, 4), {"num_layers": 2, "batch_first": True}, [x(2, 5, 3)], True),
    "GRUCell": ((3, 4), {}, [x(2, 3)], True),
    "GroupNorm": ((2, 4), {}, [x(2, 4, 3)], True),
    "Hardsigmoid": ((), {}, [x(2, 3, lo=-4, hi=4)], True),
    "Hardswish": ((), {}, [x(2, 3, lo=-4, hi=4)], True),
    "Hardtanh": ((), {}, [x(2, 3)], True),
    "HuberLoss": ((), {"delta": 0.5}, _LOSS, True),
    "Identity": ((), {}, [x(2, 3)], True),
    "KLDivLoss": ((), {"reduction": "batchmean"}, [x(4, 3, lo=-3, hi=0), _probs(4, 3)], True),
    "L1Loss": ((), {}, _LOSS, True),
    "LSTM": ((3, 4), {"bidirectional": True}, [x(5, 2, 3)], True),
    "LSTMCell": ((3, 4), {}, [x(2, 3)], True),
    "LayerNorm": ((3,), {}, [x(2, 3)], True),
    "LeakyReLU": ((0.1,), {}, [x(2, 3)], True),
    "Linear": ((3, 4), {}, [x(2, 3)], True),
    "LogSigmoid": ((), {}, [x(2, 3)], True),
    "LogSoftmax": ((), {"dim": 1}, [x(2, 3)], True),
    "MSELoss": ((), {}, _LOSS, True),
    "MaxPool1d": ((2,), {}, [x(2, 3, 6)], True),
    "MaxPool2d": ((3,), {"stride": 2, "padding": 1}, [x(2, 3, 5, 5)], True),
    "MaxPool3d": ((2,), {}, [x(1, 2, 4, 4, 4)], True),
    "Mish": ((), {}, [x(2, 3)], True),
    "NLLLoss": ((), {"weight": A(np.array([1.0, 2.0, 0.5, 1.0, 3.0]), False)},
                [x(4, 5, lo=-3, hi=0), ints([0, 2, 4, 1])], True),
    "PReLU": ((), {}, [x(2, 3)], True),
    "RMSNorm": ((3,), {}, [x(2, 3)], True),
    "RNN": ((3, 4), {"nonlinearity": "relu"}, [x(5, 2, 3)], True),
    "RNNCell": ((3, 4), {}, [x(2, 3)], True),
    "ReLU": ((), {}, [x(2, 3)], True), "ReLU6": ((), {}, [x(2, 3, lo=-2, hi=8)], True),
    "SELU": ((), {}, [x(2, 3)], True), "SiLU": ((), {}, [x(2, 3)], True),
    "Sigmoid": ((), {}, [x(2, 3)], True),
    "SmoothL1Loss": ((), {"beta": 0.5}, _LOSS, True),
    "Softmax": ((), {"dim": 1}, [x(2, 3)], True), "Softmin": ((), {"dim": 0}, [x(2, 3)], True),
    "Softplus": ((), {"beta": 2.0}, [x(2, 3)], True), "Softsign": ((), {}, [x(2, 3)], True),
    "Tanh": ((), {}, [x(2, 3)], True), "Tanhshrink": ((), {}, [x(2, 3)], True),
    "Unflatten": ((1, (2, 3)), {}, [x(2, 6)], True),
}
#: module classes not run here, and why
MODULE_SKIP = {
    "Module": "the base class: no computation of its own",
    **{n: "a container: no computation of its own (its modules are checked one by one)"
       for n in ("ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential")},
}


def _module_names() -> list:
    return sorted(n for n in dir(ft.nn) if isinstance(getattr(ft.nn, n), type)
                  and issubclass(getattr(ft.nn, n), ft.nn.Module))


def test_every_module_has_a_case_or_a_reason():
    missing = [n for n in _module_names() if n not in MODULES and n not in MODULE_SKIP]
    assert not missing, f"nn modules with no oracle case: {missing}"


def _copy_state(th_mod, ft_mod) -> None:
    """torch's (randomly initialised) parameters and buffers into the functrace module."""
    th_state = th_mod.state_dict()
    ft_state = ft_mod.state_dict()
    assert list(ft_state) == list(th_state)
    ft_mod.load_state_dict({k: ft.tensor(v.detach().numpy().copy()) for k, v in
                            th_state.items()})


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(MODULES))
def test_module(name, dtype):
    args, kwargs, inputs, train = MODULES[name]
    torch.manual_seed(0)
    th_mod = getattr(torch.nn, name)(*value_in(args, torch), **value_in(kwargs, torch))
    ft_mod = getattr(ft.nn, name)(*value_in(args, ft), **value_in(kwargs, ft))
    th_mod, ft_mod = th_mod.to(getattr(torch, dtype)), ft_mod.to(getattr(ft, dtype))
    _copy_state(th_mod, ft_mod)
    th_mod.train(train)
    ft_mod.train(train)
    cast = [A(a.array.astype(dtype), a.grad) if a.array.dtype.kind == "f" else a
            for a in inputs]
    f_in, t_in = value_in(cast, ft), value_in(cast, torch)
    f_params, t_params = list(ft_mod.parameters()), list(th_mod.parameters())
    compare(lambda: _run(ft_mod, f_in, {}), lambda: _run(th_mod, t_in, {}),
            _leaves(f_in) + f_params, _leaves(t_in) + t_params)
    for (key, fb), tb in zip(ft_mod.named_buffers(), th_mod.buffers()):
        _same_values(fb, tb, f"buffer {key}")
