"""Adam / AdamW as one fused pass (PyTorch's ``torch.optim.Adam`` and ``AdamW``)::

    θ ← θ·(1 − η·λ)                          AdamW: decoupled weight decay
    g ← sign·g + λ·θ                         Adam: L2 added to the gradient
    m ← lerp(m, g, 1−β₁)                     first moment
    v ← β₂·v + (1−β₂)·g²                     second moment (RMSProp's average)
    v̂ ← max(v̂, v)                            amsgrad only
    θ ← θ − (η/c₁)·m / (√v / √c₂ + ε)        c₁ = 1−β₁ᵗ, c₂ = 1−β₂ᵗ

Adam is RMSProp's denominator (with bias correction) over a momentum-averaged gradient.
"""

from __future__ import annotations

import numpy as np

from ._common import effective_grad
from ._jit import jit


@jit
def adam_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq,  # np.ndarray | None: amsgrad
    step_size,  # η / c₁
    beta1,
    one_minus_beta1,
    beta2,
    one_minus_beta2,
    bias_correction2_sqrt,
    eps,
    weight_decay,  # λ | None: Adam's L2
    decay_factor,  # 1 − η·λ | None: AdamW
    grad_sign,
) -> None:
    """Update ``param`` and its moment buffers in place."""
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    m = exp_avg.reshape(n)
    v = exp_avg_sq.reshape(n)
    for i in range(n):
        if decay_factor is not None:
            theta[i] = theta[i] * decay_factor
        g = effective_grad(grad_flat[i], theta[i], grad_sign, weight_decay)
        # torch.lerp's two-sided form of m + (1−β₁)(g − m)
        if one_minus_beta1 < 0.5:
            m_i = m[i] + one_minus_beta1 * (g - m[i])
        else:
            m_i = g - (g - m[i]) * beta1
        m[i] = m_i
        v_i = beta2 * v[i] + one_minus_beta2 * g * g
        v[i] = v_i
        if max_exp_avg_sq is not None:
            vmax = max_exp_avg_sq.reshape(n)
            v_i = max(vmax[i], v_i)
            vmax[i] = v_i
        denom = np.sqrt(v_i) / bias_correction2_sqrt + eps
        theta[i] = theta[i] - step_size * m_i / denom
