"""NAdam as one fused pass (PyTorch's ``torch.optim.NAdam``, Adam with Nesterov momentum)::

    θ ← θ·(1 − η·λ)                          decoupled weight decay (NAdamW)
    g ← sign·g + λ·θ                         or L2 added to the gradient
    m ← lerp(m, g, 1−β₁)                     first moment, as Adam's
    v ← β₂·v + (1−β₂)·g²                     second moment, as Adam's
    d ← √(v / c₂) + ε                        c₂ = 1 − β₂ᵗ
    θ ← θ + a·g / d                          a = −η(1 − μₜ)/(1 − Πₜ)
    θ ← θ + b·m / d                          b = −η·μₜ₊₁/(1 − Πₜ·μₜ₊₁)

The look-ahead: the step mixes the fresh gradient and the momentum each with its own
bias correction, μₜ being the momentum schedule and Πₜ = μ₁⋯μₜ its running product.
Both coefficients come from the optimizer per parameter and step (they depend on Πₜ, the
parameter's state); the two additions are two roundings, as PyTorch's two ``addcdiv_``.
The scalars arrive packed as ``SCALARS`` (see ``kernels/rmsprop.py``); the lerp computes
both of its sides and selects one, as in ``kernels/adam.py``.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "grad_coef",  # a = −η(1 − μₜ)/(1 − Πₜ) (this parameter's step and product)
    "avg_coef",  # b = −η·μₜ₊₁/(1 − Πₜ·μₜ₊₁) (likewise)
    "bias_correction2",  # c₂ = 1 − β₂ᵗ
    "beta1",  # β₁
    "one_minus_beta1",  # 1 − β₁
    "beta2",  # β₂
    "one_minus_beta2",  # 1 − β₂
    "eps",  # ε
    "weight_decay",  # λ of the L2 in the gradient, or 0
    "decay_factor",  # 1 − η·λ of the decoupled decay, or 1
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def nadam_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param`` and its two moments in place (arrays C-contiguous, like ``param``)."""
    grad_coef, avg_coef, bias_correction2, beta1, one_minus_beta1 = scalars[0:5]
    beta2, one_minus_beta2, eps, weight_decay, decay_factor, grad_sign = scalars[5:11]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    m = exp_avg.reshape(n)
    v = exp_avg_sq.reshape(n)
    for i in prange(n):  # a plain range loop, except in nadam_update_parallel
        if decay_factor != 1:
            theta[i] = theta[i] * decay_factor
        g = grad_sign * grad_flat[i]
        if weight_decay != 0:
            g = g + weight_decay * theta[i]
        # torch.lerp's two-sided form of m + (1−β₁)(g − m): both sides, then a select
        m_low = m[i] + one_minus_beta1 * (g - m[i])
        m_high = g - (g - m[i]) * beta1
        m_i = m_low if one_minus_beta1 < 0.5 else m_high
        m[i] = m_i
        v_i = beta2 * v[i] + one_minus_beta2 * g * g
        v[i] = v_i
        denom = np.sqrt(v_i / bias_correction2) + eps
        theta_i = theta[i] + grad_coef * g / denom
        theta[i] = theta_i + avg_coef * m_i / denom


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
nadam_update_parallel = jit_parallel(nadam_update)
