"""Making tensors: from data (``tensor``), filled (``zeros``, ``ones``, ``full``), spaced
(``linspace``) and random (``randn``, ``rand``, from the library's generator).

Every one takes PyTorch's keywords: ``dtype`` (float32 unless said otherwise, or for
``full`` the value's own kind), ``device`` (the CPU) and ``requires_grad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import DEFAULT_FLOAT, to_array
from .device import as_device
from .random import generator
from .tensor import ArrayLike, Tensor

__all__ = ["full", "linspace", "ones", "rand", "randn", "tensor", "zeros"]


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``, as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"invalid shape {shape}: sizes must be non-negative integers")
    return tuple(int(n) for n in shape)


def _float_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a numpy dtype, float32 when None (np.dtype objects are falsy: test for None)."""
    return DEFAULT_FLOAT if dtype is None else np.dtype(dtype)


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data)
    return t.requires_grad_(True) if requires_grad else t


def tensor(
    data: ArrayLike, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (Python floats become float32)."""
    as_device(device)
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def zeros(
    *shape: int, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    as_device(device)
    return _leaf(np.zeros(_shape_arg(shape), dtype=_float_dtype(dtype)), requires_grad)


def ones(*shape: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor of ones (float32 unless ``dtype`` says otherwise)."""
    as_device(device)
    return _leaf(np.ones(_shape_arg(shape), dtype=_float_dtype(dtype)), requires_grad)


def full(
    size: Sequence[int] | int,
    fill_value: float | bool,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor of ``size`` filled with ``fill_value``; its dtype, unless given, is
    that of the value as PyTorch infers it (float32, int64 or bool)."""
    as_device(device)
    if dtype is None:
        dtype = to_array(fill_value).dtype
        dtype = np.int64 if dtype.kind in "iu" else dtype
    return _leaf(np.full(_shape_arg((size,)), fill_value, dtype=np.dtype(dtype)), requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, computed as PyTorch does:
    start + i·step for the first half and end − (steps−1−i)·step for the second, in the
    result's dtype, so both ends are exact (PyTorch's vectorised loop may round some
    inner values one unit differently)."""
    as_device(device)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    dt = _float_dtype(dtype)
    kind = dt.type if dt.kind == "f" else np.float64  # integer results are computed in float64
    i = np.arange(steps)
    step = (kind(end) - kind(start)) / kind(max(steps - 1, 1))
    first = kind(start) + step * i.astype(kind)
    second = kind(end) - step * (steps - 1 - i).astype(kind)
    values = np.where(i < steps // 2, first, second) if steps > 1 else first
    return _leaf(values.astype(dt), requires_grad)


def randn(
    *shape: int, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples from the library's generator (see ``manual_seed``)."""
    as_device(device)
    dtype = _float_dtype(dtype)
    return _leaf(generator().standard_normal(_shape_arg(shape), dtype=dtype), requires_grad)


def rand(*shape: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1) from the library's generator."""
    as_device(device)
    dtype = _float_dtype(dtype)
    return _leaf(generator().random(_shape_arg(shape), dtype=dtype), requires_grad)
