"""The ``nn`` layers added for issue 16 against hand-written numpy references, finite
differences (``check_grads`` on the functional forms, float32 and float64, order 2) and
the functional transforms (``grad``, ``vmap``)."""
import math

import numpy as np
import pytest

import functrace as ft
import functrace.nn.functional as F
from functrace import nn
from functrace.nn.rnn_steps import cell_step
from functrace.testing import check_grads

RNG = np.random.default_rng(0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# -- normalisation ----------------------------------------------------------------------------

def ref_layer_norm(x, k, w, b, eps=1e-5):
    axes = tuple(range(-k, 0))
    mu = x.mean(axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def test_layer_norm_matches_its_formula():
    x, w, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((3, 4)), RNG.standard_normal(
        (3, 4))
    out = F.layer_norm(ft.tensor(x), (3, 4), ft.tensor(w), ft.tensor(b))
    np.testing.assert_allclose(out.numpy(), ref_layer_norm(x, 2, w, b), rtol=1e-12)
    assert out.dtype == np.float64


def test_group_norm_matches_its_formula():
    x = RNG.standard_normal((2, 6, 5))
    w, b = RNG.standard_normal(6), RNG.standard_normal(6)
    g = x.reshape(2, 3, 10)
    mu, var = g.mean(-1, keepdims=True), g.var(-1, keepdims=True)
    expected = ((g - mu) / np.sqrt(var + 1e-5)).reshape(x.shape) * w[:, None] + b[:, None]
    out = F.group_norm(ft.tensor(x), 3, ft.tensor(w), ft.tensor(b))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_norm_gradients_by_finite_differences(dtype):
    x = RNG.standard_normal((3, 4)).astype(dtype)
    w = RNG.standard_normal(4).astype(dtype)
    b = RNG.standard_normal(4).astype(dtype)
    check_grads(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))
    check_grads(lambda x, w: F.rms_norm(x, 4, w, eps=1e-3), (x, w))
    xg = RNG.standard_normal((2, 4, 3)).astype(dtype)
    check_grads(lambda x, w, b: F.group_norm(x, 2, w, b), (xg, w, b))


def test_norms_under_vmap_and_grad():
    x = RNG.standard_normal((5, 3, 4))
    batched = ft.vmap(lambda r: F.layer_norm(r, (4,)))(x)
    np.testing.assert_allclose(batched, ref_layer_norm(x, 1, 1.0, 0.0), rtol=1e-12)
    per_sample = ft.vmap(lambda r: F.group_norm(r[None], 2)[0])(RNG.standard_normal((3, 4, 2)))
    assert per_sample.shape == (3, 4, 2)
    # Tensor.backward and ft.grad agree on the same function
    t = ft.tensor(x, requires_grad=True)
    (F.layer_norm(t, (3, 4)) ** 3).sum().backward()
    g = ft.grad(lambda a: (F.layer_norm(a, (3, 4)) ** 3).sum())(x)
    np.testing.assert_allclose(t.grad.numpy(), g, rtol=1e-10)


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.layer_norm(ft.ones(2, 3), (4,)), RuntimeError,
     r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of "
     r"size\[2, 3\]"),
    (lambda: F.layer_norm(ft.ones(2, 4), (4,), ft.ones(3)), RuntimeError,
     "Expected weight to be of same shape as normalized_shape"),
    (lambda: F.group_norm(ft.ones(2, 3, 4), 2), RuntimeError,
     "Expected number of channels in input to be divisible by num_groups"),
    (lambda: nn.GroupNorm(2, 3), ValueError, "num_channels must be divisible by num_groups"),
])
def test_norm_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_norm_modules_parameters():
    ln = nn.LayerNorm(4, elementwise_affine=True, bias=False)
    assert [n for n, _ in ln.named_parameters()] == ["weight"] and ln.bias is None
    assert nn.LayerNorm((2, 3)).weight.shape == (2, 3)
    assert len(list(nn.GroupNorm(2, 4, affine=False).parameters())) == 0
    assert nn.LayerNorm(4, dtype=ft.float64).weight.dtype == np.float64


# -- embedding -------------------------------------------------------------------------------

def test_embedding_gathers_rows_and_sums_repeated_gradients():
    w = RNG.standard_normal((6, 3))
    idx = np.array([[1, 4], [1, 0]])
    emb = nn.Embedding.from_pretrained(ft.tensor(w), freeze=False)
    out = emb(ft.tensor(idx))
    np.testing.assert_array_equal(out.detach().numpy(), w[idx])
    assert out.grad_fn.name() == "EmbeddingBackward0"
    out.sum().backward()
    expected = np.zeros_like(w)
    np.add.at(expected, idx, 1.0)
    np.testing.assert_array_equal(emb.weight.grad.numpy(), expected)


