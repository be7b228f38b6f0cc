"""``functrace.nn`` against PyTorch itself (skipped without torch).

For each layer and loss over a grid of options: the same weights are copied into
both libraries, the same inputs run through both, and we compare forward values,
output dtypes, and the gradients of ``out.sum()`` with respect to every input
that requires grad and every parameter. float64 runs agree to 1e-10 (relative),
float32 runs to 1e-4.
"""
import numpy as np
import pytest

import functrace as ft
import functrace.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

DTYPES = {np.float32: torch.float32, np.float64: torch.float64}


def tol(dtype, loose=False):
    if dtype == np.float32:
        return dict(rtol=1e-4, atol=1e-5)
    return dict(rtol=1e-7, atol=1e-9) if loose else dict(rtol=1e-9, atol=1e-11)


def both(array, grad=True):
    """The same values as a functrace and a torch tensor (float ones require grad)."""
    a = np.asarray(array)
    rg = grad and a.dtype.kind == "f"
    return (ft.tensor(a.copy(), requires_grad=rg), torch.tensor(a.copy(), requires_grad=rg))


def outputs(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in outputs(x)]
    return [out]


def compare(ft_out, th_out, ft_leaves, th_leaves, dtype, loose=False):
    fo, to = outputs(ft_out), outputs(th_out)
    assert len(fo) == len(to)
    for f, t in zip(fo, to):
        assert tuple(f.shape) == tuple(t.shape)
        assert str(f.dtype) == str(t.dtype).replace("torch.", "")
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), **tol(dtype))
    sum(o.sum() for o in fo).backward()
    sum(o.sum() for o in to).backward()
    for f, t in zip(ft_leaves, th_leaves):
        if t.grad is None:
            assert f.grad is None or not np.any(f.grad.numpy())
            continue
        assert f.grad is not None
        np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), **tol(dtype, loose))


def copy_params(ft_mod, th_mod):
    """Copy the torch module's (initialised) parameters into the functrace module."""
    th_named = dict(th_mod.named_parameters())
    ft_named = dict(ft_mod.named_parameters())
    assert list(th_named) == list(ft_named)
    for name, p in th_named.items():
        assert tuple(ft_named[name].shape) == tuple(p.shape), name
        ft_named[name].data = ft.tensor(p.detach().numpy().copy())
    return list(ft_named.values()), list(th_named.values())


def run_module(make_ft, make_th, inputs, dtype, seed=0, loose=False):
    torch.manual_seed(seed)
    th_mod = make_th().to(DTYPES[dtype])
    ft_mod = make_ft().to(dtype)
    assert repr(ft_mod) == repr(th_mod)
    fp, tp = copy_params(ft_mod, th_mod)
    pairs = [both(x) if not isinstance(x, tuple) else x for x in inputs]
    fi, ti = [p[0] for p in pairs], [p[1] for p in pairs]
    compare(ft_mod(*fi), th_mod(*ti), fi + fp, ti + tp, dtype, loose)


RNG = np.random.default_rng(0)


