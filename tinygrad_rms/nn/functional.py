"""Stateless layer and loss functions.  Modules call these: one implementation each.

Here are the checks of the arguments, with messages that name the shapes; the math of
each (its forward and backward, a single graph node) is in ``ops/nn.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arrays import scalar_operand
from ..ops import arithmetic, movement
from ..ops import nn as ops
from ..ops.nn import log_softmax, softmax
from ..ops.unary import relu, sigmoid, tanh
from ..random import generator
from ..tensor import Tensor

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "embedding",
    "l1_loss",
    "linear",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b for x of shape (..., in), W of shape (out, in), b of shape (out,).

    The graph is PyTorch's: ``AddmmBackward0`` (``MmBackward0`` without a bias) of the
    bias, the input and ``weight.t()`` (one fused node, see ``ops.nn.Linear``); an input
    of other than 2 dims is viewed as (rows, in) and the result viewed back.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"linear: input must be a Tensor, got {type(input).__name__}")
    x, w = input.data, weight.data
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input of shape {tuple(x.shape)} does not fit weight of shape "
            f"{tuple(w.shape)} (expected input shape (..., {w.shape[-1] if w.ndim else '?'}))"
        )
    if bias is not None and bias.data.shape != (w.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {w.shape}"
        )
    rows = input if x.ndim == 2 else movement.reshape(input, -1, w.shape[1])
    out = (
        ops.LinearNoBias.apply(rows, weight)
        if bias is None
        else ops.Linear.apply(bias, rows, weight)
    )
    return out if x.ndim == 2 else movement.reshape(out, *x.shape[:-1], w.shape[0])


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1−p) (training only).

    The mask comes from the library's generator, so ``manual_seed`` makes it reproducible.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = generator().random(input.shape) >= p
    return arithmetic.mul(input, (keep / (1.0 - p)).astype(input.dtype))


def embedding(input: Tensor, weight: Tensor) -> Tensor:
    """Rows of ``weight`` picked by the integer indices in ``input`` (any shape)."""
    idx = input.data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(
            f"embedding: index out of range for a table of {n} rows (got indices from "
            f"{idx.min()} to {idx.max()})"
        )
    return ops.Embedding.apply(weight, indices=idx)


# ---------------------------------------------------------------------- losses
def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction; use one of {_REDUCTIONS}"
        )


def _loss_operands(name: str, input: Any, target: Any) -> tuple[Tensor, Any]:
    """Input must be a float Tensor; the target may be an array; shapes must match."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if not isinstance(target, Tensor):
        target = scalar_operand(input.dtype, target)
    x, t = input.data, target.data if isinstance(target, Tensor) else target
    if x.shape != t.shape:
        raise ValueError(
            f"{name}: input shape {x.shape} and target shape {t.shape} differ; "
            "reshape one of them (broadcasting them would compare every pair)"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {input.dtype}")
    return input, target


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error (x − y)², averaged (``"mean"``), summed (``"sum"``) or kept (``"none"``).

    Unlike PyTorch, which only warns and then broadcasts, input and target must have the
    same shape: a (100, 1) output against a (100,) target would otherwise silently
    compare every output with every target, a (100, 100) loss.
    """
    _check_reduction(reduction)
    return ops.MseLoss.apply(*_loss_operands("mse_loss", input, target), reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Absolute error |x − y|; its gradient is sign(x − y) (0 where x = y, as PyTorch)."""
    _check_reduction(reduction)
    return ops.L1Loss.apply(*_loss_operands("l1_loss", input, target), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, reduction: str = "mean"
) -> Tensor:
    """−[y log σ(x) + (1−y) log(1−σ(x))] from logits x, computed stably (see
    ``ops.nn.BinaryCrossEntropyWithLogits``)."""
    _check_reduction(reduction)
    operands = _loss_operands("binary_cross_entropy_with_logits", input, target)
    return ops.BinaryCrossEntropyWithLogits.apply(*operands, reduction)


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """−log softmax(x)[class] for logits of shape (N, C) (or (C,)) and class indices (N,).

    One node (``NllLossBackward0``): the log-softmax is shifted by the row max (stable for
    huge logits) and the gradient is softmax(x) − onehot(class), as PyTorch computes it.
    """
    _check_reduction(reduction)
    if not isinstance(input, Tensor):
        raise TypeError(f"cross_entropy: input must be a Tensor, got {type(input).__name__}")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    x = input.data
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy: target must hold integer class indices, got dtype {t.dtype}"
        )
    if not ((x.ndim == 2 and t.shape == (x.shape[0],)) or (x.ndim == 1 and t.ndim == 0)):
        raise ValueError(
            f"cross_entropy: expected logits (N, C) with targets (N,) or logits (C,) with a "
            f"scalar target, got {x.shape} and {t.shape}"
        )
    classes = x.shape[-1]
    if t.size and (t.min() < 0 or t.max() >= classes):
        raise IndexError(f"cross_entropy: target class out of range [0, {classes - 1}]")
    return ops.NllLoss.apply(input, reduction, target=t)
