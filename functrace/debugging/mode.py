"""The debugging switches: NaN/inf checks and source lines, per thread and task or
for the whole process.

``with functrace.debug_nans():`` (or ``@functrace.debug_nans()``) switches the
checks on for a block: the first NaN or inf that an operation *produces* -- in
the forward pass, in a derivative rule of the backward pass (``grad``, ``vjp``,
``Tensor.backward``), in a JVP rule or in a compiled backward kernel -- raises
:class:`functrace.debugging.checks.NonFiniteError` (a ``FloatingPointError``)
naming the primitive, the pass and rule, the user's source line of the
equation and the values involved. A NaN or inf that only passes through an
operation (an input already had it) is not reported again. Every recorded
equation also keeps its source line (``eqn.source``).

The block's setting lives in grad mode's context variable
(:mod:`functrace.grad_mode`), so it is per thread and asyncio task and as
interrupt-safe as ``no_grad``. ``functrace.config.debug_nans = True`` and the
environment variable ``FUNCTRACE_DEBUG_NANS=1`` switch it on for the whole
process (a ``debug_nans(False)`` block still switches it off);
``functrace.config.debug_source`` records source lines without checking values.

Cost. While nothing was ever switched on, the engine tests one list entry,
:data:`ARMED`, per operation (no measurable change). Once debugging was switched
on in a process, each recorded operation and each rule of the backward pass also
reads the context variable: about 0.4 µs per operation on the per-op benchmark
(2.8 -> 3.2 µs, forward + backward), even with debugging off again. With checks
on, each value is summed once and frames are walked for source lines: about
3x (8.5 µs per operation).

>>> import numpy as np, functrace as ft, functrace.numpy as fnp
>>> with ft.debug_nans():
...     try:
...         ft.grad(lambda x: fnp.sum(fnp.log(x)))(np.array([1.0, 0.0]))
...     except FloatingPointError as e:
...         print(str(e).splitlines()[0])
functrace.debug_nans: log produced -inf in the forward pass
"""
from __future__ import annotations

import os
from typing import Any, Optional

from ..grad_mode import (ARMED, _GradModeContext, call_with_debug, debug_setting,  # noqa: F401
                         set_grad_enabled)


class DebugSetting:
    """One debugging setting (never modified): ``nans`` (check values), ``source``
    (record source lines), ``phase`` (the derivative rule running now, whose own
    intermediate values are not checked: see :mod:`.checks`), ``faults`` (a
    :class:`FaultLog` that collects faults instead of raising, for
    ``explain_grad``) and ``flow`` (the Tensor facade's data-flow log, for
    ``explain_grad`` on Tensors)."""

    __slots__ = ("nans", "source", "phase", "faults", "flow")

    def __init__(self, nans: bool = False, source: bool = False, phase: Any = None,
                 faults: Optional["FaultLog"] = None, flow: Any = None):
        self.nans = nans
        self.source = source
        self.phase = phase
        self.faults = faults
        self.flow = flow
        if nans or source or flow is not None:
            ARMED[0] = True

    @property
    def on(self) -> bool:
        return self.nans or self.source or self.flow is not None

    def replace(self, **changes: Any) -> "DebugSetting":
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return DebugSetting(**fields)

    def __repr__(self) -> str:
        on = [name for name in ("nans", "source") if getattr(self, name)]
        return f"DebugSetting({', '.join(on) or 'off'})"


class FaultLog:
    """What ``explain_grad`` collects instead of raising: ``faults`` (NaN/inf
    origins, in the order found) and ``zeroed`` (``(eqn, argnum)`` of rules that
    turned a nonzero cotangent into an all-zero one)."""

    __slots__ = ("faults", "zeroed")

    def __init__(self) -> None:
        self.faults: list = []
        self.zeroed: list = []


OFF = DebugSetting()
_CONFIG = [OFF]       # the process-wide setting (functrace.config)


def active() -> DebugSetting:
    """The setting in force in this thread and task."""
    setting = debug_setting()
    return _CONFIG[0] if setting is None else setting


def is_debug_nans_enabled() -> bool:
    """Whether NaN/inf checks are on here.

    >>> import functrace as ft
    >>> with ft.debug_nans():
    ...     ft.is_debug_nans_enabled()
    True
    """
    return active().nans


class debug_nans(_GradModeContext):
    """Raise at the first NaN or inf produced, naming the operation and your source line.

    A ``with`` block or a decorator (``@debug_nans()`` or ``@debug_nans``);
    ``debug_nans(False)`` switches the checks off inside. See
    :mod:`functrace.debugging.mode` for what is checked and what it costs. Under
    ``debug_nans`` a :func:`functrace.jit` function runs eagerly (its compiled
    replay is not checked), as every operation must be seen.

    >>> import numpy as np, functrace as ft, functrace.numpy as fnp
    >>> @ft.debug_nans
    ... def grad_at_zero():
    ...     return ft.grad(lambda x: fnp.sqrt(x))(0.0)
    >>> try:
    ...     grad_at_zero()
    ... except FloatingPointError as e:
    ...     print(e.phase, e.primitive)
    vjp sqrt
    """

    def __init__(self, enabled: Any = True) -> None:
        self._change = (None, None, _setting(bool(enabled)))


