"""RMSProp's update as one fused pass: each element of the parameter and of its state
buffers is read once and written once.

One loop covers every framework's convention.  Per element, with g the gradient, v the
EMA of g², ḡ the EMA of g (centered only) and m the momentum buffer::

    θ ← θ − κ·θ                              decoupled weight decay (Keras), κ = lr·wd
    g ← sign·g + λ·θ                         sign = −1 to maximize; λ coupled L2 (PyTorch)
    v ← α·v + (1−α)·g²
    ḡ ← lerp(ḡ, g, 1−α)                      centered only
    s ← v/c − (ḡ/c)²  (centered)  or  v/c    c = 1−α^t with bias correction (else no division)
    d ← √(s + ε_in) + ε_out                  ε inside (TF, Keras, optax) or outside (PyTorch)
    m ← μ·m + η_in·g/d                       with momentum
    θ ← θ − η_out·m            or, Nesterov, θ ← θ − η_out·(η_in·g/d + μ·m)
    θ ← θ − η·g/d                            without momentum

where the learning rate sits inside the buffer (η_in = η, η_out = 1: TF, Keras, optax) or
outside it (η_in = 1, η_out = η: PyTorch).  A convention that is off costs nothing:

- optional buffers (ḡ, m) arrive as ``None`` and Numba removes their branch when it
  compiles the specialisation for that argument type (so the plain case is the plain loop);
- the scalars arrive packed in one small array ``scalars`` (laid out as ``SCALARS``) of
  the parameters' dtype.  Numba's dispatcher costs ~50 ns per argument, so thirteen scalar
  arguments cost more than the whole update of a 1,000-element tensor; one array costs one
  argument.  The switches among them are loop-invariant tests (``κ ≠ 0``, ``λ ≠ 0``,
  ``c ≠ 1``, Nesterov) that LLVM hoists out of the loop, so the loop still vectorises, and
  an option that is off skips its arithmetic entirely (no ``v/1``, no ``g + 0·θ``, which
  would turn an infinite θ into NaN);
- ε and η placement are plain scalars, exact when neutral (x + 0 = x, 1·x = x).

Scalars arrive in the arrays' dtype, so float32 parameters are updated in float32
arithmetic, as PyTorch does; ``η·g/d`` is evaluated as ``(η·g)/d`` like PyTorch's
``addcdiv``, Keras and TF1.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "alpha",  # α
    "one_minus_alpha",  # 1 − α
    "lerp_complement",  # 1 − (1 − α) rounded in the dtype, as torch.lerp computes it
    "eps_in",  # ε inside the root, or 0
    "eps_out",  # ε outside the root, or 0
    "bias_correction",  # c = 1 − αᵗ, or 1 for none
    "lr_in",  # η inside the momentum buffer, or 1
    "lr_out",  # η outside, or 1
    "momentum",  # μ (used only when a momentum buffer is passed)
    "nesterov",  # 1 for Nesterov momentum, else 0
    "weight_decay",  # λ of coupled L2, or 0
    "decoupled_decay",  # κ = η·λ of decoupled decay, or 0
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def rmsprop_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    grad_avg,  # np.ndarray | None: centered
    momentum_buffer,  # np.ndarray | None: momentum
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param`` and its state in place (arrays C-contiguous, shaped like ``param``)."""
    alpha, one_minus_alpha, lerp_complement, eps_in, eps_out = scalars[0:5]
    bias_correction, lr_in, lr_out, momentum, nesterov = scalars[5:10]
    weight_decay, decoupled_decay, grad_sign = scalars[10:13]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    v = square_avg.reshape(n)
    if grad_avg is not None:
        ga_flat = grad_avg.reshape(n)
    if momentum_buffer is not None:
        m_flat = momentum_buffer.reshape(n)
    for i in prange(n):  # a plain range loop, except in rmsprop_update_parallel
        if decoupled_decay != 0:
            theta[i] = theta[i] - theta[i] * decoupled_decay
        g = grad_sign * grad_flat[i]
        if weight_decay != 0:
            g = g + weight_decay * theta[i]
        v_i = alpha * v[i] + one_minus_alpha * g * g
        v[i] = v_i
        s = v_i if bias_correction == 1 else v_i / bias_correction
        if grad_avg is not None:
            # torch.lerp's two-sided form of ḡ + (1−α)(g − ḡ): both sides, then a select
            # (a fourth loop-invariant branch here would stop the loop vectorising)
            ga_low = ga_flat[i] + one_minus_alpha * (g - ga_flat[i])
            ga_high = g - (g - ga_flat[i]) * lerp_complement
            ga = ga_low if one_minus_alpha < 0.5 else ga_high
            ga_flat[i] = ga
            ga_hat = ga if bias_correction == 1 else ga / bias_correction
            # v − ḡ², as PyTorch's fused multiply-add gives it: where ḡ² overflows, v (≥ ḡ²)
            # is inf already and stays inf, instead of inf − inf = NaN (a select: vectorises)
            s = s if s == np.inf else s - ga_hat * ga_hat
        denom = np.sqrt(s + eps_in) + eps_out
        if momentum_buffer is not None:
            m = momentum * m_flat[i] + lr_in * g / denom
            m_flat[i] = m
            if nesterov != 0:
                theta[i] = theta[i] - lr_out * (lr_in * g / denom + momentum * m)
            else:
                theta[i] = theta[i] - lr_out * m
        else:
            theta[i] = theta[i] - lr_in * lr_out * g / denom


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
rmsprop_update_parallel = jit_parallel(rmsprop_update)
