"""Primitives whose outputs are constants: no gradient flows through them.

They are still primitives (not plain numpy calls) so that every transform sees
them, e.g. a batching trace can move their ``axis``.
"""
from __future__ import annotations

import numpy as np

from ..registry import defnondiff

sign_p = defnondiff("sign", np.sign)
floor_p = defnondiff("floor", np.floor)
ceil_p = defnondiff("ceil", np.ceil)
trunc_p = defnondiff("trunc", np.trunc)
rint_p = defnondiff("rint", np.rint)
round_p = defnondiff("round", lambda x, decimals=0: np.round(x, decimals))

equal_p = defnondiff("equal", np.equal)
not_equal_p = defnondiff("not_equal", np.not_equal)
less_p = defnondiff("less", np.less)
less_equal_p = defnondiff("less_equal", np.less_equal)
greater_p = defnondiff("greater", np.greater)
greater_equal_p = defnondiff("greater_equal", np.greater_equal)
logical_and_p = defnondiff("logical_and", np.logical_and)
logical_or_p = defnondiff("logical_or", np.logical_or)
logical_xor_p = defnondiff("logical_xor", np.logical_xor)
logical_not_p = defnondiff("logical_not", np.logical_not)
isnan_p = defnondiff("isnan", np.isnan)
isfinite_p = defnondiff("isfinite", np.isfinite)
isinf_p = defnondiff("isinf", np.isinf)

argmax_p = defnondiff("argmax", lambda x, axis=None, keepdims=False:
                      np.argmax(x, axis=axis, keepdims=keepdims))
argmin_p = defnondiff("argmin", lambda x, axis=None, keepdims=False:
                      np.argmin(x, axis=axis, keepdims=keepdims))
argsort_p = defnondiff("argsort", lambda x, axis=-1, kind=None:
                       np.argsort(x, axis=axis, kind=kind))
zeros_like_p = defnondiff("zeros_like", lambda x, dtype=None: np.zeros_like(x, dtype=dtype))
ones_like_p = defnondiff("ones_like", lambda x, dtype=None: np.ones_like(x, dtype=dtype))
full_like_p = defnondiff("full_like", lambda x, fill_value, dtype=None:
                         np.full_like(x, fill_value, dtype=dtype))
stop_gradient_p = defnondiff("stop_gradient", lambda x: x)
astype_int_p = defnondiff("astype_nonfloat", lambda x, dtype: np.asarray(x).astype(dtype))
