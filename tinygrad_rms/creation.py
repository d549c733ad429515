"""Making tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled (``zeros``,
``ones``, ``full``, ``empty``, ``eye`` and their ``_like`` forms), spaced (``arange``,
``linspace``) and random (``randn``, ``rand``, ``randint``, ``randperm``, ``normal``,
from the library's generator: ``manual_seed`` makes them reproducible, though not equal
to PyTorch's numbers, which come from another generator).

Every one takes PyTorch's keywords: ``dtype`` (float32 unless said otherwise, or the
data's own kind where PyTorch infers it), ``device`` (the CPU) and ``requires_grad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import default_float, to_array
from .autograd import graph
from .device import as_device
from .random import generator
from .tensor import ArrayLike, Tensor

__all__ = [
    "arange",
    "as_tensor",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "normal",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "tensor",
    "zeros",
    "zeros_like",
]


def _shape_arg(shape: tuple[Any, ...], size: Any = None) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f(size=(2, 3))``, as PyTorch does."""
    if size is not None:
        if shape:
            raise TypeError(f"give the shape once: got {shape} and size={size}")
        shape = (size,)
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"invalid shape {shape}: sizes must be non-negative integers")
    return tuple(int(n) for n in shape)


def _float_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a numpy dtype, float32 when None (np.dtype objects are falsy: test for None)."""
    return default_float() if dtype is None else np.dtype(dtype)


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data)
    return t.requires_grad_(True) if requires_grad else t


def tensor(
    data: ArrayLike, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (Python floats become float32)."""
    as_device(device)
    return _leaf(to_array(data._array if isinstance(data, Tensor) else data, dtype), requires_grad)


