"""Embeddings: ``F.embedding`` and ``nn.Embedding`` (a lookup table of learned vectors).

The lookup is a differentiable gather (``take`` along the rows), so it works on
Tensors and inside ``functrace.grad``/``vmap``; repeated indices add up their
gradients. The row ``padding_idx`` gets no gradient.

>>> import functrace as ft
>>> emb = ft.nn.Embedding(10, 3, padding_idx=0)
>>> emb
Embedding(10, 3, padding_idx=0)
>>> emb(ft.tensor([[0, 2], [4, 0]])).shape
functrace.Size([2, 2, 3])
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import numpy as fnp
from ..api import stop_gradient
from ..core import concrete, concrete_value
from ..grad_mode import no_grad
from ..numpy._shape_extra import _vmap_batched
from ..tensors._device import check_device
from ..tensors._factories import default_float, empty
from ..tensors._graph import relabel
from ..tensors._tensor import Tensor, bump_version
from . import init
from .modules import Module, Parameter


def _padding_index(padding_idx: Optional[int], num_embeddings: int) -> Optional[int]:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def _indices(input: Any, num_embeddings: int) -> np.ndarray:
    idx = np.asarray(concrete_value(input))
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {idx.dtype} instead "
                           "(while checking arguments for embedding)")
    if idx.size and (idx.min() < 0 or idx.max() >= num_embeddings):
        raise IndexError("index out of range in self")
    return idx


def _renorm_rows(weight: Any, idx: np.ndarray, max_norm: float, norm_type: float) -> Any:
    """PyTorch's ``embedding_renorm_``: rows used by ``idx`` whose ``norm_type``-norm
    exceeds ``max_norm`` are scaled to ``max_norm`` (outside the graph). A Tensor weight
    is modified in place, as in PyTorch; an array or traced weight is left alone and
    a renormed copy (whose scaling is a constant) is returned."""
    rows = np.unique(idx)
    data = np.asarray(concrete_value(weight))
    norms = np.linalg.norm(data[rows], ord=norm_type, axis=1)
    scale = np.ones(data.shape[0], dtype=data.dtype)
    big = norms > max_norm
    scale[rows[big]] = (max_norm / (norms[big] + 1e-7)).astype(data.dtype)
    if isinstance(weight, Tensor):
        with no_grad():
            weight._data[rows[big]] *= scale[rows[big], None]
            bump_version(weight)
        return weight
    return weight + stop_gradient(weight * (scale[:, None] - 1))


def embedding(input: Any, weight: Any, padding_idx: Optional[int] = None,
              max_norm: Optional[float] = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Any:
    """Rows of ``weight`` picked by the integer ``input``: shape ``input.shape + (dim,)``.

    ``padding_idx``'s row is returned as it is but gets no gradient;
    ``scale_grad_by_freq`` divides each row's gradient by how often the batch uses
    it; ``max_norm`` renormalises the used rows first (in place for a Tensor).

    >>> import functrace as ft
    >>> w = ft.tensor([[0.0, 0.0], [1.0, 2.0]])
    >>> ft.nn.functional.embedding(ft.tensor([1, 0, 1]), w).tolist()
    [[1.0, 2.0], [0.0, 0.0], [1.0, 2.0]]
    """
    if sparse:
        raise NotImplementedError("embedding(sparse=True): functrace has no sparse "
                                  "gradients; use sparse=False (a dense gradient)")
    if np.ndim(weight) != 2:
        raise RuntimeError(f"'weight' must be 2-D, got {np.ndim(weight)}-D")
    n = np.shape(weight)[0]
    idx = _indices(input, n)
    padding_idx = _padding_index(padding_idx, n)
    if max_norm is not None:
        weight = _renorm_rows(weight, idx, max_norm, norm_type)
    batched = _vmap_batched(input)           # under vmap: gather with the batched indices
    out = fnp.take(weight, input if batched else idx, axis=0)
    if scale_grad_by_freq:
        if batched:
            raise NotImplementedError("embedding(scale_grad_by_freq=True) under vmap with "
                                      "batched indices is not supported")
        counts = np.bincount(idx.ravel(), minlength=n).astype(np.result_type(concrete(out)))
        factor = (1.0 / np.maximum(counts, 1))[idx][..., None]
        frozen = stop_gradient(out)
        out = frozen + (out - frozen) * factor       # same value, gradient / frequency
    if padding_idx is not None:
        is_pad = fnp.equal(input, padding_idx) if batched else idx == padding_idx
        out = fnp.where(fnp.expand_dims(is_pad, -1), stop_gradient(out), out)
    return relabel(out, "EmbeddingBackward0", weight)


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim`` (initialised from
    N(0, 1), the ``padding_idx`` row zeroed), looked up by integer indices."""

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: Optional[int] = None, max_norm: Optional[float] = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if sparse:
            raise NotImplementedError("nn.Embedding(sparse=True): functrace has no sparse "
                                      "gradients; use sparse=False (a dense gradient)")
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim,
                                          dtype=dtype or default_float()),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if list(np.shape(_weight)) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and "
                                     "embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0
                bump_version(self.weight)

    def forward(self, input: Any) -> Any:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: Optional[int] = None, max_norm: Optional[float] = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding whose table is ``embeddings`` (shared, not copied; frozen unless
        ``freeze=False``)."""
        if np.ndim(embeddings) != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = np.shape(embeddings)
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)