def _setting(enabled: bool, check_nan: bool = True) -> DebugSetting:
    return DebugSetting(nans=check_nan, source=True) if enabled else OFF


class detect_anomaly(_GradModeContext):
    """PyTorch's name for :class:`debug_nans` (``torch.autograd.detect_anomaly``).

    Unlike PyTorch, which checks only the backward pass and only for NaN, this
    also checks the forward pass and reports inf; ``check_nan=False`` keeps only
    the source lines. The error is a ``FloatingPointError`` that is also a
    ``RuntimeError`` (what PyTorch raises).

    >>> import functrace as ft
    >>> x = ft.tensor([0.0], requires_grad=True)
    >>> with ft.autograd.detect_anomaly():
    ...     try:
    ...         x.sqrt().sum().backward()
    ...     except RuntimeError as e:
    ...         print(e.node)
    SqrtBackward0
    """

    def __init__(self, check_nan: bool = True) -> None:
        self._change = (None, None, _setting(True, bool(check_nan)))


class set_detect_anomaly(set_grad_enabled):
    """PyTorch's ``set_detect_anomaly(mode, check_nan=True)``: a plain call (this
    thread and task, as ``set_grad_enabled``), a ``with`` block or a decorator.

    >>> import functrace as ft
    >>> with ft.autograd.set_detect_anomaly(True):
    ...     ft.autograd.is_anomaly_enabled()
    True
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._change = (None, None, _setting(bool(mode), bool(check_nan)))
        self._set_now()


def is_anomaly_enabled() -> bool:
    """Whether :func:`detect_anomaly` (checks or source lines) is on here.

    >>> import functrace as ft
    >>> with ft.autograd.detect_anomaly(check_nan=False):
    ...     ft.autograd.is_anomaly_enabled(), ft.autograd.is_anomaly_check_nan_enabled()
    (True, False)
    """
    return active().on


def is_anomaly_check_nan_enabled() -> bool:
    """Whether NaN checks are on here (PyTorch's name).

    >>> import functrace as ft
    >>> ft.autograd.is_anomaly_check_nan_enabled()
    False
    """
    return active().nans


class Config:
    """Process-wide switches: ``functrace.config``.

    * ``debug_nans`` -- NaN/inf checks everywhere (``FUNCTRACE_DEBUG_NANS=1``);
    * ``debug_source`` -- source lines on every recorded equation, without checks
      (``FUNCTRACE_DEBUG_SOURCE=1``; ``debug_nans`` records them too).

    A ``functrace.debug_nans(...)`` block overrides both in its thread.

    >>> import functrace as ft
    >>> ft.config.debug_nans = True
    >>> ft.is_debug_nans_enabled()
    True
    >>> ft.config.update("debug_nans", False)      # JAX's spelling also works
    >>> ft.config.debug_source = False             # (debug_nans switched source lines on)
    """

    __slots__ = ()

    @property
    def debug_nans(self) -> bool:
        return _CONFIG[0].nans

    @debug_nans.setter
    def debug_nans(self, flag: bool) -> None:
        flag = bool(flag)
        _CONFIG[0] = DebugSetting(nans=flag, source=flag or _CONFIG[0].source)

    @property
    def debug_source(self) -> bool:
        return _CONFIG[0].source

    @debug_source.setter
    def debug_source(self, flag: bool) -> None:
        _CONFIG[0] = DebugSetting(nans=_CONFIG[0].nans, source=bool(flag))

    def update(self, name: str, value: Any) -> None:
        """``update("debug_nans", True)`` (also ``"jax_debug_nans"``)."""
        key = name[4:] if name.startswith("jax_") else name
        if key not in ("debug_nans", "debug_source"):
            raise AttributeError(f"functrace.config has no setting {name!r}; it has "
                                 "'debug_nans' and 'debug_source'")
        setattr(self, key, value)

    def __repr__(self) -> str:
        return f"functrace.config(debug_nans={self.debug_nans}, debug_source={self.debug_source})"


config = Config()


def _from_environment() -> None:
    for name, attr in (("FUNCTRACE_DEBUG_NANS", "debug_nans"),
                       ("FUNCTRACE_DEBUG_SOURCE", "debug_source")):
        if os.environ.get(name, "0").strip().lower() in ("1", "true", "yes", "on"):
            setattr(config, attr, True)


_from_environment()


def run_in_phase(phase: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn`` with ``phase`` as the running derivative rule (in a copy of the context)."""
    return call_with_debug(active().replace(phase=phase), fn, *args, **kwargs)
