"""The PyTorch-style Tensor facade over the functrace engine.

Tensor operations bind the same primitives as :mod:`functrace.numpy`; the root
trace hands them to :mod:`._graph`, which records ``grad_fn`` nodes, and
``backward()`` runs the same backward pass as :func:`functrace.grad`. The
operations' torch names, Tensor methods, in-place variants and node names all
come from one table, :mod:`._names` (its docstring says how to add one).

>>> import functrace as ft
>>> w = ft.tensor([1.0, 2.0], requires_grad=True)
>>> loss = (w * w).sum()
>>> loss
tensor(5., grad_fn=<SumBackward0>)
>>> loss.backward()
>>> w.grad
tensor([2., 4.])

Deliberate differences from PyTorch (and why):

* dtypes are numpy dtypes (``ft.float32 == np.float32``; printed as
  ``functrace.float64``). They promote as in PyTorch (:mod:`._promotion`: an
  int tensor divided by an int is float32, a 0-d float64 tensor does not
  promote float32 ones); the functional API keeps numpy's rules.
* Random numbers come from numpy's PCG64 generator: the same seed gives other
  numbers than torch (distributions and initialisations are the same), but
  ``ft.manual_seed``/``ft.Generator`` make every random function, ``Dropout``,
  ``DataLoader`` shuffling and ``random_split`` reproducible.
* View-producing operations may return numpy views. Modifying such a view in
  place while gradients are recorded raises (functrace has no ``CopySlices``
  rebase of the base tensor); under ``no_grad`` the write goes through.
  ``detach()`` shares the version counter, views do not.
* Arguments take torch's forms (``dim`` as an int, tuple or list; ``axis=``
  and ``keepdims=`` aliases) and errors are torch's types (:mod:`._args`).
  A Python number is accepted where torch wants a tensor (``ft.maximum(x, 0.5)``),
  and functions torch has no kernel for on a dtype compute anyway.
* Composites (``mean``, ``var``, ``softmax``, ``cross_entropy``, ...) are a
  few primitives each: their ``grad_fn`` carries PyTorch's name, but
  ``next_functions`` shows the inner nodes.
* Linear operations (view, sum, indexing, cat) keep their saved inputs, which
  only serve for shapes, until the graph is dropped, so backward twice through
  a purely linear graph works (as in torch, which saves only sizes there).
* In-place operations compute their result out of place and copy it into the
  tensor's buffer (so ``detach()``-ed aliases see it); nodes recorded by the
  in-place operation itself keep a copy of the old value they need.
* ``inference_mode`` is ``no_grad`` (there are no inference tensors), and
  the device is always the CPU: other devices raise where they are asked for,
  and ``ft.device("cpu") == "cpu"`` is True (False in torch).
"""
from __future__ import annotations

from . import _names  # noqa: F401  (writes the rows of the facade's name table)
from ._device import device, get_default_device, set_default_device
from ._engine import backward as _backward_fn  # noqa: F401
from . import _facade  # noqa: F401  (installs the facade in the root trace's slot)
from ._factories import (DTYPE_ALIASES, arange, as_tensor, bool_, complex64, complex128,
                         double, empty, empty_like, eye, float16, float32, float64,
                         from_numpy, full, full_like, get_default_dtype, half, int8, int16,
                         int32, int64, linspace, logspace, long, ones, ones_like,
                         set_default_dtype, short, tensor, uint8, zeros, zeros_like)
from ._graph import TORCH_NAMES, AccumulateGrad, Node, relabel  # noqa: F401
from ._ops import values_indices  # noqa: F401
from ._random import (Generator, bernoulli, default_generator, get_rng_state, initial_seed,
                      manual_seed, multinomial, normal, rand, rand_like, randint, randint_like,
                      randn, randn_like, randperm, seed, set_rng_state)
from ._table import ROWS, module_names, node_names, tensor_methods
from ._tensor import RemovableHandle, Size, Tensor

_OPERATIONS = module_names(ROWS)
globals().update(_OPERATIONS)           # ft.add, ft.exp, ft.cat, ...: one row each in _names


def _install() -> None:
    """Put the table's methods on Tensor and its node names in the recorder's table."""
    for name, fn in tensor_methods(ROWS).items():
        setattr(Tensor, name, fn)
    TORCH_NAMES.update(node_names(ROWS))


_install()

# The names that are not operations (type checkers read this list; the operations,
# added below, they read from _names' rows).
__all__ = [
    "Tensor", "Size", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty",
    "eye", "arange", "linspace", "logspace", "rand", "randn", "randint", "randperm", "normal",
    "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "Generator",
    "default_generator", "bernoulli", "multinomial", "randint_like", "device",
    "set_default_device", "get_default_device",
    "get_default_dtype", "set_default_dtype", "float16", "half", "float32",
    "float64", "double", "int8", "uint8", "int16", "short", "int32", "int64", "long",
    "complex64", "complex128"]
__all__ += sorted(_OPERATIONS)

from ..numpy._example_tables import attach as _attach  # noqa: E402  (docstring examples)
from ._examples import EXAMPLES as _EXAMPLES  # noqa: E402
_attach(globals(), _EXAMPLES)
