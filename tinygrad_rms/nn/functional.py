"""Stateless layer and loss functions.  Modules call these: one implementation each.

``linear`` and ``mse_loss`` are single graph nodes (as PyTorch's ``AddmmBackward`` and
``MseLossBackward``) rather than compositions of smaller ops: one node costs one Python
call on the way forward and one on the way back, which is most of a small model's step.
Their forward and backward are written next to each other, with the same
``Tensor._make`` mechanism the core ops use.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

__all__ = ["linear", "mse_loss", "relu"]

_REDUCTIONS = ("mean", "sum", "none")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b for x of shape (..., in), W of shape (out, in), b of shape (out,)."""
    x, w = input.data, weight.data
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input of shape {tuple(x.shape)} does not fit weight of shape "
            f"{tuple(w.shape)} (expected input shape (..., {w.shape[-1] if w.ndim else '?'}))"
        )
    if bias is not None and bias.shape != (w.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {w.shape}"
        )
    out = x @ w.T
    if bias is not None:
        out += bias.data

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        g2 = g.reshape(-1, w.shape[0])
        gx = (g @ w) if input.requires_grad else None
        gw = (g2.T @ x.reshape(-1, w.shape[1])) if weight.requires_grad else None
        if bias is None:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if bias.requires_grad else None)

    parents = (input, weight) if bias is None else (input, weight, bias)
    return Tensor._make(out, parents, "Addmm", backward)


def relu(input: Tensor) -> Tensor:
    """max(x, 0) elementwise."""
    return input.relu()


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error (x − y)², averaged (``"mean"``), summed (``"sum"``) or kept (``"none"``).

    Unlike PyTorch, which only warns and then broadcasts, input and target must have the
    same shape: a (100, 1) output against a (100,) target would otherwise silently
    compare every output with every target, a (100, 100) loss.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction; use one of {_REDUCTIONS}"
        )
    if not isinstance(target, Tensor):
        target = input._lift(target)
    if input.shape != target.shape:
        raise ValueError(
            f"mse_loss: input shape {input.shape} and target shape {target.shape} differ; "
            "reshape one of them (broadcasting them would compare every pair)"
        )
    diff = input.data - target.data
    sq = diff * diff
    if reduction == "none":
        out, scale = sq, 2
    elif reduction == "sum":
        out, scale = np.asarray(sq.sum()), 2
    else:
        out, scale = np.asarray(sq.mean()), 2 / max(diff.size, 1)

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        gi = (scale * diff) * g  # d/dx (x − y)² = 2(x − y), times 1/N for the mean
        return gi, (-gi if target.requires_grad else None)

    return Tensor._make(out.astype(diff.dtype, copy=False), (input, target), "MseLoss", backward)
