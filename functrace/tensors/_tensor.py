"""The :class:`Tensor` class: data, autograd attributes and conversions.

A Tensor wraps a numpy array (``_data``). Operations on Tensors are the
primitives of :mod:`functrace.numpy`; the root trace hands them to
:mod:`functrace.tensors._graph`, which computes them and records the graph.
Operators and torch-named methods are installed by :mod:`._ops` and
:mod:`._inplace`; this module holds no derivative formula and no graph logic.
"""
from __future__ import annotations

import itertools
import warnings
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import numpy as np

from .. import core
from ..debugging.flow import facade_cut
from ..debugging.mode import ARMED
from ._device import CPU
from ._types import Size, default_float, parse_size  # noqa: F401  (Size: re-exported)
from ._format import tensor_repr

next_id: Callable[[], int] = itertools.count(1).__next__

#: Tensor and its subclasses (exact types: ``type(x) in TENSOR_TYPES`` on hot paths)
TENSOR_TYPES: set = set()
_new = object.__new__


class _Meta:
    """Rarely used per-tensor state: leaf hooks and the cached AccumulateGrad."""

    __slots__ = ("hooks", "accum")

    def __init__(self) -> None:
        self.hooks: Optional[dict] = None
        self.accum: Any = None


class RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


_WARNED_FLOAT: list = []   # Tensor.__float__ of a tensor that requires grad warned


class Tensor:
    """An n-dimensional array that can record operations for ``backward()``.

    Built with :func:`functrace.tensor` (or ``ft.Tensor(data)`` for the default
    float dtype); see the factories ``ft.zeros``, ``ft.randn``, ...

    >>> import functrace as ft
    >>> x = ft.tensor([2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([4., 6.])
    """

    __slots__ = ("_data", "_node", "_id", "_rg", "_vc", "_grad", "_meta", "__weakref__")
    __array_priority__ = 1000

    if TYPE_CHECKING:   # installed by functrace.tensors._install(); declared for type checkers
        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __floordiv__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __and__(self, other: Any) -> Tensor: ...
        def __or__(self, other: Any) -> Tensor: ...
        def __xor__(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __eq__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __getitem__(self, index: Any) -> Tensor: ...
        def __setitem__(self, index: Any, value: Any) -> None: ...
        @property
        def T(self) -> Tensor: ...
        def backward(self, gradient: Any = None, retain_graph: Optional[bool] = None,
                     create_graph: bool = False, inputs: Any = None) -> None: ...
        # the ~200 other installed methods (sum, view, add_, ...): typed loosely
        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, *args: Any, requires_grad: bool = False) -> None:
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = np.array(_unwrap_nested(args[0]), dtype=default_float())
        else:
            data = np.zeros(parse_size(args) if args else (0,), dtype=default_float())
        init_tensor(self, data, requires_grad)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_tensor_type(cls)

    # -- autograd attributes ------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor (settable on leaves)."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self._node is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want "
                    "to use a computed variable in a subgraph that doesn't require "
                    "differentiation use var_no_grad = var.detach().")
            return
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can "
                               "require gradients")
        self._rg = value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place and return ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self._node is None

    @property
    def grad_fn(self) -> Any:
        """The node that produced this tensor (``None`` for leaves)."""
        return self._node

    @property
    def grad(self) -> Optional["Tensor"]:
        """The accumulated gradient (leaves, and non-leaves after ``retain_grad()``)."""
        if self._node is not None and self._grad is None and not self.retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being "
                "accessed. Its .grad attribute won't be populated during "
                "autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
                "access the non-leaf Tensor by mistake, make sure you access the leaf "
                "Tensor instead. (functrace.explain_grad(f)(...) says why a gradient is "
                "missing or zero.)", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Optional["Tensor"]) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"grad of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        node = self._node
        return (node is not None and node.hooks is not None
                and node.hooks.retain is not None and node.hooks.retain() is self)

    def retain_grad(self) -> None:
        """Populate ``.grad`` for this non-leaf tensor during ``backward()``."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._node is not None:
            self._node.get_hooks().retain = weakref.ref(self)

    def register_hook(self, hook: Callable[["Tensor"], Optional["Tensor"]]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a replacement gradient. Returns a handle whose
        ``remove()`` unregisters it.

        >>> import functrace as ft
        >>> x = ft.tensor([1.0, 2.0], requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 2)
        >>> (x * 3).sum().backward()
        >>> x.grad
        tensor([6., 6.])
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self._node is not None:
            hooks = self._node.get_hooks().fns
        else:
            meta = self._get_meta()
            if meta.hooks is None:
                meta.hooks = {}
            hooks = meta.hooks
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def _get_meta(self) -> _Meta:
        if self._meta is None:
            self._meta = _Meta()
        return self._meta

    def detach(self) -> "Tensor":
        """A tensor sharing this data (and version counter) that is not in the graph."""
        t = make(self._data, None, False)
        t._vc = shared_version_counter(self)
        if ARMED[0]:            # explain_grad: the gradient stops here
            facade_cut(self, t, "detach", "detach()")
        return t

    def detach_(self) -> "Tensor":
        """Detach this tensor from the graph in place (it becomes a leaf)."""
        self._node = None
        self._rg = False
        return self

    @property
    def data(self) -> "Tensor":
        """The same data as a tensor outside the graph (like ``detach()``)."""
        return self.detach()

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def _version(self) -> int:
        """How many in-place operations modified this tensor's data."""
        return version(self)

    # -- shape and dtype ------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: Optional[int] = None) -> Any:
        """The shape (``Size``), or the length of dimension ``dim``."""
        shape = self._data.shape
        return Size(shape) if dim is None else shape[dim]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> Any:
        """Always ``device(type='cpu')`` (which also equals the string ``"cpu"``)."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_meta(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def element_size(self) -> int:
        return self._data.itemsize

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self._data.shape[0]):
            yield self[i]

    # -- conversions --------------------------------------------------------------

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be "
                               "converted to Scalar")
        if ARMED[0]:
            facade_cut(self, None, "python_conversion", "item()")
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        """The data as a numpy array sharing memory (error if it requires grad)."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self.numpy()
        if dtype is not None and data.dtype != dtype:
            return data.astype(dtype)
        return data.copy() if copy else data

    def _scalar(self, what: str) -> np.ndarray:
        if self._data.size != 1:
            raise RuntimeError(f"only one element tensors can be converted to Python "
                               f"scalars (got {self._data.size} elements)")
        if ARMED[0]:            # explain_grad: the gradient stops at `what`
            facade_cut(self, None, "python_conversion", what)
        return self._data.reshape(())

    def __float__(self) -> float:
        if self._rg and not _WARNED_FLOAT:     # as PyTorch: once per process, float() only
            _WARNED_FLOAT.append(True)
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead "
                          "to unexpected behavior.\nConsider using tensor.detach() first.",
                          UserWarning, stacklevel=2)
        return float(self._scalar("float()"))

    def __int__(self) -> int:
        return int(self._scalar("int()"))

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted "
                            "to an index")
        return int(self._scalar("use as an index"))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is "
                               "ambiguous")
        return bool(self._data.reshape(()))

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self._data.item(), spec)
        return format(str(self), spec)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __deepcopy__(self, memo: dict) -> "Tensor":
        if self._node is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = _new(type(self))
        init_tensor(new, self._data.copy(), self._rg)
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol: int) -> Any:
        if self._node is not None:
            raise RuntimeError("only leaf tensors can be pickled")
        return (_rebuild, (type(self), self._data, self._rg))


