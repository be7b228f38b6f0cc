"""``functrace.numpy.linalg``: differentiable linear algebra with numpy's signatures."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._reductions import safe_sqrt
from ._reductions import sum as _sum


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector 2-norm or Frobenius norm (``ord=None``); its gradient at 0 is taken as 0."""
    if ord not in (None, 2, "fro") or (ord == 2 and (axis is None and np.ndim(x) == 2)):
        raise NotImplementedError(f"functrace.numpy.linalg.norm: ord={ord!r} is not supported yet")
    return safe_sqrt(_sum(x * x, axis=axis, keepdims=keepdims))
