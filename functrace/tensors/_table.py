"""How the rows of the facade's name table (:mod:`._names`) are written and what derives from them.

:mod:`._names` holds the rows; this module holds the row type, the four ways to
write a row (:func:`op`, :func:`method`, :func:`node`, :func:`no_row`) and the
three views the facade derives from the rows: its module functions
(:func:`module_names`), the Tensor methods with their in-place variants
(:func:`tensor_methods`) and the ``grad_fn`` name of each primitive's nodes
(:func:`node_names`). It is kept apart from the table so that the table
module defines nothing but rows (type checkers read it as ``ft.*``, and its
rows shadow builtins such as ``sum`` and ``max`` that this code uses).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar, Union

from ._args import torch_function
from ._inplace import inplace_of

F = TypeVar("F")
#: A node name: a string, a function of the primitive's params (``x[0]`` selects,
#: ``x[1:]`` slices), or None for a result that is a constant (or not a tensor).
GradFn = Union[str, Callable[[dict], str], None]


@dataclass(eq=False)
class Row:
    """One operation of the facade under one or more torch names.

    ``function`` is installed as ``ft.<name>`` and ``method`` as ``Tensor.<name>``
    for each name (None: not installed there); ``inplace`` adds ``Tensor.<name>_``,
    the method's result written into the tensor. ``grad_fn`` is the name of the
    result's node (with tests/test_facade_names.py's example arguments), and the
    nodes of the primitives in ``prims`` are given that name wherever they are
    recorded.
    """

    names: tuple
    function: Any           # a callable, or None
    method: Any             # a callable (or a property, ``T``), or None
    grad_fn: GradFn = None
    prims: tuple = ()
    inplace: bool = False


#: Every row, in the order :mod:`._names` writes them.
ROWS: list[Row] = []
#: Registered primitives that no row names, with the reason (a meta-test checks the rest).
NO_ROW: dict[str, str] = {}
_UNNAMED: dict[int, Row] = {}      # id(wrapped function) -> its op() row, until name_rows()
_WRAPPED: set = set()              # ids of the functions given to op()


def _prims(prim: Union[str, tuple]) -> tuple:
    return (prim,) if isinstance(prim, str) else tuple(prim)


def op(function: F, grad_fn: GradFn = None, *, prim: Union[str, tuple] = (),
       method: Any = True, inplace: bool = False) -> F:
    """A torch function: ``name = op(function, ...)`` in :mod:`._names` gives ``ft.name``.

    Every name bound to the result is a torch name of the row (``abs = absolute =
    op(...)``). The function is also ``Tensor.name`` (its first argument is the
    tensor) unless ``method=False``, or ``method=`` another callable taking the
    tensor first (``x.view(2, 3)`` against ``ft.reshape(x, (2, 3))``). Returns
    ``function`` with torch's argument aliases and error types
    (:func:`._args.torch_function`), under ``function``'s signature.
    """
    if id(function) in _WRAPPED:
        raise ValueError(f"{function!r} already has a row: bind the other name to the same "
                         "op() result (name = other = op(...)) to make it an alias")
    wrapped = torch_function(function)
    _WRAPPED.add(id(function))
    own = torch_function(method) if method and method is not True else None
    row = Row((), wrapped, wrapped if method is True else own,
              grad_fn, _prims(prim), inplace)
    ROWS.append(row)
    _UNNAMED[id(wrapped)] = row
    return wrapped


def method(name: str, function: Callable[..., Any], grad_fn: GradFn = None, *,
           prim: Union[str, tuple] = (), inplace: bool = False) -> None:
    """A Tensor method that is not a torch function: operators, ``view``, ``to``, ``zero_``.
    Named methods get torch's argument aliases and error types; operators are left as
    they are (the root handler gives their errors torch's types)."""
    if not name.startswith("__") and callable(function):
        function = torch_function(function, name)
    ROWS.append(Row((name,), None, function, grad_fn, _prims(prim), inplace))


def node(torch_name: str, prim: str, grad_fn: GradFn) -> None:
    """The node name of a primitive that Tensors reach only through ``functrace.numpy``
    (or ``nn``), under the name torch gives the operation (``"linalg.inv"``)."""
    ROWS.append(Row((torch_name,), None, None, grad_fn, (prim,)))


def no_row(prim: str, reason: str) -> None:
    """A registered primitive that needs no row, and why (e.g. torch has no such op)."""
    NO_ROW[prim] = reason


def name_rows(namespace: dict) -> None:
    """Give each :func:`op` row the public names ``namespace`` binds to its function."""
    for name, value in namespace.items():
        row = _UNNAMED.get(id(value))
        if row is not None and not name.startswith("_"):
            row.names += (name,)
    unnamed = [row.function for row in _UNNAMED.values() if not row.names]
    if unnamed:
        raise ValueError(f"op() rows bound to no public name: {unnamed}")
    _UNNAMED.clear()


def _unique(pairs: list, what: str) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"{what} {key!r} comes from two rows of the facade's name table")
        out[key] = value
    return out


def module_names(rows: list) -> dict:
    """``ft.<name>``: name -> function."""
    return _unique([(n, r.function) for r in rows if r.function is not None for n in r.names],
                   "the function")


def tensor_methods(rows: list) -> dict:
    """``Tensor.<name>`` and ``Tensor.<name>_``: name -> function taking the tensor first."""
    pairs = []
    for r in rows:
        if r.method is not None:
            for n in r.names:
                pairs.append((n, r.method))
                if r.inplace:
                    pairs.append((n + "_", inplace_of(r.method, n + "_")))
    return _unique(pairs, "the Tensor method")


def node_names(rows: list) -> dict:
    """primitive name -> grad_fn name (or a function of its params) of its nodes.

    Rows of constant results (``grad_fn=None``) name their primitives too (each
    primitive has one row), but give no name: nothing records those primitives.
    """
    names = _unique([(p, r.grad_fn) for r in rows for p in r.prims], "the primitive")
    return {p: name for p, name in names.items() if name is not None}
