"""Adamax as one fused pass (PyTorch's ``torch.optim.Adamax``, Adam's infinity-norm
variant)::

    g ← sign·g + λ·θ
    m ← lerp(m, g, 1−β₁)                     first moment, as Adam's
    u ← max(β₂·u, |g| + ε)                   an exponentially weighted infinity norm
    θ ← θ − (η/c₁)·m / u                     c₁ = 1 − β₁ᵗ

No square root and no ε added to a root: u is a running maximum of |g|, so its step is
bounded by η/c₁.  The scalars arrive packed as ``SCALARS`` (see ``kernels/rmsprop.py``);
the lerp computes both of its sides and selects one, as in ``kernels/adam.py``.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "step_size",  # η/c₁, c₁ = 1 − β₁ᵗ (this parameter's step t)
    "beta1",  # β₁
    "one_minus_beta1",  # 1 − β₁
    "beta2",  # β₂
    "eps",  # ε
    "weight_decay",  # λ, or 0
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def adamax_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_inf: np.ndarray,
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param``, its first moment and its infinity norm in place (C-contiguous)."""
    step_size, beta1, one_minus_beta1, beta2, eps, weight_decay, grad_sign = scalars[0:7]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    m = exp_avg.reshape(n)
    u = exp_inf.reshape(n)
    for i in prange(n):  # a plain range loop, except in adamax_update_parallel
        g = grad_sign * grad_flat[i]
        if weight_decay != 0:
            g = g + weight_decay * theta[i]
        # torch.lerp's two-sided form of m + (1−β₁)(g − m): both sides, then a select
        m_low = m[i] + one_minus_beta1 * (g - m[i])
        m_high = g - (g - m[i]) * beta1
        m_i = m_low if one_minus_beta1 < 0.5 else m_high
        m[i] = m_i
        decayed = u[i] * beta2
        fresh = np.abs(g) + eps
        u_i = decayed if (decayed > fresh or decayed != decayed) else fresh  # NaN wins
        u[i] = u_i
        theta[i] = theta[i] + -step_size * m_i / u_i


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
adamax_update_parallel = jit_parallel(adamax_update)
