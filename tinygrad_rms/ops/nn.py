"""The nn ops as single graph nodes: linear, softmax, log-softmax, embedding and
the losses.

Each is one ``Function`` rather than a composition of smaller ops: one node costs one
Python call on the way forward and one on the way back, which is most of a small model's
step.  ``nn.functional`` validates the arguments and calls these.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..arrays import as_float, normalize_dims
from ..autograd import Function
from ..autograd.function import BackwardFunction
from .movement import T

__all__ = [
    "BinaryCrossEntropyWithLogits",
    "Embedding",
    "L1Loss",
    "Linear",
    "LinearNoBias",
    "LogSoftmax",
    "MseLoss",
    "NllLoss",
    "Softmax",
    "log_softmax",
    "softmax",
]


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A shared, read-only vector of ``n`` ones (for column sums as a matrix product)."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _weight_through_t(ctx, i):  # type: ignore[no-untyped-def]
    """``ctx``'s input edges with input ``i``, the weight, shown behind a ``TBackward0``
    node, as PyTorch's graph of ``linear`` has it (``addmm(bias, x, weight.t())``).

    The transpose is done inside the fused node's backward (its ∂W comes out as
    gᵀ·x, already in the weight's shape), so this ``TBackward0`` is never run: it is
    what ``next_functions`` shows, made on first look and kept on the node.
    """
    shown = ctx.__dict__.get("_shown_edges")
    if shown is None:
        shown = list(ctx._edges)
        if shown[i]:
            t_node = BackwardFunction()
            t_node._function = T
            t_node._n_outputs, t_node._pre_hooks = 1, None
            t_node._edges = [shown[i]]
            t_node._inputs = None  # nothing to run
            saved = ctx._saved  # gone once backward freed the node
            t_node._shown_shape = saved[-1].shape[::-1] if saved else None
            shown[i] = (t_node, 0)
        ctx._shown_edges = shown
    return shown


class Linear(Function, arrays=True, name="AddmmBackward0"):
    """y = b + x·Wᵀ for x (N, in), W (out, in), b (out,): ``F.linear``'s node.

    One node for PyTorch's two, ``addmm(bias, x, weight.t())``: the graph it shows is
    PyTorch's (``AddmmBackward0 → TBackward0 → AccumulateGrad`` for the weight, see
    ``_weight_through_t``), the work is one Python call each way, which is most of a
    small model's step.  Backward: ∂x = g·W, ∂W = gᵀ·x, ∂b = the column sums of g.
    """

    @staticmethod
    def forward(ctx, bias, x, weight):
        out = np.dot(x, weight.T)  # np.dot: one BLAS call, less dispatch than the @ ufunc
        if bias is not None:
            out += bias
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        db, dx, dw = ctx.needs_input_grad
        return (
            # the column sums of g as ones·g, one BLAS call (3x faster than
            # np.add.reduce(g, axis=0) on a (100, 50) float32 gradient, and measured no
            # less accurate: BLAS's blocked sum beats the row-by-row one on long columns)
            np.dot(_ones(g.shape[0], g.dtype), g) if db else None,
            np.dot(g, weight) if dx else None,
            np.dot(g.T, x) if dw else None,
        )

    @staticmethod
    def shown_edges(ctx):  # type: ignore[override]
        return _weight_through_t(ctx, 2)


class LinearNoBias(Function, arrays=True, name="MmBackward0"):
    """y = x·Wᵀ without a bias (``F.linear(x, W)``), PyTorch's ``mm(x, weight.t())``;
    ∂x = g·W, ∂W = gᵀ·x."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return np.dot(x, weight.T)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        dx, dw = ctx.needs_input_grad
        return (np.dot(g, weight) if dx else None, np.dot(g.T, x) if dw else None)

    @staticmethod
    def shown_edges(ctx):  # type: ignore[override]
        return _weight_through_t(ctx, 1)


class Softmax(Function, arrays=True, name="SoftmaxBackward0"):
    """exp(x)/Σexp(x) along ``dim``, as exp(x − max) (no overflow).
    Backward: s·(g − Σ g·s)."""

    @staticmethod
    def forward(ctx, x, dim):
        x = as_float(x)
        z = x - x.max(axis=dim, keepdims=True, initial=-np.inf)  # initial: size-0 dims
        e = np.exp(z)
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Function, arrays=True, name="LogSoftmaxBackward0"):
    """x − log Σexp(x) along ``dim``, via the max shift.  Backward: g − softmax·Σg."""

    @staticmethod
    def forward(ctx, x, dim):
        x = as_float(x)
        z = x - x.max(axis=dim, keepdims=True, initial=-np.inf)
        out = z - np.log(np.exp(z).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.dim, keepdims=True), None


def softmax(input: Any, dim: int) -> Any:
    """exp(x)/Σexp(x) along ``dim`` (stable)."""
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    return Softmax.apply(input, d)


def log_softmax(input: Any, dim: int) -> Any:
    """x − log Σexp(x) along ``dim`` (stable)."""
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    return LogSoftmax.apply(input, d)


