"""Adagrad (Duchi et al., 2011): per-element steps η/√(Σ g²), PyTorch's ``torch.optim.Adagrad``.

Each parameter's step is divided by the root of the *sum* of all its squared gradients so
far.  Rarely-updated parameters keep large steps, frequent ones get small steps — but the
sum never forgets, so every step size shrinks forever.  RMSProp is Adagrad with the sum
replaced by a moving average.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import adagrad_update, adagrad_update_parallel
from ..kernels.adagrad import SCALARS
from ..tensor import Tensor
from ._plan import BufferLoop, KernelPlan
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["Adagrad", "adagrad"]


_LR_T = SCALARS.index("lr_t")


class _Plan(KernelPlan):
    """The hyperparameters as ``adagrad_update``'s ``scalars`` (laid out as ``SCALARS``);
    with lr decay, η_t is filled in per step."""

    __slots__ = ()
    LAYOUT = SCALARS

    def __init__(self, hyperparameters: dict[str, Any]) -> None:
        super().__init__(hyperparameters, per_step=hyperparameters["lr_decay"] != 0)

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        return {
            "lr_t": h["lr"],  # η_t at every step without lr decay
            "eps": h["eps"],
            "weight_decay": h["weight_decay"],
            "grad_sign": -1 if h["maximize"] else 1,
        }

    def _fill_step(self, scalars: np.ndarray, step: int) -> np.ndarray:
        scalars[_LR_T] = _decayed_lr(self.hyperparameters, step)
        return scalars


def _decayed_lr(hyperparameters: dict[str, Any], step: int) -> float:
    """η_t = η / (1 + (t−1)·lr_decay); without decay, η at every step."""
    return hyperparameters["lr"] / (1 + (step - 1) * hyperparameters["lr_decay"])


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """S at ``initial_accumulator_value``."""
    return {"step": 0, "sum": np.full_like(p._array, group["initial_accumulator_value"])}


#: the update itself: ``Adagrad.update``, and the body of ``adagrad``
_apply = BufferLoop(adagrad_update, adagrad_update_parallel, "sum")


def adagrad(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    initial_accumulator_value: float,
    eps: float,
    maximize: bool,
) -> None:
    """Functional Adagrad: update ``params`` and their ``sum`` state in place.

    ``states[i]`` holds ``step`` and ``sum`` shaped like ``params[i]``; ``step`` is
    advanced.  ``initial_accumulator_value`` only matters where the state is created.
    ``Adagrad.step`` runs this same loop, with the plan kept between steps.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = Adagrad._functional_plan("adagrad", locals(), params, grads, states)
    _apply(params, grads, states, plan)


class Adagrad(Optimizer):
    """Adagrad with PyTorch's semantics::

        g ← ±g + λθ;   S ← S + g²;   θ ← θ − η_t g / (√S + ε),   η_t = η / (1 + (t−1)·lr_decay)

    Args:
        params: parameters or parameter groups.
        lr: learning rate η (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        initial_accumulator_value: starting value of S (default 0).
        eps: ε added to √S (default 1e-10).
        maximize: ascend instead of descend.

    State per parameter: ``step`` and ``sum``.
    """

    # What is Adagrad's own, as data; Optimizer does the rest.
    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "lr_decay": _check_nonnegative("lr_decay", "lr_decay value"),
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
        "initial_accumulator_value": _check_nonnegative(
            "initial_accumulator_value", "initial_accumulator_value value"
        ),
        "eps": _check_nonnegative("eps", "epsilon value"),
    }
    plan = _Plan  # a group's hyperparameters -> adagrad_update's scalars
    update = staticmethod(_apply)  # the loop over the parameters, also behind adagrad()
    init_state = staticmethod(_init_state)  # a parameter's state, made with its group
    state_keys = required_state = frozenset({"step", "sum"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """As PyTorch, Adagrad creates every parameter's state (``step``, ``sum``) up front."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = self.init_state(p, group)

    def effective_step_size(self, p: Tensor) -> np.ndarray:
        """η_t / (√S + ε) elementwise: what the last step multiplied ``g`` by (for plots)."""
        if p not in self.state:
            raise ValueError(
                f"no state yet for the parameter of shape {p.shape}: call step() first"
            )
        group = self._group_of(p)
        state = self.state[p]
        return _decayed_lr(group, state["step"]) / (np.sqrt(state["sum"]) + group["eps"])