def randn(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


# -- activations ----------------------------------------------------------------------------

ACTIVATIONS = [
    ("ReLU", {}), ("ReLU6", {}), ("Hardtanh", {}), ("Hardtanh", dict(min_val=-0.5, max_val=2.0)),
    ("LeakyReLU", {}), ("LeakyReLU", dict(negative_slope=0.2)), ("ELU", {}),
    ("ELU", dict(alpha=0.5)), ("SELU", {}), ("CELU", dict(alpha=1.5)), ("GELU", {}),
    ("GELU", dict(approximate="tanh")), ("SiLU", {}), ("Mish", {}), ("Hardsigmoid", {}),
    ("Hardswish", {}), ("Softplus", {}), ("Softplus", dict(beta=2.0, threshold=3.0)),
    ("Sigmoid", {}), ("Tanh", {}), ("LogSigmoid", {}), ("Softsign", {}), ("Tanhshrink", {}),
    ("Softmax", dict(dim=1)), ("LogSoftmax", dict(dim=1)), ("Softmin", dict(dim=0)),
    ("PReLU", {}), ("PReLU", dict(num_parameters=4)), ("Identity", {}),
]

#: the kinks of the piecewise activations, where the derivative convention shows
KINKS = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 6.0, 10.0, 25.0, -25.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kw", ACTIVATIONS, ids=[f"{n}{k}" for n, k in ACTIVATIONS])
def test_activation_modules(name, kw, dtype):
    x = np.concatenate([KINKS, randn(26)]).astype(dtype).reshape(10, 4)
    # PyTorch's float64 hardsigmoid gradient is float32's 1/6 (0.16666667163...)
    run_module(lambda: getattr(ft.nn, name)(**kw), lambda: getattr(torch.nn, name)(**kw),
               [x], dtype, loose=name == "Hardsigmoid")


@pytest.mark.parametrize("fn, kw", [
    ("hardtanh", dict(inplace=True)), ("relu", dict(inplace=True)),
    ("leaky_relu", dict(negative_slope=0.3, inplace=True)), ("elu", dict(inplace=True)),
    ("silu", dict(inplace=True))])
def test_inplace_activations_modify_their_input(fn, kw):
    x0 = np.concatenate([KINKS, randn(2)])
    fx, tx = both(x0)
    fy, ty = fx * 1.5, tx * 1.5
    fo, to = getattr(F, fn)(fy, **kw), getattr(TF, fn)(ty, **kw)
    assert fo is fy and to is ty
    np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    compare(fo, to, [fx], [tx], np.float64)


# -- normalisation and embeddings -----------------------------------------------------------

NORMS = [
    ("LayerNorm", (4,), {}, (3, 4)), ("LayerNorm", ((3, 4),), {}, (2, 3, 4)),
    ("LayerNorm", (4,), dict(elementwise_affine=False), (5, 4)),
    ("LayerNorm", (4,), dict(bias=False, eps=1e-3), (2, 2, 4)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)), ("GroupNorm", (1, 6), {}, (2, 6)),
    ("GroupNorm", (3, 6), dict(affine=False), (2, 6, 2, 2)),
    ("GroupNorm", (6, 6), dict(eps=1e-2), (2, 6, 3)),
    ("GroupNorm", (2, 4), dict(bias=False), (2, 4, 3)),
    ("RMSNorm", (4,), {}, (3, 4)), ("RMSNorm", ((2, 4),), dict(eps=1e-3), (3, 2, 4)),
    ("RMSNorm", (4,), dict(elementwise_affine=False), (3, 4)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, args, kw, shape", NORMS)
def test_norm_modules(name, args, kw, shape, dtype):
    def make(lib):
        mod = getattr(lib.nn, name)(*args, **kw)
        return mod
    torch.manual_seed(1)
    th = make(torch)
    with torch.no_grad():                      # non-trivial affine parameters
        for p in th.parameters():
            p.add_(torch.randn(p.shape))
    x = randn(*shape, dtype=dtype) * 3 + 1
    run_module(lambda: make(ft), lambda: th, [x], dtype)


@pytest.mark.parametrize("kw", [{}, dict(padding_idx=0), dict(padding_idx=-1),
                                dict(scale_grad_by_freq=True),
                                dict(padding_idx=2, scale_grad_by_freq=True),
                                dict(max_norm=1.0), dict(max_norm=0.5, norm_type=1.0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding(kw, dtype):
    idx = np.array([[0, 2, 4, 2], [9, 0, 2, 1]])
    torch.manual_seed(0)
    th = torch.nn.Embedding(10, 3, **kw).to(DTYPES[dtype])
    fm = ft.nn.Embedding(10, 3, **kw).to(dtype)
    assert repr(fm) == repr(th)
    fp, tp = copy_params(fm, th)
    compare(fm(ft.tensor(idx)), th(torch.tensor(idx)), fp, tp, dtype)
    np.testing.assert_allclose(fm.weight.detach().numpy(), th.weight.detach().numpy(),
                               **tol(dtype))        # max_norm renormalised the same rows


def test_embedding_from_pretrained():
    w = randn(5, 3)
    fm = ft.nn.Embedding.from_pretrained(ft.tensor(w), freeze=False, padding_idx=1)
    th = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, padding_idx=1)
    assert repr(fm) == repr(th)
    idx = np.array([1, 3, 1, 0])
    compare(fm(ft.tensor(idx)), th(torch.tensor(idx)), [fm.weight], [th.weight], np.float64)
    assert not ft.nn.Embedding.from_pretrained(ft.tensor(w)).weight.requires_grad


# -- dropout in eval mode, and the shape-only layers -------------------------------------------

@pytest.mark.parametrize("make, shape", [
    (lambda lib: lib.nn.Dropout2d(0.3).eval(), (2, 3, 4, 4)),
    (lambda lib: lib.nn.Dropout1d(0.3).eval(), (2, 3, 4)),
    (lambda lib: lib.nn.Unflatten(1, (2, 3)), (4, 6)),
    (lambda lib: lib.nn.Flatten(0, 1), (2, 3, 4)),
    (lambda lib: lib.nn.Identity(3, unused="x"), (2, 2)),
])
def test_shape_layers(make, shape):
    run_module(lambda: make(ft), lambda: make(torch), [randn(*shape)], np.float64)


# -- recurrent layers -----------------------------------------------------------------------

RNNS = [
    ("RNN", {}), ("RNN", dict(nonlinearity="relu", num_layers=2)),
    ("RNN", dict(bidirectional=True, bias=False)), ("LSTM", {}),
    ("LSTM", dict(num_layers=2, bidirectional=True)), ("LSTM", dict(batch_first=True)),
    ("LSTM", dict(proj_size=2, num_layers=2)), ("LSTM", dict(bias=False, bidirectional=True)),
    ("GRU", {}), ("GRU", dict(num_layers=3, batch_first=True)),
    ("GRU", dict(bidirectional=True, num_layers=2)), ("GRU", dict(bias=False)),
]


def _hidden(name, kw, batch, hidden=4):
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    lead = (layers,) if batch is None else (layers, batch)
    h = randn(*lead, kw.get("proj_size") or hidden)
    if name == "LSTM":
        return both(h), both(randn(*lead, hidden))
    return both(h)


@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("name, kw", RNNS, ids=[f"{n}{k}" for n, k in RNNS])
def test_recurrent_layers(name, kw, batched, with_hx):
    torch.manual_seed(0)
    th = getattr(torch.nn, name)(3, 4, **kw).double()
    fm = getattr(ft.nn, name)(3, 4, **kw).double()
    assert repr(fm) == repr(th)
    fp, tp = copy_params(fm, th)
    shape = ((2, 5, 3) if kw.get("batch_first") else (5, 2, 3)) if batched else (5, 3)
    fx, tx = both(randn(*shape))
    fargs, targs, fleaves, tleaves = [fx], [tx], [fx], [tx]
    if with_hx:
        hx = _hidden(name, kw, 2 if batched else None)
        if name == "LSTM":
            fargs.append((hx[0][0], hx[1][0]))
            targs.append((hx[0][1], hx[1][1]))
            fleaves += [hx[0][0], hx[1][0]]
            tleaves += [hx[0][1], hx[1][1]]
        else:
            fargs.append(hx[0])
            targs.append(hx[1])
            fleaves.append(hx[0])
            tleaves.append(hx[1])
    compare(fm(*fargs), th(*targs), fleaves + fp, tleaves + tp, np.float64)


@pytest.mark.parametrize("name, kw", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                      ("RNNCell", dict(bias=False)), ("LSTMCell", {}),
                                      ("GRUCell", {}), ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_recurrent_cells(name, kw, batched, dtype):
    torch.manual_seed(0)
    th = getattr(torch.nn, name)(3, 4, **kw).to(DTYPES[dtype])
    fm = getattr(ft.nn, name)(3, 4, **kw).to(dtype)
    assert repr(fm) == repr(th)
    fp, tp = copy_params(fm, th)
    lead = (2,) if batched else ()
    fx, tx = both(randn(*lead, 3, dtype=dtype))
    fh, th_h = both(randn(*lead, 4, dtype=dtype))
    if name == "LSTMCell":
        fc, tc = both(randn(*lead, 4, dtype=dtype))
        compare(fm(fx, (fh, fc)), th(tx, (th_h, tc)), [fx, fh, fc] + fp, [tx, th_h, tc] + tp,
                dtype)
    else:
        compare(fm(fx, fh), th(tx, th_h), [fx, fh] + fp, [tx, th_h] + tp, dtype)


def test_recurrent_layers_in_float32_and_eval_dropout():
    torch.manual_seed(0)
    th = torch.nn.LSTM(3, 4, num_layers=2, dropout=0.5).eval()
    fm = ft.nn.LSTM(3, 4, num_layers=2, dropout=0.5).eval()
    fp, tp = copy_params(fm, th)
    fx, tx = both(randn(6, 2, 3, dtype=np.float32))
    compare(fm(fx), th(tx), [fx] + fp, [tx] + tp, np.float32)


# -- losses ---------------------------------------------------------------------------------

def _loss_case(fn, shapes, kwargs, make_target=None, extra=()):
    return (fn, shapes, kwargs, make_target, extra)


PROBS = lambda shape: RNG.uniform(0.05, 0.95, shape)                        # noqa: E731
SIGNS = lambda shape: np.where(RNG.random(shape) < 0.5, -1, 1)              # noqa: E731
LABELS = lambda shape: RNG.integers(0, 4, shape)                            # noqa: E731

REDUCTIONS = ["mean", "sum", "none"]
LOSSES = []
for r in REDUCTIONS:
    LOSSES += [
        ("huber_loss", [(5, 3), (5, 3)], dict(reduction=r, delta=0.7)),
        ("huber_loss", [(5, 3), (5, 3)], dict(reduction=r)),
        ("smooth_l1_loss", [(5, 3), (5, 3)], dict(reduction=r, beta=0.5)),
        ("smooth_l1_loss", [(5, 3), (5, 3)], dict(reduction=r, beta=0.0)),
        ("mse_loss", [(5, 3), (5, 3)], dict(reduction=r)),
        ("l1_loss", [(5, 3), (5, 3)], dict(reduction=r)),
        ("kl_div", [(5, 3), "probs"], dict(reduction=r)),
        ("kl_div", [(5, 3), (5, 3)], dict(reduction=r, log_target=True)),
        ("binary_cross_entropy", ["probs", "probs"], dict(reduction=r)),
        ("binary_cross_entropy", ["probs", "probs"], dict(reduction=r, weight=(3,))),
        ("binary_cross_entropy_with_logits", [(5, 3), "probs"], dict(reduction=r)),
        ("binary_cross_entropy_with_logits", [(5, 3), "probs"],
         dict(reduction=r, pos_weight=(3,), weight=(5, 3))),
        ("cross_entropy", [(5, 4), "labels"], dict(reduction=r)),
        ("cross_entropy", [(5, 4), "labels"], dict(reduction=r, weight=(4,),
                                                   label_smoothing=0.2)),
        ("cross_entropy", [(5, 4), "labels_ignored"], dict(reduction=r, label_smoothing=0.1,
                                                           ignore_index=2)),
        ("cross_entropy", [(5, 4), "labels_ignored"], dict(reduction=r, weight=(4,),
                                                           label_smoothing=0.3,
                                                           ignore_index=2)),
        ("cross_entropy", [(5, 4, 3), "labels_spatial"], dict(reduction=r, weight=(4,),
                                                              label_smoothing=0.1)),
        ("cross_entropy", [(5, 4), "softmax"], dict(reduction=r)),
        ("cross_entropy", [(5, 4), "softmax"], dict(reduction=r, weight=(4,),
                                                    label_smoothing=0.25)),
        ("cross_entropy", [(4,), "label0d"], dict(reduction=r, label_smoothing=0.1)),
        ("cross_entropy", [(4,), "softmax"], dict(reduction=r)),
        ("nll_loss", [(5, 4), "labels"], dict(reduction=r, weight=(4,))),
        ("cosine_embedding_loss", [(5, 3), (5, 3), "signs"], dict(reduction=r, margin=0.2)),
        ("cosine_embedding_loss", [(3,), (3,), "sign0d"], dict(reduction=r)),
    ]
LOSSES.append(("kl_div", [(5, 3), "probs"], dict(reduction="batchmean")))


def _loss_input(spec, fixed_shape):
    if isinstance(spec, tuple):
        return randn(*spec)
    shape = fixed_shape
    return {"probs": lambda: PROBS(shape),
            "labels": lambda: LABELS(shape[:1] + shape[2:]),
            "labels_ignored": lambda: np.array([0, 2, 1, 3, 2]),
            "labels_spatial": lambda: LABELS((shape[0],) + shape[2:]),
            "label0d": lambda: np.array(3),
            "softmax": lambda: TF.softmax(torch.tensor(randn(*shape)), -1).numpy(),
            "signs": lambda: SIGNS(shape[:1]),
            "sign0d": lambda: np.array(-1)}[spec]()


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, inputs, kw", LOSSES,
                         ids=[f"{n}-{i}-{k}" for n, i, k in LOSSES])
def test_losses(name, inputs, kw, dtype):
    first = inputs[0] if isinstance(inputs[0], tuple) else (5, 3)
    arrays = [_loss_input(spec, first) for spec in inputs]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    pairs = [both(a) for a in arrays]
    fkw, tkw, fleaves, tleaves = {}, {}, [p[0] for p in pairs], [p[1] for p in pairs]
    for k, v in kw.items():
        if isinstance(v, tuple):                        # a weight tensor of that shape
            f, t = both(RNG.uniform(0.2, 2.0, v).astype(dtype), grad=False)
            fkw[k], tkw[k] = f, t
        else:
            fkw[k] = tkw[k] = v
    out_f = getattr(F, name)(*[p[0] for p in pairs], **fkw)
    out_t = getattr(TF, name)(*[p[1] for p in pairs], **tkw)
    compare(out_f, out_t, fleaves, tleaves, dtype)


@pytest.mark.parametrize("name, kw", [
    ("HuberLoss", dict(delta=2.0)), ("SmoothL1Loss", dict(beta=0.3)),
    ("KLDivLoss", dict(reduction="batchmean", log_target=True)),
    ("BCEWithLogitsLoss", dict(pos_weight=np.array([0.5, 2.0, 1.0]))),
    ("CrossEntropyLoss", dict(label_smoothing=0.1, weight=np.array([1.0, 2.0, 0.5]))),
    ("CosineEmbeddingLoss", dict(margin=0.1))])
def test_loss_modules(name, kw):
    fkw = {k: ft.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    fm, tm = getattr(ft.nn, name)(**fkw), getattr(torch.nn, name)(**tkw)
    assert repr(fm) == repr(tm)
    if name == "CrossEntropyLoss":
        arrays = [randn(4, 3), np.array([0, 2, 1, 1])]
    elif name == "CosineEmbeddingLoss":
        arrays = [randn(4, 3), randn(4, 3), np.array([1, -1, -1, 1])]
    else:
        arrays = [randn(4, 3), PROBS((4, 3))]
    pairs = [both(a) for a in arrays]
    compare(fm(*[p[0] for p in pairs]), tm(*[p[1] for p in pairs]), [p[0] for p in pairs],
            [p[1] for p in pairs], np.float64)


# -- nn.utils -------------------------------------------------------------------------------

@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    grads = [randn(3, 2), randn(4)]
    fps = [ft.nn.Parameter(ft.zeros(*g.shape, dtype=ft.float64)) for g in grads]
    tps = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for fp, tp, g in zip(fps, tps, grads):
        fp.grad, tp.grad = ft.tensor(g.copy()), torch.tensor(g.copy())
    fn = ft.nn.utils.clip_grad_norm_(fps, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type)
    assert str(fn.dtype) == "float64" and fn.shape == ()
    np.testing.assert_allclose(fn.item(), tn.item(), rtol=1e-12)
    for fp, tp in zip(fps, tps):
        np.testing.assert_allclose(fp.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_and_vectors():
    g = randn(3, 4) * 3
    fp, tp = ft.nn.Parameter(ft.tensor(g)), torch.nn.Parameter(torch.tensor(g))
    fp.grad, tp.grad = ft.tensor(g.copy()), torch.tensor(g.copy())
    ft.nn.utils.clip_grad_value_([fp], 1.5)
    torch.nn.utils.clip_grad_value_([tp], 1.5)
    np.testing.assert_array_equal(fp.grad.numpy(), tp.grad.numpy())
    torch.manual_seed(0)
    tm = torch.nn.Linear(3, 2).double()
    fm = ft.nn.Linear(3, 2).double()
    copy_params(fm, tm)
    fv = ft.nn.utils.parameters_to_vector(fm.parameters())
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    np.testing.assert_array_equal(fv.detach().numpy(), tv.detach().numpy())
    ft.nn.utils.vector_to_parameters(ft.tensor(np.arange(8.0)), fm.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(8.0, dtype=torch.float64), tm.parameters())
    for f, t in zip(fm.parameters(), tm.parameters()):
        np.testing.assert_array_equal(f.detach().numpy(), t.detach().numpy())
