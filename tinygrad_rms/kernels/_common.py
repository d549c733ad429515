"""Pieces every optimizer kernel shares."""

from __future__ import annotations

from ._jit import jit


@jit
def effective_grad(grad, theta, grad_sign, weight_decay):  # type: ignore[no-untyped-def]
    """g ← sign·g + λ·θ: the sign flips to maximize; λ (``None`` when off) is coupled L2."""
    g = grad_sign * grad
    if weight_decay is not None:
        g = g + weight_decay * theta
    return g
