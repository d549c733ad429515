"""Arithmetic: + − × ÷ **, products (matmul, mm, bmm, dot, outer), and the pointwise
choices (max, min, where, masked_fill).

Every op is a ``Function`` on numpy arrays: ``forward`` computes the result, ``backward``
maps the gradient ``g`` of the result onto each input.  Broadcast inputs get their
gradient summed back to their own shape (``unbroadcast``).

A Python number beside a tensor becomes a constant array of the tensor's dtype
(``operands``), so ``x * 2`` is the same ``MulBackward0`` node as ``x * y``, with no
gradient edge for the 2 (as PyTorch shows it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arrays import default_float, promote, scalar_operand, to_array, unbroadcast
from ..autograd import Function
from ..autograd.graph import tensor_type

__all__ = [
    "add",
    "bmm",
    "div",
    "dot",
    "floor_divide",
    "masked_fill",
    "matmul",
    "maximum",
    "minimum",
    "mm",
    "mul",
    "neg",
    "operands",
    "outer",
    "overwrite",
    "pow",
    "remainder",
    "sub",
    "where",
]


def operands(input: Any, other: Any) -> tuple[Any, Any]:
    """``input`` and ``other`` as Tensors or constant arrays: a number takes the dtype of
    the tensor beside it."""
    tensor = tensor_type.cls
    if not isinstance(other, tensor):
        other = scalar_operand(input._array.dtype, other)
    elif not isinstance(input, tensor):
        input = scalar_operand(other._array.dtype, input)
    return input, other


class Add(Function, arrays=True, name="AddBackward0"):
    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = x.shape, y.shape
        x, y = promote(x, y, "add")
        return x + y

    @staticmethod
    def backward(ctx, g):
        x_shape, y_shape = ctx.shapes
        return unbroadcast(g, x_shape), unbroadcast(g, y_shape)


class Sub(Function, arrays=True, name="SubBackward0"):
    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = x.shape, y.shape
        x, y = promote(x, y, "sub")
        return x - y

    @staticmethod
    def backward(ctx, g):
        x_shape, y_shape = ctx.shapes
        return unbroadcast(g, x_shape), unbroadcast(-g, y_shape)


class Mul(Function, arrays=True, name="MulBackward0"):
    """x · y; d/dx = y, d/dy = x."""

    @staticmethod
    def forward(ctx, x, y):
        x, y = promote(x, y, "mul")
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        dx, dy = ctx.needs_input_grad
        return (
            unbroadcast(g * y, x.shape) if dx else None,
            unbroadcast(g * x, y.shape) if dy else None,
        )


class Div(Function, arrays=True, name="DivBackward0"):
    """x / y (integers divide to the default float); d/dx = 1/y, d/dy = −x/y² = −out/y."""

    @staticmethod
    def forward(ctx, x, y):
        shapes = x.shape, y.shape
        x, y = promote(x, y, "div")
        if x.dtype.kind != "f":  # true division of integers gives the default float
            x, y = x.astype(default_float()), y.astype(default_float())
        out = x / y
        ctx.shapes = shapes
        ctx.save_for_backward(y, out)
        return out

    @staticmethod
    def backward(ctx, g):
        y, out = ctx.saved_tensors
        x_shape, y_shape = ctx.shapes
        dx, dy = ctx.needs_input_grad
        return (
            unbroadcast(g / y, x_shape) if dx else None,
            unbroadcast(-g * out / y, y_shape) if dy else None,
        )


def _pow_grad_base(g: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g · y·x^(y−1); x**0 is constant, so its derivative is 0 even where x**−1 is not."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * np.where(y == 0, 0, y * x ** (y - 1))


def _pow_grad_exponent(g: np.ndarray, x: np.ndarray, out: np.ndarray, y: np.ndarray):
    """g · x^y·log(x), taken as 0 where x == 0 and y >= 0 (PyTorch)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * np.where((x == 0) & (y >= 0), 0, out * np.log(x))


