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

from ..kernels import adam_update, adam_update_parallel
from ..kernels.adam import SCALARS
from ..tensor import Tensor
from ._plan import KernelPlan, locked, parallel
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["Adam", "AdamW", "adam"]


def _check_betas(betas: Any) -> None:
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise TypeError(f"betas must be a pair of numbers, got {betas!r}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


_STEP_SIZE = SCALARS.index("step_size")
_BIAS_CORRECTION2_SQRT = SCALARS.index("bias_correction2_sqrt")


class _Plan(KernelPlan):
    """The hyperparameters as ``adam_update``'s ``scalars`` (laid out as ``SCALARS``); the
    bias corrections, which depend on a parameter's step, are filled in per step."""

    __slots__ = ("amsgrad",)
    LAYOUT = SCALARS

    def __init__(self, hyperparameters: dict[str, Any]) -> None:
        super().__init__(hyperparameters, per_step=True)
        self.amsgrad = bool(hyperparameters["amsgrad"])

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        lr, (beta1, beta2), wd = h["lr"], h["betas"], h["weight_decay"]
        decoupled = h["decoupled_weight_decay"]
        return {
            "step_size": math.nan,  # per step
            "beta1": beta1,
            "one_minus_beta1": 1 - beta1,
            "beta2": beta2,
            "one_minus_beta2": 1 - beta2,
            "bias_correction2_sqrt": math.nan,  # per step
            "eps": h["eps"],
            "weight_decay": 0 if decoupled else wd,
            "decay_factor": 1 - lr * wd if decoupled else 1,
            "grad_sign": -1 if h["maximize"] else 1,
        }

    def _fill_step(self, scalars: np.ndarray, step: int) -> np.ndarray:
        """η/c₁ and √c₂ at ``step``, with c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ."""
        h = self.hyperparameters
        beta1, beta2 = h["betas"]
        scalars[_STEP_SIZE] = h["lr"] / (1 - beta1**step)
        scalars[_BIAS_CORRECTION2_SQRT] = math.sqrt(1 - beta2**step)
        return scalars


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """The moments at zero; the amsgrad maximum appears on the first step with amsgrad on."""
    return {"step": 0, "exp_avg": np.zeros_like(p._array), "exp_avg_sq": np.zeros_like(p._array)}


def _apply(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    plan: _Plan,
) -> None:
    """The update itself: ``Adam.update``, and the body of ``adam`` (equal-length lists).

    Tensors of at least ``parallel.min_size`` elements (opt-in: ``set_parallel_threshold``)
    go to the kernel's parallel copy.
    """
    amsgrad, scalars = plan.amsgrad, plan.scalars
    min_size = parallel.min_size  # opt-in threshold for the parallel copy
    for theta, g, state in zip(params, grads, states):  # noqa: B905 (lengths checked by callers)
        step = state["step"] = state["step"] + 1
        v_max = None
        if amsgrad:
            v_max = state.get("max_exp_avg_sq")
            if v_max is None:  # the first step with amsgrad on (it may be turned on later)
                v_max = state["max_exp_avg_sq"] = np.zeros_like(theta)
        (adam_update if theta.size < min_size else _update_parallel)(
            theta.ravel(),  # flat views: one compiled specialisation for every shape
            g.ravel(),
            state["exp_avg"].ravel(),
            state["exp_avg_sq"].ravel(),
            None if v_max is None else v_max.ravel(),
            scalars(theta.dtype, step),
        )


_update_parallel = locked(adam_update_parallel)


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
    """Functional Adam/AdamW: update ``params`` and their moment buffers in place.

    ``states[i]`` holds ``step``, ``exp_avg`` and ``exp_avg_sq`` shaped like ``params[i]``
    (``max_exp_avg_sq`` with amsgrad is created at zero if missing); ``step`` is advanced.
    ``Adam.step`` runs this same loop, with the plan kept between steps.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = Adam._functional_plan("adam", locals(), params, grads, states)
    _apply(params, grads, states, plan)


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

    # What is Adam's own, as data; Optimizer does the rest.
    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "eps": _check_nonnegative("eps", "epsilon value"),
        "betas": _check_betas,
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
    }
    plan = _Plan  # a group's hyperparameters -> adam_update's scalars
    update = staticmethod(_apply)  # the loop over the parameters, also behind adam()
    init_state = staticmethod(_init_state)  # a parameter's state, on its first step
    state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})
    required_state = frozenset({"step", "exp_avg", "exp_avg_sq"})

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
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

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
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
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
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
        )
