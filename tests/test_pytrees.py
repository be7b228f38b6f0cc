"""Pytrees as arguments, outputs, aux and gradients."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import functrace
import functrace.numpy as fnp
from functrace import (grad, jacfwd, jacrev, jvp, register_pytree_node, tree_flatten,
                       tree_leaves, tree_map, tree_structure, tree_unflatten, value_and_grad,
                       vjp)

Point = namedtuple("Point", ["x", "y"])


class Params:
    """A registered custom container."""

    def __init__(self, w, b):
        self.w, self.b = w, b


register_pytree_node(Params, lambda p: ((p.w, p.b), None), lambda aux, ch: Params(*ch))


def test_flatten_unflatten_roundtrip():
    tree = {"b": (1.0, [2.0, None]), "a": Point(3.0, {"z": 4.0}), "c": []}
    leaves, treedef = tree_flatten(tree)
    assert leaves == [3.0, 4.0, 1.0, 2.0]          # dict keys sorted; None is no leaf
    rebuilt = tree_unflatten(treedef, leaves)
    assert rebuilt == tree
    assert type(rebuilt["a"]) is Point
    assert tree_structure(rebuilt) == treedef
    assert tree_leaves(tree) == leaves


def test_unflatten_wrong_number_of_leaves():
    _, treedef = tree_flatten((1, 2))
    with pytest.raises(ValueError):
        tree_unflatten(treedef, [1])
    with pytest.raises(ValueError):
        tree_unflatten(treedef, [1, 2, 3])


def test_tree_map_several_trees_and_mismatch():
    assert tree_map(lambda a, b: a * b, {"a": 2, "b": (3,)}, {"a": 5, "b": (7,)}) == \
        {"a": 10, "b": (21,)}
    with pytest.raises(ValueError):
        tree_map(lambda a, b: a, (1, 2), [1, 2])


def test_custom_node_flatten():
    p = Params(np.ones(2), 3.0)
    leaves, treedef = tree_flatten(p)
    assert len(leaves) == 2
    q = tree_unflatten(treedef, [l * 2 for l in leaves])
    assert isinstance(q, Params) and q.b == 6.0
    with pytest.raises(ValueError):
        register_pytree_node(Params, lambda p: ((), None), lambda aux, ch: None)


def test_grad_of_nested_dict_tuple_list():
    def loss(params):
        return fnp.sum(params["w"] ** 2) + params["b"][0] * params["b"][1][0] + \
            params["c"].x * params["c"].y
    params = {"w": np.array([1.0, -2.0]), "b": (3.0, [4.0]),
              "c": Point(np.float64(2.0), np.float64(5.0)), "none": None}
    g = grad(loss)(params)
    assert set(g) == {"w", "b", "c", "none"} and g["none"] is None
    np.testing.assert_array_equal(g["w"], [2.0, -4.0])
    assert isinstance(g["b"], tuple) and isinstance(g["b"][1], list)
    assert g["b"][0] == 4.0 and g["b"][1][0] == 3.0
    assert isinstance(g["c"], Point) and g["c"] == Point(5.0, 2.0)


def test_grad_of_custom_container():
    def loss(p, x):
        return fnp.sum(fnp.tanh(p.w @ x + p.b))
    W, b, x = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.1, -0.2]), np.array([0.3, 0.4])
    g = grad(loss)(Params(W, b), x)
    assert isinstance(g, Params)
    s = 1 - np.tanh(W @ x + b) ** 2
    np.testing.assert_allclose(g.w, np.outer(s, x))
    np.testing.assert_allclose(g.b, s)


def test_argnums_tuple_with_pytrees():
    def f(a, b, c):
        return a[0] * b["k"] + c
    ga, gc = grad(f, argnums=(0, 2))((2.0, 9.0), {"k": 3.0}, 1.0)
    assert ga == (3.0, 0.0) and gc == 1.0


def test_has_aux_pytree():
    def f(x):
        return fnp.sum(x ** 2), {"mean": fnp.mean(x), "list": [x[0], None]}
    (v, aux), g = value_and_grad(f, has_aux=True)(np.array([1.0, 3.0]))
    assert v == 10.0 and aux["mean"] == 2.0 and aux["list"][1] is None
    assert all(not isinstance(l, functrace.core.Tracer) for l in tree_leaves(aux))
    np.testing.assert_array_equal(g, [2.0, 6.0])


def test_vjp_with_pytree_input_and_output():
    def f(p):
        return {"s": p[0] * p[1], "t": [fnp.sin(p[0])]}
    out, f_vjp = vjp(f, (1.0, 2.0))
    assert out["s"] == 2.0 and out["t"][0] == pytest.approx(np.sin(1.0))
    (ct,) = f_vjp({"s": np.array(1.0), "t": [np.array(2.0)]})
    assert isinstance(ct, tuple)
    assert ct[0] == pytest.approx(2.0 + 2 * np.cos(1.0)) and ct[1] == 1.0
    with pytest.raises(ValueError):
        f_vjp({"s": np.array(1.0)})


def test_jvp_with_pytrees():
    out, t = jvp(lambda d: d["a"] * d["b"], ({"a": 2.0, "b": 3.0},), ({"a": 1.0, "b": 0.5},))
    assert out == 6.0 and t == pytest.approx(3.0 + 1.0)
    with pytest.raises(ValueError):
        jvp(lambda d: d["a"], ({"a": 2.0},), ({"b": 1.0},))


@pytest.mark.parametrize("jac", [jacrev, jacfwd])
def test_jacobian_pytree_in_and_out(jac):
    def f(p):
        return (p["x"] * 2.0, fnp.sum(p["x"] * p["y"]))
    p = {"x": np.array([1.0, 2.0]), "y": np.array([3.0, 4.0])}
    (j0, j1) = jac(f)(p)
    np.testing.assert_allclose(j0["x"], 2 * np.eye(2))
    np.testing.assert_allclose(j0["y"], np.zeros((2, 2)))
    np.testing.assert_allclose(j1["x"], p["y"])
    np.testing.assert_allclose(j1["y"], p["x"])


def test_list_argument_is_a_pytree_of_floats():
    """A list is a pytree node: each float in it gets its own gradient."""
    g = grad(lambda xs: xs[0] * xs[1])([2.0, 3.0])
    assert isinstance(g, list) and g == [3.0, 2.0]
