"""Debugging gradients: where a NaN comes from, why a gradient is zero, source lines.

* :mod:`.mode` -- the switches: ``functrace.debug_nans()`` (a block or a
  decorator), ``functrace.config.debug_nans`` / ``FUNCTRACE_DEBUG_NANS=1``,
  ``functrace.config.debug_source``; per thread and asyncio task like grad mode.
* :mod:`.source` -- the user's frame (file, line, function) that bound an equation.
* :mod:`.checks` -- the NaN/inf checks of forward values, VJP and JVP rules and
  the compiled kernels, and the :class:`~.checks.NonFiniteError` they raise.
* :mod:`.flow` -- the data-flow log of ``functrace.explain_grad``
  (:mod:`functrace.explain`, which sits above the facade): why a gradient is
  zero, None or NaN.

Nothing here runs while debugging is off: the engine tests one flag,
:data:`functrace.grad_mode.ARMED`, which is false until debugging is first switched on.
"""
