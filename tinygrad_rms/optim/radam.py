"""RAdam (Liu et al., 2020): Adam with its adaptive step rectified, PyTorch's
``torch.optim.RAdam``.

Early on, v has seen few gradients and the variance of Adam's adaptive factor
√(1 − β₂ᵗ)/√v is large (unbounded at first).  RAdam estimates the length of the simple
moving average v stands for, ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ) with ρ∞ = 2/(1 − β₂) − 1, and

- while ρₜ ≤ 5 (the variance is intractable: the first steps, as ρ₁ = 1 and ρₜ grows
  towards ρ∞ about as t at first; always if β₂ ≤ 2/3, where ρ∞ ≤ 5) takes the
  *unrectified* step θ ← θ − η·m̂, momentum SGD on the bias-corrected m̂ = m/(1 − β₁ᵗ),
  v only accumulating;
- then takes Adam's step scaled by the rectification
  rₜ = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)) < 1:
  θ ← θ − η·m̂·rₜ·√(1 − β₂ᵗ)/(√v + ε).

ε is added to √v before the bias correction (as PyTorch; optax adds it to √v̂), and the
test is ρₜ > 5 (optax's is ρₜ ≥ threshold).  ρₜ, rₜ and the branch are per step, computed
in double as PyTorch computes them (PyTorch 2.13's ``radam.py``, the newest source read).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels.radam import SCALARS, radam_update, radam_update_parallel
from ..tensor import Tensor
from ._plan import BufferLoop, KernelPlan
from .adam import _check_betas
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["RAdam", "radam"]

_BIAS_CORRECTION1 = SCALARS.index("bias_correction1")
_RECTIFIED = SCALARS.index("rectified")
_BIAS_CORRECTION2_SQRT = SCALARS.index("bias_correction2_sqrt")
_RECT = SCALARS.index("rect")


def _rectification(beta2: float, step: int) -> float | None:
    """rₜ at ``step`` for β₂, or None where ρₜ ≤ 5 (the unrectified step), in double
    and in PyTorch's order of operations."""
    bias_correction2 = 1 - beta2**step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * beta2**step / bias_correction2
    if not rho_t > 5.0:
        return None
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5


class _Plan(KernelPlan):
    """The hyperparameters as ``radam_update``'s ``scalars``; c₁, the branch, √c₂ and
    rₜ are filled in per step."""

    __slots__ = ()
    LAYOUT = SCALARS

    def __init__(self, hyperparameters: dict[str, Any]) -> None:
        super().__init__(hyperparameters, per_step=True)

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        lr, (beta1, beta2), wd = h["lr"], h["betas"], h["weight_decay"]
        decoupled = h["decoupled_weight_decay"]
        return {
            "bias_correction1": math.nan,  # per step
            "lr": lr,
            "rectified": 0,  # per step
            "bias_correction2_sqrt": math.nan,  # per step
            "rect": math.nan,  # per step
            "beta1": beta1,
            "one_minus_beta1": 1 - beta1,
            "beta2": beta2,
            "one_minus_beta2": 1 - beta2,
            "eps": h["eps"],
            "weight_decay": 0 if decoupled else wd,
            "decay_factor": 1 - lr * wd if decoupled else 1,
            "grad_sign": -1 if h["maximize"] else 1,
        }

    def _fill_step(self, scalars: np.ndarray, step: int) -> np.ndarray:
        """c₁ = 1 − β₁ᵗ, and, where ρₜ > 5, the flag, √(1 − β₂ᵗ) and rₜ."""
        beta1, beta2 = self.hyperparameters["betas"]
        scalars[_BIAS_CORRECTION1] = 1 - beta1**step
        rect = _rectification(beta2, step)
        if rect is not None:
            scalars[_RECTIFIED] = 1
            scalars[_BIAS_CORRECTION2_SQRT] = (1 - beta2**step) ** 0.5
            scalars[_RECT] = rect
        return scalars


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """The moments at zero."""
    return {"step": 0, "exp_avg": np.zeros_like(p._array), "exp_avg_sq": np.zeros_like(p._array)}


#: the update itself: ``RAdam.update``, and the body of ``radam``
_apply = BufferLoop(radam_update, radam_update_parallel, "exp_avg", "exp_avg_sq")


def radam(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> None:
    """Functional RAdam: update ``params`` and their ``exp_avg``/``exp_avg_sq`` in place.

    ``states[i]`` holds ``step``, ``exp_avg`` and ``exp_avg_sq`` shaped like ``params[i]``;
    ``step`` is advanced.  ``RAdam.step`` runs this same loop.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = RAdam._functional_plan("radam", locals(), params, grads, states)
    _apply(params, grads, states, plan)


class RAdam(Optimizer):
    """RAdam with PyTorch's semantics and defaults (lr 1e-3, betas (0.9, 0.999), eps
    1e-8)::

        g ← ±g + λθ  (or, decoupled: θ ← θ(1 − ηλ))
        m ← β₁m + (1−β₁)g;    v ← β₂v + (1−β₂)g²;    m̂ = m/(1 − β₁ᵗ)
        θ ← θ − η·m̂·rₜ·√(1 − β₂ᵗ)/(√v + ε)   where ρₜ > 5,   else θ ← θ − η·m̂

    Args:
        params: parameters or parameter groups.
        lr: learning rate η (default 1e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε added to √v (default 1e-8).
        weight_decay: λ (default 0).
        decoupled_weight_decay: decay θ directly, as AdamW (default False).
        maximize: ascend instead of descend.

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (v).
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
    state_keys = required_state = frozenset({"step", "exp_avg", "exp_avg_sq"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
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
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)
