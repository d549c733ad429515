"""What the optimizers' functional forms share: the kernel's ``hyper`` array, made once,
the opt-in use of the kernels' parallel copies, and the check of their arguments' lengths.

This is the hot path of ``step()``: a small parameter's whole update costs about a
microsecond, so the one call per parameter here is ``kernel_hyper``, as before these were
shared; a per-step fill-in runs once per group and step, and ``locked`` adds its call only
for tensors large enough that the update takes tens of microseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import parallel_launch

__all__ = [
    "KernelPlan",
    "check_arguments",
    "hyperparameters",
    "locked",
    "parallel",
    "set_parallel_threshold",
]


class _ParallelSetting:
    """Tensors of at least ``min_size`` elements use the kernels' parallel copies."""

    __slots__ = ("min_size",)

    def __init__(self) -> None:
        self.min_size: float = math.inf  # off


#: Read by every optimizer's ``_apply`` for each parameter (one attribute lookup).
parallel = _ParallelSetting()


def set_parallel_threshold(min_size: int | None) -> int | None:
    """Update tensors of at least ``min_size`` elements with all of Numba's threads.

    Off (``None``) by default.  Each kernel has a parallel copy (the same loop compiled
    with ``parallel=True``; identical results), and on its own it is 1.5–1.8× faster from
    about 10⁵ elements on 2 cores.  But in a training step it runs between BLAS calls,
    and the two thread pools then fight over the cores: on a 2-core machine with
    OpenBLAS, an MLP step's optimizer update became ~13× slower and its matrix products
    ~2× slower (docs/benchmarks.md, B3).  Turn it on when the optimizer step dominates and
    BLAS is idle meanwhile (e.g. a huge embedding table, or ``OPENBLAS_NUM_THREADS=1``);
    ``tinygrad_rms.kernels.PARALLEL_MIN_SIZE`` (32,768) is the measured break-even.

    Returns the previous setting, so a caller can restore it.
    """
    if min_size is not None and (
        isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 1
    ):
        raise ValueError(f"min_size must be a positive int or None, got {min_size!r}")
    previous = parallel.min_size
    parallel.min_size = math.inf if min_size is None else min_size
    return None if previous == math.inf else int(previous)


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
    ``parallel.min_size`` elements (off unless ``set_parallel_threshold`` was called), so
    the extra call is paid only where the update itself takes tens of microseconds.
    """

    def launch(*args: Any) -> None:
        with parallel_launch:
            kernel(*args)

    return launch


def hyperparameters(arguments: dict[str, Any]) -> dict[str, Any]:
    """A functional form's keyword arguments (its ``locals()`` on entry) as the hyper dict
    its class builds in ``__init__``: everything but the three lists."""
    return {k: v for k, v in arguments.items() if k not in ("params", "grads", "states")}


def check_arguments(
    name: str,
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
) -> None:
    """A functional form's first check, before anything is updated: equal lengths, and every
    parameter, gradient and state buffer a C-contiguous array of its parameter's shape and
    dtype.  The loop then trusts them: it hands the kernels flat views (``ravel``), which
    for anything but a C-contiguous array would be a copy, and the update would be lost.
    ``Optimizer.step`` checks its own parameters and gradients in ``_gather`` and creates
    the state buffers itself, so it skips this.
    """
    if not len(params) == len(grads) == len(states):
        raise ValueError(
            f"{name}: got {len(params)} params, {len(grads)} grads and {len(states)} states"
        )
    for i, (theta, g, state) in enumerate(zip(params, grads, states, strict=True)):
        if not isinstance(theta, np.ndarray):
            raise TypeError(f"{name}: params[{i}] must be a numpy array, got {type(theta)}")
        buffers = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        for what, a in (("grads", g), ("params", theta), *buffers.items()):
            if not (
                isinstance(a, np.ndarray)
                and a.shape == theta.shape
                and a.dtype == theta.dtype
                and a.flags.c_contiguous
            ):
                got = (
                    f"shape {a.shape}, dtype {a.dtype}, C-contiguous {a.flags.c_contiguous}"
                    if isinstance(a, np.ndarray)
                    else type(a).__name__
                )
                raise ValueError(
                    f"{name}: {what} of parameter {i} must be a C-contiguous array of shape "
                    f"{theta.shape} and dtype {theta.dtype}; got {got}"
                )
