"""SGD with momentum as one fused pass (PyTorch's ``torch.optim.SGD``)::

    g ← sign·g + λ·θ                         sign = −1 to maximize; λ L2 weight decay
    b ← g                     (first step)   with momentum μ
    b ← μ·b + (1−τ)·g         (later)        τ = dampening
    g ← g + μ·b  (nesterov)   or   g ← b
    θ ← θ − η·g

The momentum buffer is an optional argument (``None`` without momentum); the scalars
arrive packed in one array ``scalars`` of the parameter's dtype (laid out as ``SCALARS``),
with the switches as loop-invariant tests on their values, for the reasons given in
``kernels/rmsprop.py`` (one argument instead of seven, and an option that is off costs
nothing).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "lr",  # η
    "momentum",  # μ (used only when a momentum buffer is passed)
    "one_minus_dampening",  # 1 − τ
    "nesterov",  # 1 for Nesterov momentum, else 0
    "first_step",  # 1 on the buffer's first step (b ← g), else 0
    "weight_decay",  # λ, or 0
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def sgd_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buffer,  # np.ndarray | None: momentum
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param`` (and its momentum buffer) in place (arrays C-contiguous, like ``param``)."""
    lr, momentum, one_minus_dampening, nesterov, first_step = scalars[0:5]
    weight_decay, grad_sign = scalars[5:7]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    if momentum_buffer is not None:
        b_flat = momentum_buffer.reshape(n)
    for i in prange(n):  # a plain range loop, except in sgd_update_parallel
        g = grad_sign * grad_flat[i]
        if weight_decay != 0:
            g = g + weight_decay * theta[i]
        if momentum_buffer is not None:
            if first_step != 0:
                b = g
            else:
                b = momentum * b_flat[i] + one_minus_dampening * g
            b_flat[i] = b
            if nesterov != 0:
                g = g + momentum * b
            else:
                g = b
        theta[i] = theta[i] - lr * g


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
sgd_update_parallel = jit_parallel(sgd_update)
