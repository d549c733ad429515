"""Anomaly mode: the first op whose forward output, or whose backward's gradient, holds a
NaN or infinity raises, naming the op and the user's line that created it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from types import FrameType
from typing import Any

import numpy as np

from .grad_mode import mode

__all__ = ["check_finite_grads", "check_finite_output", "creation_site", "detect_anomaly"]


class detect_anomaly:
    """Context manager: the first op whose output, or whose backward's gradient, holds a
    NaN or infinity raises RuntimeError naming the op and the line that created it.

    Costs a finiteness check per op and a stack walk per op creation: use it to debug.
    """

    def __init__(self) -> None:
        self._saved: list[bool] = []  # a stack: the same instance may be re-entered

    def __enter__(self) -> None:
        self._saved.append(mode.anomaly)
        mode.anomaly = True

    def __exit__(self, *exc: object) -> None:
        mode.anomaly = self._saved.pop()


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def creation_site() -> str:
    """file:line of the innermost caller outside this package (where the user made the op)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def check_finite_output(op: str, outputs: Iterable[np.ndarray]) -> str:
    """Raise if an output of ``op`` is not all finite; return the creation site."""
    site = creation_site()
    for data in outputs:
        if data.dtype.kind == "f" and not np.isfinite(data).all():
            bad = "nan" if np.isnan(data).any() else "inf"
            raise RuntimeError(
                f"anomaly: the forward of {op} created at {site} produced {bad} values"
            )
    return site


def check_finite_grads(op: str, site: str | None, grads: Iterable[Any]) -> None:
    """Raise if a gradient that the backward of ``op`` returned is not all finite."""
    for i, g in enumerate(grads):
        if g is not None and not np.isfinite(g).all():
            raise RuntimeError(
                f"anomaly: the backward of {op} created at {site or '<unknown>'} "
                f"returned a non-finite gradient for its input {i}"
            )
