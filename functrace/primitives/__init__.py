"""The table of primitives, grouped by kind. Importing this registers them all."""
from . import elementwise, reductions, shape_ops, linalg, nondiff  # noqa: F401
from . import products, decompositions  # noqa: F401,E402
from . import special  # noqa: F401  (erf, erfc, relu, expit, logsumexp)
from . import conv, pooling  # noqa: F401,E402
