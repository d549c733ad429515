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

- optional buffers and decays arrive as ``None`` and Numba removes their branch when it
  compiles the specialisation for that argument type (so the plain case is the plain loop);
- ε and η placement are plain scalars, exact when neutral (x + 0 = x, 1·x = x).

Scalars arrive in the arrays' dtype, so float32 parameters are updated in float32
arithmetic, as PyTorch does; ``η·g/d`` is evaluated as ``(η·g)/d`` like PyTorch's
``addcdiv``, Keras and TF1.
"""

from __future__ import annotations

import numpy as np

from ._common import effective_grad
from ._jit import jit


@jit
def rmsprop_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    grad_avg,  # np.ndarray | None: centered
    momentum_buffer,  # np.ndarray | None: momentum
    alpha,
    one_minus_alpha,
    lerp_complement,  # 1 − (1−α) rounded in the dtype, as torch.lerp computes it
    eps_in,
    eps_out,
    bias_correction,  # c = 1 − α^t | None
    lr_in,
    lr_out,
    momentum,
    nesterov: bool,
    weight_decay,  # λ | None: coupled
    decoupled_decay,  # κ = lr·wd | None
    grad_sign,
) -> None:
    """Update ``param`` and its state in place (arrays C-contiguous, shaped like ``param``)."""
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    v = square_avg.reshape(n)
    for i in range(n):
        if decoupled_decay is not None:
            theta[i] = theta[i] - theta[i] * decoupled_decay
        g = effective_grad(grad_flat[i], theta[i], grad_sign, weight_decay)
        v_i = alpha * v[i] + one_minus_alpha * g * g
        v[i] = v_i
        s = v_i if bias_correction is None else v_i / bias_correction
        if grad_avg is not None:
            ga_flat = grad_avg.reshape(n)
            # torch.lerp's two-sided form of ḡ + (1−α)(g − ḡ)
            if one_minus_alpha < 0.5:
                ga = ga_flat[i] + one_minus_alpha * (g - ga_flat[i])
            else:
                ga = g - (g - ga_flat[i]) * lerp_complement
            ga_flat[i] = ga
            ga_hat = ga if bias_correction is None else ga / bias_correction
            s = s - ga_hat * ga_hat
        denom = np.sqrt(s + eps_in) + eps_out
        if momentum_buffer is not None:
            m_flat = momentum_buffer.reshape(n)
            m = momentum * m_flat[i] + lr_in * g / denom
            m_flat[i] = m
            if nesterov:
                theta[i] = theta[i] - lr_out * (lr_in * g / denom + momentum * m)
            else:
                theta[i] = theta[i] - lr_out * m
        else:
            theta[i] = theta[i] - lr_in * lr_out * g / denom