def _pow_operands(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = promote(x, y, "pow")
    if x.dtype.kind == "b" and y.dtype.kind == "b":
        raise TypeError("pow: both operands are bool; convert one to a number type first")
    return x, y


class Remainder(Function, arrays=True, name="RemainderBackward1"):
    """x mod y with the sign of y (Python's ``%``, PyTorch's ``remainder``): x − y·⌊x/y⌋;
    d/dx = 1, d/dy = −⌊x/y⌋."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = x.shape, y.shape
        x, y = promote(x, y, "remainder")
        ctx.save_for_backward(x, y)
        return np.remainder(x, y)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        x_shape, y_shape = ctx.shapes
        return unbroadcast(g, x_shape), unbroadcast(-g * np.floor(x / y), y_shape)


class RemainderScalar(Remainder, name="RemainderBackward0"):
    """x mod a number (PyTorch's node name for it)."""


class Pow(Function, arrays=True, name="PowBackward0"):
    """x ** c for a number c; d/dx = c·x^(c−1)."""

    @staticmethod
    def forward(ctx, x, exponent):
        x, y = _pow_operands(x, scalar_operand(x.dtype, exponent))
        ctx.save_for_backward(x, y)
        return x**y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return _pow_grad_base(g, x, y), None


class PowTensor(Function, arrays=True, name="PowBackward1"):
    """x ** y for tensors; d/dx = y·x^(y−1), d/dy = x^y·log(x)."""

    @staticmethod
    def forward(ctx, x, y):
        shapes = x.shape, y.shape
        x, y = _pow_operands(x, y)
        out = x**y
        ctx.shapes = shapes
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y, out = ctx.saved_tensors
        x_shape, y_shape = ctx.shapes
        dx, dy = ctx.needs_input_grad
        return (
            unbroadcast(_pow_grad_base(g, x, y), x_shape) if dx else None,
            unbroadcast(_pow_grad_exponent(g, x, out, y), y_shape) if dy else None,
        )


class RPow(Function, arrays=True, name="PowBackward2"):
    """c ** y for a number c; d/dy = c^y·log(c)."""

    @staticmethod
    def forward(ctx, base, y):
        x, y = _pow_operands(scalar_operand(y.dtype, base), y)
        out = x**y
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y, out = ctx.saved_tensors
        return None, unbroadcast(_pow_grad_exponent(g, x, out, y), y.shape)


class Neg(Function, arrays=True, name="NegBackward0"):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return (-g,)


def _matmul_check(x: np.ndarray, y: np.ndarray) -> None:
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"matmul: both arguments need at least 1 dimension, got shapes {x.shape} and {y.shape}"
        )
    inner = y.shape[0 if y.ndim == 1 else -2]
    if x.shape[-1] != inner:
        raise ValueError(
            f"matmul: shapes {x.shape} and {y.shape} cannot be multiplied "
            f"({x.shape[-1]} != {inner})"
        )
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: the batch dims of shapes {x.shape} and {y.shape} do not broadcast"
        ) from None


class MatMul(Function, arrays=True, name="MmBackward0"):
    """Matrix product with numpy's rules: 1-D operands are promoted, batch dims broadcast.
    d/dx = g yᵀ, d/dy = xᵀ g (summed over broadcast batch dims)."""

    @staticmethod
    def forward(ctx, x, y):
        _matmul_check(x, y)
        x, y = promote(x, y, "matmul", elementwise=False)
        ctx.save_for_backward(x, y)
        return x @ y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        x2 = x if x.ndim > 1 else x[None, :]
        y2 = y if y.ndim > 1 else y[:, None]
        if y.ndim == 1:  # restore the dims numpy dropped: y's column first, then x's row
            g = np.expand_dims(g, -1)
        if x.ndim == 1:
            g = np.expand_dims(g, -2)
        dx, dy = ctx.needs_input_grad
        return (
            unbroadcast(g @ np.swapaxes(y2, -1, -2), x2.shape).reshape(x.shape) if dx else None,
            unbroadcast(np.swapaxes(x2, -1, -2) @ g, y2.shape).reshape(y.shape) if dy else None,
        )


class Bmm(Function, arrays=True, name="BmmBackward0"):
    """A batch of matrix products x[b] @ y[b]; d/dx = g yᵀ, d/dy = xᵀ g (per batch)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x @ y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        dx, dy = ctx.needs_input_grad
        return (
            g @ np.swapaxes(y, -1, -2) if dx else None,
            np.swapaxes(x, -1, -2) @ g if dy else None,
        )


class Dot(Function, arrays=True, name="DotBackward0"):
    """Σ x_i y_i of two vectors; d/dx = g y, d/dy = g x."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.asarray(np.dot(x, y))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        dx, dy = ctx.needs_input_grad
        return (g * y if dx else None, g * x if dy else None)


