"""Rprop as one fused pass (PyTorch's ``torch.optim.Rprop``): only the gradient's sign
moves θ, by a step size s kept per element::

    g ← sign·g
    p ← g·g_prev
    s ← s·η₊        where p > 0  (the same sign twice: go faster)
    s ← s·η₋, g ← 0 where p < 0  (the sign flipped: a minimum was jumped; do not step now)
    s ← s           where p = 0  (also where p is NaN: torch.sign(NaN) is 0)
    s ← min(max(s, s_min), s_max)             every step, whatever p
    θ ← θ − sign(g)·s,   g_prev ← g

``sign`` is torch.sign's: 0 for 0 and for NaN.  The scalars arrive packed as ``SCALARS``
(see ``kernels/rmsprop.py``).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "etaminus",  # η₋, the factor after a sign flip (0 < η₋ < 1)
    "etaplus",  # η₊, the factor after the same sign twice (η₊ > 1)
    "step_size_min",  # the smallest step size
    "step_size_max",  # the largest step size
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def rprop_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    prev: np.ndarray,
    step_size: np.ndarray,
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param``, the last gradient and the step sizes in place (C-contiguous)."""
    etaminus, etaplus, step_size_min, step_size_max, grad_sign = scalars[0:5]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    g_prev = prev.reshape(n)
    s = step_size.reshape(n)
    one = grad_sign * grad_sign  # 1 and 0 in the arrays' dtype: a float64 literal would
    zero = grad_sign - grad_sign  # turn float32 arithmetic into float64 arithmetic
    for i in prange(n):  # a plain range loop, except in rprop_update_parallel
        g = grad_sign * grad_flat[i]
        product = g * g_prev[i]
        s_i = s[i]
        if product > 0:
            s_i = s_i * etaplus
        elif product < 0:
            s_i = s_i * etaminus
            g = zero  # the flip is not stepped on, and not remembered
        # torch.clamp: the lower bound first, then the upper one; NaN stays NaN
        s_i = step_size_min if s_i < step_size_min else s_i
        s_i = step_size_max if s_i > step_size_max else s_i
        s[i] = s_i
        direction = one if g > 0 else (-one if g < 0 else zero)  # torch.sign: 0 for NaN
        theta[i] = theta[i] - direction * s_i
        g_prev[i] = g


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
rprop_update_parallel = jit_parallel(rprop_update)
