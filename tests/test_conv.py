"""Convolution and pooling beyond the spec table (which checks every primitive's
derivatives to second order): the numpy kernels against loop references over a
hypothesis grid of options, the adjoint identity, the facade's ``grad_fn`` names,
max pooling's argmax rules, batch normalization's running statistics, the modules'
parameters, initialisation and ``repr``, ``vmap`` of per-example gradients, and errors.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrace as ft
import functrace.nn.functional as F
from functrace.primitives import windows as W
from functrace.primitives.conv import conv_p, conv_transpose_p

from specs.conv import ref_conv

RNG = np.random.default_rng(0)


# -- the numpy kernels ----------------------------------------------------------------------

@st.composite
def conv_problems(draw):
    nd = draw(st.integers(1, 2))
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(nd))
    spatial = tuple(max(d * (k - 1) + 1 - lo - hi, 1) + draw(st.integers(0, 5))
                    for k, d, (lo, hi) in zip(kernel, dilation, padding))
    n = draw(st.integers(1, 3))
    return dict(x=(n, groups * cg) + spatial, w=(groups * og, cg) + kernel, stride=stride,
                padding=padding, dilation=dilation, groups=groups)


def _problem(p, dtype=np.float64):
    x = RNG.standard_normal(p["x"]).astype(dtype)
    w = RNG.standard_normal(p["w"]).astype(dtype)
    params = {k: p[k] for k in ("stride", "padding", "dilation", "groups")}
    return x, w, params


@settings(max_examples=60, deadline=None)
@given(conv_problems(), st.sampled_from([1 << 21, 64]))
def test_conv_and_its_transpose_match_loops_and_are_adjoint(problem, chunk_bytes):
    """conv equals the loop reference; <conv(x), y> = <x, conv_transpose(y)> (all
    code paths: by positions or by kernel, flat or col2im, one or many chunks)."""
    x, w, params = _problem(problem)
    previous, W.CHUNK_BYTES = W.CHUNK_BYTES, chunk_bytes
    try:
        y = conv_p.bind(x, w, **params)
        np.testing.assert_allclose(y, ref_conv(x, w, **params), rtol=1e-10, atol=1e-10)
        ct = RNG.standard_normal(y.shape)
        back = conv_transpose_p.bind(ct, w, spatial=x.shape[2:], **params)
        assert back.shape == x.shape
        assert math.isclose(np.sum(y * ct), np.sum(x * back), rel_tol=1e-9, abs_tol=1e-9)
        swapped = conv_p.bind(np.swapaxes(x, 0, 1).copy(), np.swapaxes(ct, 0, 1).copy(),
                              stride=params["dilation"], padding=params["padding"],
                              dilation=params["stride"], groups=1)
        if params["groups"] == 1:       # the weight gradient's convolution, by kernel
            g = np.swapaxes(swapped, 0, 1)[(Ellipsis,) + tuple(slice(0, k)
                                                               for k in w.shape[2:])]
            np.testing.assert_allclose(g, ft.grad(lambda w_: ft.numpy.sum(
                conv_p.bind(x, w_, **params) * ct))(w), rtol=1e-9, atol=1e-9)
    finally:
        W.CHUNK_BYTES = previous


def test_float32_stays_float32_and_integers_convolve():
    x, w, params = _problem(dict(x=(2, 2, 5, 5), w=(3, 2, 3, 3), stride=(1, 1),
                                 padding=((1, 1), (1, 1)), dilation=(1, 1), groups=1),
                            np.float32)
    assert conv_p.bind(x, w, **params).dtype == np.float32
    xi, wi = np.arange(25).reshape(1, 1, 5, 5), np.ones((1, 1, 2, 2), np.int64)
    out = F.conv2d(xi, wi)
    assert out.dtype == np.int64 and out[0, 0, 0, 0] == 0 + 1 + 5 + 6


# -- max pooling ----------------------------------------------------------------------------

def test_max_pool_gradient_goes_to_the_first_maximum_only():
    x = ft.tensor([[[[1.0, 3.0, 3.0], [0.0, 3.0, 2.0], [-1.0, 4.0, 4.0]]]], requires_grad=True)
    out, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    assert idx.tolist() == [[[[1, 1], [7, 7]]]]
    out.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 2.0, 0.0]]]]
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"


def test_max_pool_never_picks_padding_and_handles_nans_and_integers():
    x = np.full((1, 1, 3, 3), -np.inf)
    _, idx = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    assert idx.tolist() == [[[[0, 1], [3, 4]]]]          # each window's first element inside
    x = np.array([[[np.nan, 1.0, np.nan, 5.0]]])
    out, idx = F.max_pool1d(x, 4, return_indices=True)
    assert np.isnan(out).all() and idx.item() == 2       # the last NaN, as torch
    xi = np.array([[[3, -7, 9, 9]]])
    out, idx = F.max_pool1d(xi, 2, return_indices=True)
    assert out.tolist() == [[[3, 9]]] and idx.tolist() == [[[0, 2]]]


def test_pooling_output_sizes_follow_ceil_mode_rules():
    x = np.zeros((1, 1, 5, 5))
    assert F.max_pool2d(x, 2).shape == (1, 1, 2, 2)
    assert F.max_pool2d(x, 2, ceil_mode=True).shape == (1, 1, 3, 3)
    # the last window must start inside the input (or its left padding)
    assert F.max_pool2d(np.zeros((1, 1, 4, 4)), 2, stride=2, padding=1,
                        ceil_mode=True).shape == (1, 1, 3, 3)
    assert F.avg_pool2d(x, 3, stride=2, ceil_mode=True).shape == (1, 1, 2, 2)


def test_avg_pool_counts_and_divisor():
    x = np.ones((1, 1, 4, 4))
    np.testing.assert_allclose(F.avg_pool2d(x, 3, stride=2, padding=1),
                               [[[[4 / 9, 6 / 9], [6 / 9, 1.0]]]])
    np.testing.assert_allclose(F.avg_pool2d(x, 3, stride=2, padding=1,
                                            count_include_pad=False), np.ones((1, 1, 2, 2)))
    np.testing.assert_allclose(F.avg_pool2d(x, 2, divisor_override=1), 4 * np.ones((1, 1, 2, 2)))


def test_adaptive_pooling_bins_overlap_as_in_torch():
    x = np.arange(5.0).reshape(1, 1, 5)
    # bins [0, 2), [1, 4), [3, 5)
    np.testing.assert_allclose(F.adaptive_avg_pool1d(x, 3), [[[0.5, 2.0, 3.5]]])
    g = ft.grad(lambda x: F.adaptive_avg_pool1d(x, 3).sum())(x)
    np.testing.assert_allclose(g, [[[0.5, 0.5 + 1 / 3, 1 / 3, 1 / 3 + 0.5, 0.5]]])


# -- facade names, transforms ---------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda x: F.conv2d(x, ft.ones(2, 3, 3, 3), ft.ones(2)), "ConvolutionBackward0"),
    (lambda x: F.conv_transpose2d(x, ft.ones(3, 2, 3, 3)), "ConvolutionBackward0"),
    (lambda x: F.conv2d(x[0], ft.ones(2, 3, 3, 3)), "SqueezeBackward1"),
    (lambda x: F.avg_pool2d(x, 2), "AvgPool2DBackward0"),
    (lambda x: F.adaptive_avg_pool2d(x, 2), "AdaptiveAvgPool2DBackward0"),
    (lambda x: F.adaptive_avg_pool2d(x, 1), "MeanBackward1"),
    (lambda x: F.max_pool1d(x[0], 2), "SqueezeBackward1"),
    (lambda x: F.batch_norm(x, None, None, training=True), "NativeBatchNormBackward0"),
])
def test_grad_fn_names_are_torchs(call, name):
    x = ft.randn(2, 3, 6, 6, requires_grad=True)
    assert call(x).grad_fn.name() == name


def test_per_example_gradients_of_a_small_cnn_with_vmap():
    params = {"w": RNG.standard_normal((4, 1, 3, 3)), "b": RNG.standard_normal(4),
              "v": RNG.standard_normal((4 * 3 * 3, 2))}

    def loss(p, image):
        h = F.relu(F.conv2d(image[None], p["w"], p["b"], padding=1))
        h = F.max_pool2d(h, 2, ceil_mode=True)
        return ft.numpy.sum(ft.numpy.tanh(ft.numpy.reshape(h, (-1,)) @ p["v"]))

    images = RNG.standard_normal((5, 1, 5, 5))
    batched = ft.vmap(ft.grad(loss), in_axes=(None, 0))(params, images)
    for i, image in enumerate(images):
        single = ft.grad(loss)(params, image)
        for k in params:
            np.testing.assert_allclose(batched[k][i], single[k], rtol=1e-10, atol=1e-12)


def test_second_order_through_conv_and_pool_in_the_facade():
    x = ft.randn(1, 2, 5, 5, requires_grad=True)
    w = ft.randn(3, 2, 2, 2, requires_grad=True)
    y = F.avg_pool2d(F.conv2d(x, w) ** 2, 2).sum()
    (gx,) = ft.autograd.grad(y, (x,), create_graph=True)
    (gw,) = ft.autograd.grad((gx * gx).sum(), (w,))

    def reference(w_):
        def inner(x_):
            return ft.numpy.sum(F.avg_pool2d(F.conv2d(x_, w_) ** 2, 2))
        return ft.numpy.sum(ft.grad(inner)(x.detach().numpy()) ** 2)
    np.testing.assert_allclose(gw.numpy(), ft.grad(reference)(w.detach().numpy()), rtol=1e-5,
                               atol=1e-5)


# -- batch normalization --------------------------------------------------------------------

def test_batch_norm_running_statistics_follow_the_documented_update():
    bn = ft.nn.BatchNorm2d(2, momentum=0.25)
    x = RNG.standard_normal((4, 2, 3, 3)).astype(np.float32) * 2 + 1
    y = bn(ft.tensor(x))
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(y.detach().numpy(), (x - mean[:, None, None]) / np.sqrt(
        var[:, None, None] + 1e-5), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.25 * mean, rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.75 + 0.25 * var * 36 / 35, rtol=1e-6)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    z = bn(ft.tensor(x))
    mean, var = bn.running_mean.numpy()[:, None, None], bn.running_var.numpy()[:, None, None]
    np.testing.assert_allclose(z.detach().numpy(), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1


def test_batch_norm_cumulative_average_and_untracked_statistics():
    bn = ft.nn.BatchNorm1d(3, momentum=None)
    batches = [RNG.standard_normal((5, 3)) for _ in range(3)]
    for b in batches:
        bn(ft.tensor(b.astype(np.float32)))
    np.testing.assert_allclose(bn.running_mean.numpy(),
                               np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-5)
    free = ft.nn.BatchNorm1d(3, track_running_stats=False, affine=False)
    assert free.running_mean is None and list(free.parameters()) == []
    free.eval()
    out = free(ft.tensor(batches[0]))            # batch statistics, also in eval mode
    np.testing.assert_allclose(out.numpy().mean(0), 0.0, atol=1e-12)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        ft.nn.BatchNorm1d(3)(ft.randn(1, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        ft.nn.BatchNorm1d(3)(ft.randn(2, 3, 4, 5))
    with pytest.raises(RuntimeError, match="batched by vmap"):
        ft.vmap(lambda x: F.batch_norm(x, np.zeros(3), np.ones(3), training=True))(
            np.ones((2, 4, 3)))


# -- modules ---------------------------------------------------------------------------------

def test_conv_modules_parameters_init_and_repr():
    ft.manual_seed(0)
    conv = ft.nn.Conv2d(4, 8, (3, 2), stride=2, padding=1, groups=2, bias=True)
    assert conv.weight.shape == (8, 2, 3, 2) and conv.bias.shape == (8,)
    bound = 1 / math.sqrt(2 * 3 * 2)         # kaiming_uniform(a=sqrt(5)) = 1 / sqrt(fan_in)
    assert np.abs(conv.weight.detach().numpy()).max() <= bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    assert repr(conv) == ("Conv2d(4, 8, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), "
                          "groups=2)")
    up = ft.nn.ConvTranspose2d(4, 6, 3, groups=2, bias=False)
    assert up.weight.shape == (4, 3, 3, 3) and up.bias is None
    assert [n for n, _ in ft.nn.Sequential(conv, ft.nn.BatchNorm2d(8)).named_parameters()] == \
        ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_padding_modes_pad_like_numpy():
    x = RNG.standard_normal((1, 1, 4, 5))
    for mode, np_mode in (("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")):
        conv = ft.nn.Conv2d(1, 1, 3, padding=(1, 2), padding_mode=mode, bias=False).double()
        w = conv.weight.detach().numpy()
        want = ref_conv(np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)), mode=np_mode), w)
        np.testing.assert_allclose(conv(ft.tensor(x)).detach().numpy(), want, rtol=1e-12)


def test_conv_transpose_output_size_picks_the_output_padding():
    up = ft.nn.ConvTranspose1d(1, 1, 3, stride=3)
    assert up(ft.ones(1, 1, 4)).shape == (1, 1, 12)
    assert up(ft.ones(1, 1, 4), output_size=[14]).shape == (1, 1, 14)
    with pytest.raises(ValueError, match="requested an output size of"):
        up(ft.ones(1, 1, 4), output_size=[15])


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 2, 3, 3))), "to have 2 channels"),
    (lambda: F.conv2d(np.ones((1, 2, 5, 5)), np.ones((2, 2, 3, 3), np.float32)),
     "should be the same"),
    (lambda: F.conv2d(np.ones((1, 2, 2, 2)), np.ones((2, 2, 3, 3))), "Kernel size can't"),
    (lambda: F.conv1d(np.ones((1, 2, 5)), np.ones((2, 2, 3)), padding="same", stride=2),
     "strided convolutions"),
    (lambda: F.conv1d(np.ones((1, 2, 5)), np.ones((2, 2, 3)), stride=(1, 1)),
     "single integer value or a list of 1"),
    (lambda: F.max_pool2d(np.ones((1, 1, 4, 4)), 2, padding=2), "at most half"),
    (lambda: F.avg_pool2d(np.ones((1, 1, 2, 2)), 3), "Output size is too small"),
    (lambda: F.max_pool2d(np.ones((4, 4)), 2), "3D or 4D"),
    (lambda: ft.nn.Conv2d(3, 4, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda: ft.nn.Conv2d(2, 4, 3, padding_mode="mirror"), "padding_mode must be one of"),
])
def test_errors_name_the_problem(call, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        call()
