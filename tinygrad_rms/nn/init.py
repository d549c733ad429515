"""Parameter initialisations, drawing from the library's generator (see ``manual_seed``)."""

from __future__ import annotations

import math

from ..autograd import no_grad
from ..random import generator
from ..tensor import Tensor

__all__ = ["uniform_"]


@no_grad()
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill ``tensor`` in place with samples from U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    tensor.data[...] = generator().uniform(a, b, size=tensor.shape)
    return tensor


def fan_in_bound(fan_in: int) -> float:
    """1/√fan_in: PyTorch's Linear bound (kaiming_uniform with a=√5 reduces to it)."""
    return 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
