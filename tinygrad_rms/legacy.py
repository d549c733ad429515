"""Names from PyTorch's past that programs still use: ``FloatTensor``, ``LongTensor``, …

``torch.FloatTensor([1, 2])`` makes a float32 tensor and ``torch.FloatTensor(2, 3)`` one
of that shape; ``isinstance(t, torch.FloatTensor)`` asks for a float32 tensor, and
``t.type(torch.FloatTensor)`` converts.  They are constructors, not classes of their own:
every tensor is a ``Tensor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import to_array
from .tensor import Tensor

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "DoubleTensor",
    "FloatTensor",
    "IntTensor",
    "LongTensor",
    "legacy_dtype",
]


class _LegacyTensorType(type):
    """The type of ``FloatTensor`` & co.: calling one makes a Tensor of its dtype, and
    ``isinstance`` checks the dtype."""

    dtype: np.dtype

    def __call__(cls, *args: Any) -> Tensor:  # type: ignore[override]
        if len(args) == 1 and not isinstance(args[0], int | np.integer):
            data = args[0].data if isinstance(args[0], Tensor) else args[0]
            return Tensor._wrap(to_array(data, cls.dtype))
        for n in args:  # FloatTensor(2, 3): a tensor of that shape
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
                raise ValueError(f"{cls.__name__}{args}: sizes must be non-negative integers")
        return Tensor._wrap(np.zeros(tuple(int(n) for n in args), cls.dtype))

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'tinygrad_rms.{cls.__name__}'>"


def _legacy(name: str, dtype: Any) -> Any:
    doc = (
        f"``{name}(data)`` is a {np.dtype(dtype).name} tensor of ``data``, ``{name}(2, 3)`` "
        f"one of that shape; ``isinstance(t, {name})`` asks for a {np.dtype(dtype).name} tensor."
    )
    return _LegacyTensorType(
        name, (), {"dtype": np.dtype(dtype), "__module__": __name__, "__doc__": doc}
    )


FloatTensor = _legacy("FloatTensor", np.float32)
DoubleTensor = _legacy("DoubleTensor", np.float64)
LongTensor = _legacy("LongTensor", np.int64)
IntTensor = _legacy("IntTensor", np.int32)
BoolTensor = _legacy("BoolTensor", np.bool_)
ByteTensor = _legacy("ByteTensor", np.uint8)

_BY_NAME = {
    f"torch.{t.__name__}": t
    for t in (FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor, ByteTensor)
}
_BY_DTYPE = {t.dtype: name for name, t in _BY_NAME.items()}


def legacy_dtype(value: Any) -> np.dtype | None:
    """The dtype a legacy name stands for (``torch.FloatTensor`` or ``"torch.FloatTensor"``),
    or None if ``value`` is not one."""
    if isinstance(value, _LegacyTensorType):
        return value.dtype
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value].dtype
    return None


def legacy_name(dtype: np.dtype) -> str:
    """``"torch.FloatTensor"`` for float32, as ``t.type()`` answers."""
    return _BY_DTYPE.get(np.dtype(dtype), f"torch.{np.dtype(dtype).name}")
