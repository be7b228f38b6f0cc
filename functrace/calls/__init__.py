"""A user function bound as one primitive: custom rules and checkpoints.

``custom_vjp`` / ``custom_jvp`` (:mod:`.custom`, with how each trace runs them in
:mod:`.custom_rules`) and ``checkpoint`` (:mod:`.checkpointing`) share the machinery
of :mod:`.record`: the call primitive whose rules delegate to a per-call record,
the packing of a function's outputs, the replay of recorded equations.

Imports point one way: ``custom -> custom_rules -> record`` and
``checkpointing -> record``; nothing here imports the Tensor facade at module level.
"""
from .checkpointing import checkpoint, remat
from .custom import custom_jvp, custom_vjp

__all__ = ["checkpoint", "remat", "custom_jvp", "custom_vjp"]
