"""PyTorch's rules, applied to numpy arrays: dtypes, promotion, broadcasting, dims.

- **dtypes**: float32 unless float64 data is given; a Python scalar never changes a
  tensor's dtype (``x * 2.0`` stays float32); a float operand's dtype wins over an integer
  one's (numpy would widen int64 + float32 to float64); a 0-d tensor does not widen one
  with dims.
- **broadcasting** has one rule for gradients: sum the upstream gradient over the axes
  numpy broadcast (``unbroadcast``).

Every op in ``ops/`` and the Tensor front use these; this module imports nothing of ours.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_FLOAT",
    "LEGACY_TYPES",
    "as_float",
    "default_float",
    "float32",
    "float64",
    "int32",
    "int64",
    "normalize_dims",
    "promote",
    "scalar_operand",
    "set_default_float",
    "to_array",
    "unbroadcast",
]

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
#: The dtype of Python floats and of float results of integer data when the program has
#: not changed it (PyTorch's default).  The current one is ``default_float()``.
DEFAULT_FLOAT = float32
_default_float = [DEFAULT_FLOAT]


def default_float() -> np.dtype:
    """The dtype new float tensors get: float32 unless ``set_default_float`` changed it."""
    return _default_float[0]


def set_default_float(dtype: Any) -> None:
    """Make ``dtype`` (float32 or float64) the dtype of new float tensors (PyTorch's
    ``set_default_dtype``); anything else is refused, as PyTorch refuses integer dtypes."""
    d = np.dtype(dtype)
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d


#: Legacy type names (``t.type()`` answers one; ``t.type("torch.DoubleTensor")`` takes one).
LEGACY_TYPES = {
    "torch.FloatTensor": float32,
    "torch.DoubleTensor": float64,
    "torch.LongTensor": int64,
    "torch.IntTensor": int32,
    "torch.BoolTensor": np.dtype(np.bool_),
    "torch.ByteTensor": np.dtype(np.uint8),
}


def to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """User data (numbers, nested lists, arrays; a Tensor's ``.data``) as a fresh array with
    PyTorch's dtype rules: Python floats become float32, arrays keep their dtype."""
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind not in "biuf":
            raise TypeError(f"cannot make a tensor of dtype {dtype}: only numbers and booleans")
        return np.array(data, dtype=dtype)
    arr = np.array(data)
    if isinstance(data, np.ndarray | np.generic):
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"cannot make a tensor from an array of dtype {arr.dtype}")
        return arr
    if arr.dtype == np.float64:  # Python floats -> the default float dtype
        return arr.astype(_default_float[0])
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"cannot make a tensor from {type(data).__name__} data (dtype {arr.dtype})")
    return arr


def scalar_operand(dtype: np.dtype, other: Any) -> np.ndarray:
    """A Python number (or array-like) beside a tensor of ``dtype``, as an array: a number of
    the tensor's kind takes the tensor's dtype (no upcast); a float beside an integer
    tensor is the default float; an int beside a bool tensor is int64.  A number the
    dtype cannot hold is a RuntimeError, as in PyTorch."""
    try:
        return _scalar_operand(dtype, other)
    except OverflowError:
        raise RuntimeError(
            f"value {other} cannot be converted to a tensor of dtype {dtype} without overflow"
        ) from None


def _scalar_operand(dtype: np.dtype, other: Any) -> np.ndarray:
    kind = dtype.kind
    if isinstance(other, bool | int | float) and kind == "f":
        return np.asarray(other, dtype=dtype)
    if (isinstance(other, int) and kind in "iu") or (isinstance(other, bool) and kind == "b"):
        return np.asarray(other, dtype=dtype)
    if isinstance(other, float):
        return np.asarray(other, dtype=_default_float[0])
    if isinstance(other, int):  # a Python int beside a bool tensor
        return np.asarray(other, dtype=int64)
    arr = np.asarray(other)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"cannot combine a tensor with {type(other).__name__} {other!r} "
            f"(dtype {arr.dtype}): only numbers, arrays of numbers and tensors"
        )
    return arr


def promote(
    x: np.ndarray, y: np.ndarray, op: str, elementwise: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Both operands in PyTorch's result dtype (see the module docstring).

    With ``elementwise``, shapes that do not broadcast raise a ValueError naming ``op`` and
    both shapes.
    """
    if elementwise and x.shape != y.shape:
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise ValueError(
                f"{op}: shapes {x.shape} and {y.shape} cannot be broadcast together"
            ) from None
    if x.dtype != y.dtype:
        if x.dtype.kind == "f" and y.dtype.kind != "f":
            y = y.astype(x.dtype)
        elif y.dtype.kind == "f" and x.dtype.kind != "f":
            x = x.astype(y.dtype)
        elif x.dtype.kind == y.dtype.kind == "f" and (x.ndim == 0) != (y.ndim == 0):
            # a 0-d tensor does not widen one with dims (PyTorch's rule)
            x, y = (x.astype(y.dtype), y) if x.ndim == 0 else (x, y.astype(x.dtype))
    return x, y


def as_float(x: np.ndarray) -> np.ndarray:
    """Integer and bool data as the default float dtype (float ops of ints give float32)."""
    return x if x.dtype.kind == "f" else x.astype(_default_float[0])


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=axes).reshape(shape)


def normalize_dims(
    dim: int | Sequence[int] | None, ndim: int, unique: bool = False
) -> tuple[int, ...] | None:
    """``dim`` (an int, a sequence, or None for all) as non-negative dims of an ``ndim``-d
    tensor; out of range is PyTorch's IndexError (a 0-d tensor accepts 0 and -1)."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    size = builtins.max(ndim, 1)
    out = []
    for d in dims:
        if not -size <= d < size:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], "
                f"but got {d})"
            )
        out.append(d % size)
    if unique and len(set(out)) != len(out):
        raise ValueError(f"dim {dim} appears more than once in the list of dims")
    return tuple(out)
