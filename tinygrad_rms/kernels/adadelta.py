"""Adadelta as one fused pass (PyTorch's ``torch.optim.Adadelta``)::

    g ← sign·g + λ·θ
    v ← ρ·v + (1−ρ)·g²                       the average of squared gradients
    Δ ← √(u + ε) / √(v + ε) · g              the RMS of past updates over the RMS of gradients
    u ← ρ·u + (1−ρ)·Δ²                       the average of squared updates
    θ ← θ − γ·Δ

ε is inside both roots, and u is updated after Δ is taken, so the first step is
√ε/√((1−ρ)g² + ε)·g.  Evaluated in PyTorch's order: ((1−ρ)·g)·g as its ``addcmul``, and
(√(u + ε) / √(v + ε))·g.  The scalars arrive packed as ``SCALARS`` (see
``kernels/rmsprop.py``).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "lr",  # γ, which scales Δ
    "rho",  # ρ
    "one_minus_rho",  # 1 − ρ
    "eps",  # ε, inside both roots
    "weight_decay",  # λ, or 0
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def adadelta_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    acc_delta: np.ndarray,
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param`` and its two averages in place (C-contiguous, like ``param``)."""
    lr, rho, one_minus_rho, eps, weight_decay, grad_sign = scalars[0:6]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    v = square_avg.reshape(n)
    u = acc_delta.reshape(n)
    for i in prange(n):  # a plain range loop, except in adadelta_update_parallel
        g = grad_sign * grad_flat[i]
        if weight_decay != 0:
            g = g + weight_decay * theta[i]
        v_i = v[i] * rho + one_minus_rho * g * g
        v[i] = v_i
        delta = np.sqrt(u[i] + eps) / np.sqrt(v_i + eps) * g
        u[i] = u[i] * rho + one_minus_rho * delta * delta
        theta[i] = theta[i] - lr * delta


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
adadelta_update_parallel = jit_parallel(adadelta_update)
