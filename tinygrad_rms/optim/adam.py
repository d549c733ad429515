"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), PyTorch's semantics.

Adam divides a moving average of the gradient (momentum, m) by the root of a moving
average of its square (RMSProp's v), both bias-corrected for their zero start.  AdamW
shrinks the weights directly, θ ← θ(1 − ηλ), instead of adding λθ to the gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import adam_update
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["Adam", "AdamW", "adam"]


def _check_betas(betas: Any) -> None:
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise TypeError(f"betas must be a pair of numbers, got {betas!r}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


class Adam(Optimizer):
    """Adam with PyTorch's semantics::

        g ← ±g + λθ  (or AdamW: θ ← θ(1 − ηλ))
        m ← β₁ m + (1−β₁) g;    v ← β₂ v + (1−β₂) g²;    v̂ ← max(v̂, v) if amsgrad
        θ ← θ − η/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)

    Args:
        params: parameters or parameter groups.
        lr: learning rate η (default 1e-3).
        betas: (β₁, β₂), the decay rates of the two averages (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: λ (default 0).
        amsgrad: divide by the running maximum of v (default False).
        maximize: ascend instead of descend.
        decoupled_weight_decay: AdamW's decay (default False; ``AdamW`` sets it).

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``
    (amsgrad only).
    """

    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "eps": _check_nonnegative("eps", "epsilon value"),
        "betas": _check_betas,
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
    }

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "exp_avg": np.zeros_like(p.data), "exp_avg_sq": np.zeros_like(p.data)}

    def _state_for(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """``p``'s state; the amsgrad maximum appears when amsgrad is (or is turned) on."""
        state = super()._state_for(p, group)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        return state

    def _update(self, params, grads, states, hyper):  # type: ignore[no-untyped-def]
        adam(params, grads, states, **hyper)

    def effective_step_size(self, p: Tensor) -> np.ndarray:
        """(η/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε) elementwise, after a step (for plots).

        Unlike RMSprop's and Adagrad's, this factor multiplies the momentum average m, not
        the raw gradient.
        """
        if p not in self.state:
            raise ValueError(
                f"no state yet for the parameter of shape {p.shape}: call step() first"
            )
        group, state = self._group_of(p), self.state[p]
        beta1, beta2 = group["betas"]
        t = state["step"]
        v = state["max_exp_avg_sq"] if group["amsgrad"] else state["exp_avg_sq"]
        denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + group["eps"]
        return group["lr"] / (1 - beta1**t) / denom


class AdamW(Adam):
    """Adam with decoupled weight decay θ ← θ(1 − ηλ); λ defaults to 1e-2 (PyTorch's AdamW)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )


def adam(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    decoupled_weight_decay: bool,
) -> None:
    """Functional Adam/AdamW: update ``params`` and their moment buffers in place."""
    beta1, beta2 = betas
    for theta, g, state in zip(params, grads, states, strict=True):
        t = theta.dtype.type
        state["step"] += 1
        step = state["step"]
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        decay = weight_decay != 0
        adam_update(
            theta,
            g,
            state["exp_avg"],
            state["exp_avg_sq"],
            state["max_exp_avg_sq"] if amsgrad else None,
            t(lr / bias_correction1),
            t(beta1),
            t(1 - beta1),
            t(beta2),
            t(1 - beta2),
            t(math.sqrt(bias_correction2)),
            t(eps),
            t(weight_decay) if decay and not decoupled_weight_decay else None,
            t(1 - lr * weight_decay) if decay and decoupled_weight_decay else None,
            t(-1 if maximize else 1),
        )
