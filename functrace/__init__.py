"""functrace: automatic differentiation for NumPy code on the CPU.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.zeros(2))
array([1., 1.])
"""
import threading as _threading

from . import numpy  # noqa: F401  (installs array methods on tracers)
from .api import (elementwise_grad, grad, hessian, jacfwd, jacobian, jacrev, jvp,
                  make_tape, stop_gradient, value_and_grad, vjp)
from .core import Primitive, UnexpectedTracerError
from .batching import vmap
from .registry import PRIMITIVES
from .tape import Tape
from .tree import (register_pytree_node, tree_flatten, tree_leaves, tree_map,
                   tree_structure, tree_unflatten)

from . import grad_mode  # noqa: F401
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, no_grad, set_grad_enabled)

__version__ = "0.1.0"

# Loaded on first use (PEP 562), to keep `import functrace` fast: name -> (module, attribute).
# The PyTorch-style names (ft.tensor, ft.Tensor, ft.float32, ft.sum, ...) come from
# functrace.tensors, imported when the first of them is asked for; no Tensor can
# exist before that, so nothing is missed by loading it late.
_LAZY = {
    "autograd": ("functrace.autograd", None), "nn": ("functrace.nn", None),
    "optim": ("functrace.optim", None), "viz": ("functrace.viz", None),
    "utils": ("functrace.utils", None), "cuda": ("functrace.cuda", None),
    "backends": ("functrace.backends", None),
    "extend": ("functrace.extend", None),
    "save": ("functrace.serialization", "save"), "load": ("functrace.serialization", "load"),
    "custom_vjp": ("functrace.custom", "custom_vjp"),
    "custom_jvp": ("functrace.custom", "custom_jvp"),
    "checkpoint": ("functrace.checkpointing", "checkpoint"),
    "remat": ("functrace.checkpointing", "remat"),
    "linearize": ("functrace.linearization", "linearize"),
    "hvp": ("functrace.linearization", "hvp"),
}

_CORE_ALL = [
    "grad", "value_and_grad", "vjp", "jvp", "vmap", "jacobian", "jacrev", "jacfwd", "hessian",
    "elementwise_grad", "stop_gradient", "make_tape", "Tape", "Primitive", "PRIMITIVES",
    "UnexpectedTracerError", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves",
    "tree_structure", "register_pytree_node", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "inference_mode", "is_inference_mode_enabled", *sorted(_LAZY)]


def _facade_names() -> dict:
    """Import the Tensor facade and publish its names in this module."""
    import importlib
    tensors = importlib.import_module("functrace.tensors")
    names = {name: getattr(tensors, name) for name in tensors.__all__}
    names.update(tensors.DTYPE_ALIASES)       # ft.float, ft.int, ft.bool (as in torch)
    names["__all__"] = _CORE_ALL + sorted(set(names) - {"__all__"})
    globals().update(names)
    return names


class _FacadeLoading(_threading.local):
    """Whether this thread is importing the facade (its own lookups of missing
    names then fail instead of re-entering the half-imported module)."""

    active = False


_LOADING = _FacadeLoading()


def __getattr__(name: str):
    # Thread-safe without a lock of our own: import_module makes another thread
    # wait until the module is fully imported, and publishing names is idempotent.
    if name in _LAZY:
        import importlib
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    if (not name.startswith("__") or name == "__all__") and not _LOADING.active:
        _LOADING.active = True
        try:
            names = _facade_names()
        finally:
            _LOADING.active = False
        if name in names:
            return names[name]
    raise AttributeError(f"module 'functrace' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY) | set(__getattr__("__all__")))
