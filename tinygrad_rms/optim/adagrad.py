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

from ..kernels import adagrad_update
from ..kernels.adagrad import HYPER_LAYOUT
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["Adagrad", "adagrad"]


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

    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "lr_decay": _check_nonnegative("lr_decay", "lr_decay value"),
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
        "initial_accumulator_value": _check_nonnegative(
            "initial_accumulator_value", "initial_accumulator_value value"
        ),
        "eps": _check_nonnegative("eps", "epsilon value"),
    }

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
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """As PyTorch, Adagrad creates every parameter's state (``step``, ``sum``) up front."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "sum": np.full_like(p.data, group["initial_accumulator_value"])}

    def _prepare(self, hyper: dict[str, Any]) -> _Plan:
        return _Plan(hyper)

    def _update(self, params, grads, states, plan):  # type: ignore[no-untyped-def]
        _apply(params, grads, states, plan)

    def effective_step_size(self, p: Tensor) -> np.ndarray:
        """η_t / (√S + ε) elementwise: what the last step multiplied ``g`` by (for plots)."""
        if p not in self.state:
            raise ValueError(
                f"no state yet for the parameter of shape {p.shape}: call step() first"
            )
        group = self._group_of(p)
        state = self.state[p]
        return _decayed_lr(group, state["step"]) / (np.sqrt(state["sum"]) + group["eps"])


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
    ``Adagrad.step`` runs this same code, with the ``_Plan`` kept between steps.
    """
    hyper = dict(
        lr=lr,
        lr_decay=lr_decay,
        weight_decay=weight_decay,
        initial_accumulator_value=initial_accumulator_value,
        eps=eps,
        maximize=maximize,
    )
    _apply(params, grads, states, _Plan(hyper))


def _apply(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    plan: _Plan,
) -> None:
    for theta, g, state in zip(params, grads, states, strict=True):
        state["step"] += 1
        adagrad_update(theta, g, state["sum"], plan.kernel_hyper(theta.dtype, state["step"]))


_LR_T = HYPER_LAYOUT.index("lr_t")


class _Plan:
    """One set of hyperparameters turned into the kernel's arguments, once.

    ``kernel_hyper`` gives the kernel's ``hyper`` array (``HYPER_LAYOUT``) in a dtype,
    built on first use and reused; only lr decay, whose η_t depends on each parameter's
    step, fills in a copy.
    """

    __slots__ = ("_by_dtype", "_hyper", "lr_decay")

    def __init__(self, hyper: dict[str, Any]) -> None:
        self._hyper = hyper
        self.lr_decay = hyper["lr_decay"] != 0
        self._by_dtype: dict[np.dtype, np.ndarray] = {}

    def kernel_hyper(self, dtype: np.dtype, step: int) -> np.ndarray:
        vector = self._by_dtype.get(dtype)
        if vector is None:
            vector = self._by_dtype[dtype] = _kernel_hyper(dtype, self._hyper)
        if self.lr_decay:
            vector = vector.copy()
            vector[_LR_T] = _decayed_lr(self._hyper, step)
        return vector


def _decayed_lr(hyper: dict[str, Any], step: int) -> float:
    """η_t = η / (1 + (t−1)·lr_decay); without decay, η at every step."""
    return hyper["lr"] / (1 + (step - 1) * hyper["lr_decay"])


def _kernel_hyper(dtype: np.dtype, hyper: dict[str, Any]) -> np.ndarray:
    """The hyperparameters as the kernel's scalars (``HYPER_LAYOUT``), each rounded to ``dtype``.

    η_t holds step 1's value, which is every step's without lr decay.
    """
    values = {
        "lr_t": _decayed_lr(hyper, 1),
        "eps": hyper["eps"],
        "weight_decay": hyper["weight_decay"],
        "grad_sign": -1 if hyper["maximize"] else 1,
    }
    return np.array([values[name] for name in HYPER_LAYOUT], dtype=dtype)
