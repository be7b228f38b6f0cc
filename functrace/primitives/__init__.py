"""The table of primitives, grouped by kind. Importing this registers them all."""
# batch_rules first: it fills the registry's table of generic batching rules
# (batch="elementwise", ...), which the modules after it name.
from . import batch_rules  # noqa: F401
from . import shape_ops, nondiff, selection, arithmetic, transcendental, erf  # noqa: F401
from . import reductions, indexing, linalg, products, decompositions  # noqa: F401