def test_embedding_padding_row_is_zero_and_gets_no_gradient():
    ft.manual_seed(0)
    emb = nn.Embedding(5, 2, padding_idx=-1)
    assert emb.padding_idx == 4 and not emb.weight[4].detach().numpy().any()
    with ft.no_grad():
        emb.weight[4] = 7.0                     # a non-zero padding row is returned as it is
    out = emb(ft.tensor([4, 2, 4]))
    assert out[0].tolist() == [7.0, 7.0]
    (out * 3).sum().backward()
    assert emb.weight.grad[4].tolist() == [0.0, 0.0] and emb.weight.grad[2].tolist() == [3, 3]


def test_embedding_scale_grad_by_freq_and_max_norm():
    w = np.arange(12.0).reshape(4, 3)
    weight = ft.tensor(w.copy(), requires_grad=True)
    F.embedding(ft.tensor([1, 1, 3]), weight, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy()[:, 0], [0, 1, 0, 1])
    table = ft.tensor(w.copy())
    out = F.embedding(ft.tensor([0, 2]), table, max_norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(out.numpy(), axis=1)[1], 1.0, rtol=1e-6)
    assert np.linalg.norm(table.numpy()[2]) == pytest.approx(1.0, rel=1e-6)   # in place
    assert table.numpy()[3].tolist() == [9.0, 10.0, 11.0]                    # unused rows kept


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding_under_grad_and_vmap(dtype):
    w = RNG.standard_normal((5, 3)).astype(dtype)
    idx = np.array([[0, 3], [3, 3]])
    check_grads(lambda w: F.embedding(idx, w), (w,))   # (padding rows are not a derivative)
    g = ft.grad(lambda w: (F.embedding(idx, w, padding_idx=0) ** 2).sum())(w)
    assert not g[0].any() and g.dtype == dtype
    per_row = ft.vmap(lambda i: F.embedding(i, w, padding_idx=3))(idx)
    np.testing.assert_array_equal(per_row, w[idx])
    gv = ft.vmap(ft.grad(lambda w, i: F.embedding(i, w, padding_idx=3).sum()),
                 in_axes=(None, 0))(w, idx)
    assert gv.shape == (2, 5, 3) and not gv[:, 3].any() and gv[0, 0].tolist() == [1, 1, 1]


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.embedding(ft.tensor([0.5]), ft.ones(3, 2)), RuntimeError, "Long, Int"),
    (lambda: F.embedding(ft.tensor([3]), ft.ones(3, 2)), IndexError, "index out of range"),
    (lambda: nn.Embedding(3, 2, padding_idx=3), AssertionError, "Padding_idx must be within"),
    (lambda: nn.Embedding(3, 2, sparse=True), NotImplementedError, "sparse"),
    (lambda: nn.Embedding.from_pretrained(ft.ones(3)), AssertionError, "2-dimensional"),
])
def test_embedding_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- recurrent layers: the step equations written out in numpy --------------------------------

def ref_lstm(x, h, c, w_ih, w_hh, b_ih, b_hh):
    outs = []
    for xt in x:
        gates = xt @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = np.split(gates, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs), h, c


def ref_gru(x, h, w_ih, w_hh, b_ih, b_hh):
    outs = []
    for xt in x:
        ri, zi, ni = np.split(xt @ w_ih.T + b_ih, 3, axis=-1)
        rh, zh, nh = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
        r, z = sigmoid(ri + rh), sigmoid(zi + zh)
        n = np.tanh(ni + r * nh)
        h = (1 - z) * n + z * h
        outs.append(h)
    return np.stack(outs), h


def params(module):
    return [p.detach().numpy() for p in module.parameters()]


def test_lstm_matches_the_step_equations():
    ft.manual_seed(0)
    lstm = nn.LSTM(3, 4).double()
    x, h0, c0 = RNG.standard_normal((6, 2, 3)), RNG.standard_normal((1, 2, 4)), \
        RNG.standard_normal((1, 2, 4))
    out, (h, c) = lstm(ft.tensor(x), (ft.tensor(h0), ft.tensor(c0)))
    ref_out, ref_h, ref_c = ref_lstm(x, h0[0], c0[0], *params(lstm))
    np.testing.assert_allclose(out.detach().numpy(), ref_out, rtol=1e-12)
    np.testing.assert_allclose(h.detach().numpy()[0], ref_h, rtol=1e-12)
    np.testing.assert_allclose(c.detach().numpy()[0], ref_c, rtol=1e-12)


