"""The table of primitives, grouped by kind. Importing this registers them all."""
from . import elementwise, reductions, shape_ops, linalg, nondiff  # noqa: F401
