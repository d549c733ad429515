"""Slow, obviously-correct references, written from the published algorithms in plain
numpy (whole-array operations), independently of the Numba kernels they check."""

from __future__ import annotations

import numpy as np


def rmsprop_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> np.ndarray:
    """One step of torch.optim.RMSprop as its documentation states it; returns new param.

    ``state`` holds 'square_avg', 'grad_avg', 'momentum_buffer' (created at zero here).
    All arithmetic is done in the param's dtype.
    """
    dt = param.dtype.type
    g = -grad if maximize else grad.copy()
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    v = state.setdefault("square_avg", np.zeros_like(param))
    v = dt(alpha) * v + dt(1 - alpha) * g * g
    state["square_avg"] = v
    if centered:
        ga = state.setdefault("grad_avg", np.zeros_like(param))
        ga = ga + dt(1 - alpha) * (g - ga)
        state["grad_avg"] = ga
        denom = np.sqrt(v - ga * ga) + dt(eps)
    else:
        denom = np.sqrt(v) + dt(eps)
    if momentum > 0:
        m = state.setdefault("momentum_buffer", np.zeros_like(param))
        m = dt(momentum) * m + g / denom
        state["momentum_buffer"] = m
        return param - dt(lr) * m
    return param - dt(lr) * g / denom
