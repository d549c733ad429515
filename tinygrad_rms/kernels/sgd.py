"""SGD with momentum as one fused pass (PyTorch's ``torch.optim.SGD``)::

g ← sign·g + λ·θ                         sign = −1 to maximize; λ L2 weight decay
b ← g                     (first step)   with momentum μ
b ← μ·b + (1−τ)·g         (later)        τ = dampening
g ← g + μ·b  (nesterov)   or   g ← b
θ ← θ − η·g
"""

from __future__ import annotations

import numpy as np

from ._common import effective_grad
from ._jit import jit


@jit
def sgd_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buffer,  # np.ndarray | None: momentum
    lr,
    momentum,
    one_minus_dampening,
    nesterov: bool,
    first_step: bool,
    weight_decay,  # λ | None
    grad_sign,
) -> None:
    """Update ``param`` (and its momentum buffer) in place."""
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    for i in range(n):
        g = effective_grad(grad_flat[i], theta[i], grad_sign, weight_decay)
        if momentum_buffer is not None:
            b_flat = momentum_buffer.reshape(n)
            if first_step:
                b = g
            else:
                b = momentum * b_flat[i] + one_minus_dampening * g
            b_flat[i] = b
            if nesterov:
                g = g + momentum * b
            else:
                g = b
        theta[i] = theta[i] - lr * g
