"""RMSProp's update as one fused pass: each element of the parameter and of its state
buffers is read once and written once.

Per element, with g the gradient, v the EMA of g², ḡ the EMA of g (centered only) and
m the momentum buffer (PyTorch's ``torch.optim.RMSprop``, operation for operation)::

    g ← sign·g + λ·θ                        sign = −1 to maximize; λ coupled L2 decay
    v ← α·v + (1−α)·g²
    ḡ ← ḡ + (1−α)(g − ḡ)                    centered only (torch.lerp)
    d ← √(v − ḡ²) + ε   (centered)   or   √v + ε
    m ← μ·m + g/d ;  θ ← θ − η·m           with momentum μ > 0
    θ ← θ − η·g/d                           without

Options are switched by loop-invariant branches (an empty ``grad_avg`` means not
centered, an empty ``momentum_buffer`` means no momentum), which LLVM hoists out of
the loop, so the plain case runs the plain loop.  Scalars arrive in the arrays' dtype
so float32 parameters are updated in float32 arithmetic, as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def rmsprop_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    grad_avg: np.ndarray,
    momentum_buffer: np.ndarray,
    lr,
    alpha,
    one_minus_alpha,
    eps,
    weight_decay,
    momentum,
    grad_sign,
) -> None:
    """Update ``param`` and its state in place (all arrays C-contiguous, same shape)."""
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    v = square_avg.reshape(n)
    ga_buf = grad_avg.reshape(grad_avg.size)
    m_buf = momentum_buffer.reshape(momentum_buffer.size)
    centered = ga_buf.size > 0
    use_momentum = m_buf.size > 0
    for i in range(n):
        g = grad_sign * grad_flat[i]
        if weight_decay != 0:
            g = g + weight_decay * theta[i]
        v_i = alpha * v[i] + one_minus_alpha * g * g
        v[i] = v_i
        if centered:
            # ḡ ← lerp(ḡ, g, 1−α) in torch.lerp's two-sided form
            if one_minus_alpha < 0.5:
                ga = ga_buf[i] + one_minus_alpha * (g - ga_buf[i])
            else:
                ga = g - (g - ga_buf[i]) * alpha
            ga_buf[i] = ga
            v_i = v_i - ga * ga
        denom = np.sqrt(v_i) + eps
        if use_momentum:
            m = momentum * m_buf[i] + g / denom
            m_buf[i] = m
            theta[i] = theta[i] - lr * m
        else:
            theta[i] = theta[i] - lr * g / denom
