"""Adagrad as one fused pass (PyTorch's ``torch.optim.Adagrad``)::

    g ← sign·g + λ·θ
    S ← S + g²                               the sum of all squared gradients so far
    θ ← θ − η_t·g / (√S + ε)                 η_t = η / (1 + (t−1)·lr_decay)

S only grows, so the effective step η_t/(√S + ε) only shrinks: the weakness RMSProp's
moving average removes.

The scalars arrive packed in one array ``scalars`` of the parameter's dtype, laid out as
``SCALARS``, with weight decay as a loop-invariant test on its value, for the reasons
given in ``kernels/rmsprop.py`` (one argument instead of four, and an option that is off
costs nothing).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "lr_t",  # η_t = η / (1 + (t−1)·lr_decay) at this parameter's step t
    "eps",  # ε
    "weight_decay",  # λ, or 0
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def adagrad_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param`` and its sum of squared gradients in place (arrays C-contiguous)."""
    lr_t, eps, weight_decay, grad_sign = scalars[0:4]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    total = state_sum.reshape(n)
    for i in prange(n):  # a plain range loop, except in adagrad_update_parallel
        g = grad_sign * grad_flat[i]
        if weight_decay != 0:
            g = g + weight_decay * theta[i]
        s = total[i] + g * g
        total[i] = s
        theta[i] = theta[i] - lr_t * g / (np.sqrt(s) + eps)


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
adagrad_update_parallel = jit_parallel(adagrad_update)
