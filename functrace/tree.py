"""Pytrees: nested tuples, lists, dicts, namedtuples and ``None``, plus registered types.

``OrderedDict`` (what ``Module.state_dict()`` returns; its keys keep their order),
``defaultdict`` and ``deque`` are containers too, and dataclasses become
containers with :func:`register_dataclass`.

>>> leaves, treedef = tree_flatten({"b": (1, 2), "a": [3, None]})
>>> leaves
[3, 1, 2]
>>> tree_unflatten(treedef, [x * 10 for x in leaves])
{'a': [30, None], 'b': (10, 20)}
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict, defaultdict, deque
from typing import (Any, Callable, Iterable, NamedTuple, Optional, Sequence, TypeVar,
                    overload)

T = TypeVar("T", bound=type)


class _NodeType(NamedTuple):
    flatten: Callable[[Any], tuple]          # node -> (children, aux)
    unflatten: Callable[[Any, list], Any]    # (aux, children) -> node


_REGISTRY: dict = {}


def register_pytree_node(nodetype: type, flatten: Callable[[Any], tuple],
                         unflatten: Callable[[Any, list], Any]) -> None:
    """Make ``nodetype`` a container: ``flatten(node) -> (children, aux)`` and
    ``unflatten(aux, children) -> node``.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))
    >>> tree_leaves(Pair(1, (2, 3)))
    [1, 2, 3]
    """
    if nodetype in _REGISTRY:
        raise ValueError(f"{nodetype.__name__} is already registered as a pytree node")
    _REGISTRY[nodetype] = _NodeType(flatten, unflatten)


register_pytree_node(tuple, lambda t: (t, None), lambda aux, ch: tuple(ch))
register_pytree_node(list, lambda t: (t, None), lambda aux, ch: list(ch))
register_pytree_node(type(None), lambda t: ((), None), lambda aux, ch: None)
register_pytree_node(
    dict, lambda d: (tuple(d[k] for k in _sorted_keys(d)), tuple(_sorted_keys(d))),
    lambda keys, ch: dict(zip(keys, ch)))
register_pytree_node(OrderedDict, lambda d: (tuple(d.values()), tuple(d)),
                     lambda keys, ch: OrderedDict(zip(keys, ch)))
register_pytree_node(
    defaultdict,
    lambda d: (tuple(d[k] for k in _sorted_keys(d)), (d.default_factory, tuple(_sorted_keys(d)))),
    lambda aux, ch: defaultdict(aux[0], zip(aux[1], ch)))
register_pytree_node(deque, lambda d: (tuple(d), d.maxlen),
                     lambda maxlen, ch: deque(ch, maxlen=maxlen))


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


@overload
def register_dataclass(nodetype: T, data_fields: Optional[Sequence[str]] = None,
                       meta_fields: Optional[Sequence[str]] = None) -> T: ...
@overload
def register_dataclass(nodetype: None = None, data_fields: Optional[Sequence[str]] = None,
                       meta_fields: Optional[Sequence[str]] = None) -> Callable[[T], T]: ...


def register_dataclass(nodetype: Optional[T] = None, data_fields: Optional[Sequence[str]] = None,
                       meta_fields: Optional[Sequence[str]] = None) -> Any:
    """Make a dataclass (frozen or not) a container; usable as a decorator.

    ``data_fields`` are its children (arrays, differentiated); ``meta_fields`` are
    static and part of the tree structure (e.g. an activation name). By default
    every field is data. Rebuilt instances are made without calling ``__init__``
    or ``__post_init__``, so tracers and gradients pass through unchanged.

    >>> import dataclasses, numpy as np, functrace as ft, functrace.numpy as fnp
    >>> @register_dataclass
    ... @dataclasses.dataclass(frozen=True)
    ... class Linear:
    ...     w: np.ndarray
    ...     b: np.ndarray
    >>> g = ft.grad(lambda p: fnp.sum(p.w * 3.0 + p.b))(Linear(np.ones(2), np.zeros(2)))
    >>> g.w, g.b
    (array([3., 3.]), array([1., 1.]))
    """
    if nodetype is None:
        return lambda cls: register_dataclass(cls, data_fields, meta_fields)
    if not (isinstance(nodetype, type) and dataclasses.is_dataclass(nodetype)):
        raise TypeError(f"register_dataclass expects a dataclass type, got {nodetype!r}")
    data, meta = _split_fields(nodetype, data_fields, meta_fields)

    def flatten(obj: Any) -> tuple:
        return tuple(getattr(obj, n) for n in data), tuple(getattr(obj, n) for n in meta)

    def unflatten(meta_values: tuple, children: list) -> Any:
        obj = object.__new__(nodetype)
        for name, value in [*zip(data, children), *zip(meta, meta_values)]:
            object.__setattr__(obj, name, value)     # works for frozen dataclasses too
        return obj

    register_pytree_node(nodetype, flatten, unflatten)
    return nodetype


def _split_fields(cls: type, data: Optional[Sequence[str]], meta: Optional[Sequence[str]]
                  ) -> tuple:
    names = [f.name for f in dataclasses.fields(cls)]
    if data is None:
        data = [n for n in names if n not in (meta or ())]
    if meta is None:
        meta = [n for n in names if n not in data]
    unknown = sorted((set(data) | set(meta)) - set(names))
    missing = [n for n in names if n not in data and n not in meta]
    both = sorted(set(data) & set(meta))
    if unknown or missing or both:
        raise ValueError(f"register_dataclass({cls.__name__}): data_fields and meta_fields "
                         f"must split the fields {names} (unknown: {unknown}, "
                         f"missing: {missing}, in both: {both})")
    return tuple(data), tuple(meta)


def unregistered_hint(x: Any) -> str:
    """What to do with a leaf that is a container functrace does not know."""
    name = type(x).__name__
    if dataclasses.is_dataclass(x):
        return (f"; {name} is a dataclass: make it a pytree with "
                f"functrace.tree.register_dataclass({name})")
    return (f"; if {name} is a container, register it with "
            "functrace.tree.register_pytree_node")


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _node_type(x: Any) -> Optional[_NodeType]:
    node = _REGISTRY.get(type(x))
    if node is None and _is_namedtuple(x):
        return _NodeType(lambda t: (tuple(t), None), lambda aux, ch, cls=type(x): cls(*ch))
    return node


class PyTreeDef:
    """The structure of a pytree with its leaves taken out."""

    __slots__ = ("node_type", "aux", "node", "children", "num_leaves")

    def __init__(self, node_type: Any, aux: Any, children: tuple, node: Any = None):
        self.node_type = node_type       # None for a leaf
        self.aux = aux
        self.node = node
        self.children = children
        self.num_leaves = 1 if node_type is None else sum(c.num_leaves for c in children)

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, PyTreeDef) and self.node_type == other.node_type
                and self.aux == other.aux and self.children == other.children)

    def __hash__(self) -> int:
        return hash((self.node_type, len(self.children)))

    def __repr__(self) -> str:
        if self.node_type is None:
            return "*"
        kind = self.node_type[1] if isinstance(self.node_type, tuple) else self.node_type
        name = getattr(kind, "__name__", str(kind))
        return f"{name}({', '.join(map(repr, self.children))})"


_LEAF = PyTreeDef(None, None, ())


def tree_flatten(tree: Any, is_leaf: Optional[Callable[[Any], bool]] = None) -> tuple:
    """``(leaves, treedef)`` with leaves in a deterministic order (dict keys sorted).

    >>> leaves, treedef = tree_flatten({"b": (1.0, 2.0), "a": 3.0})
    >>> leaves
    [3.0, 1.0, 2.0]
    >>> tree_unflatten(treedef, [x * 10 for x in leaves])
    {'a': 30.0, 'b': (10.0, 20.0)}
    """
    leaves: list = []
    treedef = _flatten(tree, leaves, is_leaf)
    return leaves, treedef


def _flatten(tree: Any, leaves: list, is_leaf: Any) -> PyTreeDef:
    if is_leaf is not None and is_leaf(tree):
        leaves.append(tree)
        return _LEAF
    key: Any = type(tree)
    node = _REGISTRY.get(key)
    if node is None:
        if not _is_namedtuple(tree):
            leaves.append(tree)
            return _LEAF
        node = _node_type(tree)
        key = ("namedtuple", key)
    children, aux = node.flatten(tree)
    return PyTreeDef(key, aux, tuple([_flatten(c, leaves, is_leaf) for c in children]), node)


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a pytree of structure ``treedef`` from ``leaves``.

    >>> treedef = tree_structure([1.0, (2.0, 3.0)])
    >>> tree_unflatten(treedef, ["x", "y", "z"])
    ['x', ('y', 'z')]
    """
    it = iter(leaves)
    out = _unflatten(treedef, it)
    if next(it, _SENTINEL) is not _SENTINEL:
        raise ValueError("too many leaves for this tree structure")
    return out


