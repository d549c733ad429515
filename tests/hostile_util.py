"""Helpers for the hostile-input tests: a byte-exact record of everything a refused call
could have changed, to show that a refusal changed nothing."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_rms as tg


def snapshot(*objects: Any) -> list[Any]:
    """A deep, byte-exact copy of ``objects``: Tensors (their bytes, dtype, shape, grad,
    version), arrays, and dicts/lists/tuples of them and plain values (an optimizer's
    ``param_groups`` and ``state``; a module's ``state_dict()``)."""
    return [_freeze(o) for o in objects]


def assert_unchanged(before: list[Any], *objects: Any) -> None:
    """``objects`` are byte for byte what ``snapshot`` recorded in ``before``."""
    after = snapshot(*objects)
    assert after == before, "a refused call changed something"


def _freeze(obj: Any) -> Any:
    if isinstance(obj, tg.Tensor):
        array = obj._array
        grad = None if obj._grad is None else _freeze(obj._grad)
        return ("Tensor", array.dtype.str, array.shape, array.tobytes(), grad, obj._version)
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.shape, obj.tobytes())
    if isinstance(obj, dict):
        return ("dict", [(_key(k), _freeze(v)) for k, v in obj.items()])
    if isinstance(obj, list | tuple):
        return (type(obj).__name__, [_freeze(v) for v in obj])
    if isinstance(obj, float) and obj != obj:
        return ("nan",)
    return ("value", type(obj).__name__, repr(obj))


def _key(k: Any) -> Any:
    return ("id", id(k)) if isinstance(k, tg.Tensor) else ("key", repr(k))
