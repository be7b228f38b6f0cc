"""functrace: automatic differentiation for NumPy code on the CPU.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.zeros(2))
array([1., 1.])
"""
from . import numpy  # noqa: F401  (installs array methods on tracers)
from .api import (elementwise_grad, grad, hessian, jacfwd, jacobian, jacrev, jvp,
                  make_tape, stop_gradient, value_and_grad, vjp)
from .core import Primitive, UnexpectedTracerError
from .batching import vmap
from .registry import PRIMITIVES
from .tape import Tape
from .tree import (register_pytree_node, tree_flatten, tree_leaves, tree_map,
                   tree_structure, tree_unflatten)

from . import tensors as _tensors
from .tensors import *  # noqa: F401,F403  (the PyTorch-style Tensor facade)
from . import autograd, grad_mode, nn, optim, viz  # noqa: F401
from .serialization import load, save  # noqa: F401
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, no_grad, set_grad_enabled)

globals().update(_tensors.DTYPE_ALIASES)    # ft.float, ft.int, ft.bool (as in torch)

__version__ = "0.1.0"

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "vmap", "jacobian", "jacrev", "jacfwd", "hessian",
    "elementwise_grad", "stop_gradient", "make_tape", "Tape", "Primitive", "PRIMITIVES",
    "UnexpectedTracerError", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves",
    "tree_structure", "register_pytree_node",
] + _tensors.__all__ + [
    "autograd", "nn", "optim", "viz", "save", "load", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "inference_mode", "is_inference_mode_enabled", "float", "int", "bool"]

# custom derivative rules, checkpointing, linearize/hvp, user primitives (issue 5)
from .custom import custom_jvp, custom_vjp  # noqa: E402
__all__ += ["custom_vjp", "custom_jvp"]
from .checkpointing import checkpoint, remat  # noqa: E402
__all__ += ["checkpoint", "remat"]
from .linearization import hvp, linearize  # noqa: E402
__all__ += ["linearize", "hvp"]
from . import extend  # noqa: E402,F401
__all__ += ["extend"]
