"""The table of primitives, grouped by kind. Importing this registers them all
(except the scipy-backed ones, which functrace.scipy imports on first use)."""
# batch_rules first: it fills the registry's table of generic batching rules
# (batch="elementwise", ...), which the modules after it name.
from . import batch_rules  # noqa: F401
from . import shape_ops, nondiff, selection, arithmetic, transcendental, erf  # noqa: F401
from . import reductions, indexing, linalg, products, decompositions  # noqa: F401
from . import conv, pooling  # noqa: F401
