"""Small layers without a family of their own: Identity, Flatten, Dropout, Embedding."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arrays import default_float
from ..autograd import no_grad
from ..random import generator
from ..tensor import Tensor
from . import functional as F
from .module import Module, Parameter

__all__ = ["Dropout", "Embedding", "Flatten", "Identity"]


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one (default: all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Zero elements with probability ``p`` and scale the rest by 1/(1−p), in train mode only."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace=False"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (the inverse of ``Flatten``)."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim % input.ndim
        shape = (*input.shape[:dim], *self.unflattened_size, *input.shape[dim + 1 :])
        return input.reshape(*shape)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability ``p`` (scaling
    the rest by 1/(1−p)), in train mode only: the mask is drawn per (sample, channel)."""

    def forward(self, input: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return input
        if input.ndim not in (3, 4):
            raise ValueError(f"Dropout2d: expected 3D or 4D input, got {input.shape}")
        if self.p == 1.0:
            return input * 0.0
        mask_shape = (*input.shape[:-2], 1, 1)
        keep = generator().random(mask_shape) >= self.p
        return input * (keep / (1.0 - self.p)).astype(input.dtype)


class Embedding(Module):
    """A lookup table: integer indices -> rows of a (num_embeddings, embedding_dim) weight.

    The weight starts from N(0, 1), as in PyTorch.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype: Any = None) -> None:
        super().__init__()
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {n!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        dtype = default_float() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype))
        self.reset_parameters()

    @no_grad()
    def reset_parameters(self) -> None:
        self.weight._array[...] = generator().standard_normal(self.weight.shape)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
