"""Movement: ops that rearrange elements without computing new values.

reshape/view, squeeze/unsqueeze/flatten, transpose/permute/t/T, expand, indexing,
cat and stack.  Most return views of the input's memory (they share its version
counter, so an in-place change through either is seen by both).  Each backward moves
the gradient back to where its element came from: reshape it back, transpose it back,
sum it over an expanded dim, scatter it into the indexed places, split it into pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..arrays import normalize_dims, unbroadcast
from ..autograd import Function
from ..autograd.graph import tensor_type

__all__ = [
    "cat",
    "expand",
    "flatten",
    "getitem",
    "permute",
    "reshape",
    "squeeze",
    "stack",
    "t",
    "transpose",
    "unsqueeze",
]


class View(Function, arrays=True, name="ViewBackward0"):
    """The same elements in a new shape (a view when numpy can make one)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"shape {shape} is invalid for a tensor of shape {x.shape} ({x.size} elements)"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Squeeze(View, name="SqueezeBackward0"):
    """Size-1 dims dropped (all of them)."""


class SqueezeDims(View, name="SqueezeBackward1"):
    """Size-1 dims dropped (those listed)."""


class Unsqueeze(View, name="UnsqueezeBackward0"):
    """A size-1 dim inserted."""


class Transpose(Function, arrays=True, name="TransposeBackward0"):
    """Two dims swapped (a view); backward swaps them back."""

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = dim0, dim1
        return np.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx, g):
        return np.swapaxes(g, *ctx.dims), None, None


class T(Function, arrays=True, name="TBackward0"):
    """The transpose of a matrix (``x.t()``, a view); backward transposes back."""

    @staticmethod
    def forward(ctx, x):
        return x.T

    @staticmethod
    def backward(ctx, g):
        return (g.T,)


class Permute(Function, arrays=True, name="PermuteBackward0"):
    """Dims reordered (a view); backward applies the inverse permutation."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.inverse = tuple(np.argsort(axes))
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse), None


class Expand(Function, arrays=True, name="ExpandBackward0"):
    """Broadcast to a bigger shape without copying; backward sums over the new dims."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"expand: cannot expand shape {x.shape} to {shape}") from None

    @staticmethod
    def backward(ctx, g):
        return unbroadcast(g, ctx.shape), None


class Index(Function, arrays=True, name="IndexBackward0"):
    """numpy indexing: ints, slices, None, Ellipsis, integer arrays, boolean masks.

    Backward scatters with ``np.add.at`` when the index may repeat an element, so every
    occurrence contributes its gradient.
    """

    @staticmethod
    def forward(ctx, x, index):
        ctx.source = x.shape, x.dtype
        ctx.save_for_backward(index)  # (an index may hold arrays: freed after backward)
        return np.asarray(x[index])

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        shape, dtype = ctx.source
        full = np.zeros(shape, dtype)
        if _is_advanced(index):
            np.add.at(full, index, g)
        else:
            full[index] += g
        return full, None


class Slice(Index, name="SliceBackward0"):
    """Basic indexing by slices."""


class Select(Index, name="SelectBackward0"):
    """Basic indexing by integers."""


class Cat(Function, arrays=True, name="CatBackward0"):
    """Tensors joined along an existing dim; backward splits the gradient into pieces."""

    @staticmethod
    def forward(ctx, *xs_and_dim):
        *xs, dim = xs_and_dim
        try:
            out = np.concatenate(_common_dtype(xs), axis=dim)
        except ValueError as e:
            shapes = [x.shape for x in xs]
            raise ValueError(f"cat: shapes {shapes} do not fit along dim {dim}: {e}") from None
        ctx.cuts = dim, np.cumsum([x.shape[dim] for x in xs])[:-1]
        return out

    @staticmethod
    def backward(ctx, g):
        dim, cuts = ctx.cuts
        return (*np.split(g, cuts, axis=dim), None)


