"""Users' containers as parameters in every transform: OrderedDict (state_dict()),
defaultdict, deque, namedtuples, registered dataclasses (frozen too, with a static
field). Gradients are checked against the derivatives written out by hand and
against finite differences; each result keeps its container type."""
from __future__ import annotations

import dataclasses
import doctest
from collections import OrderedDict, defaultdict, deque, namedtuple
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
import functrace.tree
from functrace.testing import check_grads
from functrace.tree import register_dataclass, tree_flatten, tree_unflatten

NT = namedtuple("NT", ["w", "b"])


@register_dataclass
@dataclasses.dataclass
class DC:
    w: Any
    b: Any


@register_dataclass(meta_fields=["activation"])
@dataclasses.dataclass(frozen=True)
class Frozen:
    w: Any
    b: Any
    activation: str = "tanh"


class Kind(NamedTuple):
    make: Callable[[Any, Any], Any]          # (w, b) -> container
    parts: Callable[[Any], tuple]            # container -> (w, b)


def _items(p: Any) -> tuple:
    return p["w"], p["b"]


KINDS = {
    "OrderedDict": Kind(lambda w, b: OrderedDict([("w", w), ("b", b)]), _items),
    "defaultdict": Kind(lambda w, b: defaultdict(list, {"w": w, "b": b}), _items),
    "deque": Kind(lambda w, b: deque([w, b], maxlen=4), lambda p: (p[0], p[1])),
    "namedtuple": Kind(NT, lambda p: (p.w, p.b)),
    "dataclass": Kind(DC, lambda p: (p.w, p.b)),
    "frozen dataclass": Kind(Frozen, lambda p: (p.w, p.b)),
}
W, B = np.array([0.3, -1.2, 0.8]), np.array(0.7)


def loss(kind: Kind) -> Callable:
    def f(p: Any) -> Any:
        w, b = kind.parts(p)
        return fnp.sum(fnp.tanh(w) * b) + b ** 2
    return f


def expected_grad() -> tuple:
    return (1 - np.tanh(W) ** 2) * B, np.sum(np.tanh(W)) + 2 * B


