"""checkpoint / remat: identical gradients, less memory, every transform."""
import gc
import tracemalloc

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace.testing import check_grads

RNG = np.random.default_rng(0)
W = RNG.standard_normal((3, 3)) / 2
X = RNG.standard_normal((2, 3))


def layer(w, h):
    return fnp.tanh(h @ w + 0.1)


def mlp(ws, h, every=0):
    """A tanh MLP; with ``every`` > 0, checkpoint segments of that many layers."""
    def segment(ws, h):
        for w in ws:
            h = layer(w, h)
        return h
    if not every:
        return segment(ws, h)
    for i in range(0, len(ws), every):
        h = ft.checkpoint(segment)(ws[i:i + every], h)
    return h


def test_gradients_identical():
    ws = [W, W.T, 0.5 * W]
    loss = lambda ws, x, k: fnp.sum(mlp(ws, x, k) ** 2)
    ref = ft.grad(loss, argnums=(0, 1))(ws, X, 0)
    for every in (1, 2):
        got = ft.grad(loss, argnums=(0, 1))(ws, X, every)
        for a, b in zip(got[0], ref[0], strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(got[1], ref[1])


def test_tape_replaced_by_checkpoint_equations():
    tape = ft.make_tape(lambda w, x: fnp.sum(ft.remat(layer)(w, ft.remat(layer)(w, x))))(W, X)
    names = [e.prim.name for e in tape.eqns]
    assert names == ["checkpoint", "checkpoint", "reduce_sum"]
    assert "checkpoint[fun=layer] b a" in str(tape)


def test_closed_over_traced_values_get_gradients():
    def loss(w):
        block = ft.checkpoint(lambda h: layer(w, h))       # w is closed over
        return fnp.sum(block(block(X)))
    ref = lambda w: fnp.sum(layer(w, layer(w, X)))
    np.testing.assert_allclose(ft.grad(loss)(W), ft.grad(ref)(W), atol=1e-14)


def test_higher_order_and_forward_mode():
    f = ft.checkpoint(lambda x: fnp.sum(fnp.sin(x) * fnp.cos(x) ** 2))
    g = lambda x: fnp.sum(fnp.sin(x) * fnp.cos(x) ** 2)
    x = X[0]
    np.testing.assert_allclose(ft.hessian(f)(x), ft.hessian(g)(x), atol=1e-12)
    np.testing.assert_allclose(ft.jacrev(ft.grad(f))(x), ft.hessian(g)(x), atol=1e-12)
    np.testing.assert_allclose(ft.jvp(f, (x,), (x,))[1], ft.jvp(g, (x,), (x,))[1])
    check_grads(f, (x,), order=2)


def test_pytree_outputs_and_passthrough():
    @ft.checkpoint
    def block(p, x):
        y = fnp.tanh(x @ p["w"])
        return {"y": y, "x": x, "n": 2, "s": fnp.sum(y, axis=0).astype(np.float32)}

    def loss(p, x):
        out = block(p, x)
        return fnp.sum(out["y"]) * out["n"] + fnp.sum(out["x"] ** 2) + fnp.sum(out["s"])

    def ref(p, x):
        y = fnp.tanh(x @ p["w"])
        return fnp.sum(y) * 2 + fnp.sum(x ** 2) + fnp.sum(fnp.sum(y, axis=0).astype(np.float32))

    got = ft.grad(loss, argnums=(0, 1))({"w": W}, X)
    want = ft.grad(ref, argnums=(0, 1))({"w": W}, X)
    np.testing.assert_allclose(got[0]["w"], want[0]["w"], rtol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)


def test_vjp_fn_reusable_and_vmap():
    f = ft.checkpoint(lambda x: fnp.sin(x) * x)
    out, pull = ft.vjp(f, X)
    ct = np.ones_like(out)
    np.testing.assert_allclose(pull(ct)[0], pull(ct)[0])
    np.testing.assert_allclose(pull(ct)[0], np.cos(X) * X + np.sin(X))
    per_row = ft.vmap(ft.grad(lambda x: fnp.sum(f(x))))(X)
    np.testing.assert_allclose(per_row, np.cos(X) * X + np.sin(X))
    outer = ft.grad(lambda x: fnp.sum(ft.vmap(f)(x)))(X)
    np.testing.assert_allclose(outer, np.cos(X) * X + np.sin(X))


def test_custom_rules_and_nested_checkpoints_inside():
    @ft.custom_jvp
    def cube(x):
        return x ** 3

    cube.defjvp(lambda p, t: (cube(p[0]), 3 * p[0] ** 2 * t[0]))
    inner = ft.checkpoint(lambda x: cube(fnp.sin(x)))
    outer = ft.checkpoint(lambda x: fnp.sum(inner(inner(x))))
    ref = lambda x: fnp.sum(fnp.sin(fnp.sin(x) ** 3) ** 3)
    np.testing.assert_allclose(ft.grad(outer)(X), ft.grad(ref)(X), atol=1e-14)
    np.testing.assert_allclose(ft.grad(ft.grad(lambda x: outer(x)))(0.3),
                               ft.grad(ft.grad(ref))(0.3))


def test_no_tracer_just_runs():
    np.testing.assert_allclose(ft.checkpoint(layer)(W, X), layer(W, X))


def _peak(fn):
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_drops_for_a_50_layer_tanh_mlp():
    """Activations (512 x 32) dominate the weights (32 x 32). A tanh layer keeps
    only its input, so checkpointing single layers saves nothing; checkpointing
    segments of 5 layers keeps 10 segment inputs instead of 50 activations."""
    rng = np.random.default_rng(1)
    ws = [rng.standard_normal((32, 32)) / np.sqrt(32) for _ in range(50)]
    x = rng.standard_normal((512, 32))
    loss = lambda ws, every: fnp.sum(mlp(ws, x, every) ** 2)
    for every in (0, 1, 5):                 # warm up (kernels compile on first use)
        ft.grad(loss)(ws, every)
    plain = _peak(lambda: ft.grad(loss)(ws, 0))
    segments = _peak(lambda: ft.grad(loss)(ws, 5))
    per_layer = _peak(lambda: ft.grad(loss)(ws, 1))
    activation = x.nbytes
    assert plain > 45 * activation
    assert segments < 0.5 * plain
    assert per_layer < 1.2 * plain


def test_tensor_facade_reentrant_checkpoint():
    lin1, lin2 = ft.nn.Linear(3, 4).double(), ft.nn.Linear(4, 2).double()  # X is float64
    block = lambda h: ft.tanh(lin2(ft.tanh(lin1(h))))
    x = ft.tensor(X, requires_grad=True)
    y = ft.checkpoint(block)(x)
    assert y.grad_fn.name() == "CheckpointBackward"
    y.sum().backward()
    grads = [x.grad.numpy(), lin1.weight.grad.numpy(), lin2.bias.grad.numpy()]
    x2 = ft.tensor(X, requires_grad=True)
    for p in (lin1.weight, lin2.bias):
        p.grad = None
    block(x2).sum().backward()
    for a, b in zip(grads, [x2.grad.numpy(), lin1.weight.grad.numpy(),
                            lin2.bias.grad.numpy()], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    x3 = ft.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="create_graph"):
        ft.autograd.grad(ft.checkpoint(block)(x3).sum(), x3, create_graph=True)