class Stack(Function, arrays=True, name="StackBackward0"):
    """Equal-shaped tensors joined along a new dim; backward takes the slices apart."""

    @staticmethod
    def forward(ctx, *xs_and_dim):
        *xs, dim = xs_and_dim
        ctx.dim = dim
        return np.stack(_common_dtype(xs), axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (*np.moveaxis(g, ctx.dim, 0), None)


def _common_dtype(arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The arrays in one dtype: the widest float if any is float (PyTorch's rule)."""
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.result_type(*arrays)
    return [a if a.dtype == dtype else a.astype(dtype) for a in arrays]


def _is_advanced(index: Any) -> bool:
    return any(isinstance(i, np.ndarray) for i in (index if isinstance(index, tuple) else (index,)))


# ---------------------------------------------------------------------- functional forms
def _shape_from(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike, as PyTorch accepts both."""
    one = len(sizes) == 1 and not isinstance(sizes[0], int | np.integer)
    return tuple(sizes[0]) if one else sizes


def reshape(input: Any, *shape: int | Sequence[int]) -> Any:
    """The same data in a new shape (one size may be −1); a view when numpy can make one."""
    return _reshaped(View, input, _shape_from(shape))


def _reshaped(kind: type[View], input: Any, new: tuple[int, ...]) -> Any:
    if any(int(n) < -1 for n in new) or sum(int(n) == -1 for n in new) > 1:
        raise ValueError(f"shape {tuple(new)} is invalid: sizes must be >= -1, one -1 at most")
    return kind.apply(input, tuple(new))


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge dims ``start_dim..end_dim`` into one."""
    if input.ndim == 0:
        normalize_dims((start_dim, end_dim), 0)
        return reshape(input, 1)
    start, end = normalize_dims((start_dim, end_dim), input.ndim) or (0, 0)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = input.shape
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(input, (*shape[:start], merged, *shape[end + 1 :]))


def squeeze(input: Any, dim: int | Sequence[int] | None = None) -> Any:
    """Drop size-1 dims (all, or those in ``dim``; a listed dim of another size stays)."""
    dims = normalize_dims(dim, input.ndim)
    if input.ndim == 0:
        return _reshaped(Squeeze, input, ())
    keep = [n for i, n in enumerate(input.shape) if n != 1 or (dims is not None and i not in dims)]
    return _reshaped(Squeeze if dims is None else SqueezeDims, input, tuple(keep))


def unsqueeze(input: Any, dim: int) -> Any:
    """Insert a size-1 dim at ``dim`` (which may be ``-ndim-1 .. ndim``)."""
    d = (normalize_dims(dim, input.ndim + 1) or (0,))[0]
    shape = input.shape
    return _reshaped(Unsqueeze, input, (*shape[:d], 1, *shape[d:]))


def transpose(input: Any, dim0: int, dim1: int) -> Any:
    """Swap dims ``dim0`` and ``dim1`` (a view)."""
    if input.ndim == 0:  # PyTorch: 0 or -1 on a 0-d tensor is the identity
        normalize_dims((dim0, dim1), 0)
        return input
    d0, d1 = normalize_dims((dim0, dim1), input.ndim) or (0, 0)
    return Transpose.apply(input, d0, d1)


def t(input: Any) -> Any:
    """Transpose of a tensor with at most 2 dims."""
    if input.ndim > 2:
        raise ValueError(f"t() expects a tensor with <= 2 dimensions, got shape {input.shape}")
    return input if input.ndim < 2 else T.apply(input)


def permute(input: Any, *dims: int | Sequence[int]) -> Any:
    """Reorder the dims (a view); backward applies the inverse permutation."""
    order = _shape_from(dims)
    axes = normalize_dims(order, input.ndim) or ()
    if sorted(axes) != list(range(input.ndim)):
        raise ValueError(f"permute: {order} is not a permutation of the dims of {input.shape}")
    return Permute.apply(input, axes)


def reversed_dims(input: Any) -> Any:
    """All dims reversed (``x.T``, a view)."""
    return Permute.apply(input, tuple(reversed(range(input.ndim))))


def expand(input: Any, *sizes: int | Sequence[int]) -> Any:
    """Broadcast to ``sizes`` without copying (-1 keeps a dim); backward sums back."""
    target = _shape_from(sizes)
    lead = len(target) - input.ndim
    if lead < 0:
        raise ValueError(f"expand: cannot expand shape {input.shape} to {target}")
    shape = tuple(
        input.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(target)
    )
    return Expand.apply(input, shape)


def index_arg(index: Any) -> Any:
    """Tensors and lists inside an index become numpy arrays (integer or boolean)."""
    if isinstance(index, tuple):
        return tuple(index_arg(i) for i in index)
    if isinstance(index, tensor_type.cls):
        return index.data
    if isinstance(index, list):
        arr = np.asarray(index)
        return arr.astype(np.intp) if arr.size == 0 else arr  # [] is an empty integer index
    return index


def getitem(input: Any, index: Any) -> Any:
    """``input[index]`` with numpy's indexing; the node is named as PyTorch's for the kind
    of index (Select for integers, Slice for slices, Index for arrays and masks)."""
    idx = index_arg(index)
    parts = idx if isinstance(idx, tuple) else (idx,)
    if _is_advanced(idx):
        kind: type[Index] = Index
    elif all(isinstance(i, int | np.integer) for i in parts):
        kind = Select
    elif all(isinstance(i, slice) for i in parts):
        kind = Slice
    else:
        kind = Index
    return kind.apply(input, idx)


def _tensor_list(op: str, tensors: Any) -> list[Any]:
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, tensor_type.cls):
            raise TypeError(f"{op}: element {i} is a {type(t).__name__}, not a Tensor")
    return tensors


def cat(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Concatenate along an existing dim; backward splits the gradient back into pieces."""
    tensors = _tensor_list("cat", tensors)
    (d,) = normalize_dims(dim, tensors[0].ndim) or (0,)
    return Cat.apply(*tensors, d)


def stack(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Join equal-shaped tensors along a new dim."""
    tensors = _tensor_list("stack", tensors)
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    (d,) = normalize_dims(dim, tensors[0].ndim + 1) or (0,)
    return Stack.apply(*tensors, d)
