"""Stateless layer and loss functions.  Modules call these: one implementation each.

``linear`` and ``mse_loss`` are single graph nodes (as PyTorch's ``AddmmBackward`` and
``MseLossBackward``) rather than compositions of smaller ops: one node costs one Python
call on the way forward and one on the way back, which is most of a small model's step.
Their forward and backward are written next to each other, with the same
``Tensor._make`` mechanism the core ops use.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

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


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A shared, read-only vector of ``n`` ones (for column sums as a matrix product)."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b for x of shape (..., in), W of shape (out, in), b of shape (out,)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"linear: input must be a Tensor, got {type(input).__name__}")
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
    # np.dot on the (rows, in) view: one BLAS call with less dispatch than the @ ufunc
    x2 = x if x.ndim == 2 else x.reshape(-1, w.shape[1])
    out = np.dot(x2, w.T)
    if bias is not None:
        out += bias.data
    if x.ndim != 2:
        out = out.reshape(*x.shape[:-1], w.shape[0])

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        g2 = g.reshape(-1, w.shape[0])
        gx = None
        if input.requires_grad:
            gx = np.dot(g2, w)
            gx = gx if x.ndim == 2 else gx.reshape(x.shape)
        gw = np.dot(g2.T, x2) if weight.requires_grad else None
        if bias is None:
            return gx, gw
        # the bias gradient is g's column sums: as ones·g, one BLAS call (3x faster than
        # np.add.reduce(g2, axis=0) on a (100, 50) float32 gradient, and measured no less
        # accurate: BLAS's blocked sum beats the row-by-row one on long columns)
        return gx, gw, (np.dot(_ones(g2.shape[0], g2.dtype), g2) if bias.requires_grad else None)

    parents = (input, weight) if bias is None else (input, weight, bias)
    return Tensor._make(out, parents, "Addmm", backward)


def relu(input: Tensor) -> Tensor:
    """max(x, 0) elementwise."""
    return input.relu()


def tanh(input: Tensor) -> Tensor:
    """tanh(x) elementwise."""
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^−x), computed without overflow for large |x|."""
    return input.sigmoid()


def softmax(input: Tensor, dim: int) -> Tensor:
    """exp(x)/Σexp(x) along ``dim`` (stable)."""
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """x − log Σexp(x) along ``dim`` (stable)."""
    return input.log_softmax(dim)


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
    return input * Tensor._wrap((keep / (1.0 - p)).astype(input.dtype))


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
    return weight[idx]


# ---------------------------------------------------------------------- losses
def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction; use one of {_REDUCTIONS}"
        )


def _loss_operands(name: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:
    """Input must be a float Tensor; the target may be an array; shapes must match."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    target = target if isinstance(target, Tensor) else input._lift(target)
    _same_shape(name, input, target)
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {input.dtype}")
    return input, target


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ; "
            "reshape one of them (broadcasting them would compare every pair)"
        )


def _pointwise_loss(
    op: str,
    input: Tensor,
    target: Tensor,
    loss: np.ndarray,
    d_input: np.ndarray,
    d_target: np.ndarray | None,
    reduction: str,
) -> Tensor:
    """One graph node for an elementwise loss ℓ(x, y), reduced by mean, sum or not at all.

    ``d_input`` and ``d_target`` are ∂ℓ/∂x and ∂ℓ/∂y elementwise; the mean divides by N.
    """
    if reduction == "none":
        out, scale = loss, 1.0
    elif reduction == "sum":
        out, scale = np.asarray(loss.sum()), 1.0
    else:  # np.mean's own pairwise sum and division, without its Python wrapper
        out, scale = np.asarray(np.add.reduce(loss, axis=None) / loss.size), 1.0 / max(loss.size, 1)

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        g = g * scale if scale != 1.0 else g
        gi = d_input * g if input.requires_grad else None
        gt = d_target * g if d_target is not None and target.requires_grad else None
        return gi, gt

    return Tensor._make(out.astype(loss.dtype, copy=False), (input, target), op, backward)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error (x − y)², averaged (``"mean"``), summed (``"sum"``) or kept (``"none"``).

    Unlike PyTorch, which only warns and then broadcasts, input and target must have the
    same shape: a (100, 1) output against a (100,) target would otherwise silently
    compare every output with every target, a (100, 100) loss.
    """
    _check_reduction(reduction)
    input, target = _loss_operands("mse_loss", input, target)
    diff = input.data - target.data
    d = 2 * diff
    d_target = -d if target.requires_grad else None  # a fixed target (the usual case) needs none
    return _pointwise_loss("MseLoss", input, target, diff * diff, d, d_target, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Absolute error |x − y|; its gradient is sign(x − y) (0 where x = y, as PyTorch)."""
    _check_reduction(reduction)
    input, target = _loss_operands("l1_loss", input, target)
    diff = input.data - target.data
    d = np.sign(diff)
    return _pointwise_loss("L1Loss", input, target, np.abs(diff), d, -d, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, reduction: str = "mean"
) -> Tensor:
    """−[y log σ(x) + (1−y) log(1−σ(x))] from logits x, computed stably as
    max(x, 0) − x·y + log(1 + e^−|x|), which never exponentiates a positive number."""
    _check_reduction(reduction)
    input, target = _loss_operands("binary_cross_entropy_with_logits", input, target)
    x, y = input.data, target.data
    # (1−y)·max(x,0) + y·max(−x,0) equals max(x,0) − x·y without inf − inf at x = ±inf
    loss = (1 - y) * np.maximum(x, 0) + y * np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
    sig = input.detach().sigmoid().data
    return _pointwise_loss(
        "BinaryCrossEntropyWithLogits", input, target, loss, sig - y, -x, reduction
    )


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """−log softmax(x)[class] for logits of shape (N, C) (or (C,)) and class indices (N,).

    One node: the log-softmax is shifted by the row max (stable for huge logits) and the
    gradient is softmax(x) − onehot(class), as PyTorch computes it.
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
    x2, t1 = x.reshape(-1, classes), t.reshape(-1)
    rows = np.arange(len(t1))
    z = x2 - x2.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[rows, t1]
    if reduction == "none":
        out, scale = loss.reshape(t.shape), 1.0
    elif reduction == "sum":
        out, scale = np.asarray(loss.sum()), 1.0
    else:
        out, scale = np.asarray(loss.mean()), 1.0 / max(len(t1), 1)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.exp(log_p)
        grad[rows, t1] -= 1
        g_rows = np.broadcast_to(np.asarray(g, dtype=x.dtype).reshape(-1, 1) * scale, (len(t1), 1))
        return ((grad * g_rows).reshape(x.shape),)

    return Tensor._make(out.astype(x.dtype, copy=False), (input,), "NllLoss", backward)