_SENTINEL = object()


def _unflatten(treedef: PyTreeDef, it: Any) -> Any:
    if treedef.node_type is None:
        leaf = next(it, _SENTINEL)
        if leaf is _SENTINEL:
            raise ValueError("too few leaves for this tree structure")
        return leaf
    children = [_unflatten(c, it) for c in treedef.children]
    return treedef.node.unflatten(treedef.aux, children)


def tree_leaves(tree: Any) -> list:
    """The leaves of ``tree``, in :func:`tree_flatten`'s order.

    >>> tree_leaves({"w": [1.0, 2.0], "b": 0.5})
    [0.5, 1.0, 2.0]
    """
    return tree_flatten(tree)[0]


def tree_structure(tree: Any) -> PyTreeDef:
    """The structure of ``tree`` without its leaves (what :func:`tree_unflatten` takes).

    >>> tree_structure((1.0, {"a": 2.0})) == tree_structure((5.0, {"a": 6.0}))
    True
    """
    return tree_flatten(tree)[1]


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``f`` leafwise; ``rest`` must have the same structure as ``tree``.

    >>> tree_map(lambda a, b: a + b, (1, [2]), (10, [20]))
    (11, [22])
    """
    leaves, treedef = tree_flatten(tree)
    others = [tree_flatten(r) for r in rest]
    for _, other_def in others:
        if other_def.num_leaves != treedef.num_leaves or other_def != treedef:
            raise ValueError(f"tree_map: structures differ: {treedef} vs {other_def}")
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *[o[0] for o in others])])
