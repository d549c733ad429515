"""ASGD as one fused pass (PyTorch's ``torch.optim.ASGD``): SGD with a decay term, and a
running average ā of the iterates kept beside them::

    g ← sign·g + λ_wd·θ
    θ ← θ·(1 − λη)                           the decay term ("lambd"), every step
    θ ← θ − η·g
    ā ← θ                                    while μ = 1 (before averaging starts)
    ā ← ā + μ·(θ − ā)                        once μ < 1: the mean of the iterates since t₀

η and μ are this parameter's step size and averaging weight, which the optimizer computes
between steps (``optim/asgd.py``) and passes, with the decay factor 1 − λη, in the packed
``scalars`` (see ``kernels/rmsprop.py``).  Evaluated in PyTorch's order: the decay and the
step are two roundings, and (θ − ā)·μ is added to ā.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, jit_parallel, prange

#: What ``scalars[k]`` holds, in order (the optimizer packs it, the kernel unpacks it).
SCALARS = (
    "decay",  # 1 − λ·η (λ is "lambd")
    "eta",  # η, this step's step size
    "mu",  # μ, this step's averaging weight (1 before averaging starts)
    "weight_decay",  # λ_wd of the L2 term, or 0
    "grad_sign",  # −1 to maximize, else 1
)


@jit
def asgd_update(  # type: ignore[no-untyped-def]
    param: np.ndarray,
    grad: np.ndarray,
    ax: np.ndarray,
    scalars: np.ndarray,  # the packed scalars, laid out as SCALARS
) -> None:
    """Update ``param`` and its average ``ax`` in place (C-contiguous, like ``param``)."""
    decay, eta, mu, weight_decay, grad_sign = scalars[0:5]
    n = param.size
    theta = param.reshape(n)
    grad_flat = grad.reshape(n)
    a = ax.reshape(n)
    for i in prange(n):  # a plain range loop, except in asgd_update_parallel
        g = grad_sign * grad_flat[i]
        if weight_decay != 0:
            g = g + weight_decay * theta[i]
        theta_i = theta[i] * decay
        theta_i = theta_i - eta * g
        theta[i] = theta_i
        if mu != 1:
            a[i] = a[i] + (theta_i - a[i]) * mu
        else:  # a copy, as PyTorch's: ā + 1·(θ − ā) may round away from θ
            a[i] = theta_i


#: The same loop split across threads (opt-in for large tensors: ``optim.set_parallel_threshold``).
asgd_update_parallel = jit_parallel(asgd_update)
