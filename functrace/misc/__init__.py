"""HIPS autograd's ``autograd.misc`` for programs moving to functrace: ``flatten``,
``flatten_func`` and the functional optimizers ``sgd``, ``rmsprop`` and ``adam``.

>>> import numpy as np, functrace
>>> from functrace.misc import adam
>>> loss = lambda p, i: np.sum((p["x"] - 3.0) ** 2)
>>> p = adam(functrace.grad(loss), {"x": np.zeros(2)}, num_iters=500, step_size=0.1)
>>> np.round(p["x"], 3)
array([3., 3.])
"""
from .flattening import flatten as flatten, flatten_func as flatten_func
from .optimizers import adam as adam, rmsprop as rmsprop, sgd as sgd

__all__ = ["flatten", "flatten_func", "sgd", "rmsprop", "adam"]
