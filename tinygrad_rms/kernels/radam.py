"""RAdam as one fused pass (PyTorch's ``torch.optim.RAdam``, rectified Adam)::

    θ ← θ·(1 − η·λ)                          decoupled weight decay
    g ← sign·g + λ·θ                         or L2 added to the gradient
    m ← lerp(m, g, 1−β₁)                     first moment, as Adam's
    v ← β₂·v + (1−β₂)·g²                     second moment, as Adam's
    s ← (m / c₁)·η                           c₁ = 1 − β₁ᵗ: bias-corrected momentum
    s ← s · (√c₂ / (√v + ε)) · rₜ            only while rectified (ρₜ > 5), c₂ = 1 − β₂ᵗ
    θ ← θ − s

While the variance of the adaptive step is intractable (ρₜ ≤ 5, the first steps) the
update is plain momentum SGD, s = η·m/c₁, and v is only accumulated.  Whether this step
is rectified, and rₜ, are the same for every element: the optimizer decides them per step
(``rectified`` is 1 or 0) and the loop tests the flag, a loop-invariant branch.  PyTorch
computes the adaptive factor as a reciprocal times √c₂; here it is one division (the two
differ by at most an ulp).  Scalars arrive packed as ``SCALARS`` (see
``kernels/rmsprop.py``); the lerp is ``kernels/adam.py``'s.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "bias_correction1",  # c₁ = 1 − β₁ᵗ (this parameter's step t)
    "lr",  # η
    "rectified",  # 1 if ρₜ > 5 at this step, else 0
    "bias_correction2_sqrt",  # √c₂, c₂ = 1 − β₂ᵗ (used only when rectified)
    "rect",  # the rectification rₜ (used only when rectified)
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
def radam_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param`` and its two moments in place (arrays C-contiguous, like ``param``)."""
    bias_correction1, lr, rectified, bias_correction2_sqrt, rect = scalars[0:5]
    beta1, one_minus_beta1, beta2, one_minus_beta2 = scalars[5:9]
    eps, weight_decay, decay_factor, grad_sign = scalars[9:13]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    m = exp_avg.reshape(n)
    v = exp_avg_sq.reshape(n)
    for i in prange(n):  # a plain range loop, except in radam_update_parallel
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
        s = m_i / bias_correction1 * lr
        if rectified != 0:
            s = s * (bias_correction2_sqrt / (np.sqrt(v_i) + eps)) * rect
        theta[i] = theta[i] - s


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
radam_update_parallel = jit_parallel(radam_update)
