"""Convolutions, pooling and batch normalization against PyTorch (skipped without torch).

Random inputs over a grid of options go through ``functrace.nn.functional`` on
Tensors and through ``torch.nn.functional``: forward values, output dtypes and
shapes, ``grad_fn`` names and the gradients of ``out.sum()`` (weighted by a
random cotangent, so that every output element matters) w.r.t. the input, the
weight and the bias must agree. Modules are compared on the same weights.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import functrace as ft
import functrace.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
TOL = {np.float32: 2e-5, np.float64: 1e-11}


def _pair(*arrays, dtype=np.float64):
    """The same data as requires-grad functrace and torch tensors."""
    ours = [ft.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    return ours, theirs


def compare(f_ours, f_torch, shapes, dtype=np.float64, names=True):
    """Forward values, dtype, grad_fn name and gradients of <ct, out>."""
    arrays = [RNG.standard_normal(s) for s in shapes]
    ours, theirs = _pair(*arrays, dtype=dtype)
    out, ref = f_ours(*ours), f_torch(*theirs)
    if isinstance(ref, tuple):           # (values, indices)
        np.testing.assert_array_equal(out[1].numpy(), ref[1].numpy())
        assert out[1].dtype == np.int64
        out, ref = out[0], ref[0]
    assert tuple(out.shape) == tuple(ref.shape)
    assert out.dtype == np.dtype(dtype)
    tol = TOL[dtype]
    scale = max(1.0, float(ref.abs().max()))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol,
                               atol=tol * scale)
    if names:
        assert out.grad_fn.name() == type(ref.grad_fn).__name__
    ct = RNG.standard_normal(tuple(ref.shape)).astype(dtype)
    (out * ft.tensor(ct)).sum().backward()
    (ref * torch.tensor(ct)).sum().backward()
    for a, b in zip(ours, theirs):
        g_scale = max(1.0, float(b.grad.abs().max()))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol,
                                   atol=tol * g_scale)


# -- convolutions ---------------------------------------------------------------------------

CONV2D = [  # (x shape, w shape, options)
    ((2, 3, 9, 8), (4, 3, 3, 3), {}),
    ((2, 3, 9, 8), (4, 3, 3, 2), dict(stride=2, padding=1)),
    ((2, 4, 9, 8), (6, 2, 3, 3), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ((1, 4, 7, 7), (4, 1, 3, 3), dict(padding="same", groups=4)),
    ((2, 2, 8, 7), (3, 2, 4, 2), dict(padding="same", dilation=2)),
    ((2, 3, 6, 6), (5, 3, 2, 2), dict(padding="valid", stride=3)),
    ((3, 8, 8), (4, 3, 3, 3), dict(padding=1)),                      # unbatched
    ((2, 6, 10, 10), (6, 2, 5, 3), dict(stride=3, padding=2, dilation=(1, 2), groups=3)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, kw", CONV2D, ids=[str(i) for i in range(len(CONV2D))])
def test_conv2d(xs, ws, kw, bias, dtype):
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    compare(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), shapes, dtype)


CONV1D = [((2, 3, 11), (4, 3, 3), {}), ((2, 4, 11), (4, 2, 4), dict(stride=2, padding=2,
                                                                   groups=2, dilation=2)),
          ((2, 3, 10), (2, 3, 4), dict(padding="same", dilation=3)), ((3, 7), (2, 3, 2), {})]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, ws, kw", CONV1D, ids=[str(i) for i in range(len(CONV1D))])
def test_conv1d_and_conv3d(xs, ws, kw, dtype):
    shapes = [xs, ws, (ws[0],)]
    compare(lambda *a: F.conv1d(*a, **kw), lambda *a: TF.conv1d(*a, **kw), shapes, dtype)
    compare(lambda x, w: F.conv3d(x, w, stride=(1, 2, 1), padding=1, groups=2),
            lambda x, w: TF.conv3d(x, w, stride=(1, 2, 1), padding=1, groups=2),
            [(2, 4, 4, 5, 3), (2, 2, 2, 3, 2)], dtype)


CONV_T = [((2, 3, 4, 5), (3, 2, 3, 3), {}),
          ((2, 4, 4, 5), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1, groups=2)),
          ((2, 2, 5, 4), (2, 3, 2, 3), dict(stride=(1, 3), padding=(0, 1), dilation=(2, 1))),
          ((2, 2, 5, 4), (2, 1, 3, 3), dict(stride=1, dilation=3, output_padding=2, padding=1)),
          ((3, 4, 4), (3, 2, 3, 3), dict(stride=3, output_padding=(2, 0)))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, ws, kw", CONV_T, ids=[str(i) for i in range(len(CONV_T))])
def test_conv_transpose2d(xs, ws, kw, dtype):
    groups = kw.get("groups", 1)
    shapes = [xs, ws, (ws[1] * groups,)]
    compare(lambda *a: F.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw),
            shapes, dtype)


def test_conv_transpose1d_and_3d():
    compare(lambda y, w: F.conv_transpose1d(y, w, stride=2, padding=1, output_padding=1),
            lambda y, w: TF.conv_transpose1d(y, w, stride=2, padding=1, output_padding=1),
            [(2, 3, 6), (3, 2, 4)])
    compare(lambda y, w: F.conv_transpose3d(y, w, stride=2, groups=2),
            lambda y, w: TF.conv_transpose3d(y, w, stride=2, groups=2),
            [(1, 4, 2, 3, 2), (4, 1, 2, 2, 3)])


# -- pooling ---------------------------------------------------------------------------------

MAX_POOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
            dict(kernel_size=(3, 2), stride=(2, 1), dilation=(1, 2), padding=(1, 0)),
            dict(kernel_size=3, stride=2, ceil_mode=True),
            dict(kernel_size=2, stride=3, padding=1, ceil_mode=True),
            dict(kernel_size=3, stride=1, padding=1, dilation=2, ceil_mode=True)]


@pytest.mark.parametrize("indices", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", MAX_POOL, ids=[str(i) for i in range(len(MAX_POOL))])
@pytest.mark.parametrize("xs", [(2, 3, 9, 8), (3, 7, 7)], ids=["batched", "unbatched"])
def test_max_pool2d(xs, kw, dtype, indices):
    compare(lambda x: F.max_pool2d(x, return_indices=indices, **kw),
            lambda x: TF.max_pool2d(x, return_indices=indices, **kw), [xs], dtype)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                           ceil_mode=True),
                                dict(kernel_size=2, dilation=3, return_indices=True)])
def test_max_pool1d_and_3d(kw):
    compare(lambda x: F.max_pool1d(x, **kw), lambda x: TF.max_pool1d(x, **kw), [(2, 3, 11)])
    compare(lambda x: F.max_pool3d(x, **kw), lambda x: TF.max_pool3d(x, **kw), [(1, 2, 5, 6, 7)])


def test_max_pool_ties_nans_and_infinities_pick_what_torch_picks():
    """First maximum, but the last NaN; never padding, even in all -inf windows."""
    x = np.array([[1.0, 3.0, 3.0, 0.0, np.nan], [3.0, -np.inf, 2.0, np.nan, 1.0],
                  [-np.inf, -np.inf, 5.0, 5.0, np.nan], [-np.inf, -np.inf, 5.0, 1.0, 2.0]])
    x = x[None, None]
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
               dict(kernel_size=2, stride=2, padding=1), dict(kernel_size=(2, 3), stride=1),
               dict(kernel_size=2, stride=1, dilation=(1, 2), ceil_mode=True)):
        ours, idx = F.max_pool2d(ft.tensor(x), return_indices=True, **kw)
        ref, ref_idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
        np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    t, r = ft.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.max_pool2d(t, 3, 1, 1).sum().backward()
    TF.max_pool2d(r, 3, 1, 1).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), r.grad.numpy())


AVG_POOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
            dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
            dict(kernel_size=(3, 2), stride=(2, 3), ceil_mode=True),
            dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
            dict(kernel_size=2, stride=3, padding=1, ceil_mode=True),
            dict(kernel_size=3, padding=1, divisor_override=4)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", AVG_POOL, ids=[str(i) for i in range(len(AVG_POOL))])
@pytest.mark.parametrize("xs", [(2, 3, 9, 8), (3, 7, 7)], ids=["batched", "unbatched"])
def test_avg_pool2d(xs, kw, dtype):
    compare(lambda x: F.avg_pool2d(x, **kw), lambda x: TF.avg_pool2d(x, **kw), [xs], dtype)


def test_avg_pool1d_3d_and_integers():
    kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    compare(lambda x: F.avg_pool1d(x, **kw), lambda x: TF.avg_pool1d(x, **kw), [(2, 3, 10)])
    compare(lambda x: F.avg_pool3d(x, **kw), lambda x: TF.avg_pool3d(x, **kw), [(1, 2, 5, 4, 6)])
    x = RNG.integers(-20, 20, size=(2, 3, 7, 7))
    for kw in (dict(kernel_size=3), dict(kernel_size=2, padding=1)):
        ours = F.avg_pool2d(ft.tensor(x), **kw)
        ref = TF.avg_pool2d(torch.tensor(x), **kw)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())


ADAPTIVE = [1, (1, 1), 2, (3, 2), (5, 7), (4, None), (9, 8), (2, 4)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", ADAPTIVE, ids=[str(s) for s in ADAPTIVE])
def test_adaptive_avg_pool2d(size, dtype):
    compare(lambda x: F.adaptive_avg_pool2d(x, size), lambda x: TF.adaptive_avg_pool2d(x, size),
            [(2, 3, 9, 8)], dtype)
    compare(lambda x: F.adaptive_avg_pool2d(x, size), lambda x: TF.adaptive_avg_pool2d(x, size),
            [(3, 9, 8)], dtype)


def test_adaptive_avg_pool1d_and_3d():
    for size in (1, 3, 4):
        compare(lambda x: F.adaptive_avg_pool1d(x, size),
                lambda x: TF.adaptive_avg_pool1d(x, size), [(2, 3, 10)])
    compare(lambda x: F.adaptive_avg_pool3d(x, (2, 3, 1)),
            lambda x: TF.adaptive_avg_pool3d(x, (2, 3, 1)), [(1, 2, 5, 6, 4)])


# -- batch normalization --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("xs", [(4, 3), (4, 3, 5), (4, 3, 5, 2)], ids=["2d", "3d", "4d"])
def test_batch_norm_function(xs, training, dtype):
    mean, var = RNG.standard_normal(3), RNG.uniform(0.5, 2.0, 3)
    rm_ours, rv_ours = ft.tensor(mean.astype(dtype)), ft.tensor(var.astype(dtype))
    rm_ref, rv_ref = torch.tensor(mean.astype(dtype)), torch.tensor(var.astype(dtype))
    compare(lambda x, w, b: F.batch_norm(x * 2 + 1, rm_ours, rv_ours, w, b, training, 0.3, 1e-3),
            lambda x, w, b: TF.batch_norm(x * 2 + 1, rm_ref, rv_ref, w, b, training, 0.3, 1e-3),
            [xs, (3,), (3,)], dtype)
    np.testing.assert_allclose(rm_ours.numpy(), rm_ref.numpy(), rtol=TOL[dtype])
    np.testing.assert_allclose(rv_ours.numpy(), rv_ref.numpy(), rtol=TOL[dtype])


@pytest.mark.parametrize("kw", [{}, dict(momentum=None), dict(affine=False),
                                dict(track_running_stats=False), dict(bias=False)],
                         ids=["default", "cumulative", "no-affine", "untracked", "no-bias"])
def test_batch_norm_modules_follow_torch_through_train_and_eval(kw):
    ours, ref = ft.nn.BatchNorm2d(3, **kw), torch.nn.BatchNorm2d(3, **kw)
    assert repr(ours) == repr(ref)
    assert list(ours.state_dict()) == list(ref.state_dict())
    for step in range(4):
        if step == 3:
            ours.eval()
            ref.eval()
        x = RNG.standard_normal((5, 3, 4, 4)).astype(np.float32) * 3 + step
        np.testing.assert_allclose(ours(ft.tensor(x)).detach().numpy(),
                                   ref(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    for key, value in ref.state_dict().items():
        mine = ours.state_dict()[key]
        assert mine.dtype == np.dtype(str(value.dtype).replace("torch.", ""))
        np.testing.assert_allclose(mine.numpy(), value.numpy(), rtol=1e-5)
    m1 = ft.nn.BatchNorm1d(4, **kw)
    r1 = torch.nn.BatchNorm1d(4, **kw)
    for xs in ((6, 4), (6, 4, 3)):
        x = RNG.standard_normal(xs).astype(np.float32)
        np.testing.assert_allclose(m1(ft.tensor(x)).detach().numpy(),
                                   r1(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


# -- modules: shapes, repr, init, forward with the same weights ----------------------------

def _copy_params(ours, ref):
    for (name, p), (rname, rp) in zip(ours.named_parameters(), ref.named_parameters()):
        assert name == rname and tuple(p.shape) == tuple(rp.shape)
        p.data = ft.tensor(rp.detach().numpy().copy())


MODULES = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 9)),
    ("Conv2d", (3, 4, (3, 2)), dict(padding="same", bias=False), (2, 3, 6, 7)),
    ("Conv2d", (4, 6, 3), dict(groups=2, dilation=2, padding_mode="reflect", padding=2),
     (2, 4, 7, 7)),
    ("Conv2d", (2, 4, 3), dict(padding_mode="replicate", padding=(1, 2)), (2, 2, 5, 6)),
    ("Conv2d", (2, 4, 3), dict(padding_mode="circular", padding="same"), (2, 2, 5, 6)),
    ("Conv3d", (2, 2, 2), dict(stride=(1, 2, 1)), (1, 2, 4, 5, 3)),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2), (2, 3, 5)),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 4, 3)),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=2), (1, 2, 2, 3, 2)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", ((2, 3),), dict(stride=1, padding=1, dilation=2, ceil_mode=True), (2, 3, 8, 8)),
    ("MaxPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AvgPool1d", (3,), dict(padding=1), (2, 3, 9)),
    ("AvgPool2d", (3, 2, 1, True, False), {}, (2, 3, 8, 8)),
    ("AvgPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((2, None),), {}, (2, 3, 5, 7)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 5, 7)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 3, 5, 4)),
]


@pytest.mark.parametrize("name, args, kw, xs", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_torch(name, args, kw, xs):
    ours, ref = getattr(ft.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(ref)
    _copy_params(ours, ref)
    params = list(ours.parameters())
    ref_params = list(ref.parameters())
    x = RNG.standard_normal(xs).astype(np.float32)
    xo, xr = ft.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, r = ours(xo), ref(xr)
    assert tuple(out.shape) == tuple(r.shape) and out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), r.detach().numpy(), rtol=2e-5, atol=2e-5)
    out.sum().backward()
    r.sum().backward()
    for a, b in zip([xo] + params, [xr] + ref_params):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("cls, args", [("Conv2d", (8, 16, 3)), ("Conv1d", (4, 6, 5)),
                                       ("ConvTranspose2d", (6, 4, 3)),
                                       ("Conv2d", (6, 12, 3, 1, 0, 1, 3))])
def test_initialisation_has_torchs_distribution(cls, args):
    """Same bounds (kaiming_uniform with a=sqrt(5); bias in +-1/sqrt(fan_in)) and spread."""
    ft.manual_seed(0)
    torch.manual_seed(0)
    ours = np.concatenate([getattr(ft.nn, cls)(*args).weight.detach().numpy().ravel()
                           for _ in range(20)])
    ref = np.concatenate([getattr(torch.nn, cls)(*args).weight.detach().numpy().ravel()
                          for _ in range(20)])
    assert abs(ours.max() - ref.max()) < 0.02 * ref.max()
    assert abs(ours.min() - ref.min()) < 0.02 * ref.max()
    assert abs(ours.std() - ref.std()) < 0.05 * ref.std()
    b_ours = getattr(ft.nn, cls)(*args).bias.detach().numpy()
    b_ref = getattr(torch.nn, cls)(*args).bias.detach().numpy()
    bound = np.abs(b_ref).max()
    assert np.abs(b_ours).max() <= 1.0 / np.sqrt(getattr(ft.nn, cls)(*args).weight[0].numel())
    assert bound <= 1.0 / np.sqrt(getattr(torch.nn, cls)(*args).weight[0].numel())


def test_conv_transpose_output_size_argument():
    ours = ft.nn.ConvTranspose2d(2, 3, 3, stride=2)
    ref = torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    _copy_params(ours, ref)
    x = RNG.standard_normal((1, 2, 4, 4)).astype(np.float32)
    for size in ([9, 9], [10, 9], [1, 3, 10, 10]):
        out, r = ours(ft.tensor(x), output_size=size), ref(torch.tensor(x), output_size=size)
        assert tuple(out.shape) == tuple(r.shape)
        np.testing.assert_allclose(out.detach().numpy(), r.detach().numpy(), rtol=2e-5, atol=2e-5)
    with pytest.raises(ValueError, match="valid sizes range from"):
        ours(ft.tensor(x), output_size=[11, 11])


ERRORS = [  # (call of a functional namespace F and a randn, error type)
    (lambda F, r: F.conv2d(r(2, 3), r(4, 3, 3, 3)), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 5, 8, 8), r(4, 3, 3, 3)), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 4, 8, 8), r(5, 2, 3, 3), groups=2), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 3, 2, 2), r(4, 3, 3, 3)), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), r(3)), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), padding="same", stride=2),
     RuntimeError),
    (lambda F, r: F.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), padding="full"), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), padding=-1), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), stride=0), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), stride=(1, 1, 1)), RuntimeError),
    (lambda F, r: F.conv2d(r(2, 3, 8, 8).double(), r(4, 3, 3, 3)), RuntimeError),
    (lambda F, r: F.conv_transpose2d(r(2, 3, 4, 4), r(3, 4, 3, 3), stride=2, output_padding=2),
     RuntimeError),
    (lambda F, r: F.conv_transpose2d(r(2, 3, 4, 4), r(3, 4, 3, 3), padding="same"), TypeError),
    (lambda F, r: F.max_pool2d(r(2, 3, 8, 8), 3, padding=2), RuntimeError),
    (lambda F, r: F.max_pool2d(r(2, 3, 8, 8), 9), RuntimeError),
    (lambda F, r: F.avg_pool2d(r(2, 3, 8, 8), 2, stride=0), RuntimeError),
    (lambda F, r: F.max_pool2d(r(2, 3), 2), RuntimeError),
    (lambda F, r: F.batch_norm(r(1, 3), None, None, training=True), ValueError),
]


@pytest.mark.parametrize("case, error", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_have_torchs_types(case, error):
    with pytest.raises(error):
        case(TF, torch.randn)
    with pytest.raises(error):
        case(F, ft.randn)


def test_module_errors_have_torchs_types():
    for kwargs in (dict(groups=2), dict(padding="same", stride=2), dict(padding="full"),
                   dict(padding_mode="mirror")):
        args = (3, 4, 3)
        for nn in (ft.nn, torch.nn):
            with pytest.raises(ValueError):
                nn.Conv2d(*args, **kwargs)
    for nn in (ft.nn, torch.nn):
        with pytest.raises(ValueError):
            nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="expected 4D input"):
        ft.nn.BatchNorm2d(3)(ft.randn(2, 3))
    with pytest.raises(ValueError, match="expected 4D input"):
        torch.nn.BatchNorm2d(3)(torch.randn(2, 3))


def test_grid_of_conv_options_against_torch():
    """A broader grid (float64): every stride, padding, dilation and groups combination."""
    for stride, pad, dil, groups in itertools.product((1, 2, 3), (0, 1, 2), (1, 2), (1, 2)):
        k = 3
        n = max(dil * (k - 1) + 1 - 2 * pad, 1) + 3
        shapes = [(2, 2 * groups, n, n + 1), (2 * groups, 2, k, k - 1)]
        kw = dict(stride=stride, padding=pad, dilation=dil, groups=groups)
        compare(lambda x, w: F.conv2d(x, w, **kw), lambda x, w: TF.conv2d(x, w, **kw), shapes)
        compare(lambda x, w: F.conv_transpose2d(x, w, **kw),
                lambda x, w: TF.conv_transpose2d(x, w, **kw),
                [(2, 2 * groups, n, n + 1), (2 * groups, 2, k, k - 1)])
