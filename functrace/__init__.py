"""functrace: automatic differentiation for NumPy code on the CPU.

>>> import numpy as np, functrace, functrace.numpy as fnp
>>> functrace.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.zeros(2))
array([1., 1.])
"""
from . import numpy  # noqa: F401  (installs array methods on tracers)
from .api import (elementwise_grad, grad, hessian, jacfwd, jacobian, jacrev, jvp,
                  make_tape, stop_gradient, value_and_grad, vjp)
from .core import Primitive, UnexpectedTracerError
from .registry import PRIMITIVES
from .tape import Tape
from .tree import (register_pytree_node, tree_flatten, tree_leaves, tree_map,
                   tree_structure, tree_unflatten)

__version__ = "0.1.0"

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "jacobian", "jacrev", "jacfwd", "hessian",
    "elementwise_grad", "stop_gradient", "make_tape", "Tape", "Primitive", "PRIMITIVES",
    "UnexpectedTracerError", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves",
    "tree_structure", "register_pytree_node",
]
