"""Containers: ``Sequential``, ``ModuleList``/``ModuleDict``, ``ParameterList``/``ParameterDict``.

Each registers what it holds, so the enclosing module's ``parameters()`` and
``state_dict()`` reach it (keys ``"0"``, ``"1"``, ... for the lists).

>>> import functrace as ft
>>> from functrace import nn
>>> blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
>>> blocks
ModuleList(
  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
)
>>> scales = nn.ParameterList([ft.ones(2), ft.zeros(3)])
>>> [name for name, _ in scales.named_parameters()]
['0', '1']
"""
from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, Iterator

from ..tensors._format import dtype_name
from ..tensors._tensor import Tensor
from .modules import Module, Parameter


def _absolute_index(idx: Any, size: int) -> int:
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise IndexError(f"index {idx} is out of range")
    return idx + size if idx < 0 else idx


class Sequential(Module):
    """Modules applied one after another. ``Sequential(nn.Linear(2, 3), nn.ReLU())``."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def forward(self, input: Any) -> Any:
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, idx: Any) -> Any:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        return items[_absolute_index(idx, len(items))][1]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_absolute_index(idx, len(self))]
        self.add_module(key, module)

    def __delitem__(self, idx: Any) -> None:
        keys = list(self._modules)
        for key in (keys[idx] if isinstance(idx, slice) else [keys[_absolute_index(idx,
                                                                                len(keys))]]):
            del self._modules[key]
        renumber = all(k.isdigit() for k in self._modules)
        if renumber:                         # as PyTorch: keep the indices contiguous
            kept = list(self._modules.values())
            self._modules.clear()
            for i, m in enumerate(kept):
                self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable) -> "Sequential":
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        _insert(self, index, module)
        return self

    def pop(self, key: Any) -> Module:
        v = self[key]
        del self[key]
        return v


def _insert(container: Module, index: int, module: Module) -> None:
    """Insert ``module`` before position ``index``, renumbering the keys ``"0"..``."""
    values = list(container._modules.values())
    n = len(values)
    index = max(0, min(n, index + n if index < 0 else index))
    container.add_module(str(n), module)         # type-checks the module
    values.insert(index, module)
    container._modules.clear()
    for i, m in enumerate(values):
        container._modules[str(i)] = m


def _compressed_repr(name: str, reprs: list) -> str:
    """PyTorch's ModuleList repr: consecutive equal entries print once as ``(0-2): 3 x ...``."""
    if not reprs:
        return f"{name}()"
    blocks: list = []                            # [start, end, text]
    for i, r in enumerate(reprs):
        if blocks and blocks[-1][2] == r:
            blocks[-1][1] = i
        else:
            blocks.append([i, i, r])
    lines = []
    for start, end, text in blocks:
        head = f"({start})" if start == end else f"({start}-{end}): {end - start + 1} x"
        lines.append((f"{head}: {text}" if start == end else f"{head} {text}")
                     .replace("\n", "\n  "))
    return f"{name}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleList(Module):
    """A list of modules whose parameters are registered (indexable, not callable)."""

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Any) -> "ModuleList":
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        _insert(self, index, module)

    def pop(self, key: Any) -> Module:
        v = self[key]
        del self[key]
        return v

    def __getitem__(self, idx: Any) -> Any:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(values[idx])
        return values[_absolute_index(idx, len(values))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_absolute_index(idx, len(self))), module)

    __delitem__ = Sequential.__delitem__

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, other: Iterable) -> "ModuleList":
        return ModuleList(list(self) + list(other))

    def __repr__(self) -> str:
        return _compressed_repr(type(self).__name__, [repr(m) for m in self])

    def __dir__(self) -> list:
        return [k for k in super().__dir__() if not k.isdigit()]


