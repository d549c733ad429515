"""Adam / AdamW as one fused pass (PyTorch's ``torch.optim.Adam`` and ``AdamW``)::

    θ ← θ·(1 − η·λ)                          AdamW: decoupled weight decay
    g ← sign·g + λ·θ                         Adam: L2 added to the gradient
    m ← lerp(m, g, 1−β₁)                     first moment
    v ← β₂·v + (1−β₂)·g²                     second moment (RMSProp's average)
    v̂ ← max(v̂, v)                            amsgrad only
    θ ← θ − (η/c₁)·m / (√v / √c₂ + ε)        c₁ = 1−β₁ᵗ, c₂ = 1−β₂ᵗ

Adam is RMSProp's denominator (with bias correction) over a momentum-averaged gradient.

The amsgrad maximum is an optional argument (``None`` when off); the scalars arrive
packed in one array ``scalars`` of the parameter's dtype (laid out as ``SCALARS``), with
the two weight decays as loop-invariant tests on their values, for the reasons given in
``kernels/rmsprop.py`` (one argument instead of eleven, and an option that is off costs
nothing).  The lerp computes both of its sides and selects one: written as a third
loop-invariant branch beside the two decays, it made the compiled loop 2-4x slower
(measured on 10,000 elements).
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
    "one_minus_beta2",  # 1 − β₂
    "bias_correction2_sqrt",  # √c₂, c₂ = 1 − β₂ᵗ (this parameter's step t)
    "eps",  # ε
    "weight_decay",  # λ of Adam's L2, or 0
    "decay_factor",  # 1 − η·λ of AdamW's decoupled decay, or 1
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def adam_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq,  # np.ndarray | None: amsgrad
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param`` and its moment buffers in place (arrays C-contiguous, like ``param``)."""
    step_size, beta1, one_minus_beta1, beta2, one_minus_beta2 = scalars[0:5]
    bias_correction2_sqrt, eps, weight_decay, decay_factor, grad_sign = scalars[5:10]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    m = exp_avg.reshape(n)
    v = exp_avg_sq.reshape(n)
    if max_exp_avg_sq is not None:
        v_max = max_exp_avg_sq.reshape(n)
    for i in prange(n):  # a plain range loop, except in adam_update_parallel
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
        if max_exp_avg_sq is not None:
            v_i = max(v_max[i], v_i)
            v_max[i] = v_i
        denom = np.sqrt(v_i) / bias_correction2_sqrt + eps
        theta[i] = theta[i] - step_size * m_i / denom


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
adam_update_parallel = jit_parallel(adam_update)
