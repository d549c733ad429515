"""Movement: ops that rearrange elements without computing new values.

reshape/view, squeeze/unsqueeze/flatten, transpose/permute/t/T, expand, repeat, indexing,
gather/scatter_add, cat/stack and split/chunk; and ``Size``, the shape as ``size()`` gives
it.  Most return views of the input's memory (they share its version counter, so an
in-place change through either is seen by both).  Each backward moves the gradient back
to where its element came from: reshape it back, transpose it back, sum it over an
expanded or repeated dim, scatter it into the indexed places, split it into pieces or
join the pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..arrays import normalize_dims, unbroadcast
from ..autograd import Function
from ..autograd.graph import tensor_type

__all__ = [
    "Size",
    "cat",
    "chunk",
    "expand",
    "expand_as",
    "flatten",
    "gather",
    "getitem",
    "permute",
    "repeat",
    "reshape",
    "scatter_add",
    "setitem",
    "split",
    "squeeze",
    "stack",
    "t",
    "transpose",
    "tril",
    "triu",
    "unbind",
    "unsqueeze",
    "view_as",
]


class Size(tuple):
    """A tensor's shape as ``size()`` returns it: a tuple of ints that prints as PyTorch's
    ``torch.Size([2, 3])``; slicing, ``+`` and ``*`` keep it a Size."""

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> Size:
        sizes = tuple(sizes)
        for i, n in enumerate(sizes):
            if isinstance(n, bool) or not isinstance(n, int | np.integer):
                raise TypeError(
                    f"Size() takes an iterable of ints (item {i} is {type(n).__name__} {n!r})"
                )
        return super().__new__(cls, (int(n) for n in sizes))

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, times: Any) -> Size:
        return Size(tuple(self) * times)

    __rmul__ = __mul__

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        return int(np.prod(self, dtype=np.int64))


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


class Repeat(Function, arrays=True, name="RepeatBackward0"):
    """The tensor tiled ``repeats`` times along each dim (new leading dims first); backward
    sums the gradient over the copies."""

    @staticmethod
    def forward(ctx, x, repeats):
        lead = len(repeats) - x.ndim
        shape = (1,) * lead + x.shape
        ctx.tiles = x.shape, repeats, shape
        return np.tile(x.reshape(shape), repeats)

    @staticmethod
    def backward(ctx, g):
        x_shape, repeats, shape = ctx.tiles
        # split each dim of g into (copy, element) and sum over the copies
        g = g.reshape([n for pair in zip(repeats, shape, strict=True) for n in pair])
        return g.sum(axis=tuple(range(0, g.ndim, 2))).reshape(x_shape), None


def _along(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """The numpy index of the elements ``gather`` reads (``scatter_add`` writes): at each
    position of ``index``, ``index[pos]`` along ``dim`` and ``pos`` along the other dims
    (a 0-d index as a 1-d one)."""
    index = index.reshape(index.shape or (1,))
    grids = list(np.ogrid[tuple(slice(n) for n in index.shape)])  # type: ignore[var-annotated]
    grids[dim] = index
    return tuple(grids)


class Gather(Function, arrays=True, name="GatherBackward0"):
    """out[i][j] = x[i][index[i][j]] (for dim 1); backward adds each gradient into the
    element it was read from (repeated indices add up)."""

    @staticmethod
    def forward(ctx, x, *, dim, index):
        ctx.source = x.shape, x.dtype, dim
        ctx.save_for_backward(index)
        out = x.reshape(x.shape or (1,))[_along(index, dim)]
        return out if index.ndim else out.reshape(())

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        shape, dtype, dim = ctx.source
        full = np.zeros(shape or (1,), dtype)
        np.add.at(full, _along(index, dim), g.reshape(index.shape or (1,)))
        return (full.reshape(shape),)


class ScatterAdd(Function, arrays=True, name="ScatterAddBackward0"):
    """A copy of x with src[i][j] added at x[i][index[i][j]] (for dim 1); the gradient of x
    passes through, src's is read back from where each element went."""

    @staticmethod
    def forward(ctx, x, src, *, dim, index):
        out = x.reshape(x.shape or (1,)).copy()
        used = src.reshape(src.shape or (1,))[tuple(slice(n) for n in index.shape or (1,))]
        np.add.at(out, _along(index, dim), used)
        ctx.source = src.shape, dim
        ctx.save_for_backward(index)
        return out if x.ndim else out.reshape(())

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        src_shape, dim = ctx.source
        g_src = None
        if ctx.needs_input_grad[1]:
            # src elements beyond index's shape were not used: their gradient is 0
            g_src = np.zeros(src_shape or (1,), g.dtype)
            picked = g.reshape(g.shape or (1,))[_along(index, dim)]
            g_src[tuple(slice(n) for n in index.shape or (1,))] = picked
            g_src = g_src.reshape(src_shape)
        return g, g_src


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


