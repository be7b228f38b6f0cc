"""Deliberate errors injected into rules, to prove that the checks catch them.

A check that cannot fail proves nothing: these helpers break a primitive's
rules by a small factor, in one dtype only, for the duration of a test
(through pytest's ``monkeypatch``, so the registry is restored afterwards).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from functrace.core import Primitive, concrete

OFF = 1.01      # a 1% error


def scale_if(value: Any, dtype: str, factor: float = OFF) -> Any:
    """``value * factor`` if ``value`` (array or tracer) has ``dtype``, else ``value``."""
    if value is None or np.result_type(concrete(value)) != np.dtype(dtype):
        return value
    return value * np.asarray(factor, dtype)


def break_rules(monkeypatch, prim: Primitive, dtype: str = "float32",
                factor: float = OFF) -> None:
    """Make ``prim``'s VJP (per-argument and all-arguments forms) and JVP ``factor``
    times too large on ``dtype`` values only."""
    vjp, vjp_all, jvp = prim.vjp, prim.vjp_all, prim.jvp

    def wrong_vjp(ct, ins, out, argnum, **params):
        return scale_if(vjp(ct, ins, out, argnum, **params), dtype, factor)

    def wrong_vjp_all(ct, ins, out, needed, **params):
        return [scale_if(g, dtype, factor) for g in vjp_all(ct, ins, out, needed, **params)]

    def wrong_jvp(primals, tangents, out, **params):
        return scale_if(jvp(primals, tangents, out, **params), dtype, factor)
    monkeypatch.setattr(prim, "vjp", wrong_vjp)
    if vjp_all is not None:
        monkeypatch.setattr(prim, "vjp_all", wrong_vjp_all)
    monkeypatch.setattr(prim, "jvp", wrong_jvp)
