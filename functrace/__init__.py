"""functrace: automatic differentiation for NumPy code on the CPU.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.zeros(2))
array([1., 1.])
"""
import sys as _sys
import threading as _threading
from typing import TYPE_CHECKING

from . import numpy  # noqa: F401  (installs array methods on tracers)
from .api import (grad as grad, jvp as jvp, make_tape as make_tape,
                  stop_gradient as stop_gradient, value_and_grad as value_and_grad, vjp as vjp)
from .jacobians import (elementwise_grad as elementwise_grad, hessian as hessian,
                        jacfwd as jacfwd, jacobian as jacobian, jacrev as jacrev)
from .core import Primitive as Primitive, UnexpectedTracerError as UnexpectedTracerError
from .debugging.checks import NonFiniteError as NonFiniteError
from .debugging.mode import (config as config, debug_nans as debug_nans,
                             is_debug_nans_enabled as is_debug_nans_enabled)
from .batching import vmap as vmap
from .jit import jit as jit  # (binds the name over the subpackage: ft.jit is the function)
from .registry import PRIMITIVES as PRIMITIVES
from .tape import Tape as Tape
from .tree import (register_pytree_node as register_pytree_node, tree_flatten as tree_flatten,
                   tree_leaves as tree_leaves, tree_map as tree_map,
                   tree_structure as tree_structure, tree_unflatten as tree_unflatten)

from . import grad_mode  # noqa: F401
from . import tree as tree  # ft.tree.register_dataclass, ...
from .grad_mode import (enable_grad as enable_grad, inference_mode as inference_mode,
                        is_grad_enabled as is_grad_enabled,
                        is_inference_mode_enabled as is_inference_mode_enabled,
                        no_grad as no_grad, set_grad_enabled as set_grad_enabled)

__version__ = "0.1.0"

if TYPE_CHECKING:   # what __getattr__ below loads on first use, spelled out for type checkers
    from . import autograd as autograd, extend as extend, nn as nn, optim as optim, viz as viz
    from . import backends as backends, cuda as cuda, dask as dask, func as func
    from . import utils as utils
    from . import flatten_util as flatten_util, misc as misc
    from .calls import (checkpoint as checkpoint, custom_jvp as custom_jvp,
                        custom_vjp as custom_vjp, remat as remat)
    from .linearization import hvp as hvp, linearize as linearize
    from .explain import explain_grad as explain_grad
    from .serialization import load as load, save as save
    from .tensors import *  # noqa: F403  (ft.tensor, ft.Tensor, ft.float32, ft.randn, ...)
    from .tensors._names import *  # noqa: F403  (ft.sum, ft.exp, ...: the name table's rows)
    from .tensors import bool_ as _bool_
    float, int, bool, cfloat = float32, int32, _bool_, complex64  # tensors.DTYPE_ALIASES

# Loaded on first use (PEP 562), to keep `import functrace` fast: name -> (module, attribute).
_LAZY = {
    "autograd": ("functrace.autograd", None), "nn": ("functrace.nn", None),
    "optim": ("functrace.optim", None), "viz": ("functrace.viz", None),
    "utils": ("functrace.utils", None), "cuda": ("functrace.cuda", None),
    "backends": ("functrace.backends", None),
    "extend": ("functrace.extend", None), "dask": ("functrace.dask", None),
    "save": ("functrace.serialization", "save"), "load": ("functrace.serialization", "load"),
    "custom_vjp": ("functrace.calls", "custom_vjp"),
    "custom_jvp": ("functrace.calls", "custom_jvp"),
    "checkpoint": ("functrace.calls", "checkpoint"),
    "remat": ("functrace.calls", "remat"),
    "linearize": ("functrace.linearization", "linearize"),
    "explain_grad": ("functrace.explain", "explain_grad"),
    "hvp": ("functrace.linearization", "hvp"),
    "func": ("functrace.func", None),
    "flatten_util": ("functrace.flatten_util", None), "misc": ("functrace.misc", None),
}

