"""Reductions: sum, mean, var/std, norm, prod, max/min (over everything or along a dim),
argmax/argmin, all/any; and along a dim: cumsum, sort, topk, argsort.

A reduction's backward spreads the gradient back over the elements it reduced: ``sum``
copies it to each (broadcast), ``mean`` divides it by their count, ``max``/``min`` give
it to the element(s) that won, ``prod`` multiplies it by the product of the others.
``sort``/``topk`` put each value's gradient back where the value came from.
"""

from __future__ import annotations

import builtins
import math
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..arrays import default_float, normalize_dims
from ..autograd import Function
from ..autograd.graph import tensor_type

__all__ = [
    "MinMax",
    "SortResult",
    "TopkResult",
    "all",
    "any",
    "argmax",
    "argmin",
    "argsort",
    "cumsum",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "sort",
    "std",
    "sum",
    "topk",
    "var",
]


class MinMax(NamedTuple):
    """``max(dim)`` / ``min(dim)`` result, as PyTorch's ``torch.return_types``."""

    values: Any
    indices: Any


class SortResult(NamedTuple):
    """``sort`` result (values, indices), as PyTorch's ``torch.return_types.sort``."""

    values: Any
    indices: Any


class TopkResult(NamedTuple):
    """``topk`` result (values, indices), as PyTorch's ``torch.return_types.topk``."""

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
            out = out.astype(default_float())
        return out

    @staticmethod
    def backward(ctx, g):
        axes, keepdim, shape = ctx.reduced
        return _spread(g / ctx.count, axes, keepdim, shape), None, None


class SumAll(Sum, name="SumBackward0"):
    """Σ of every element (PyTorch names this node apart from the sum along dims)."""


class MeanAll(Mean, name="MeanBackward0"):
    """Mean of every element."""


