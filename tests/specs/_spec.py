"""One row of the spec table, and helpers for writing rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class Spec:
    """How to gradient-check one primitive (or one use of it).

    Attributes:
        name: test id, e.g. ``"multiply/broadcast"``.
        prims: registry names this row exercises (the meta-test reads these,
            and checks that ``fn`` really binds each of them).
        fn: the function under test, written with ``functrace.numpy``; takes
            the arrays made from ``shapes`` positionally.
        shapes: one shape per argument; list broadcasting pairs as separate rows.
        domain: ``(low, high)`` for uniform random inputs, or a callable
            ``domain(rng, shape, dtype) -> array`` for special inputs
            (positive definite matrices, distinct values for sort, ...), or a
            tuple with one such domain per argument.
        dtypes: dtypes to check (complex64/complex128 draw the real and the
            imaginary parts from ``domain``: see ``tests/specs/complex.py``). float32 rows are checked against float64
            finite differences within float32 rounding (``check_grads``), and
            a meta-test proves it: a 1% float32-only error in the row's first
            differentiable primitive must fail the row (unless
            ``extra["scale_invisible"]`` says why it cannot show there).
        order: highest derivative order checked (2 unless the rule's own
            derivative is not differentiable, e.g. piecewise-constant).
            ``order=0`` marks a non-differentiable (constant-output) primitive:
            the test checks its value against ``reference``, that its own JVP
            and VJP are zero, and that ``d/dx [fn(x) * x0] == fn(x)`` by finite
            differences (gradients flow around it, not through it). Such a row
            names the non-differentiable primitive first in ``prims``; a meta-test
            checks that every ``defnondiff`` primitive has one.
        atol, rtol, eps: overrides for ``check_grads``.
        modes: ``("rev", "fwd")`` by default.
        extra: per-row options: ``locally_constant`` (see ``order``), and
            ``jvp_vjp_rtol``, the tolerance between forward and reverse mode for a
            primitive whose two rules are different numerical computations (odeint:
            a sensitivity solve and an adjoint solve, each within the solver's
            tolerance), and ``scale_invisible``, why a 1% error in the row's
            primitive cannot show in it (see ``dtypes``).
        reference: optional plain-numpy implementation of ``fn``; when given,
            the value *and dtype* of ``fn(*args)`` must match it.
        kernel: this row is its primitive's row for the compiled backward kernel
            (``kernel=`` in the registry block): ``fn`` binds ``prims[0]`` on its
            arguments, one per argument of the primitive, all of one shape. The
            kernel tests (``tests/test_kernels*.py``) draw their inputs from its
            domain; a meta-test checks that every primitive with a kernel has
            exactly one such row.
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
    reference: Optional[Callable[..., Any]] = None
    kernel: bool = False

    def make_args(self, dtype: str, seed: int = 0) -> tuple:
        rng = np.random.default_rng(seed)
        domains = self.domain if _per_argument(self.domain) else (self.domain,) * len(self.shapes)
        if len(domains) != len(self.shapes):
            raise ValueError(f"{self.name}: {len(domains)} domains for {len(self.shapes)} shapes")
        return tuple(_sample(d, rng, s, dtype) for d, s in zip(domains, self.shapes, strict=True))


def _per_argument(domain: Any) -> bool:
    return (isinstance(domain, (tuple, list)) and len(domain) > 0
            and all(callable(d) or isinstance(d, (tuple, list)) for d in domain))


def _sample(domain: Any, rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    if np.dtype(dtype).kind == "c" and not getattr(domain, "complex_values", False):
        # real and imaginary parts drawn from the domain (unless it draws complex values)
        return (_sample(domain, rng, shape, "float64")
                + 1j * _sample(domain, rng, shape, "float64")).astype(dtype)
    if callable(domain):
        return np.asarray(domain(rng, shape, dtype)).astype(dtype)
    lo, hi = domain
    return rng.uniform(lo, hi, size=shape).astype(dtype)


def choice_of(*values: float) -> Callable[..., np.ndarray]:
    """A domain of values drawn from ``values``: two arguments drawn from one small
    set tie often (selection rules split ties); ``nan`` may be among them."""
    def sample(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
        return rng.choice(np.array(values), size=shape)
    sample.__name__ = f"choice_of{values}"
    return sample


def away_from_zero(lo: float, hi: float) -> Callable[..., np.ndarray]:
    """A domain of values with ``lo <= |x| <= hi`` and random signs."""
    def sample(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
        return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    sample.__name__ = f"away_from_zero({lo}, {hi})"
    return sample


# Broadcasting shape pairs every binary op is checked with.
BROADCAST_PAIRS = (((2, 3), (2, 3)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((), (3,)),
                   ((2, 3), ()))


def pair_id(shapes: tuple) -> str:
    """``"3|2x3"`` style id of a shape pair (``s`` for a 0-d scalar)."""
    return "|".join("x".join(map(str, s)) or "s" for s in shapes)
