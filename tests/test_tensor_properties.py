"""Property test: on random small programs, ``Tensor.backward()`` equals ``functrace.grad``.

A program is a list of steps; each applies a unary or binary operation to
earlier values (the two inputs and previous results). The same Python code
runs on Tensors (recording the facade graph) and on tracers (inside
``functrace.grad``), since both go through ``functrace.numpy``.
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import functrace as ft
import functrace.numpy as fnp

UNARY = {
    "sin": fnp.sin,
    "tanh": fnp.tanh,
    "square": lambda a: a * a,
    "exp_tanh": lambda a: fnp.exp(fnp.tanh(a)),
    "row_sum": lambda a: fnp.sum(a, axis=-1, keepdims=True) if np.ndim(a) else a,
    "mean_all": lambda a: fnp.mean(a),
    "transpose_back": lambda a: fnp.transpose(fnp.transpose(a)),
    "softplus": lambda a: fnp.log1p(fnp.exp(fnp.tanh(a))),
    "abs_sqrt": lambda a: fnp.sqrt(a * a + 1.0),
    "slice_pad": lambda a: (fnp.concatenate([a[..., :1], a[..., 1:] * 2.0], axis=-1)
                            if np.ndim(a) else a * 2.0),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.0 + b * b),
    "maximum": lambda a, b: fnp.maximum(a, b * 0.5),
    "where": lambda a, b: fnp.where(a > b, a * b, a - b),
}

steps = st.lists(
    st.one_of(st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 100)),
              st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 100),
                        st.integers(0, 100))),
    min_size=1, max_size=8)


def run(program: list, x, y):
    values = [x, y]
    for step in program:
        name, *picks = step
        args = [values[p % len(values)] for p in picks]
        fn = UNARY[name] if name in UNARY else BINARY[name]
        values.append(fn(*args))
    return fnp.sum(values[-1]) + fnp.sum(values[0] * 0.0)


@settings(max_examples=60, deadline=None)
@given(program=steps, rows=st.integers(1, 3), cols=st.integers(2, 4),
       seed=st.integers(0, 2 ** 16))
def test_tensor_backward_equals_functional_grad(program, rows, cols, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-2, 2, size=(rows, cols))
    y0 = rng.uniform(-2, 2, size=(cols,))          # broadcasts against x
    gx, gy = ft.grad(lambda a, b: run(program, a, b), argnums=(0, 1))(x0, y0)

    x = ft.tensor(x0, requires_grad=True)
    y = ft.tensor(y0, requires_grad=True)
    loss = run(program, x, y)
    assert isinstance(loss, ft.Tensor)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy() if y.grad is not None else np.zeros_like(y0),
                               gy, rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(program=steps, seed=st.integers(0, 2 ** 16))
def test_create_graph_second_derivative_equals_functional(program, seed):
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(-2, 2, size=(2, 3)), rng.uniform(-2, 2, size=(3,))
    v = rng.standard_normal((2, 3))

    def directional(a):
        g = ft.grad(lambda s: run(program, s, y0))(a)
        return fnp.sum(g * v)
    expected = ft.grad(directional)(x0)

    x = ft.tensor(x0, requires_grad=True)
    (g,) = ft.autograd.grad(run(program, x, ft.tensor(y0)), x, create_graph=True)
    if not g.requires_grad:                        # the gradient does not depend on x
        np.testing.assert_allclose(expected, 0.0, atol=1e-12)
        return
    (h,) = ft.autograd.grad((g * ft.tensor(v)).sum(), x, allow_unused=True)
    got = np.zeros_like(x0) if h is None else h.numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)