def _pairs(values: Any, what: str) -> Iterator[tuple]:
    """The (key, value) pairs of a dict-container ``update``, in PyTorch's order
    (a plain mapping is sorted by key; OrderedDicts and containers keep their order)."""
    if not isinstance(values, Iterable):
        raise TypeError(f"{what}.update should be called with an iterable of key/value "
                        f"pairs, but got {type(values).__name__}")
    if isinstance(values, (OrderedDict, ModuleDict, ParameterDict)):
        yield from values.items()
    elif isinstance(values, Mapping):
        yield from sorted(values.items())
    else:
        for j, p in enumerate(values):
            if not isinstance(p, Iterable):
                raise TypeError(f"{what} update sequence element #{j} should be Iterable; "
                                f"is{type(p).__name__}")
            if len(p) != 2:
                raise ValueError(f"{what} update sequence element #{j} has length {len(p)}; "
                                 "2 is required")
            yield p[0], p[1]


class ModuleDict(Module):
    """A dict of modules whose parameters are registered (keys keep insertion order)."""

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def keys(self) -> Any:
        return self._modules.keys()

    def items(self) -> Any:
        return self._modules.items()

    def values(self) -> Any:
        return self._modules.values()

    def update(self, modules: Any) -> None:
        for key, m in _pairs(modules, "ModuleDict"):
            self[key] = m


def _as_parameter(value: Any) -> Any:
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value,
                                                                             Parameter) else value


def _entry_repr(key: Any, value: Any) -> str:
    if isinstance(value, Tensor):
        size = "x".join(str(n) for n in value.shape)
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        return f"  ({key}): {kind} containing: [{dtype_name(value.dtype)} of size {size}]"
    return f"  ({key}): Object of type: {type(value).__name__}"


class ParameterList(Module):
    """A list of parameters (Tensors are wrapped in ``Parameter``), registered as
    ``"0"``, ``"1"``, ..."""

    def __init__(self, values: Any = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(*idx.indices(len(self)))])
        return getattr(self, str(_absolute_index(idx, len(self))))

    def __setitem__(self, idx: int, value: Any) -> None:
        setattr(self, str(_absolute_index(idx, len(self))), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values: Iterable) -> "ParameterList":
        return self.extend(values)

    def append(self, value: Any) -> "ParameterList":
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable) -> "ParameterList":
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_entry_repr(k, p) for k, p in enumerate(self))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called.")

    def __dir__(self) -> list:
        return [k for k in super().__dir__() if not k.isdigit()]


class ParameterDict(Module):
    """A dict of parameters (Tensors are wrapped in ``Parameter``) with string keys."""

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self._keys: dict = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _attr(key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError("Index given to ParameterDict cannot be used as a key as it is "
                            f"not a string (type is '{type(key).__name__}').")
        return key

    def __getitem__(self, key: str) -> Any:
        return getattr(self, self._attr(key))

    def __setitem__(self, key: str, value: Any) -> None:
        attr = self._attr(key)
        self._keys[key] = None
        setattr(self, attr, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, self._attr(key))

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def copy(self) -> "ParameterDict":
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for k in list(self._keys):
            del self[k]

    def pop(self, key: str) -> Any:
        v = self[key]
        del self[key]
        return v

    def popitem(self) -> tuple:
        k = next(reversed(self._keys)) if self._keys else None
        if k is None:
            raise KeyError("popitem(): dictionary is empty")
        return k, self.pop(k)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def keys(self) -> Any:
        return self._keys.keys()

    def items(self) -> Iterator[tuple]:
        return ((k, self[k]) for k in self._keys)

    def values(self) -> Iterator[Any]:
        return (self[k] for k in self._keys)

    def update(self, parameters: Any) -> None:
        for key, p in _pairs(parameters, "ParameterDict"):
            self[key] = p

    def __or__(self, other: "ParameterDict") -> "ParameterDict":
        out = self.copy()
        out.update(other)
        return out

    def __ior__(self, other: "ParameterDict") -> "ParameterDict":
        self.update(other)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_entry_repr(k, p) for k, p in self.items())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called.")
