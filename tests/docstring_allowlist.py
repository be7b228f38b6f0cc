"""Public names whose docstrings have no example yet: the list may only shrink.

tests/test_doctests.py fails for a public name without a ``>>>`` example that is
not listed here, and for a listed name that has one now (remove it then).
26 names are listed.
"""

WITHOUT_EXAMPLE = frozenset({
    # functrace.kernels (3)
    "functrace.kernels:Fuser", "functrace.kernels:generate_source",
    "functrace.kernels:new_fuser",
    # functrace.primitives.batch_rules (9)
    "functrace.primitives.batch_rules:axis_batch",
    "functrace.primitives.batch_rules:batch_size",
    "functrace.primitives.batch_rules:elementwise_batch",
    "functrace.primitives.batch_rules:moveaxis",
    "functrace.primitives.batch_rules:pad_after_batch",
    "functrace.primitives.batch_rules:reduction_batch",
    "functrace.primitives.batch_rules:shape_of",
    "functrace.primitives.batch_rules:stacked_batch",
    "functrace.primitives.batch_rules:to_front",
    # functrace.scipy.integrate (1)
    "functrace.scipy.integrate:odeint",
    # functrace.scipy.linalg (11)
    "functrace.scipy.linalg:cho_factor", "functrace.scipy.linalg:cholesky",
    "functrace.scipy.linalg:det", "functrace.scipy.linalg:expm_frechet",
    "functrace.scipy.linalg:inv", "functrace.scipy.linalg:lu_factor",
    "functrace.scipy.linalg:lu_solve", "functrace.scipy.linalg:solve",
    "functrace.scipy.linalg:solve_sylvester", "functrace.scipy.linalg:solve_triangular",
    "functrace.scipy.linalg:sqrtm",
    # functrace.scipy.signal (2)
    "functrace.scipy.signal:convolve", "functrace.scipy.signal:correlate",
})