class _Pick(Function, arrays=True):
    """maximum/minimum: the gradient goes to the winner (the value the output took: also
    a NaN, which numpy and PyTorch propagate), split in half on ties."""

    choose: Any = None  # np.maximum / np.minimum
    wins: Any = None  # np.greater / np.less

    @classmethod
    def forward(cls, ctx, x, y):  # type: ignore[override]
        shapes = x.shape, y.shape
        x, y = promote(x, y, cls.choose.__name__)
        out = cls.choose(x, y)
        x_is_out = cls.wins(x, y) | (np.isnan(x) if x.dtype.kind == "f" else False)
        ctx.shapes = shapes
        ctx.save_for_backward(np.where(x == y, 0.5, x_is_out).astype(out.dtype, copy=False))
        return out

    @staticmethod
    def backward(ctx, g):
        (share_x,) = ctx.saved_tensors
        x_shape, y_shape = ctx.shapes
        return unbroadcast(g * share_x, x_shape), unbroadcast(g * (1 - share_x), y_shape)


class Maximum(_Pick, name="MaximumBackward0"):
    choose, wins = np.maximum, np.greater


class Minimum(_Pick, name="MinimumBackward0"):
    choose, wins = np.minimum, np.less


class Where(Function, arrays=True, name="WhereBackward0"):
    """``x`` where ``condition`` holds, else ``y``; each gets the gradient of its picks (the
    condition, a keyword, is no input of the graph)."""

    @staticmethod
    def forward(ctx, x, y, *, condition):
        ctx.shapes = x.shape, y.shape
        ctx.save_for_backward(condition)
        return np.where(condition, *promote(x, y, "where"))

    @staticmethod
    def backward(ctx, g):
        (condition,) = ctx.saved_tensors
        x_shape, y_shape = ctx.shapes
        return unbroadcast(g * condition, x_shape), unbroadcast(g * ~condition, y_shape)


