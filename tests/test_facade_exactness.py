"""The facade follows PyTorch, not numpy: dtypes, argument forms, edge cases, error types,
and the functions added for that (without torch; tests/test_facade_torch_oracle.py
compares with torch itself when it is installed).

The expected dtypes and values below are what torch 2.13 gives (checked by the oracle).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp

f32, f64, i32, i64 = ft.float32, ft.float64, ft.int32, ft.int64


def fd_check(fn, *arrays, eps=1e-6, rtol=1e-5, atol=1e-7):
    """``fn``'s backward() gradients (of the sum of its output) against central
    differences, in float64."""
    leaves = [ft.tensor(a, dtype=f64, requires_grad=True) for a in arrays]
    fn(*leaves).sum().backward()
    for i, a in enumerate(arrays):
        num = np.zeros(a.shape)
        for k in np.ndindex(a.shape):
            hi, lo = [np.array(b, dtype=float) for b in arrays], [np.array(b, dtype=float)
                                                                for b in arrays]
            hi[i][k] += eps
            lo[i][k] -= eps
            with ft.no_grad():
                num[k] = (fn(*map(ft.tensor, hi)).sum().item()
                          - fn(*map(ft.tensor, lo)).sum().item()) / (2 * eps)
        np.testing.assert_allclose(leaves[i].grad.numpy(), num, rtol=rtol, atol=atol)


# -- type promotion -----------------------------------------------------------------------------

PROMOTIONS = [
    (lambda: ft.tensor([1, 2]) / 2, f32),
    (lambda: ft.tensor([1, 2]) / ft.tensor([2, 2]), f32),
    (lambda: ft.tensor([1.0, 2.0]) * 2.5, f32),
    (lambda: ft.tensor([1, 2], dtype=i32) + 1, i32),
    (lambda: ft.tensor([1, 2], dtype=i32) + 1.5, f32),
    (lambda: ft.tensor([1.0]) + ft.tensor(2.0, dtype=f64), f32),        # 0-d: category only
    (lambda: ft.tensor([1], dtype=i32) + ft.tensor(2.0, dtype=f64), f64),
    (lambda: ft.tensor([1.0]) + ft.tensor([2.0], dtype=f64), f64),
    (lambda: ft.tensor([1]) + ft.tensor([2.0], dtype=ft.float16), ft.float16),
    (lambda: ft.tensor(1.0, dtype=f64) + ft.tensor(1.0), f64),          # both 0-d
    (lambda: ft.tensor([True]) + 1, i64),
    (lambda: ft.tensor([True]) * 1.5, f32),
    (lambda: ft.tensor([1.0, 2.0]) * np.float64(2.0), f32),            # numpy scalars are numbers
    (lambda: ft.exp(ft.tensor([1, 2])), f32),
    (lambda: ft.sqrt(ft.tensor([1, 4], dtype=ft.int8)), f32),
    (lambda: ft.tensor([1, 2], dtype=ft.uint8).sum(), i64),
    (lambda: ft.tensor([1, 2]) ** 2, i64),
    (lambda: 2.5 ** ft.tensor([1, 2]), f32),
    (lambda: ft.tensor([5, 7]) // 2, i64),
    (lambda: ft.tensor([5, 7]) % 2, i64),
    (lambda: ft.fmod(ft.tensor([5, -7]), 2), i64),
    (lambda: ft.clamp(ft.tensor([1, 2, 3]), min=2), i64),
    (lambda: ft.clamp(ft.tensor([1, 2, 3]), min=1.5), f32),
    (lambda: ft.where(ft.tensor([True, False]), 1.0, 0.0), f32),
    (lambda: ft.where(ft.tensor([True, False]), ft.tensor([1.0, 2.0]), ft.tensor(0.0, dtype=f64)),
     f32),
    (lambda: ft.tril(ft.ones(2, 2, dtype=ft.bool)), ft.bool),
    (lambda: ft.flip(ft.ones(2, 2, dtype=ft.bool), (0,)), ft.bool),
    (lambda: ft.cat([ft.tensor([1], dtype=i32), ft.tensor([1.0], dtype=ft.float16)]), ft.float16),
    (lambda: ft.atan2(ft.tensor([1, 2]), ft.tensor([1, 2])), f32),
    (lambda: ft.floor(ft.tensor([1, 2])), i64),
    (lambda: ft.tensor([1.0]) < 2, ft.bool),
    (lambda: ft.square(ft.tensor([True])), i64),
]


@pytest.mark.parametrize("case", range(len(PROMOTIONS)))
def test_dtypes_promote_as_in_torch(case):
    make, dtype = PROMOTIONS[case]
    assert make().dtype == dtype


def test_promotion_keeps_gradients_in_the_leaf_dtype():
    x = ft.tensor([1.0, 2.0], requires_grad=True)            # float32
    s = ft.tensor(3.0, dtype=f64, requires_grad=True)        # 0-d float64: computes in float32
    y = x * s
    assert y.dtype == f32
    y.sum().backward()
    assert x.grad.dtype == f32 and s.grad.dtype == f64
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(s.grad.numpy(), 3.0)


def test_the_functional_api_keeps_numpys_rules():
    assert fnp.divide(np.arange(3), 2).dtype == np.float64
    assert fnp.multiply(np.ones(2, np.float32), np.float64(2.0)).dtype == np.float64
    g = ft.grad(lambda v: fnp.sum(v / 2))(np.ones(2, np.float32))
    assert g.dtype == np.float32


# -- argument forms -------------------------------------------------------------------------------

def test_axis_and_keepdims_are_aliases_of_dim_and_keepdim():
    x = ft.arange(6.0).reshape(2, 3)
    assert x.sum(axis=1, keepdims=True).tolist() == [[3.0], [12.0]]
    assert ft.mean(x, axis=0).tolist() == [1.5, 2.5, 3.5]
    assert ft.amax(x, axis=(0, 1)).item() == 5.0
    assert x.cumsum(axis=1).tolist() == [[0.0, 1.0, 3.0], [3.0, 7.0, 12.0]]
    with pytest.raises(TypeError, match="both 'dim' and its alias 'axis'"):
        x.sum(dim=0, axis=1)


def test_dims_as_tuples_lists_and_negative_ints():
    x = ft.ones(2, 3, 4)
    assert x.sum((0, 2)).tolist() == [8.0, 8.0, 8.0]
    assert x.sum([-1, 1]).shape == (2,)
    assert x.var(dim=[0, 1]).shape == (4,)
    assert ft.logsumexp(x, (-2, -1)).shape == (2,)
    assert x.amin(-1, keepdim=True).shape == (2, 3, 1)


def test_dim_0_and_minus_1_on_a_0d_tensor():
    s = ft.tensor(2.0, requires_grad=True)
    for dim in (0, -1):
        assert s.sum(dim).item() == 2.0 and s.sum(dim).shape == ()
        assert s.softmax(dim).item() == 1.0
        assert s.cumsum(dim).item() == 2.0
        assert s.max(dim).values.item() == 2.0 and s.argmax(dim).item() == 0
        assert s.unsqueeze(dim).shape == (1,)
    s.sum(0).backward()
    assert s.grad.item() == 1.0
    with pytest.raises(IndexError, match=r"range of \[-1, 0\], but got 1"):
        s.sum(1)


# -- edge cases -------------------------------------------------------------------------------------

def test_var_and_std_without_degrees_of_freedom_are_nan_with_torchs_warning():
    x = ft.tensor([1.5], requires_grad=True)
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom is <= 0"):
        s = x.std()
    assert math.isnan(s.item())
    s.backward()
    assert np.isnan(x.grad.numpy()).all()
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom"):
        assert math.isinf(ft.tensor([1.0, 2.0]).var(correction=2).item())


@pytest.mark.parametrize("name, node", [("sign", "SignBackward0"), ("floor", "FloorBackward0"),
                                        ("ceil", "CeilBackward0"), ("trunc", "TruncBackward0"),
                                        ("round", "RoundBackward0"), ("sgn", "SgnBackward0")])
def test_piecewise_constant_ops_have_a_node_and_zero_gradients(name, node):
    x = ft.tensor([1.4, -2.6, 0.0], requires_grad=True)
    y = getattr(ft, name)(x)
    assert y.grad_fn.name() == node
    (y * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_powers_at_their_singular_points_give_torchs_gradients():
    x = ft.tensor([0.5, 2.0], requires_grad=True)
    ((-5.5) ** x).sum().backward()                   # a negative base: NaN, not an error
    assert np.isnan(x.grad.numpy()).all()
    base = ft.tensor([0.0, 0.0], requires_grad=True)
    exponent = ft.tensor([-1.5, 2.0], requires_grad=True)
    (base ** exponent).sum().backward()
    assert base.grad.tolist() == [-math.inf, 0.0]
    assert exponent.grad.tolist() == [-math.inf, 0.0]


def test_modulus_gradients_where_the_divisor_is_zero():
    x = ft.tensor([1.5, 2.0], requires_grad=True)
    (x % ft.tensor([0.0, 0.75])).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


# -- error types -----------------------------------------------------------------------------------

ERRORS = [
    (lambda: ft.ones(2, 3) + ft.ones(2), RuntimeError, "size of tensor a .3. must match"),
    (lambda: ft.ones(2, 3).view(4), RuntimeError, r"shape '\[4\]' is invalid for input of size 6"),
    (lambda: ft.ones(2, 3) @ ft.ones(2, 3), RuntimeError, r"cannot be multiplied \(2x3 and 2x3\)"),
    (lambda: ft.ones(2, 3, dtype=f32) @ ft.ones(3, 2, dtype=f64), RuntimeError, "same dtype"),
    (lambda: ft.ones(2, 3).sum(2), IndexError, r"Dimension out of range"),
    (lambda: ft.ones(2, 3).transpose(0, 3), IndexError, r"Dimension out of range"),
    (lambda: ft.roll(ft.ones(2, 3), (1, 2)), RuntimeError, "shifts and dimensions must align"),
    (lambda: ft.tensor([2, 3]) ** -1, RuntimeError, "negative integer powers"),
    (lambda: ft.tensor([True]) - ft.tensor([True]), RuntimeError, "Subtraction"),
    (lambda: -ft.tensor([True]), RuntimeError, "Negation"),
    (lambda: ft.cat([ft.ones(2, 3), ft.ones(2, 2)]), RuntimeError, None),
    (lambda: ft.tensor([1, 2]) // 0, RuntimeError, "ZeroDivisionError"),
    (lambda: ft.ones(2, 3).expand(3, 3), RuntimeError, "must match the existing size"),
    (lambda: ft.ones(5).split([1, 2]), RuntimeError, "sum exactly to 5"),
    (lambda: ft.ones(2, 3)[5], IndexError, None),
    (lambda: ft.ones(2, 3).gather(1, ft.tensor([[0, 3]])), RuntimeError, "out of bounds"),
    (lambda: ft.ones(3).topk(4), RuntimeError, "selected index k out of range"),
    (lambda: ft.where(ft.ones(2), 1.0, 0.0), RuntimeError, "boolean"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_are_torchs_types(case):
    make, error, match = ERRORS[case]
    with pytest.raises(error, match=match):
        make()


# -- the functions added: values against numpy, gradients against finite differences ----------

RNG = np.random.default_rng(3)


def _r(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


def test_pointwise_additions():
    a, b = _r(2, 3), _r(2, 3)
    t = lambda v: ft.tensor(v, dtype=f64)
    np.testing.assert_allclose(ft.copysign(t(a), t(b)).numpy(), np.copysign(a, b))
    np.testing.assert_allclose(ft.logaddexp2(t(a), t(b)).numpy(), np.logaddexp2(a, b))
    np.testing.assert_allclose(ft.xlogy(t(a), t(np.abs(b))).numpy(), a * np.log(np.abs(b)))
    specials = np.array([np.nan, np.inf, -np.inf, 1.0])
    np.testing.assert_array_equal(ft.nan_to_num(t(specials)).numpy(), np.nan_to_num(specials))
    fd_check(lambda u, v: ft.copysign(u, v), a, b)
    fd_check(lambda u, v: ft.logaddexp2(u, v), a, b)
    fd_check(lambda u, v: ft.lerp(u, v, v * 0.5), a, b)
    fd_check(lambda u: ft.nan_to_num(ft.log(u)), a)          # NaN (replaced) where a < 0


def test_scans():
    a = _r(3, 4)
    t = ft.tensor(a)
    np.testing.assert_allclose(t.cumprod(1).numpy(), np.cumprod(a, 1))
    np.testing.assert_allclose(t.cummax(0).values.numpy(), np.maximum.accumulate(a, 0))
    np.testing.assert_allclose(ft.logcumsumexp(t, 1).numpy(),
                               np.logaddexp.accumulate(a, 1))
    wide = ft.tensor([-800.0, 0.0, -900.0])          # a shift by the max would underflow
    np.testing.assert_allclose(ft.logcumsumexp(wide, 0).numpy(),
                               np.logaddexp.accumulate([-800.0, 0.0, -900.0]))
    np.testing.assert_allclose(ft.diff(t, n=2, dim=1).numpy(), np.diff(a, 2, axis=1))
    fd_check(lambda u: ft.logcumsumexp(u, 1), a)
    fd_check(lambda u: u.cummin(0).values, a)
    fd_check(lambda u: ft.diff(u, dim=0, prepend=u[:1] * 2), a)


def test_products_and_norms():
    a, b = _r(2, 3), _r(2, 3)
    t = lambda v: ft.tensor(v)
    np.testing.assert_allclose(ft.kron(t(a), t(b[:, :2])).numpy(), np.kron(a, b[:, :2]))
    np.testing.assert_allclose(ft.cross(t(a), t(b), dim=1).numpy(), np.cross(a, b))
    np.testing.assert_allclose(ft.norm(t(a), 3, 1).numpy(),
                               (np.abs(a) ** 3).sum(1) ** (1 / 3))
    np.testing.assert_allclose(ft.dist(t(a), t(b), 1).numpy(), np.abs(a - b).sum())
    fd_check(lambda u, v: ft.kron(u, v), a, b[:, :2])
    fd_check(lambda u, v: ft.cross(u, v, dim=1), a, b)
    fd_check(lambda u: ft.renorm(u, 2, 0, 1.0), a)


def test_order_statistics():
    a = _r(3, 5)
    t = ft.tensor(a)
    np.testing.assert_allclose(t.sort(1, descending=True).values.numpy(), -np.sort(-a, 1))
    np.testing.assert_array_equal(t.argsort(0).numpy(), np.argsort(a, 0, kind="stable"))
    np.testing.assert_allclose(t.kthvalue(2, 1).values.numpy(), np.sort(a, 1)[:, 1])
    np.testing.assert_allclose(t.median(1).values.numpy(), np.sort(a, 1)[:, 2])
    np.testing.assert_allclose(ft.quantile(t, 0.3, 1).numpy(), np.quantile(a, 0.3, axis=1))
    np.testing.assert_allclose(ft.median(ft.tensor([1.0, 4.0, 2.0, 3.0])).item(), 2.0)
    values, indices = t.topk(2, 1)
    np.testing.assert_array_equal(np.take_along_axis(a, indices.numpy(), 1), values.numpy())
    fd_check(lambda u: ft.quantile(u, ft.tensor([0.25, 0.8]), 1), a)
    fd_check(lambda u: u.topk(2, 0).values, a)
    mn, mx = ft.aminmax(t, dim=0)
    np.testing.assert_allclose(mn.numpy(), a.min(0))
    np.testing.assert_allclose(mx.numpy(), a.max(0))


def test_indexing_additions():
    a, src = _r(2, 3), _r(2, 3)
    idx = ft.tensor([[0, 2], [1, 0]])
    t = ft.tensor(a)
    expect = a.copy()
    expect[0, 0], expect[0, 2], expect[1, 1], expect[1, 0] = src[0, 0], src[0, 1], src[1, 0], \
        src[1, 1]
    np.testing.assert_allclose(t.scatter(1, idx, ft.tensor(src)).numpy(), expect)
    added = a.copy()
    np.add.at(added, (np.array([[0], [1]]), np.array([[0, 2], [1, 0]])), src[:, :2])
    np.testing.assert_allclose(t.scatter_add(1, idx, ft.tensor(src[:, :2])).numpy(), added)
    np.testing.assert_allclose(t.index_fill(1, ft.tensor([2]), 0.5).numpy()[:, 2], 0.5)
    np.testing.assert_allclose(ft.take_along_dim(t, idx, 1).numpy(),
                               np.take_along_axis(a, idx.numpy(), 1))
    np.testing.assert_allclose(ft.arange(5.0).unfold(0, 2, 2).numpy(), [[0, 1], [2, 3]])
    fd_check(lambda u, s: u.scatter(1, idx, s), a, src)
    fd_check(lambda u, s: u.index_add(1, ft.tensor([0, 2, 0]), s), a, src)
    fd_check(lambda u, s: u.index_copy(0, ft.tensor([1]), s[:1]), a, src)
    fd_check(lambda u: u.unfold(1, 2, 1), a)
    fd_check(lambda u: u.gather(1, idx), a)


def test_shape_additions():
    t = ft.arange(24.0).reshape(2, 3, 4)
    assert ft.movedim(t, 0, -1).shape == (3, 4, 2)
    assert ft.movedim(t, (0, 1), (2, 0)).shape == (3, 4, 2)
    assert [p.shape[1] for p in t.split([1, 2], 1)] == [1, 2]
    assert [p.shape[0] for p in ft.ones(5).chunk(3)] == [2, 2, 1]
    assert t.narrow(2, -2, 2).tolist() == t[:, :, 2:].tolist()
    assert ft.ones(3).broadcast_to((2, 3)).shape == (2, 3)
    assert ft.ones(1, 4).expand_as(t[0]).shape == (3, 4)
    assert ft.ones(3).new_zeros(2).dtype == f32 and ft.ones(3, dtype=i64).new_ones(2).dtype == i64
    assert ft.ones(3, dtype=f64).new_tensor([1, 2]).dtype == f64
    assert ft.ones(3).new_full((2,), 7.0).tolist() == [7.0, 7.0]
    assert ft.empty_like(t).shape == t.shape


@pytest.mark.parametrize("name", ["exp", "sin", "sqrt", "clamp_min", "logit", "copysign",
                                  "scatter_add", "index_fill", "masked_fill", "cumsum"])
def test_in_place_variants_write_into_the_tensor(name):
    x = ft.tensor(RNG.uniform(0.2, 0.8, (2, 3)), requires_grad=True)
    args = {"clamp_min": (0.5,), "copysign": (ft.tensor(-1.0),), "cumsum": (1,),
            "scatter_add": (1, ft.tensor([[0], [2]]), ft.ones(2, 1, dtype=f64)),
            "index_fill": (1, ft.tensor([1]), 0.0),
            "masked_fill": (ft.tensor([True, False, True]), 0.0)}.get(name, ())
    expected = getattr(ft, name)(x, *args)
    y = x * 1.0
    assert getattr(y, name + "_")(*args) is y
    np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy())
    y.sum().backward()
    expected_grad = ft.autograd.grad(expected.sum(), x)[0]
    np.testing.assert_allclose(x.grad.numpy(), expected_grad.numpy())
