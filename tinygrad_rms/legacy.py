"""Names from PyTorch's past that programs still use: ``FloatTensor``, ``LongTensor``, …

``torch.FloatTensor([1, 2])`` makes a float32 tensor and ``torch.FloatTensor(2, 3)`` one
of that shape; ``isinstance(t, torch.FloatTensor)`` asks for a float32 tensor, and
``t.type(torch.FloatTensor)`` converts.  They are constructors, not classes of their own:
every tensor is a ``Tensor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "DoubleTensor",
    "FloatTensor",
    "IntTensor",
    "LongTensor",
]


class _LegacyTensorType(type):
    """The type of ``FloatTensor`` & co.: calling one makes a Tensor of its dtype, and
    ``isinstance`` checks the dtype."""

    dtype: np.dtype

    def __call__(cls, *args: Any) -> Tensor:  # type: ignore[override]
        return Tensor(*args, dtype=cls.dtype)  # FloatTensor([1, 2]) and FloatTensor(2, 3)

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