def zeros(
    *shape: Any,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    as_device(device)
    return _leaf(np.zeros(_shape_arg(shape, size), dtype=_float_dtype(dtype)), requires_grad)


def ones(
    *shape: Any,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor of ones (float32 unless ``dtype`` says otherwise)."""
    as_device(device)
    return _leaf(np.ones(_shape_arg(shape, size), dtype=_float_dtype(dtype)), requires_grad)


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
    """``steps`` evenly spaced values from ``start`` to ``end``, bit for bit as PyTorch's
    CPU kernel computes them: step = (end − start)/(steps − 1) in the result's dtype, then
    start + step·i for the first half and end − step·(steps − 1 − i) for the second (so
    both ends are exact), each a fused multiply-add (one rounding), as PyTorch's compiled
    loop is."""
    as_device(device)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    dt = _float_dtype(dtype)
    kind = dt.type if dt.kind == "f" else np.float64  # integer results: a float64 step
    if dt.kind != "f":  # the ends as the integer dtype first (toward zero, as C++)
        start, end = int(start), int(end)
    first_value, last_value = kind(start), kind(end)
    step = (last_value - first_value) / kind(max(steps - 1, 1))
    # the fused multiply-add's one rounding, in a wider type: float32's products are exact
    # in float64; float64's are nearly so in the x87 long double
    wide = np.float64 if kind == np.float32 else np.longdouble
    i = np.arange(steps)
    first = wide(first_value) + wide(step) * i.astype(kind).astype(wide)
    second = wide(last_value) - wide(step) * (steps - 1 - i).astype(kind).astype(wide)
    values = np.where(i < steps // 2, first, second).astype(kind)
    if steps == 1:
        values[0] = first_value
    return _leaf(values.astype(dt), requires_grad)


def randn(
    *shape: Any,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples from the library's generator (see ``manual_seed``)."""
    as_device(device)
    dtype = _float_dtype(dtype)
    return _leaf(generator().standard_normal(_shape_arg(shape, size), dtype=dtype), requires_grad)


def rand(
    *shape: Any,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples on [0, 1) from the library's generator."""
    as_device(device)
    dtype = _float_dtype(dtype)
    return _leaf(generator().random(_shape_arg(shape, size), dtype=dtype), requires_grad)


def as_tensor(data: ArrayLike, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a Tensor, sharing memory where it can: a Tensor of that dtype is
    returned as is, a numpy array of that dtype is used without a copy."""
    as_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor on the same memory as ``array`` (a change to either shows in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy array, got {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: cannot make a tensor from an array of dtype {array.dtype}")
    t = Tensor._wrap(array)
    t._version_counter[graph.SHARED] = 1  # the caller holds the same memory
    return t


def empty(
    *shape: Any,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor whose values are not set (here: zeros, which is one such value)."""
    return zeros(*shape, size=size, dtype=dtype, device=device, requires_grad=requires_grad)


def eye(
    n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """The n × m (default n × n) identity matrix."""
    as_device(device)
    rows, cols = _shape_arg((n, n if m is None else m))
    return _leaf(np.eye(rows, cols, dtype=_float_dtype(dtype)), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, … up to (not including) end; ``arange(n)`` is 0 … n−1.  The
    dtype, unless given, is int64 when all three are integers, else float32 (PyTorch)."""
    as_device(device)
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"arange: {name} must be a number, got {value!r}")
    if step == 0 or not np.isfinite([start, end, step]).all():
        raise ValueError(
            f"arange: step must be non-zero and the bounds finite, got {start}, {end}, {step}"
        )
    if (end - start) / step < 0:
        raise ValueError(
            f"arange: upper bound and step sign are inconsistent (start={start}, end={end}, "
            f"step={step})"
        )
    integral = all(isinstance(v, int | np.integer) for v in (start, end, step))
    if dtype is None:
        dtype = np.int64 if integral else default_float()
    dtype = np.dtype(dtype)
    count = int(np.ceil((end - start) / step))
    # as PyTorch: start + i·step, computed in float64 for float results (int64 for ints)
    values = start + np.arange(count, dtype=np.int64 if integral else np.float64) * step  # type: ignore[operator]
    return _leaf(values.astype(dtype), requires_grad)


def normal(
    mean: float = 0.0,
    std: float = 1.0,
    size: Sequence[int] | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Samples of N(mean, std²); ``mean`` and ``std`` may be numbers (with ``size``) or
    Tensors of one shape."""
    as_device(device)
    m = mean._array if isinstance(mean, Tensor) else np.asarray(mean)
    s = std._array if isinstance(std, Tensor) else np.asarray(std)
    if np.any(s < 0):
        raise ValueError(f"normal: std must be non-negative, got {std!r}")
    shape = _shape_arg((size,)) if size is not None else np.broadcast_shapes(m.shape, s.shape)
    if dtype is None and isinstance(mean, Tensor):
        dtype = mean.dtype  # as PyTorch: the mean tensor's dtype
    dtype = _float_dtype(dtype)
    values = m + s * generator().standard_normal(shape)
    return _leaf(np.asarray(values, dtype=dtype), requires_grad)


def randint(
    low: int,
    high: int | None = None,
    size: Sequence[int] | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` for low = 0);
    int64 unless ``dtype`` says otherwise."""
    as_device(device)
    if size is None:  # randint(high, size)
        if high is None:
            raise TypeError("randint: size is required, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high  # type: ignore[assignment]
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    values = generator().integers(low, high, size=_shape_arg((size,)))
    return _leaf(values.astype(np.int64 if dtype is None else np.dtype(dtype)), requires_grad)


def randperm(n: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 … n−1 (int64)."""
    as_device(device)
    (count,) = _shape_arg((n,))
    values = generator().permutation(count)
    return _leaf(values.astype(np.int64 if dtype is None else np.dtype(dtype)), requires_grad)


def _like(x: Tensor, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    return tuple(x.shape), np.dtype(x.dtype if dtype is None else dtype)


def zeros_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Zeros of ``input``'s shape and dtype."""
    as_device(device)
    shape, dt = _like(input, dtype)
    return _leaf(np.zeros(shape, dt), requires_grad)


def ones_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Ones of ``input``'s shape and dtype."""
    as_device(device)
    shape, dt = _like(input, dtype)
    return _leaf(np.ones(shape, dt), requires_grad)


def empty_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``input``'s shape and dtype whose values are not set (here: zeros)."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor,
    fill_value: float,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype."""
    as_device(device)
    shape, dt = _like(input, dtype)
    return _leaf(np.full(shape, fill_value, dt), requires_grad)


def rand_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Uniform samples on [0, 1) of ``input``'s shape and (float) dtype."""
    as_device(device)
    shape, dt = _like(input, dtype)
    return _leaf(generator().random(shape).astype(dt), requires_grad)


def randn_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples of ``input``'s shape and (float) dtype."""
    as_device(device)
    shape, dt = _like(input, dtype)
    return _leaf(generator().standard_normal(shape).astype(dt), requires_grad)