def _count(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    """How many elements a reduction over ``axes`` of ``shape`` takes together."""
    return math.prod(shape) if axes is None else math.prod(shape[d] for d in axes)


def _squeezed(out: np.ndarray, axes: tuple[int, ...] | None, keepdim: bool) -> np.ndarray:
    """A reduction's result computed with ``keepdims=True``, without them unless ``keepdim``."""
    if keepdim:
        return out
    return out.reshape(()) if axes is None else np.squeeze(out, axis=axes)


def _variance(ctx, x: np.ndarray, dim, correction: float, keepdim: bool):
    """(Σ(x − mean)²/(N − correction) over ``dim``, x − mean).  N − correction is clamped
    at 0 (as PyTorch): the result is then ∞, or NaN where every deviation is 0."""
    axes = _axes(dim, x.ndim)
    dev = x - x.mean(axis=axes, keepdims=True)
    dof = builtins.max(_count(x.shape, axes) - correction, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray((dev * dev).sum(axis=axes, keepdims=keepdim) / x.dtype.type(dof))
    ctx.reduced = axes, keepdim, x.shape, dof
    return out.astype(x.dtype, copy=False), dev


def _variance_grad(ctx, g: np.ndarray, dev: np.ndarray) -> np.ndarray:
    """g · 2(x − mean)/(N − correction), g spread back over the reduced elements."""
    axes, keepdim, shape, dof = ctx.reduced
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = dev.dtype.type(2) / dev.dtype.type(dof)
        return _spread(g, axes, keepdim, shape) * dev * scale


class Var(Function, arrays=True, name="VarBackward0"):
    """Σ(x − mean)²/(N − correction) over ``dim``; derivative 2(x − mean)/(N − correction)."""

    @staticmethod
    def forward(ctx, x, dim, correction, keepdim):
        out, dev = _variance(ctx, x, dim, correction, keepdim)
        ctx.save_for_backward(dev)
        return out

    @staticmethod
    def backward(ctx, g):
        (dev,) = ctx.saved_tensors
        return _variance_grad(ctx, g, dev), None, None, None


class Std(Function, arrays=True, name="StdBackward0"):
    """√var over ``dim``; derivative (x − mean)/((N − correction)·std), 0 where std is 0."""

    @staticmethod
    def forward(ctx, x, dim, correction, keepdim):
        var, dev = _variance(ctx, x, dim, correction, keepdim)
        out = np.sqrt(var)
        ctx.save_for_backward(dev, out)
        return out

    @staticmethod
    def backward(ctx, g):
        dev, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            g_var = np.where(out == 0, 0, g / (2 * out))
        return _variance_grad(ctx, g_var, dev), None, None, None


class Norm(Function, arrays=True, name="LinalgVectorNormBackward0"):
    """The vector p-norm (Σ|x|^p)^(1/p) over ``dim`` (p = ±∞: max/min |x|; p = 0: the count
    of non-zeros); derivative sign(x)·|x|^(p−1)/norm^(p−1), taken as 0 where norm is 0."""

    @staticmethod
    def forward(ctx, x, p, dim, keepdim):
        axes = _axes(dim, x.ndim)
        a = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                out = np.sqrt((x * x).sum(axis=axes, keepdims=True))
            elif p == math.inf:
                out = a.max(axis=axes, keepdims=True)
            elif p == -math.inf:
                out = a.min(axis=axes, keepdims=True)
            elif p == 0:
                out = (a != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
            elif p == 1:
                out = a.sum(axis=axes, keepdims=True)
            else:
                out = (a**p).sum(axis=axes, keepdims=True) ** (1 / p)
        out = np.asarray(out, x.dtype)
        ctx.reduced = axes, keepdim, p
        ctx.save_for_backward(x, out)
        return _squeezed(out, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axes, keepdim, p = ctx.reduced
        if p == 0:  # piecewise constant: PyTorch gives no gradient at all
            return None, None, None, None
        g = _spread(g, axes, keepdim, x.shape)
        a, sign = np.abs(x), np.sign(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 1:
                gx = sign * g
            elif p == 2:
                gx = x * np.where(out == 0, 0, g / out)
            elif math.isinf(p):  # the extreme element(s) share g (a NaN is the extreme)
                hits = (a == out) | np.isnan(a)
                gx = sign * g * hits / hits.sum(axis=axes, keepdims=True).astype(x.dtype)
            elif p < 1:
                gx = sign * np.where(x == 0, 0, a ** (p - 1)) * g * out ** (1 - p)
            elif p < 2:
                gx = sign * a ** (p - 1) * np.where(out == 0, 0, g / out ** (p - 1))
            else:
                gx = x * a ** (p - 2) * np.where(out == 0, 0, g / out ** (p - 1))
        return gx.astype(x.dtype, copy=False), None, None, None


def _product_dtype(x: np.ndarray) -> np.dtype:
    """Products and running sums of integers and bools are int64 (PyTorch's rule)."""
    return np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype


def _others_product(x: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the others along ``axis``, without dividing (exact
    where x has zeros): the product of those before it times that of those after it."""
    if x.shape[axis] == 0:
        return np.zeros_like(x)
    x = np.moveaxis(x, axis, -1)
    ones = np.ones((*x.shape[:-1], 1), x.dtype)
    before = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(before * after, -1, axis)


def _product_grad(x: np.ndarray, out: np.ndarray, axis: int) -> np.ndarray:
    """d prod / dx along ``axis`` (``out`` with the reduced dim kept): out/x when no element
    is 0, else the product of the others (PyTorch's two cases)."""
    if not (x == 0).any():
        return out / x
    return _others_product(x, axis)


class Prod(Function, arrays=True, name="ProdBackward0"):
    """Π of every element; derivative the product of the others."""

    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.prod(x, dtype=_product_dtype(x)))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return (g,)
        return (g * _product_grad(x.reshape(-1), out.reshape(1), 0).reshape(x.shape),)


class ProdAlong(Function, arrays=True, name="ProdBackward1"):
    """Π along ``dim``; derivative the product of the others in the same slice."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.along = None  # a 0-d tensor: its own product, the gradient passes through
        if x.ndim == 0:
            return x.astype(_product_dtype(x))
        out = np.prod(x, axis=dim, keepdims=True, dtype=_product_dtype(x))
        ctx.along = dim, keepdim
        ctx.save_for_backward(x, out)
        return out if keepdim else out.squeeze(dim)

    @staticmethod
    def backward(ctx, g):
        if ctx.along is None:
            return g, None, None
        x, out = ctx.saved_tensors
        dim, keepdim = ctx.along
        g = g if keepdim else np.expand_dims(g, dim)
        return g * _product_grad(x, out, dim), None, None


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


class Cumsum(Function, arrays=True, name="CumsumBackward0"):
    """Running sums along ``dim`` (integers sum in int64); derivative: the running sums of g
    taken from the other end."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            return x.astype(_product_dtype(x))
        return np.cumsum(x, axis=dim, dtype=_product_dtype(x))

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return g, None
        dim = ctx.dim
        return np.flip(np.cumsum(np.flip(g, dim), axis=dim), dim), None


def _order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Indices that sort ``x`` along ``axis``, stable both ways (equal values keep their
    order; NaN counts as the largest value, as in PyTorch)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # sort the reversed array ascending (stable), then read the result backwards: equal
    # values come out in their original order
    n = x.shape[axis]
    return np.flip(n - 1 - np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)


class _Selection(Function, arrays=True):
    """Values picked along a dim, and where they came from (indices, no gradient): the
    gradient of each value goes back to its place."""

    @staticmethod
    def pick(ctx, x, idx, dim):
        """(values, indices) of ``x`` (a 0-d one as 1-d) at ``idx`` along ``dim``."""
        values = np.take_along_axis(x.reshape(idx.shape) if x.ndim == 0 else x, idx, axis=dim)
        indices = idx.astype(np.int64, copy=False)
        if x.ndim == 0:
            values, indices = values.reshape(()), indices.reshape(())
        ctx.along = dim, x.shape
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(indices)
        ctx.set_materialize_grads(False)
        return values, indices

    @staticmethod
    def backward(ctx, g, _g_indices):
        (idx,) = ctx.saved_tensors
        dim, shape = ctx.along
        full = np.zeros(shape or (1,), g.dtype)
        np.put_along_axis(full, idx, g.reshape(idx.shape), axis=dim)
        return full.reshape(shape), None, None


class Sort(_Selection, name="SortBackward0"):
    """The values along ``dim`` in order (stable); each gradient goes back to its place."""

    @staticmethod
    def forward(ctx, x, dim, descending):
        return Sort.pick(ctx, x, _order(x.reshape(x.shape or (1,)), dim, descending), dim)


class Topk(_Selection, name="TopkBackward0"):
    """The ``k`` largest (or smallest) values along ``dim``, in order; each gradient goes
    back to its place."""

    @staticmethod
    def forward(ctx, x, k, dim, largest):
        idx = _order(x.reshape(x.shape or (1,)), dim, largest)
        return Topk.pick(ctx, x, idx[(slice(None),) * dim + (slice(0, k),)], dim)

    @staticmethod
    def backward(ctx, g, _g_indices):
        return (*_Selection.backward(ctx, g, _g_indices), None)


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
        return tensor_type.wrap(np.asarray(choose(input._array), dtype=np.int64))
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    axis = d if input.ndim else None
    return tensor_type.wrap(np.asarray(choose(input._array, axis=axis, keepdims=keepdim), np.int64))


def argmax(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """Index of the largest value (over everything, or along ``dim``); no gradient."""
    return _arg(input, dim, keepdim, np.argmax)


def argmin(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """Index of the smallest value (over everything, or along ``dim``); no gradient."""
    return _arg(input, dim, keepdim, np.argmin)


# ---------------------------------------------------------------------- var, std, norm, prod
def _correction(op: str, dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    """(dim, correction) from PyTorch's two signatures: ``(dim, unbiased, keepdim)`` and
    ``(dim, *, correction, keepdim)``; also ``var(False)``, a bool as the first argument."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{op}: got unbiased twice ({dim!r} and {unbiased!r})")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give unbiased={unbiased!r} or correction={correction!r}, not both")
    if correction is None:
        return dim, 0.0 if unbiased is False else 1.0
    if isinstance(correction, bool) or not isinstance(correction, int | float | np.number):
        raise TypeError(f"{op}: correction must be a number, got {correction!r}")
    return dim, float(correction)


def _spread_stat(op: str, kind: Any, input: Any, dim, unbiased, keepdim, correction) -> Any:
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: only floating tensors have a {op}, got dtype {input.dtype}")
    dim, c = _correction(op, dim, unbiased, correction)
    axes = normalize_dims(dim, input.ndim, unique=True)
    n = _count(input.shape, axes if input.ndim else None)
    if n - c <= 0:
        warnings.warn(
            f"{op}(): degrees of freedom is <= 0 ({n} element(s), correction {c:g}); "
            "the result is nan or inf (as PyTorch)",
            UserWarning,
            stacklevel=3,
        )
    return kind.apply(input, dim, c, keepdim)


def var(
    input: Any,
    dim: int | Sequence[int] | None = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Any:
    """Variance over ``dim`` (all by default) with Bessel's correction unless
    ``unbiased=False`` or ``correction=`` says otherwise; derivative 2(x − mean)/(N − c)."""
    return _spread_stat("var", Var, input, dim, unbiased, keepdim, correction)


def std(
    input: Any,
    dim: int | Sequence[int] | None = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Any:
    """Standard deviation √var over ``dim`` (same arguments as ``var``); derivative
    (x − mean)/((N − c)·std), 0 where std is 0."""
    return _spread_stat("std", Std, input, dim, unbiased, keepdim, correction)


def norm(
    input: Any,
    p: float | str = "fro",
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    dtype: Any = None,
) -> Any:
    """The vector p-norm over ``dim`` (all by default): p = 2 (``"fro"``, the default), any
    number, ``inf`` (max |x|), ``-inf`` (min |x|), 0 (the count of non-zeros)."""
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"norm: expected a floating tensor, got dtype {input.dtype}")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported (numbers, inf, -inf and 'fro' are)")
        dims = normalize_dims(dim, input.ndim)
        if dims is not None and len(dims) > 2:
            raise ValueError(f"norm: p='fro' takes at most 2 dims, got dim={dim!r}")
        p = 2
    elif isinstance(p, bool) or not isinstance(p, int | float | np.number):
        raise TypeError(f"norm: p must be a number or 'fro', got {p!r}")
    normalize_dims(dim, input.ndim, unique=True)
    return Norm.apply(input, float(p), dim, keepdim)


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Product of every element, or along ``dim`` (integers multiply in int64); derivative
    the product of the other elements (exact where some are 0)."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return Prod.apply(input)
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"prod: dim must be an int (one dim), got {dim!r}")
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    return ProdAlong.apply(input, d, keepdim)


# ---------------------------------------------------------------------- along a dim
def _one_dim(op: str, input: Any, dim: Any) -> int:
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    (d,) = normalize_dims(dim, input.ndim) or (0,)  # type: ignore[arg-type]  # an int or np.integer
    return d


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Any:
    """Running sums along ``dim`` (integers and bools sum in int64); backward takes the
    running sums of the gradient from the other end."""
    d = _one_dim("cumsum", input, dim)
    if dtype is not None:
        input = input.to(dtype)
    return Cumsum.apply(input, d)


def sort(input: Any, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
    """(values, indices) sorted along ``dim``; always stable (equal values keep their order,
    NaN counts as the largest); each value's gradient goes back to its place."""
    d = _one_dim("sort", input, dim)
    return SortResult(*Sort.apply(input, d, bool(descending)))


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """The indices that sort ``input`` along ``dim`` (stable; no gradient)."""
    d = _one_dim("argsort", input, dim)
    order = _order(input._array.reshape(input.shape or (1,)), d, bool(descending))
    return tensor_type.wrap(order.astype(np.int64, copy=False).reshape(input.shape))


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """(values, indices) of the ``k`` largest (``largest=False``: smallest) elements along
    ``dim``, in order; each value's gradient goes back to its place."""
    d = _one_dim("topk", input, dim)
    if not isinstance(k, int | np.integer) or isinstance(k, bool):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {size}")
    if input.ndim == 0:  # PyTorch: the value itself, at index 0, for k = 0 as for 1
        k = 1
    return TopkResult(*Topk.apply(input, int(k), d, bool(largest)))


# ---------------------------------------------------------------------- all / any
def _truth(input: Any, dim: Any, keepdim: bool, test: Any) -> Any:
    data = input._array
    out = np.asarray(test(data, axis=_axes(dim, data.ndim), keepdims=keepdim))
    return tensor_type.wrap(out.astype(np.uint8) if data.dtype == np.uint8 else out)


def all(input: Any, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Any:
    """Whether every element (over everything, or along ``dim``) is non-zero: a bool tensor
    (uint8 for uint8 input, as PyTorch); no gradient."""
    return _truth(input, dim, keepdim, np.all)


def any(input: Any, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Any:
    """Whether some element (over everything, or along ``dim``) is non-zero: a bool tensor
    (uint8 for uint8 input, as PyTorch); no gradient."""
    return _truth(input, dim, keepdim, np.any)