class Embedding(Function, arrays=True, name="EmbeddingBackward0"):
    """Rows of ``weight`` picked by integer ``indices`` (a keyword: not a graph input);
    backward adds each row's gradient into the row it came from."""

    @staticmethod
    def forward(ctx, weight, *, indices):
        ctx.source = weight.shape, weight.dtype
        ctx.save_for_backward(indices)
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        (indices,) = ctx.saved_tensors
        shape, dtype = ctx.source
        full = np.zeros(shape, dtype)
        np.add.at(full, indices, g)
        return (full,)


# ---------------------------------------------------------------------- losses
def _reduce(loss: np.ndarray, reduction: str) -> tuple[np.ndarray, float]:
    """The loss reduced by ``reduction``, and the factor its gradient takes from that."""
    if reduction == "none":
        return loss, 1.0
    if reduction == "sum":
        return np.asarray(loss.sum()), 1.0
    # np.mean's own pairwise sum and division, without its Python wrapper
    return np.asarray(np.add.reduce(loss, axis=None) / loss.size), 1.0 / max(loss.size, 1)


def _pointwise_loss(ctx, loss, d_input, d_target, reduction):  # type: ignore[no-untyped-def]
    """The forward of an elementwise loss ℓ(x, y): ``loss`` reduced by mean, sum or not at
    all, with ∂ℓ/∂x and ∂ℓ/∂y (None: −∂ℓ/∂x) kept for ``_PointwiseLoss.backward``."""
    if reduction == "mean":  # _reduce's mean, inline: this is every regression step
        out = np.asarray(np.add.reduce(loss, axis=None) / loss.size)
        ctx.scale = 1.0 / max(loss.size, 1)
    else:
        out, ctx.scale = _reduce(loss, reduction)
    ctx.save_for_backward(d_input, d_target)
    return out.astype(loss.dtype, copy=False)


class _PointwiseLoss(Function, arrays=True):
    """An elementwise loss: its forward calls ``_pointwise_loss``; the backward is
    g·∂ℓ/∂x and g·∂ℓ/∂y (scaled by 1/N for the mean)."""

    @staticmethod
    def backward(ctx, g):
        d_input, d_target = ctx.saved_tensors
        if ctx.scale != 1.0:
            g = g * ctx.scale
        dx, dy, _ = ctx.needs_input_grad
        gx = d_input * g if dx else None
        if dy:
            return gx, (-(d_input * g) if d_target is None else d_target * g), None
        return gx, None, None


class MseLoss(_PointwiseLoss, name="MseLossBackward0"):
    """(x − y)²: ∂/∂x = 2(x − y), ∂/∂y = −2(x − y)."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x - y
        return _pointwise_loss(ctx, diff * diff, 2 * diff, None, reduction)


class L1Loss(_PointwiseLoss, name="L1LossBackward0"):
    """|x − y|: its gradient is sign(x − y) (0 where x = y, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x - y
        return _pointwise_loss(ctx, np.abs(diff), np.sign(diff), None, reduction)


class BinaryCrossEntropyWithLogits(_PointwiseLoss, name="BinaryCrossEntropyWithLogitsBackward0"):
    """−[y log σ(x) + (1−y) log(1−σ(x))] from logits, computed stably as
    (1−y)·max(x,0) + y·max(−x,0) + log(1 + e^−|x|), which never exponentiates a positive
    number and has no inf − inf at x = ±inf.  ∂/∂x = σ(x) − y, ∂/∂y = −x."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        e = np.exp(-np.abs(x))
        loss = (1 - y) * np.maximum(x, 0) + y * np.maximum(-x, 0) + np.log1p(e)
        sig = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        return _pointwise_loss(ctx, loss, sig - y, -x, reduction)


class NllLoss(Function, arrays=True, name="NllLossBackward0"):
    """Cross-entropy of logits (N, C) against class indices (N,), as one node: the
    log-softmax is shifted by the row max (stable for huge logits) and the gradient is
    softmax(x) − onehot(class), as PyTorch computes it.  The targets are a keyword (not
    an input of the graph)."""

    @staticmethod
    def forward(ctx, x, reduction, *, target):
        classes = x.shape[-1]
        x2, t1 = x.reshape(-1, classes), target.reshape(-1)
        rows = np.arange(len(t1))
        z = x2 - x2.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -log_p[rows, t1]
        out, scale = _reduce(loss.reshape(target.shape), reduction)
        ctx.scale, ctx.shape = scale, x.shape
        ctx.save_for_backward(log_p, t1)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        log_p, t1 = ctx.saved_tensors
        rows, scale, shape = np.arange(len(t1)), ctx.scale, ctx.shape
        grad = np.exp(log_p)
        grad[rows, t1] -= 1
        g_rows = np.asarray(g, dtype=grad.dtype).reshape(-1, 1) * scale
        return (grad * np.broadcast_to(g_rows, (len(t1), 1))).reshape(shape), None
