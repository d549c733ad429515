"""What the optimizers' functional forms share: the kernel's ``hyper`` array, made once,
the lock around parallel launches, and the check of their arguments' lengths.

This is the hot path of ``step()``: a small parameter's whole update costs about a
microsecond, so the one call per parameter here is ``kernel_hyper``, as before these were
shared; a per-step fill-in runs once per group and step, and ``locked`` adds its call only
for tensors large enough that the update takes tens of microseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import parallel_launch

__all__ = ["KernelPlan", "check_lengths", "locked"]


class KernelPlan:
    """One set of hyperparameters turned into a kernel's ``hyper`` array, once per dtype.

    A subclass names its kernel's ``LAYOUT`` and supplies

    - ``_values(dtype)``: every entry of the layout by name (the base packs them in order,
      each rounded to ``dtype``), with the per-step entries at any value;
    - ``_fill(vector, step)``, when it sets ``per_step``: writes the entries that depend on
      a parameter's ``step`` into ``vector``, a fresh copy, and returns it.

    ``kernel_hyper(dtype, step)`` is then the array a kernel takes (``step`` is ignored
    without ``per_step``).  The packed array is kept per dtype; a per-step one is kept for
    the last step asked, so the parameters of a group, which step together, share one
    copy and one fill-in.  An array once handed out is never written again.
    """

    __slots__ = ("_filled", "_packed", "hyper", "per_step")

    #: the kernel's HYPER_LAYOUT
    LAYOUT: ClassVar[tuple[str, ...]] = ()

    def __init__(self, hyper: dict[str, Any], per_step: bool = False) -> None:
        self.hyper = hyper
        self.per_step = per_step
        self._packed: dict[np.dtype, np.ndarray] = {}
        self._filled: dict[np.dtype, tuple[int, np.ndarray]] = {}

    def kernel_hyper(self, dtype: np.dtype, step: int) -> np.ndarray:
        """The kernel's ``hyper`` for a parameter of ``dtype`` at ``step`` (not to be written:
        it is shared)."""
        vector = self._packed.get(dtype)
        if vector is None:
            values = self._values(dtype)
            vector = np.array([values[name] for name in self.LAYOUT], dtype=dtype)
            self._packed[dtype] = vector
        if self.per_step:
            filled = self._filled.get(dtype)
            if filled is None or filled[0] != step:
                filled = self._filled[dtype] = (step, self._fill(vector.copy(), step))
            vector = filled[1]
        return vector

    def _values(self, dtype: np.dtype) -> dict[str, Any]:
        raise NotImplementedError

    def _fill(self, vector: np.ndarray, step: int) -> np.ndarray:
        raise NotImplementedError


def locked(kernel: Callable[..., None]) -> Callable[..., None]:
    """``kernel``, a parallel copy, launched holding ``parallel_launch`` (see ``kernels._jit``).

    Each optimizer calls its kernel's parallel copy through this for tensors of at least
    ``PARALLEL_MIN_SIZE`` elements, so the extra call is paid only where the update itself
    takes tens of microseconds.
    """

    def launch(*args: Any) -> None:
        with parallel_launch:
            kernel(*args)

    return launch


def check_lengths(
    name: str,
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
) -> None:
    """Refuse lists of different lengths before anything is updated (a functional form's
    first check; its loop then zips them without checking again)."""
    if not len(params) == len(grads) == len(states):
        raise ValueError(
            f"{name}: got {len(params)} params, {len(grads)} grads and {len(states)} states"
        )
