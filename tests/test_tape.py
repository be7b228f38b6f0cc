"""The per-call tape: its equations and its jaxpr-like printout."""
from __future__ import annotations

import textwrap

import numpy as np

import functrace
import functrace.numpy as fnp
from functrace import make_tape
from functrace.tape import var_name


def test_print_simple_tape():
    tape = make_tape(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3))
    assert str(tape) == textwrap.dedent("""\
        { lambda ; a:f64[3]. let
            b:f64[3] = sin a
            c:f64[] = reduce_sum[axes=(0,),keepdims=False] b
          in (c,) }""")
    assert repr(tape) == str(tape)


def test_tape_structure():
    tape = make_tape(lambda x, y: (fnp.sin(x) * y, y))(np.ones(2), 2.0)
    assert isinstance(tape, functrace.Tape)
    assert len(tape) == len(tape.eqns) == 2
    assert [e.prim.name for e in tape.eqns] == ["sin", "multiply"]
    a, b = tape.invars
    assert tape.eqns[0].in_ids == [a]
    assert tape.eqns[1].in_ids == [tape.eqns[0].out_id, b]
    assert tape.outvars == [tape.eqns[1].out_id, b]
    assert tape.eqns[1].prim is functrace.PRIMITIVES["multiply"]


def test_print_types_constants_and_unused_outputs():
    f = lambda x, y: (fnp.sum(fnp.sin(x) * y, axis=0), x[1:], 2.0 * y, np.ones(2))  # noqa
    tape = make_tape(f)(np.ones((2, 3), np.float32), np.ones(3, np.float32))
    assert str(tape) == textwrap.dedent("""\
        { lambda ; a:f32[2,3] b:f32[3]. let
            c:f32[2,3] = sin a
            d:f32[2,3] = multiply c b
            e:f32[3] = reduce_sum[axes=(0,),keepdims=False] d
            f:f32[1,3] = getitem[idx=(slice(1, None, None),)] a
            g:f32[3] = multiply 2.0 b
          in (e, f, g, _,) }""")


def test_array_constants_are_typed():
    tape = make_tape(lambda x: fnp.where(x > 0, x, 0.0) * np.arange(4.0))(np.ones(4))
    lines = str(tape).splitlines()
    assert lines[1].strip() == "b:f64[4] = where const:bool[4] a 0.0"
    assert lines[2].strip() == "c:f64[4] = multiply b const:f64[4]"


def test_constants_are_not_recorded():
    """Operations on constants only, and non-differentiable ops, add no equations
    (rounding, whose derivative is zero, is recorded like any differentiable op)."""
    c = np.ones(3)
    tape = make_tape(lambda x: x * fnp.sum(fnp.exp(c)) + (x > 1.0))(1.5)
    assert [e.prim.name for e in tape.eqns] == ["multiply", "add"]


def test_pytree_inputs_are_flattened_in_order():
    tape = make_tape(lambda d: d["b"] - d["a"])({"b": 1.0, "a": np.zeros(2)})
    assert str(tape).splitlines()[0] == "{ lambda ; a:f64[2] b:f64[]. let"
    assert str(tape).splitlines()[1].strip() == "c:f64[2] = subtract b a"


def test_nested_grad_appears_in_outer_tape():
    """The inner backward pass is recorded by the outer trace (that is higher order)."""
    tape = make_tape(lambda x: functrace.grad(fnp.sin)(x))(1.0)
    names = [e.prim.name for e in tape.eqns]
    assert "cos" in names and "sin" in names


def test_variable_names_continue_after_z():
    assert [var_name(i) for i in (0, 1, 25, 26, 27, 26 * 27)] == \
        ["a", "b", "z", "ba", "bb", "bba"]
    long = make_tape(lambda x: _chain(x, 30))(1.0)
    assert "ba:f64[] = sin z" in str(long)


def _chain(x, n):
    for _ in range(n):
        x = fnp.sin(x)
    return x
