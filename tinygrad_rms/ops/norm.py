"""Normalisation as single graph nodes: batch norm (per channel, over the batch and any
spatial dims) and layer norm (per sample, over the last dims).

Both normalise x̂ = (x − μ)/√(σ² + ε) with the *biased* variance σ² of the elements
normalised together, then scale and shift: y = γ·x̂ + β.  The backward of the
normalisation is the classic closed form over those m elements::

    ∂x = (1/√(σ² + ε)) · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)),   ĝ = γ·∂y
    ∂γ = Σ ∂y · x̂,   ∂β = Σ ∂y

Batch norm in evaluation mode uses fixed running statistics: y = x·s + t, whose input
gradient is ∂y·s (same node, ``stats`` given).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function

__all__ = ["batch_norm", "layer_norm"]


class Normalize(Function, arrays=True, name="NativeBatchNormBackward0"):
    """y = γ·(x − μ)/√(σ² + ε) + β, with μ and σ² the statistics given (over ``axes``);
    ``batch_stats``: they are x's own (so the gradient flows through them too).  γ and β
    have the shape of the dims not in ``param_axes``, broadcast as ``shape``."""

    @staticmethod
    def forward(ctx, x, weight, bias, axes, param_axes, eps, shape, mean, var, batch_stats):
        inv_std = (1 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        x_hat = (x - mean) * inv_std
        y = x_hat
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.axes, ctx.param_axes, ctx.shape = axes, param_axes, shape
        ctx.batch_stats, ctx.has_bias = batch_stats, bias is not None
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x_hat, inv_std, weight = ctx.saved_tensors
        axes, param_axes, shape = ctx.axes, ctx.param_axes, ctx.shape
        d_weight = d_bias = None
        if weight is not None:
            d_weight = (g * x_hat).sum(axis=param_axes).reshape(weight.shape)
        if ctx.has_bias:
            d_bias = g.sum(axis=param_axes).reshape(-1 if weight is None else weight.shape)
        g_hat = g * weight.reshape(shape) if weight is not None else g
        if ctx.batch_stats:
            dx = inv_std * (
                g_hat
                - g_hat.mean(axis=axes, keepdims=True)
                - x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True)
            )
        else:  # fixed statistics: a plain affine map of x
            dx = g_hat * inv_std
        return dx.astype(g.dtype, copy=False), d_weight, d_bias, *(None,) * 7


class LayerNormalize(Normalize, name="NativeLayerNormBackward0"):
    """Layer norm: the same arithmetic over each sample's last dims."""


def batch_norm(x: Any, weight: Any, bias: Any, eps: float, stats: Any) -> tuple[Any, Any]:
    """Batch norm of (N, C, …) ``x`` over all dims but C: the output, and the batch's
    (mean, biased variance), each of shape (C,) (``stats`` given: those are used instead,
    and None is returned for them)."""
    array = x._array
    axes = tuple(i for i in range(array.ndim) if i != 1)
    shape = (1, -1) + (1,) * (array.ndim - 2)
    if stats is None:
        mean = array.mean(axis=axes, keepdims=True)
        var = ((array - mean) ** 2).mean(axis=axes, keepdims=True)
    else:
        mean, var = (np.asarray(s).reshape(shape) for s in stats)
    out = Normalize.apply(x, weight, bias, axes, axes, eps, shape, mean, var, stats is None)
    return out, (None if stats is not None else (mean.reshape(-1), var.reshape(-1)))


def layer_norm(x: Any, dims: int, weight: Any, bias: Any, eps: float) -> Any:
    """Layer norm of ``x`` over its last ``dims`` dims."""
    array = x._array
    axes = tuple(range(array.ndim - dims, array.ndim))
    leading = tuple(range(array.ndim - dims))
    mean = array.mean(axis=axes, keepdims=True)
    var = ((array - mean) ** 2).mean(axis=axes, keepdims=True)
    shape = array.shape[array.ndim - dims :]
    return LayerNormalize.apply(x, weight, bias, axes, leading, eps, shape, mean, var, True)
