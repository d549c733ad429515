"""Adadelta (Zeiler, 2012), PyTorch's ``torch.optim.Adadelta``.

RMSProp divides the gradient by a running RMS of the gradient, and still needs a
learning rate to give the step its units.  Adadelta multiplies instead by the running
RMS of its own past updates, so the step has the units of θ and the method runs without
one (γ = 1 by default, PyTorch's ``lr`` only rescales the result)::

    v ← ρ v + (1−ρ) g²;    Δ ← √(u + ε)/√(v + ε) · g;    u ← ρ u + (1−ρ) Δ²;    θ ← θ − γ Δ
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import adadelta_update, adadelta_update_parallel
from ..kernels.adadelta import SCALARS
from ..tensor import Tensor
from ._plan import BufferLoop, KernelPlan
from .optimizer import Optimizer, ParamsT, _check_nonnegative, real_number

__all__ = ["Adadelta", "adadelta"]


def _check_rho(value: Any) -> None:
    if not 0.0 <= real_number("rho", value) <= 1.0:  # also refuses NaN
        raise ValueError(f"Invalid rho value: {value}")


class _Plan(KernelPlan):
    """The hyperparameters as ``adadelta_update``'s ``scalars``: nothing depends on the step."""

    __slots__ = ()
    LAYOUT = SCALARS

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        return {
            "lr": h["lr"],
            "rho": h["rho"],
            "one_minus_rho": 1 - h["rho"],
            "eps": h["eps"],
            "weight_decay": h["weight_decay"],
            "grad_sign": -1 if h["maximize"] else 1,
        }


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """Both averages at zero."""
    return {
        "step": 0,
        "square_avg": np.zeros_like(p._array),
        "acc_delta": np.zeros_like(p._array),
    }


#: the update itself: ``Adadelta.update``, and the body of ``adadelta``
_apply = BufferLoop(adadelta_update, adadelta_update_parallel, "square_avg", "acc_delta")


def adadelta(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """Functional Adadelta: update ``params`` and their two averages in place.

    ``states[i]`` holds ``step``, ``square_avg`` and ``acc_delta`` shaped like
    ``params[i]``; ``step`` is advanced.  ``Adadelta.step`` runs this same loop.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = Adadelta._functional_plan("adadelta", locals(), params, grads, states)
    _apply(params, grads, states, plan)


class Adadelta(Optimizer):
    """Adadelta with PyTorch's semantics and defaults (lr 1.0, rho 0.9, eps 1e-6)::

        g ← ±g + λθ
        v ← ρ v + (1−ρ) g²                   square_avg
        Δ ← √(u + ε) / √(v + ε) · g          ε inside both roots, u from the last step
        u ← ρ u + (1−ρ) Δ²                   acc_delta
        θ ← θ − γ Δ

    ε matters more here than in Adam: with u = 0 at the start, the first steps are about
    √ε/RMS(g)·g, so ε sets the initial step size.  Zeiler's paper has no γ (γ = 1).

    Args:
        params: parameters or parameter groups.
        lr: γ, a factor on Δ (default 1.0).
        rho: ρ, the decay rate of both averages, in [0, 1] (default 0.9).
        eps: ε, inside both square roots (default 1e-6).
        weight_decay: λ, coupled L2 added to the gradient (default 0).
        maximize: ascend instead of descend.

    State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).
    """

    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "rho": _check_rho,
        "eps": _check_nonnegative("eps", "epsilon value"),
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
    }
    plan = _Plan
    update = staticmethod(_apply)
    init_state = staticmethod(_init_state)
    state_keys = required_state = frozenset({"step", "square_avg", "acc_delta"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)