def test_bidirectional_gru_runs_the_reverse_direction_backwards():
    ft.manual_seed(0)
    gru = nn.GRU(3, 4, bidirectional=True, batch_first=True).double()
    x = RNG.standard_normal((2, 5, 3))
    out, h = gru(ft.tensor(x))
    p = params(gru)
    seq = x.transpose(1, 0, 2)
    fwd, h_fwd = ref_gru(seq, np.zeros((2, 4)), *p[:4])
    bwd, h_bwd = ref_gru(seq[::-1], np.zeros((2, 4)), *p[4:])
    expected = np.concatenate([fwd, bwd[::-1]], -1).transpose(1, 0, 2)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(h.detach().numpy(), np.stack([h_fwd, h_bwd]), rtol=1e-12)


def test_rnn_parameter_names_shapes_and_init():
    ft.manual_seed(0)
    lstm = nn.LSTM(3, 16, num_layers=2, bidirectional=True, proj_size=5)
    shapes = {n: tuple(p.shape) for n, p in lstm.named_parameters()}
    assert shapes["weight_ih_l0"] == (64, 3) and shapes["weight_hh_l0_reverse"] == (64, 5)
    assert shapes["weight_ih_l1"] == (64, 10) and shapes["weight_hr_l1_reverse"] == (5, 16)
    assert len(shapes) == 20 and len(lstm.all_weights) == 4
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.detach().numpy().ravel() for p in lstm.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound


@pytest.mark.parametrize("mode, n_states", [("LSTM", 2), ("GRU", 1), ("RNN_TANH", 1),
                                             ("RNN_RELU", 1)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cell_steps_by_finite_differences(mode, n_states, dtype):
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1) * 3
    x = RNG.standard_normal((2, 2)).astype(dtype)
    states = [RNG.standard_normal((2, 3)).astype(dtype) for _ in range(n_states)]
    w_ih = (RNG.standard_normal((gates, 2)) * 0.5).astype(dtype)
    w_hh = (RNG.standard_normal((gates, 3)) * 0.5).astype(dtype)
    b_ih, b_hh = (RNG.standard_normal(gates).astype(dtype) for _ in range(2))
    check_grads(lambda x, s, w1, w2, b1, b2: cell_step(mode, x, s, w1, w2, b1, b2),
                (x, states, w_ih, w_hh, b_ih, b_hh))


def test_lstm_backward_equals_functional_grad():
    ft.manual_seed(1)
    lstm = nn.LSTM(2, 3, num_layers=2).double()
    x = RNG.standard_normal((4, 1, 2))
    t = ft.tensor(x, requires_grad=True)
    out, _ = lstm(t)
    (out ** 2).sum().backward()
    w = [p.detach().numpy() for p in lstm.parameters()]

    def f(x):
        seq = x
        for layer in range(2):
            p = w[4 * layer:4 * layer + 4]
            states = [np.zeros((1, 3)), np.zeros((1, 3))]
            outs = []
            for xt in seq:
                states = cell_step("LSTM", xt, states, *p)
                outs.append(states[0])
            seq = ft.numpy.stack(outs)
        return (seq ** 2).sum()
    np.testing.assert_allclose(t.grad.numpy(), ft.grad(f)(x), rtol=1e-10)


def test_rnn_dropout_between_layers_only_in_training():
    ft.manual_seed(0)
    rnn = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = ft.randn(5, 2, 3)
    a, b = rnn(x)[0], rnn(x)[0]
    assert not ft.allclose(a, b)                 # a fresh mask each call
    rnn.eval()
    assert ft.equal(rnn(x)[0], rnn(x)[0])


@pytest.mark.parametrize("call, error, match", [
    (lambda: nn.LSTM(3, 4)(ft.ones(2, 2, 2, 3)), ValueError,
     "LSTM: Expected input to be 2D or 3D, got 4D"),
    (lambda: nn.GRU(3, 4)(ft.ones(5, 2, 2)), RuntimeError,
     "input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"),
    (lambda: nn.RNN(3, 4)(ft.ones(5, 2, 3), ft.zeros(1, 3, 4)), RuntimeError,
     r"Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"),
    (lambda: nn.LSTM(3, 4)(ft.ones(5, 3), (ft.zeros(1, 1, 4), ft.zeros(1, 1, 4))),
     RuntimeError, "For unbatched 2-D input, hx and cx should also be 2-D"),
    (lambda: nn.LSTM(3, 4)(ft.ones(5, 2, 3, dtype=ft.float64)), ValueError,
     "does not match weight dtype"),
    (lambda: nn.RNN(3, 4, nonlinearity="gelu"), ValueError, "Unknown nonlinearity"),
    (lambda: nn.LSTM(3, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda: nn.LSTM(3, 4, dropout=2), ValueError, "dropout should be a number in range"),
    (lambda: nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller"),
    (lambda: nn.LSTMCell(3, 4)(ft.ones(1, 1, 3)), ValueError, "Expected input to be 1D or 2D"),
])
def test_recurrent_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_dropout_warning_for_a_single_layer():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)
