"""What the optimizers' update loops share: the kernel's packed ``scalars``, made once per
set of hyperparameters; the opt-in use of the kernels' parallel copies; the functional
forms' check of their arguments.

This is the hot path of ``step()``: a small parameter's whole update costs about a
microsecond, so the one call per parameter here is ``KernelPlan.scalars``; a per-step
fill-in runs once per group and step, and ``locked`` adds its call only for tensors large
enough that the update takes tens of microseconds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import parallel_launch

__all__ = [
    "BufferLoop",
    "KernelPlan",
    "check_arguments",
    "check_plan",
    "hyperparameters",
    "locked",
    "parallel",
    "set_parallel_threshold",
]


#: ``parallel.min_size`` when off: more elements than any array has.  An int, not
#: ``math.inf``: the loops compare it with each tensor's size, and ``int < float`` costs
#: twice ``int < int``.
_OFF = sys.maxsize


class _ParallelSetting:
    """Tensors of at least ``min_size`` elements use the kernels' parallel copies."""

    __slots__ = ("min_size",)

    def __init__(self) -> None:
        self.min_size: int = _OFF


#: Read by every optimizer's update loop (``_apply``) once per call.
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
    parallel.min_size = _OFF if min_size is None else min_size
    return None if previous == _OFF else previous


_NO_SCALARS = np.empty(0)  # a plan's last answer before its first


class KernelPlan:
    """One parameter group's hyperparameters as its kernel's ``scalars`` argument.

    An optimizer declares its subclass as data (``plan = _Plan``); ``Optimizer.step`` makes
    one per group (again only when a hyperparameter has changed), the functional form one
    per call, and the update loop asks it for ``scalars(dtype, step)`` per parameter.  A
    subclass declares

    - ``LAYOUT``: its kernel module's ``SCALARS``, the entries' names in packing order;
    - ``_named_scalars(dtype)``: every entry by name, computed in ``dtype`` where the
      rounding matters (the base packs them in ``LAYOUT`` order, each rounded to
      ``dtype``), with the entries that depend on the step at any value;
    - ``_fill_step(scalars, step)``, when constructed with ``per_step=True``: writes those
      entries for a parameter's ``step`` into ``scalars``, a fresh copy, and returns it.

    The packed array is kept per dtype, and the last answer is kept too: the parameters
    of a group, which usually share a dtype and step together, then share one array (and
    one fill-in) per step.  An array once handed out is never written again.
    """

    __slots__ = ("_last", "_packed", "hyperparameters", "per_step")

    #: the kernel module's SCALARS
    LAYOUT: ClassVar[tuple[str, ...]] = ()

    def __init__(self, hyperparameters: dict[str, Any], per_step: bool = False) -> None:
        self.hyperparameters = hyperparameters
        self.per_step = per_step
        self._packed: dict[np.dtype, np.ndarray] = {}  # per dtype, before any fill-in
        self._last: tuple[np.dtype | None, int, np.ndarray] = (None, 0, _NO_SCALARS)

    def scalars(self, dtype: np.dtype, step: int) -> np.ndarray:
        """The kernel's ``scalars`` for a parameter of ``dtype`` at ``step`` (``step`` is
        ignored unless ``per_step``).  Shared between calls: not to be written."""
        last = self._last  # one read: another thread may replace it meanwhile
        if last[0] is dtype and last[1] == step:  # as for the group's previous parameter
            return last[2]
        packed = self._packed.get(dtype)
        if packed is None:  # a dtype the step did not check in advance (a parameter's first
            self.check(dtype)  # gradient, in a new dtype): checked now
            packed = self._packed[dtype]
        if self.per_step:
            packed = self._fill_step(packed.copy(), step)
        self._last = (dtype, step, packed)
        return packed

    def check(self, dtype: np.dtype) -> None:
        """Refuse hyperparameters that do not fit ``dtype`` (a finite value that rounds to
        ±inf, e.g. ``lr=1e39`` in float32), before any parameter is updated with them."""
        named = self._named_scalars(dtype)
        with np.errstate(over="ignore"):
            packed = np.array([named[name] for name in self.LAYOUT], dtype=dtype)
        values = [named[n] for n in self.LAYOUT]
        for name, value, got in zip(self.LAYOUT, values, packed, strict=True):
            if np.isfinite(value) and not np.isfinite(got):
                raise ValueError(
                    f"the hyperparameter behind '{name}' ({value!r}) overflows {dtype}, the "
                    "dtype of the parameters it updates"
                )
        self._packed[dtype] = packed

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        raise NotImplementedError

    def _fill_step(self, scalars: np.ndarray, step: int) -> np.ndarray:
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


class BufferLoop:
    """The update loop of an optimizer whose per-parameter state is ``step`` and the
    element-wise ``buffers`` (Adagrad's ``sum``; RAdam's ``exp_avg``, ``exp_avg_sq``; ...).

    ``loop(params, grads, states, plan)`` advances each parameter's ``step`` and calls
    ``kernel(θ, g, *buffers, plan.scalars(dtype, step))`` on flat views (one compiled
    specialisation for every shape); tensors of at least ``parallel.min_size`` elements
    go to ``self.parallel``, the kernel's parallel copy behind ``locked``.  Optimizers with
    more to do per parameter (Adam's optional buffer, NAdam's μ product, ASGD's schedule)
    write their own loop.
    """

    __slots__ = ("buffers", "kernel", "parallel")

    def __init__(
        self, kernel: Callable[..., None], parallel_kernel: Callable[..., None], *buffers: str
    ) -> None:
        if len(buffers) not in (1, 2):
            raise ValueError(f"BufferLoop takes one or two state buffers, got {buffers}")
        self.kernel, self.parallel, self.buffers = kernel, locked(parallel_kernel), buffers

    def __call__(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        states: Sequence[dict[str, Any]],
        plan: Any,
    ) -> None:
        # One loop per buffer count, each buffer named: a ``*[...]`` per tensor costs
        # ~0.3 µs, 15-20 % of a small model's step (measured).
        kernel, scalars, min_size = self.kernel, plan.scalars, parallel.min_size
        if len(self.buffers) == 1:
            (a,) = self.buffers
            for theta, g, state in zip(params, grads, states):  # noqa: B905 (checked by callers)
                step = state["step"] = state["step"] + 1
                (kernel if theta.size < min_size else self.parallel)(
                    theta.ravel(), g.ravel(), state[a].ravel(), scalars(theta.dtype, step)
                )
            return
        a, b = self.buffers
        for theta, g, state in zip(params, grads, states):  # noqa: B905 (checked by callers)
            step = state["step"] = state["step"] + 1
            (kernel if theta.size < min_size else self.parallel)(
                theta.ravel(),
                g.ravel(),
                state[a].ravel(),
                state[b].ravel(),
                scalars(theta.dtype, step),
            )


def hyperparameters(arguments: dict[str, Any]) -> dict[str, Any]:
    """A functional form's keyword arguments (its ``locals()`` on entry) as the
    hyperparameters its class keeps in a group: everything but the three lists."""
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


def check_plan(plan: KernelPlan, params: Sequence[np.ndarray]) -> None:
    """A functional form's second check: its hyperparameters fit every parameter dtype
    (``KernelPlan.check``), before the first parameter is updated."""
    for dtype in {theta.dtype for theta in params}:
        plan.check(dtype)