def assert_like(kind: Kind, got: Any, want: tuple, reference: Any) -> None:
    """Same container type and static data as ``reference``, values ``want``."""
    assert type(got) is type(reference)
    assert tree_flatten(got)[1] == tree_flatten(reference)[1]
    for g, w in zip(kind.parts(got), want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.fixture(params=list(KINDS), ids=list(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]


def test_flatten_keeps_the_container(kind):
    p = kind.make(W, B)
    leaves, treedef = tree_flatten(p)
    assert len(leaves) == 2
    rebuilt = tree_unflatten(treedef, leaves)
    assert type(rebuilt) is type(p) and all(a is b for a, b in zip(kind.parts(rebuilt),
                                                                    kind.parts(p)))


def test_grad_and_value_and_grad(kind):
    p = kind.make(W, B)
    assert_like(kind, ft.grad(loss(kind))(p), expected_grad(), p)
    value, g = ft.value_and_grad(loss(kind))(p)
    assert value == pytest.approx(np.sum(np.tanh(W) * B) + B ** 2)
    assert_like(kind, g, expected_grad(), p)


def test_finite_differences_second_order(kind):
    check_grads(loss(kind), (kind.make(W, B),), order=2)


def test_vjp_and_jvp_with_container_outputs(kind):
    p = kind.make(W, B)

    def f(q: Any) -> Any:
        w, b = kind.parts(q)
        return kind.make(fnp.sin(w), w * b)      # b broadcasts: output "b" has shape (3,)

    out, f_vjp = ft.vjp(f, p)
    assert type(out) is type(p)
    ct = kind.make(np.ones(3), np.full(3, 2.0))
    (g,) = f_vjp(ct)
    assert_like(kind, g, (np.cos(W) + 2.0 * B, np.sum(2.0 * W)), p)
    t = kind.make(np.ones(3), np.array(1.0))
    out2, tangent = ft.jvp(f, (p,), (t,))
    assert type(tangent) is type(p)
    np.testing.assert_allclose(kind.parts(tangent)[0], np.cos(W))
    np.testing.assert_allclose(kind.parts(tangent)[1], B + W)


def test_vmap_with_a_container_prefix_for_in_axes(kind):
    ws = np.stack([W, 2 * W, -W, 0.5 * W])
    in_axes = kind.make(0, None)                  # w batched along axis 0, b shared
    batched = ft.vmap(loss(kind), in_axes=(in_axes,))(kind.make(ws, B))
    looped = [loss(kind)(kind.make(w, B)) for w in ws]
    np.testing.assert_allclose(batched, looped, rtol=1e-12)
    per_example = ft.vmap(ft.grad(loss(kind)), in_axes=(in_axes,))(kind.make(ws, B))
    assert type(per_example) is type(kind.make(ws, B))
    np.testing.assert_allclose(kind.parts(per_example)[0], (1 - np.tanh(ws) ** 2) * B)


def test_jacobian_and_hessian(kind):
    p = kind.make(W, B)
    jac = ft.jacobian(lambda q: kind.parts(q)[0] * kind.parts(q)[1])(p)
    assert_like(kind, jac, (np.eye(3) * B, W), p)
    hess = ft.hessian(loss(kind))(p)
    assert type(hess) is type(p)
    t, s = np.tanh(W), 1 - np.tanh(W) ** 2
    (hww, hwb), (hbw, hbb) = [kind.parts(row) for row in kind.parts(hess)]
    np.testing.assert_allclose(hww, np.diag(-2 * t * s * B), atol=1e-12)
    np.testing.assert_allclose(hwb, s, atol=1e-12)
    np.testing.assert_allclose(hbw, s, atol=1e-12)
    np.testing.assert_allclose(hbb, 2.0, atol=1e-12)


def test_custom_vjp_takes_and_returns_the_container(kind):
    @ft.custom_vjp
    def f(p: Any) -> Any:
        return loss(kind)(p)

    def fwd(p: Any) -> tuple:
        return f(p), p

    def bwd(p: Any, ct: Any) -> tuple:
        w, b = kind.parts(p)
        assert type(p) is type(kind.make(W, B))
        return (kind.make(ct * (1 - fnp.tanh(w) ** 2) * b, ct * (fnp.sum(fnp.tanh(w)) + 2 * b)),)

    f.defvjp(fwd, bwd)
    p = kind.make(W, B)
    assert_like(kind, ft.grad(f)(p), expected_grad(), p)


def test_checkpoint_of_a_function_of_the_container(kind):
    p = kind.make(W, B)
    assert_like(kind, ft.grad(ft.checkpoint(loss(kind)))(p), expected_grad(), p)


def test_ordered_dict_keeps_its_key_order_and_state_dict_works():
    p = OrderedDict([("z", np.ones(2)), ("a", np.zeros(2))])
    assert list(ft.grad(lambda q: fnp.sum(q["z"] * 2 + q["a"]))(p)) == ["z", "a"]
    model = ft.nn.Linear(3, 2)
    x = np.ones((1, 3), np.float32)

    def functional_loss(params: Any) -> Any:
        return fnp.sum(fnp.tanh(x @ params["weight"].T + params["bias"]))

    g = ft.grad(functional_loss)(model.state_dict())
    assert type(g) is OrderedDict and list(g) == ["weight", "bias"]
    assert g["weight"].dtype == np.float32 and g["weight"].shape == (2, 3)
    check_grads(functional_loss, ({k: v.numpy().astype(np.float64)
                                   for k, v in model.state_dict().items()},), order=1)


def test_defaultdict_and_deque_keep_their_factory_and_maxlen():
    g = ft.grad(lambda d: d["x"] * 2.0)(defaultdict(float, {"x": 1.0}))
    assert type(g) is defaultdict and g.default_factory is float and g["x"] == 2.0
    g = ft.grad(lambda d: d[0] * d[1])(deque([2.0, 3.0], maxlen=7))
    assert type(g) is deque and g.maxlen == 7 and list(g) == [3.0, 2.0]


def test_frozen_dataclass_meta_field_is_static():
    g = ft.grad(lambda p: fnp.sum(p.w) * p.b)(Frozen(W, B, activation="relu"))
    assert g.activation == "relu"                      # static: carried, not differentiated
    _, d1 = tree_flatten(Frozen(W, B, "relu"))
    _, d2 = tree_flatten(Frozen(W, B, "tanh"))
    assert d1 != d2
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.w = None


def test_register_dataclass_errors():
    @dataclasses.dataclass
    class Plain:
        w: Any

    with pytest.raises(TypeError, match=r"register_dataclass\(Plain\)"):
        ft.grad(lambda p: fnp.sum(p.w))(Plain(np.ones(2)))
    with pytest.raises(TypeError, match="expects a dataclass type"):
        register_dataclass(dict)
    with pytest.raises(ValueError, match="unknown: \\['v'\\]"):
        register_dataclass(Plain, data_fields=["w", "v"])
    with pytest.raises(ValueError, match="in both: \\['w'\\]"):
        register_dataclass(Plain, data_fields=["w"], meta_fields=["w"])
    register_dataclass(Plain)
    with pytest.raises(ValueError, match="already registered"):
        register_dataclass(Plain)


def test_tree_module_doctests():
    result = doctest.testmod(functrace.tree, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
