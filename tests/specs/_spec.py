"""One row of the spec table."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class Spec:
    """How to gradient-check one primitive (or one use of it).

    Attributes:
        name: test id, e.g. ``"multiply/broadcast"``.
        prims: registry names this row exercises (the meta-test reads these).
        fn: the function under test, written with ``functrace.numpy``; takes
            the arrays made from ``shapes`` positionally.
        shapes: one shape per argument; list broadcasting pairs as separate rows.
        domain: ``(low, high)`` for uniform random inputs, or a callable
            ``domain(rng, shape, dtype) -> array`` for special inputs
            (positive definite matrices, distinct values for sort, ...).
        dtypes: dtypes to check; float32 uses looser tolerances.
        order: highest derivative order checked (2 unless the rule's own
            derivative is not differentiable, e.g. piecewise-constant).
        atol, rtol, eps: overrides for ``check_grads``.
        modes: ``("rev", "fwd")`` by default.
    """

    name: str
    prims: tuple
    fn: Callable[..., Any]
    shapes: Sequence[tuple]
    domain: Any = (-2.0, 2.0)
    dtypes: tuple = ("float64", "float32")
    order: int = 2
    atol: Optional[float] = None
    rtol: Optional[float] = None
    eps: Optional[float] = None
    modes: tuple = ("rev", "fwd")
    extra: dict = field(default_factory=dict)

    def make_args(self, dtype: str, seed: int = 0) -> tuple:
        rng = np.random.default_rng(seed)
        if callable(self.domain):
            return tuple(np.asarray(self.domain(rng, s, dtype)).astype(dtype)
                         for s in self.shapes)
        lo, hi = self.domain
        return tuple(rng.uniform(lo, hi, size=s).astype(dtype) for s in self.shapes)
