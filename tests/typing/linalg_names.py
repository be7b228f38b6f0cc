"""mypy sees functrace.numpy.linalg's decompositions as public names (tests/test_typing.py)."""
import numpy as np

import functrace.numpy as fnp

LA = fnp.linalg
a = np.eye(3) + 0.1
u, s, vh = LA.svd(a)
svd_result: LA.SVDResult = LA.svd(a, full_matrices=False)
eigh_result: LA.EighResult = LA.eigh(a, UPLO="U", symmetrize_input=False)
eig_result: LA.EigResult = LA.eig(a)
qr_result: LA.QRResult = LA.qr(a)
values = (LA.svdvals(a), LA.eigvalsh(a), LA.eigvals(a), LA.pinv(a), LA.cond(a, "fro"),
          LA.norm(a, "nuc"), LA.matrix_power(a, -2), LA.multi_dot([a, a, a]),
          LA.matrix_rank(a), LA.matrix_transpose(a), LA.vecdot(a, a), LA.tensorinv(a, 1),
          LA.tensorsolve(a, np.ones(3)))
x, residuals, rank, singular_values = LA.lstsq(a, np.ones(3))
