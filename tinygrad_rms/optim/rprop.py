"""Rprop, resilient backpropagation (Riedmiller & Braun, 1993), PyTorch's ``torch.optim.Rprop``.

Each element moves by its own step size in the direction opposite to its gradient's sign;
the gradient's size is ignored.  The step size grows by η₊ while the sign stays, and
shrinks by η₋ when it flips (the last step jumped over a minimum; that element then
waits one step).  Rprop is a full-batch method: on mini-batches the signs flip with the
noise and the step sizes collapse.  RMSProp is its mini-batch form, dividing by a running
RMS of the gradient instead of keeping only its sign.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import rprop_update, rprop_update_parallel
from ..kernels.rprop import SCALARS
from ..tensor import Tensor
from ._plan import BufferLoop, KernelPlan
from .optimizer import Optimizer, ParamsT, _check_nonnegative, real_number

__all__ = ["Rprop", "rprop"]


def _pair(name: str, value: Any) -> tuple[float, float]:
    """``value`` as a pair of real numbers, or the TypeError naming it."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"{name} must be a pair of numbers, got {value!r}")
    return real_number(f"{name}[0]", value[0]), real_number(f"{name}[1]", value[1])


def _check_etas(etas: Any) -> None:
    etaminus, etaplus = _pair("etas", etas)
    if not 0.0 < etaminus < 1.0 < etaplus:
        raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")


def _check_step_sizes(step_sizes: Any) -> None:
    """Any pair of numbers, as PyTorch (a minimum above the maximum makes every step size
    the maximum, as torch.clamp does), but not NaN: a NaN bound would clamp nothing."""
    low, high = _pair("step_sizes", step_sizes)
    if low != low or high != high:
        raise ValueError(f"Invalid step_sizes: {step_sizes[0]}, {step_sizes[1]}")


class _Plan(KernelPlan):
    """The hyperparameters as ``rprop_update``'s ``scalars``: nothing depends on the step."""

    __slots__ = ()
    LAYOUT = SCALARS

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        (etaminus, etaplus), (low, high) = h["etas"], h["step_sizes"]
        return {
            "etaminus": etaminus,
            "etaplus": etaplus,
            "step_size_min": low,
            "step_size_max": high,
            "grad_sign": -1 if h["maximize"] else 1,
        }


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """No previous gradient; every step size at lr (a later change of lr changes nothing)."""
    return {
        "step": 0,
        "prev": np.zeros_like(p._array),
        "step_size": np.full_like(p._array, group["lr"]),
    }


#: the update itself: ``Rprop.update``, and the body of ``rprop``
_apply = BufferLoop(rprop_update, rprop_update_parallel, "prev", "step_size")


def rprop(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    etas: tuple[float, float],
    step_sizes: tuple[float, float],
    maximize: bool,
) -> None:
    """Functional Rprop: update ``params``, their ``prev`` and ``step_size`` in place.

    ``states[i]`` holds ``step``, ``prev`` and ``step_size`` shaped like ``params[i]``;
    ``step`` is advanced.  ``lr`` only matters where the state is made (``step_size``
    starts at it).  ``Rprop.step`` runs this same loop.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = Rprop._functional_plan("rprop", locals(), params, grads, states)
    _apply(params, grads, states, plan)


class Rprop(Optimizer):
    """Rprop with PyTorch's semantics and defaults (lr 1e-2, etas (0.5, 1.2), step_sizes
    (1e-6, 50)).

    Per element, with p = g·g_prev (g negated when maximizing)::

        s ← s·η₊  if p > 0;   s ← s·η₋ and g ← 0  if p < 0;   s unchanged  if p = 0
        s ← min(max(s, s_min), s_max)
        θ ← θ − sign(g)·s;    g_prev ← g

    As PyTorch's code (its documentation's algorithm bounds s only on the side it moves,
    and only when p ≠ 0), s is clamped to [s_min, s_max] at every step: a learning rate
    outside that range is clamped on the first step.  A NaN gradient moves nothing and
    keeps s (torch.sign(NaN) is 0).

    Full batch only: Rprop needs the gradient's sign to mean something from one step to
    the next.  For mini-batches use RMSprop, its mini-batch form.

    Args:
        params: parameters or parameter groups.
        lr: the initial step size of every element (default 1e-2).
        etas: (η₋, η₊), the factors after a sign flip and after a kept sign, with
            0 < η₋ < 1 < η₊ (default (0.5, 1.2)).
        step_sizes: (s_min, s_max), the bounds of the step size (default (1e-6, 50)).
        maximize: ascend instead of descend.

    State per parameter: ``step``, ``prev`` (the last gradient, 0 where it flipped) and
    ``step_size``.
    """

    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "etas": _check_etas,
        "step_sizes": _check_step_sizes,
    }
    plan = _Plan
    update = staticmethod(_apply)
    init_state = staticmethod(_init_state)
    state_keys = required_state = frozenset({"step", "prev", "step_size"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            etas=tuple(etas) if isinstance(etas, list) else etas,
            step_sizes=tuple(step_sizes) if isinstance(step_sizes, list) else step_sizes,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)
