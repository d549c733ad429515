"""Adagrad as one fused pass (PyTorch's ``torch.optim.Adagrad``)::

    g ← sign·g + λ·θ
    S ← S + g²                               the sum of all squared gradients so far
    θ ← θ − η_t·g / (√S + ε)                 η_t = η / (1 + (t−1)·lr_decay)

S only grows, so the effective step η_t/(√S + ε) only shrinks: the weakness RMSProp's
moving average removes.
"""

from __future__ import annotations

import numpy as np

from ._common import effective_grad
from ._jit import jit


@jit
def adagrad_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    clr,
    eps,
    weight_decay,  # λ | None
    grad_sign,
) -> None:
    """Update ``param`` and its sum of squared gradients in place."""
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    total = state_sum.reshape(n)
    for i in range(n):
        g = effective_grad(grad_flat[i], theta[i], grad_sign, weight_decay)
        s = total[i] + g * g
        total[i] = s
        theta[i] = theta[i] - clr * g / (np.sqrt(s) + eps)
