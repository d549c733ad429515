"""Adamax (Kingma & Ba, 2015, §7.1): Adam with the infinity norm in place of the RMS,
PyTorch's ``torch.optim.Adamax``.

The second moment is replaced by u = max(β₂·u, |g| + ε), a decaying running maximum of
the gradient's size: the step (η/(1 − β₁ᵗ))·m/u never exceeds η/(1 − β₁ᵗ) per element.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels.adamax import SCALARS, adamax_update, adamax_update_parallel
from ..tensor import Tensor
from ._plan import BufferLoop, KernelPlan
from .adam import _check_betas
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["Adamax", "adamax"]

_STEP_SIZE = SCALARS.index("step_size")


class _Plan(KernelPlan):
    """The hyperparameters as ``adamax_update``'s ``scalars``; η/c₁ is filled in per step."""

    __slots__ = ()
    LAYOUT = SCALARS

    def __init__(self, hyperparameters: dict[str, Any]) -> None:
        super().__init__(hyperparameters, per_step=True)

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        beta1, beta2 = h["betas"]
        return {
            "step_size": float("nan"),  # per step
            "beta1": beta1,
            "one_minus_beta1": 1 - beta1,
            "beta2": beta2,
            "eps": h["eps"],
            "weight_decay": h["weight_decay"],
            "grad_sign": -1 if h["maximize"] else 1,
        }

    def _fill_step(self, scalars: np.ndarray, step: int) -> np.ndarray:
        """η/c₁ at ``step`` (computed in float64, as PyTorch's ``clr``)."""
        h = self.hyperparameters
        scalars[_STEP_SIZE] = h["lr"] / (1 - h["betas"][0] ** step)
        return scalars


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """m and u at zero."""
    return {"step": 0, "exp_avg": np.zeros_like(p._array), "exp_inf": np.zeros_like(p._array)}


#: the update itself: ``Adamax.update``, and the body of ``adamax``
_apply = BufferLoop(adamax_update, adamax_update_parallel, "exp_avg", "exp_inf")


def adamax(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """Functional Adamax: update ``params`` and their ``exp_avg``/``exp_inf`` in place.

    ``states[i]`` holds ``step``, ``exp_avg`` and ``exp_inf`` shaped like ``params[i]``;
    ``step`` is advanced.  ``Adamax.step`` runs this same loop.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = Adamax._functional_plan("adamax", locals(), params, grads, states)
    _apply(params, grads, states, plan)


class Adamax(Optimizer):
    """Adamax with PyTorch's semantics and defaults (lr 2e-3, betas (0.9, 0.999), eps
    1e-8).

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).
    """

    _checks: ClassVar[dict[str, Any]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "eps": _check_nonnegative("eps", "epsilon value"),
        "betas": _check_betas,
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
    }
    plan = _Plan
    update = staticmethod(_apply)
    init_state = staticmethod(_init_state)
    state_keys = required_state = frozenset({"step", "exp_avg", "exp_inf"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)