def _rebuild(cls: type, data: np.ndarray, requires_grad: bool) -> Tensor:
    t = _new(cls)
    init_tensor(t, data, requires_grad)
    return t


def register_tensor_type(cls: type) -> None:
    """Make the root trace hand primitives on ``cls`` instances to the facade
    (:mod:`._facade`) and let :func:`functrace.core.concrete` see their data."""
    TENSOR_TYPES.add(cls)
    core.register_concrete_type(cls, _data_of)
    core.add_facade_types((cls,))


def _data_of(t: Tensor) -> np.ndarray:
    return t._data


register_tensor_type(Tensor)


def init_tensor(t: Tensor, data: np.ndarray, requires_grad: bool = False) -> None:
    """Fill the slots of a fresh leaf tensor ``t`` (checking ``requires_grad``)."""
    t._data = data
    t._node = None
    t._id = next_id()
    t._rg = False
    t._vc = None
    t._grad = None
    t._meta = None
    if requires_grad:
        t.requires_grad = True


def make(data: np.ndarray, node: Any, rg: bool) -> Tensor:
    """A Tensor around ``data`` (no checks): the hot path of every operation."""
    t = _new(Tensor)
    t._data = data
    t._node = node
    t._id = next_id() if node is None else node.out_id
    t._rg = rg
    t._vc = None
    t._grad = None
    t._meta = None
    return t


# -- version counters ---------------------------------------------------------------------
# A tensor's counter (``_vc``, a one-element list shared with its detach()-ed
# aliases) is created on first need: most tensors are never modified in place,
# and an absent counter means version 0.

def version(t: Tensor) -> int:
    """How many in-place operations modified ``t``'s data."""
    vc = t._vc
    return 0 if vc is None else vc[0]


def shared_version_counter(t: Tensor) -> list:
    """``t``'s counter, created if needed. A node that saved ``t``'s buffer as its
    output starts watching it then, so later in-place changes are detected."""
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
        node = t._node
        if node is not None and node.out is t._data and node.out_vc is None:
            node.out_vc = vc
    return vc


def bump_version(t: Tensor) -> None:
    """Record an in-place modification of ``t``."""
    shared_version_counter(t)[0] += 1


def _unwrap_nested(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return obj._data
    if isinstance(obj, (list, tuple)):
        return [_unwrap_nested(o) for o in obj]
    return obj