# __all__ is written out (type checkers read list literals) and known without importing
# anything: a name outside it and _LAZY raises AttributeError at once (ft.gard).
__all__ = [                       # the functional core, imported above
    "grad", "value_and_grad", "vjp", "jvp", "vmap", "jacobian", "jacrev", "jacfwd", "hessian",
    "elementwise_grad", "stop_gradient", "make_tape", "jit", "Tape", "Primitive", "PRIMITIVES",
    "UnexpectedTracerError", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves",
    "tree_structure", "register_pytree_node", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "inference_mode", "is_inference_mode_enabled", "debug_nans",
    "is_debug_nans_enabled", "config", "NonFiniteError",
]
__all__ += sorted(set(_LAZY) - {"dask"})    # star-imports must not need (or import) Dask
_N_BEFORE_FACADE = len(__all__)
# The PyTorch-style names come from functrace.tensors, imported when the first of them
# is asked for; no Tensor can exist before that, so nothing is missed by loading it late.
# A new facade name goes here too (tests/test_facade_names.py checks this list).
__all__ += [                      # the Tensor facade: functrace.tensors.__all__ and dtype aliases
    "Generator", "Size", "Tensor", "abs", "absolute", "acos", "acosh", "add", "all",
    "allclose", "amax", "amin", "aminmax", "any", "arange", "arccos", "arccosh", "arcsin",
    "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin", "argsort", "as_tensor",
    "asin", "asinh", "atan", "atan2", "atanh", "bernoulli", "bitwise_and", "bitwise_not",
    "bitwise_or", "bitwise_xor", "bmm", "bool", "broadcast_to", "cat", "ceil", "cfloat",
    "chunk", "clamp", "clamp_max", "clamp_min", "clip", "clone", "complex128", "complex64",
    "concat", "concatenate", "copysign", "cos", "cosh", "count_nonzero", "cross", "cummax",
    "cummin", "cumprod", "cumsum", "default_generator", "device", "diag", "diagonal", "diff",
    "dist", "div", "divide", "dot", "double", "einsum", "empty", "empty_like", "eq", "equal",
    "erf", "erfc", "erfinv", "exp", "exp2", "expm1", "eye", "fix", "flatten", "flip", "float",
    "float16", "float32", "float64", "float_power", "floor", "floor_divide", "fmax", "fmin",
    "fmod", "frac", "from_numpy", "full", "full_like", "gather", "ge", "ger",
    "get_default_device", "get_default_dtype", "get_rng_state", "greater", "greater_equal",
    "gt", "half", "hstack", "hypot", "index_add", "index_copy", "index_fill", "index_select",
    "initial_seed", "inner", "int", "int16", "int32", "int64", "int8", "is_tensor", "isclose",
    "isfinite", "isinf", "isnan", "isneginf", "isposinf", "kron", "kthvalue", "le", "lerp",
    "less", "less_equal", "linspace", "log", "log10", "log1p", "log2", "log_softmax",
    "logaddexp", "logaddexp2", "logcumsumexp", "logical_and", "logical_not", "logical_or",
    "logical_xor", "logit", "logspace", "logsumexp", "long", "lt", "manual_seed",
    "masked_fill", "masked_select", "matmul", "max", "maximum", "mean", "median", "min",
    "minimum", "mm", "moveaxis", "movedim", "msort", "mul", "multinomial", "multiply", "mv",
    "nan_to_num", "nanmean", "nanmedian", "nansum", "narrow", "ne", "neg", "negative",
    "nonzero", "norm", "normal", "not_equal", "numel", "ones", "ones_like", "outer", "permute",
    "pow", "prod", "quantile", "rand", "rand_like", "randint", "randint_like", "randn",
    "randn_like", "randperm", "reciprocal", "relu", "remainder", "renorm", "repeat_interleave",
    "reshape", "roll", "round", "rsqrt", "rsub", "scatter", "scatter_add", "seed", "select",
    "set_default_device", "set_default_dtype", "set_rng_state", "sgn", "short", "sigmoid",
    "sign", "signbit", "sin", "sinh", "softmax", "sort", "split", "sqrt", "square", "squeeze",
    "stack", "std", "std_mean", "sub", "subtract", "sum", "swapaxes", "swapdims", "t", "take",
    "take_along_dim", "tan", "tanh", "tensor", "tile", "topk", "trace", "transpose", "tril",
    "triu", "true_divide", "trunc", "uint8", "unbind", "unflatten", "unsqueeze", "var",
    "var_mean", "vstack", "where", "xlogy", "zeros", "zeros_like",
]
_FACADE = frozenset(__all__[_N_BEFORE_FACADE:])


def _load_facade() -> None:
    """Import the Tensor facade and publish its names in this module."""
    import importlib
    tensors = importlib.import_module("functrace.tensors")
    names = {name: getattr(tensors, name) for name in tensors.__all__}
    names.update(tensors.DTYPE_ALIASES)       # ft.float, ft.int, ft.bool (as in torch)
    globals().update(names)


class _FacadeLoading(_threading.local):
    """Whether this thread is importing the facade (its own lookups of facade names
    then fail instead of re-entering the half-imported module)."""

    active = False


_LOADING = _FacadeLoading()


def _load_attribute(name: str):
    """PEP 562's module ``__getattr__``: a name of _LAZY or of the facade, loaded now.

    Thread-safe without a lock of our own: import_module makes another thread
    wait until the module is fully imported, and publishing names is idempotent.
    """
    if name in _LAZY:
        import importlib
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    if name in _FACADE and not _LOADING.active:
        _LOADING.active = True
        try:
            _load_facade()
        finally:
            _LOADING.active = False
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module 'functrace' has no attribute {name!r}", name=name,
                         obj=_sys.modules[__name__])


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY) | set(__all__))


if not TYPE_CHECKING:   # type checkers read the declarations above, and so reject ft.gard too
    __getattr__ = _load_attribute