class IndexPut(Function, arrays=True, name="IndexPutBackward0"):
    """``x[index] = value`` as a graph op (the recorded form of ``__setitem__``): a copy
    of ``x`` with ``value`` written at ``index``.  ``x`` gets the gradient everywhere
    except there; ``value`` gets what arrives there, summed back to its own shape."""

    @staticmethod
    def forward(ctx, x, value, index):
        out = x.copy()
        out[index] = value
        ctx.save_for_backward(index)
        ctx.value_meta = np.shape(value), np.asarray(value).dtype
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        shape, dtype = ctx.value_meta
        g_value = np.broadcast_to(g[index], np.broadcast_shapes(g[index].shape, shape))
        g_value = unbroadcast(np.array(g_value), shape).astype(dtype, copy=False)
        g_x = g.copy()
        g_x[index] = 0
        return g_x, g_value, None


class CopySlices(IndexPut, name="CopySlices"):
    """``x[index] = value`` by ints and slices (PyTorch's node name for it)."""


class Tril(Function, arrays=True, name="TrilBackward0"):
    """The lower triangle of the last two dims (on and below ``diagonal``), zeros above;
    the gradient keeps the same triangle.  ``part`` is ``np.tril`` (``np.triu`` for Triu)."""

    @staticmethod
    def forward(ctx, x, diagonal, part):
        ctx.diagonal, ctx.part = diagonal, part
        return part(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        return ctx.part(g, ctx.diagonal), None, None


class Triu(Tril, name="TriuBackward0"):
    """The upper triangle of the last two dims (on and above ``diagonal``), zeros below."""


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


class Split(Function, arrays=True, name="SplitBackward0"):
    """Pieces of ``sizes`` along ``dim`` (views); backward joins their gradients (zeros for
    pieces that were not used)."""

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        return tuple(np.split(x, np.cumsum(sizes[:-1], dtype=np.int64), axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        return np.concatenate(grads, axis=ctx.dim), None, None


class Unbind(Function, arrays=True, name="UnbindBackward0"):
    """The slices along ``dim`` (views), each without that dim; backward stacks their
    gradients back (one array, however many slices: a loop over the time steps of a
    sequence uses this rather than indexing step by step)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return tuple(np.moveaxis(x, dim, 0))

    @staticmethod
    def backward(ctx, *grads):
        return np.stack(grads, axis=ctx.dim), None


class SplitWithSizes(Split, name="SplitWithSizesBackward0"):
    """Pieces of the listed sizes (``split([2, 3])``)."""


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
        return index._array
    if isinstance(index, list):
        arr = np.asarray(index)
        return arr.astype(np.intp) if arr.size == 0 else arr  # [] is an empty integer index
    return index


def getitem(input: Any, index: Any) -> Any:
    """``input[index]`` with numpy's indexing; the node is named as PyTorch's for the kind
    of index (Select for integers, Slice for slices, Index for arrays and masks)."""
    idx = index_arg(index)
    parts = idx if isinstance(idx, tuple) else (idx,)
    if input._array.ndim == 0 and parts and all(isinstance(i, int | np.integer) for i in parts):
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
        )
    kind: type[Index] = Index
    basic = int | np.integer | slice | type(Ellipsis)
    if not _is_advanced(idx) and all(isinstance(i, basic) for i in parts):
        # PyTorch applies the index left to right; its node is the last op that did
        # something: a select for an int, a slice for a slice that is not all of the dim
        done = [i for i in parts if i is not Ellipsis and i != slice(None)]
        if done:
            kind = Slice if isinstance(done[-1], slice) else Select
        else:
            kind = Slice
    return kind.apply(input, idx)


def setitem(input: Any, index: Any, value: Any) -> Any:
    """``input`` with ``value`` written at ``index``, as a new tensor in the graph (Tensor's
    ``__setitem__`` records it so in grad mode); the node is named as PyTorch's."""
    idx = index_arg(index)
    if not isinstance(value, tensor_type.cls):
        value = np.asarray(value, dtype=input._array.dtype)
    kind: type[IndexPut] = IndexPut if _is_advanced(idx) else CopySlices
    return kind.apply(input, value, idx)


def tril(input: Any, diagonal: int = 0) -> Any:
    """The lower triangle of the last two dims; ``diagonal`` > 0 keeps more above."""
    _triangle_input("tril", input, diagonal)
    return Tril.apply(input, int(diagonal), np.tril)


def triu(input: Any, diagonal: int = 0) -> Any:
    """The upper triangle of the last two dims (``triu(ones(n, n), 1)``: a causal mask)."""
    _triangle_input("triu", input, diagonal)
    return Triu.apply(input, int(diagonal), np.triu)


def _triangle_input(op: str, input: Any, diagonal: Any) -> None:
    if input._array.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got {input.shape}")
    if isinstance(diagonal, bool) or not isinstance(diagonal, int | np.integer):
        raise TypeError(f"{op}: diagonal must be an int, got {type(diagonal).__name__}")


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


def unbind(input: Any, dim: int = 0) -> tuple[Any, ...]:
    """The slices of ``input`` along ``dim``, as a tuple of tensors without that dim."""
    (dim,) = normalize_dims(dim, input._array.ndim)  # type: ignore[misc]  # an int: a tuple
    return Unbind.apply(input, dim)


def split(tensor: Any, split_size_or_sections: int | Sequence[int], dim: int = 0) -> Any:
    """A tuple of views along ``dim``: pieces of ``split_size`` (the last may be smaller), or
    of the listed sizes (which must add up to the dim's size)."""
    d = _split_dim("split", tensor, dim)
    n = tensor.shape[d]
    arg = split_size_or_sections
    if isinstance(arg, int | np.integer) and not isinstance(arg, bool):
        size = int(arg)
        if size < 0 or (size == 0 and n != 0):
            raise ValueError(
                f"split: split_size must be positive (0 only for a dim of size 0), got {size} "
                f"for dim {dim} of size {n}"
            )
        count = max(-(-n // size), 1) if size else 1
        sizes = (size,) * (count - 1) + (n - size * (count - 1),)
        return Split.apply(tensor, sizes, d)
    sizes = tuple(arg)  # type: ignore[arg-type]  # not a bool: checked below
    if any(isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0 for s in sizes):
        raise ValueError(f"split: the sizes must be non-negative ints, got {list(sizes)}")
    if sum(sizes) != n:
        raise ValueError(
            f"split: the sizes {list(sizes)} add up to {sum(sizes)}, not to the size {n} of "
            f"dim {dim}"
        )
    return SplitWithSizes.apply(tensor, tuple(int(s) for s in sizes), d)


def chunk(input: Any, chunks: int, dim: int = 0) -> Any:
    """A tuple of at most ``chunks`` views of equal size along ``dim`` (the last may be
    smaller, and fewer come out when the size does not divide evenly, as PyTorch)."""
    if isinstance(chunks, bool) or not isinstance(chunks, int | np.integer) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    d = _split_dim("chunk", input, dim)
    n = input.shape[d]
    if n == 0:  # PyTorch: `chunks` empty pieces
        return SplitWithSizes.apply(input, (0,) * int(chunks), d)
    return split(input, -(-n // int(chunks)), d)


def _split_dim(op: str, input: Any, dim: int) -> int:
    if input.ndim == 0:
        raise ValueError(f"{op}: expects a tensor with at least 1 dimension, got a 0-d tensor")
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    return d


def repeat(input: Any, *sizes: int | Sequence[int]) -> Any:
    """The tensor tiled ``sizes[i]`` times along dim i (extra leading sizes add dims);
    backward sums the gradient over the copies."""
    repeats = _shape_from(sizes)
    if len(repeats) < input.ndim:
        raise ValueError(
            f"repeat: {len(repeats)} repeat count(s) {tuple(repeats)} for a tensor of shape "
            f"{input.shape}: give at least one per dim"
        )
    if any(isinstance(r, bool) or not isinstance(r, int | np.integer) or r < 0 for r in repeats):
        raise ValueError(f"repeat: the counts must be non-negative ints, got {tuple(repeats)}")
    return Repeat.apply(input, tuple(int(r) for r in repeats))


def view_as(input: Any, other: Any) -> Any:
    """``input`` viewed in the shape of ``other`` (``input.view(other.size())``)."""
    _require_tensor("view_as", "other", other)
    return reshape(input, other.shape)


def expand_as(input: Any, other: Any) -> Any:
    """``input`` broadcast to the shape of ``other`` (``input.expand(other.size())``)."""
    _require_tensor("expand_as", "other", other)
    return expand(input, other.shape)


def _require_tensor(op: str, name: str, value: Any) -> None:
    if not isinstance(value, tensor_type.cls):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")


def _index_tensor(op: str, input: Any, dim: int, index: Any) -> tuple[int, np.ndarray]:
    """(dim, index array) checked as PyTorch checks them for gather and scatter_add."""
    _require_tensor(op, "index", index)
    idx = index._array
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {idx.dtype}")
    if idx.ndim != input.ndim:
        raise ValueError(
            f"{op}: index must have as many dims as the input: index shape {idx.shape}, "
            f"input shape {input.shape}"
        )
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    shape = input.shape
    for i in range(idx.ndim):
        if i != d and idx.shape[i] > shape[i]:
            raise ValueError(
                f"{op}: index shape {idx.shape} is larger than the input's {shape} at dim "
                f"{i} (only dim {d} may be larger)"
            )
    size = shape[d] if shape else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"{op}: index {bad} is out of bounds for dim {d} with size {size}")
    return d, idx


def gather(input: Any, dim: int, index: Any) -> Any:
    """Values read along ``dim`` at ``index`` (out[i][j] = input[i][index[i][j]] for dim
    1); backward adds each gradient into the element it was read from."""
    d, idx = _index_tensor("gather", input, dim, index)
    return Gather.apply(input, dim=d, index=idx)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Any:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (out[i][index[i][j]]
    += src[i][j] for dim 1; repeated indices add up); out-of-place."""
    _require_tensor("scatter_add", "src", src)
    d, idx = _index_tensor("scatter_add", input, dim, index)
    if src.dtype != input.dtype:
        raise TypeError(
            f"scatter_add: src must have the input's dtype {input.dtype}, got {src.dtype}"
        )
    if src.ndim != idx.ndim or any(i > s for i, s in zip(idx.shape, src.shape, strict=True)):
        raise ValueError(
            f"scatter_add: index shape {idx.shape} must be no larger than src shape {src.shape}"
        )
    return ScatterAdd.apply(input, src, dim=d, index=idx)
