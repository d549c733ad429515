"""Reductions: sum, mean, max/min (over everything or along a dim), argmax/argmin.

A reduction's backward spreads the gradient back over the elements it reduced: ``sum``
copies it to each (broadcast), ``mean`` divides it by their count, ``max``/``min`` give
it to the element(s) that won.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..arrays import DEFAULT_FLOAT, normalize_dims
from ..autograd import Function
from ..autograd.graph import tensor_type

__all__ = ["MinMax", "argmax", "argmin", "max", "mean", "min", "sum"]


class MinMax(NamedTuple):
    """``max(dim)`` / ``min(dim)`` result, as PyTorch's ``torch.return_types``."""

    values: Any
    indices: Any


def _axes(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...] | None:
    axes = normalize_dims(dim, ndim, unique=True)
    return axes if ndim else None  # 0-d: dim 0/-1 is all there is


def _spread(g: np.ndarray, axes: tuple[int, ...] | None, keepdim: bool, shape) -> np.ndarray:
    """``g`` of a reduction's result broadcast back to the input's ``shape``."""
    if axes is not None and not keepdim:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class Sum(Function, arrays=True, name="SumBackward1"):
    """Σ over ``dim`` (an int, a tuple, or None for all); backward broadcasts g back."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        axes = _axes(dim, x.ndim)
        ctx.reduced = axes, keepdim, x.shape
        return np.asarray(x.sum(axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        axes, keepdim, shape = ctx.reduced
        return _spread(g, axes, keepdim, shape), None, None


class Mean(Function, arrays=True, name="MeanBackward1"):
    """Mean over ``dim``; backward spreads g/N back (integers average to float32)."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        axes = _axes(dim, x.ndim)
        ctx.reduced = axes, keepdim, x.shape
        ctx.count = x.size if axes is None else int(np.prod([x.shape[d] for d in axes]))
        out = np.asarray(x.mean(axis=axes, keepdims=keepdim))
        if x.dtype.kind != "f":  # integers average exactly in float64, then float32
            out = out.astype(DEFAULT_FLOAT)
        return out

    @staticmethod
    def backward(ctx, g):
        axes, keepdim, shape = ctx.reduced
        return _spread(g / ctx.count, axes, keepdim, shape), None, None


class SumAll(Sum, name="SumBackward0"):
    """Σ of every element (PyTorch names this node apart from the sum along dims)."""


class MeanAll(Mean, name="MeanBackward0"):
    """Mean of every element."""


class _Extreme(Function, arrays=True):
    """max/min over everything: ties share the gradient evenly (PyTorch's rule); a NaN
    is the result, and gets the gradient."""

    reduce: Any = None  # np.max / np.min

    @classmethod
    def forward(cls, ctx, x):  # type: ignore[override]
        out = np.asarray(cls.reduce(x))
        hits = (x == out) | (np.isnan(x) & np.isnan(out)) if x.dtype.kind == "f" else x == out
        ctx.save_for_backward(hits)
        return out

    @staticmethod
    def backward(ctx, g):
        (hits,) = ctx.saved_tensors
        return (g * hits / np.maximum(hits.sum(), 1),)


class MaxAll(_Extreme, name="MaxBackward1"):
    reduce = np.max


class MinAll(_Extreme, name="MinBackward1"):
    reduce = np.min


class _ExtremeAlong(Function, arrays=True):
    """max/min along a dim: (values, indices); the gradient goes to the chosen element."""

    choose: Any = None  # np.argmax / np.argmin

    @classmethod
    def forward(cls, ctx, x, dim, keepdim):  # type: ignore[override]
        idx = np.expand_dims(cls.choose(x, axis=dim), dim)
        values = np.take_along_axis(x, idx, axis=dim)
        indices = (idx if keepdim else idx.squeeze(dim)).astype(np.int64)
        if not keepdim:
            values = values.squeeze(dim)
        ctx.along = dim, keepdim, x.shape, x.dtype
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(indices)
        ctx.set_materialize_grads(False)
        return values, indices

    @staticmethod
    def backward(ctx, g, _g_indices):
        (idx,) = ctx.saved_tensors
        dim, keepdim, shape, dtype = ctx.along
        full = np.zeros(shape, dtype)
        np.put_along_axis(full, idx, g if keepdim else np.expand_dims(g, dim), axis=dim)
        return full, None, None


class MaxAlong(_ExtremeAlong, name="MaxBackward0"):
    choose = np.argmax


class MinAlong(_ExtremeAlong, name="MinBackward0"):
    choose = np.argmin


# ---------------------------------------------------------------------- functional forms
def sum(input: Any, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Any:
    """Sum over ``dim`` (an int, a tuple, or None for all); backward broadcasts g back."""
    return (SumAll if dim is None else Sum).apply(input, dim, keepdim)


def mean(input: Any, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Any:
    """Mean over ``dim`` (an int, a tuple, or None for all); backward spreads g/N back."""
    return (MeanAll if dim is None else Mean).apply(input, dim, keepdim)


def _extreme(input: Any, dim: int | None, keepdim: bool, everything: Any, along: Any) -> Any:
    if dim is None:
        return everything.apply(input)
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    if input.ndim == 0:  # PyTorch: the value itself, at index 0
        return MinMax(input.clone(), tensor_type.wrap(np.asarray(0, np.int64)))
    return MinMax(*along.apply(input, d, keepdim))


def max(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """Largest value: over everything (a Tensor), or along ``dim`` (values, indices)."""
    return _extreme(input, dim, keepdim, MaxAll, MaxAlong)


def min(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """Smallest value: over everything (a Tensor), or along ``dim`` (values, indices)."""
    return _extreme(input, dim, keepdim, MinAll, MinAlong)


def _arg(input: Any, dim: int | None, keepdim: bool, choose: Any) -> Any:
    if dim is None:
        return tensor_type.wrap(np.asarray(choose(input.data), dtype=np.int64))
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    axis = d if input.ndim else None
    return tensor_type.wrap(np.asarray(choose(input.data, axis=axis, keepdims=keepdim), np.int64))


def argmax(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """Index of the largest value (over everything, or along ``dim``); no gradient."""
    return _arg(input, dim, keepdim, np.argmax)


def argmin(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """Index of the smallest value (over everything, or along ``dim``); no gradient."""
    return _arg(input, dim, keepdim, np.argmin)