class Copy(Function, arrays=True, name="CopyBackwards"):
    """``value`` broadcast to the shape and dtype of ``x``: the recorded form of ``copy_``
    (``fill_`` and ``zero_`` below).  ``x`` gets a zero gradient, ``value`` all of it."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_meta = np.shape(value), np.asarray(value).dtype
        return np.broadcast_to(value, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        shape, dtype = ctx.value_meta
        return np.zeros_like(g), unbroadcast(g, shape).astype(dtype, copy=False)


class Fill(Copy, name="FillBackward2"):
    """``fill_(value)`` recorded (PyTorch's node for a number; ``FillBackward3`` there for a
    0-d tensor)."""


class Zero(Copy, name="ZeroBackward0"):
    """``zero_()`` recorded."""


class MaskedFill(Function, arrays=True, name="MaskedFillBackward0"):
    """x with ``value`` (a number) where ``mask`` holds; the gradient passes elsewhere."""

    @staticmethod
    def forward(ctx, x, *, mask, value):
        ctx.shape = x.shape
        ctx.save_for_backward(mask)
        return np.where(mask, value, x)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return (unbroadcast(np.where(mask, 0, g), ctx.shape),)


class MaskedFillTensor(Function, arrays=True, name="MaskedFillBackward1"):
    """x with a 0-d tensor ``value`` where ``mask`` holds; the value's gradient is the sum
    of g over the filled places."""

    @staticmethod
    def forward(ctx, x, value, *, mask):
        ctx.shape, ctx.value_dtype = x.shape, value.dtype
        ctx.save_for_backward(mask)
        return np.where(mask, value.astype(x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        dx, dvalue = ctx.needs_input_grad
        return (
            unbroadcast(np.where(mask, 0, g), ctx.shape) if dx else None,
            np.asarray(np.where(mask, g, 0).sum(), ctx.value_dtype) if dvalue else None,
        )


# ---------------------------------------------------------------------- functional forms
def add(input: Any, other: Any) -> Any:
    """input + other, broadcasting; the gradient is summed back over broadcast axes."""
    return Add.apply(*operands(input, other))


def sub(input: Any, other: Any) -> Any:
    """input − other, broadcasting."""
    return Sub.apply(*operands(input, other))


def mul(input: Any, other: Any) -> Any:
    """input · other elementwise, broadcasting; d/dinput = other, d/dother = input."""
    return Mul.apply(*operands(input, other))


def div(input: Any, other: Any) -> Any:
    """input / other elementwise (integers divide to the default float dtype)."""
    return Div.apply(*operands(input, other))


def remainder(input: Any, other: Any) -> Any:
    """input mod other with the sign of other (``%``); d/dinput = 1, d/dother = −⌊x/y⌋."""
    tensor = tensor_type.cls
    scalar = not isinstance(other, tensor)
    return (RemainderScalar if scalar else Remainder).apply(*operands(input, other))


def floor_divide(input: Any, other: Any) -> Any:
    """⌊input / other⌋ elementwise (``//``), in the operands' promoted dtype; no gradient
    (PyTorch records a node whose backward is not implemented)."""
    tensor = tensor_type.cls
    x, y = operands(input, other)
    x, y = (v._array if isinstance(v, tensor) else v for v in (x, y))
    return tensor_type.wrap(np.asarray(np.floor_divide(*promote(x, y, "floor_divide"))))


def pow(input: Any, exponent: Any) -> Any:
    """input ** exponent; d/dinput = exponent·input^(exponent−1), and for a tensor
    exponent d/dexponent = input^exponent·log(input)."""
    tensor = tensor_type.cls
    if not isinstance(input, tensor):
        return RPow.apply(input, exponent)
    if isinstance(exponent, bool | int | float):
        return Pow.apply(input, exponent)
    return PowTensor.apply(*operands(input, exponent))


def neg(input: Any) -> Any:
    """−input."""
    return Neg.apply(input)


def matmul(input: Any, other: Any) -> Any:
    """Matrix product with numpy's rules: 1-D operands are promoted, batch dims broadcast."""
    return MatMul.apply(*operands(input, other))


def mm(input: Any, mat2: Any) -> Any:
    """The product of two matrices (both 2-d; ``matmul`` also takes vectors and batches)."""
    for name, t in (("input", input), ("mat2", mat2)):
        if not isinstance(t, tensor_type.cls) or t.ndim != 2:
            shape = t.shape if isinstance(t, tensor_type.cls) else type(t).__name__
            raise ValueError(f"mm: {name} must be a 2-d Tensor, got {shape}")
    return MatMul.apply(input, mat2)


def bmm(input: Any, mat2: Any) -> Any:
    """Batched matrix product of (b, n, m) and (b, m, p) tensors of one dtype: (b, n, p)."""
    for name, t in (("input", input), ("mat2", mat2)):
        if not isinstance(t, tensor_type.cls) or t.ndim != 3:
            shape = t.shape if isinstance(t, tensor_type.cls) else type(t).__name__
            raise ValueError(f"bmm: {name} must be a 3-d Tensor, got {shape}")
    (b, _, m), (b2, m2, _) = input.shape, mat2.shape
    if b != b2 or m != m2:
        raise ValueError(
            f"bmm: shapes {input.shape} and {mat2.shape} do not fit: need (b, n, m) and (b, m, p)"
        )
    _same_dtype("bmm", input, mat2)
    return Bmm.apply(input, mat2)


def dot(input: Any, tensor: Any) -> Any:
    """Σ input_i · tensor_i of two 1-d tensors of one dtype and length (a 0-d result)."""
    for name, t in (("input", input), ("tensor", tensor)):
        if not isinstance(t, tensor_type.cls):
            raise TypeError(f"dot: argument '{name}' must be a Tensor, not {type(t).__name__}")
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(
            f"dot: 1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors "
            f"(shapes {input.shape} and {tensor.shape})"
        )
    if input.shape != tensor.shape:
        raise RuntimeError(f"dot: the vectors differ in length: {input.shape} and {tensor.shape}")
    _same_dtype("dot", input, tensor)
    return Dot.apply(input, tensor)


def outer(input: Any, vec2: Any) -> Any:
    """The outer product input_i · vec2_j of two 1-d tensors (as PyTorch, a MulBackward0 of
    input as a column and vec2)."""
    for name, t in (("input", input), ("vec2", vec2)):
        if not isinstance(t, tensor_type.cls) or t.ndim != 1:
            shape = t.shape if isinstance(t, tensor_type.cls) else type(t).__name__
            raise ValueError(f"outer: {name} must be a 1-d Tensor, got {shape}")
    return mul(input.reshape(input.shape[0], 1), vec2)


def _same_dtype(op: str, x: Any, y: Any) -> None:
    if x.dtype != y.dtype:
        raise TypeError(f"{op}: both tensors must have one dtype, got {x.dtype} and {y.dtype}")


def masked_fill(input: Any, mask: Any, value: Any) -> Any:
    """``input`` with ``value`` (a number, or a 0-d tensor) where the bool ``mask`` holds
    (broadcast together); the gradient of input passes where the mask does not hold."""
    tensor = tensor_type.cls
    cond = mask._array if isinstance(mask, tensor) else mask
    if not isinstance(cond, np.ndarray) or cond.dtype != np.bool_:
        what = f"dtype {cond.dtype}" if isinstance(cond, np.ndarray) else type(mask).__name__
        raise TypeError(f"masked_fill: mask must be a bool Tensor, got {what}")
    try:
        np.broadcast_shapes(input.shape, cond.shape)
    except ValueError:
        raise ValueError(
            f"masked_fill: mask shape {cond.shape} does not broadcast with input shape "
            f"{input.shape}"
        ) from None
    if isinstance(value, tensor):
        if value.ndim != 0:
            raise ValueError(f"masked_fill: a tensor value must be 0-d, got shape {value.shape}")
        return MaskedFillTensor.apply(input, value, mask=cond)
    return MaskedFill.apply(input, mask=cond, value=_fill_value(input.dtype, value))


def _fill_value(dtype: np.dtype, value: Any) -> np.ndarray:
    """A number as a 0-d array of ``dtype`` (a float into an integer dtype truncates, as
    PyTorch); one the dtype cannot hold is a ValueError."""
    if isinstance(value, np.ndarray | np.generic) and value.size == 1:
        value = value.item()
    if not isinstance(value, bool | int | float):
        raise TypeError(f"masked_fill: value must be a number or a 0-d Tensor, got {value!r}")
    if dtype.kind == "b":
        return np.asarray(bool(value))
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not (np.isfinite(value) and info.min <= int(value) <= info.max):
            raise ValueError(f"masked_fill: value {value!r} does not fit in dtype {dtype}")
        return np.asarray(int(value), dtype)
    with np.errstate(over="ignore"):
        out = np.asarray(value, dtype)
    if np.isinf(out) and np.isfinite(value):
        raise ValueError(f"masked_fill: value {value!r} does not fit in dtype {dtype}")
    return out


def maximum(input: Any, other: Any) -> Any:
    """Elementwise max; where both are equal each input gets half the gradient."""
    _require_tensor("maximum", input)
    return Maximum.apply(*operands(input, other))


def minimum(input: Any, other: Any) -> Any:
    """Elementwise min; where both are equal each input gets half the gradient."""
    _require_tensor("minimum", input)
    return Minimum.apply(*operands(input, other))


def where(condition: Any, input: Any, other: Any) -> Any:
    """``input`` where ``condition`` holds, else ``other``; each gets the gradient of its picks."""
    tensor = tensor_type.cls
    cond = np.asarray(condition._array if isinstance(condition, tensor) else condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be bool, got dtype {cond.dtype}")
    if not isinstance(input, tensor) and not isinstance(other, tensor):
        input = tensor_type.wrap(to_array(input))
    return Where.apply(*operands(input, other), condition=cond)


def overwrite(input: Any, value: Any, op: str) -> Any:
    """``input`` overwritten by ``value`` (``op``: "copy_", "fill_" or "zero_"), as a graph
    op: what Tensor's in-place ``copy_``/``fill_``/``zero_`` record in grad mode."""
    kind = {"copy_": Copy, "fill_": Fill, "zero_": Zero}[op]
    if not isinstance(value, tensor_type.cls):
        value = np.asarray(value, dtype=input._array.dtype)
    return kind.apply(input, value)


def _require_tensor(op: str, value: Any) -> None:
    if not isinstance(value, tensor_type.cls):
        raise TypeError(f"{op}: input must be a Tensor, got {type(value).__name__}")
