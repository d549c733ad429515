"""Stochastic gradient descent, with momentum and Nesterov (PyTorch's ``torch.optim.SGD``).

The simplest member of the family: θ ← θ − η g.  Momentum keeps a running direction
b ← μ b + (1−τ) g and steps along it; Nesterov looks one step ahead, g + μ b.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import sgd_update, sgd_update_parallel
from ..kernels.sgd import SCALARS
from ..tensor import Tensor
from ._plan import KernelPlan, locked, parallel
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["SGD", "sgd"]


class _Plan(KernelPlan):
    """The hyperparameters as ``sgd_update``'s ``scalars`` (laid out as ``SCALARS``), the
    same at every step (a momentum buffer's first step gets ``_first_step``'s copy)."""

    __slots__ = ("momentum",)
    LAYOUT = SCALARS

    def __init__(self, hyperparameters: dict[str, Any]) -> None:
        super().__init__(hyperparameters)
        self.momentum = hyperparameters["momentum"] > 0

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        return {
            "lr": h["lr"],
            "momentum": h["momentum"],
            "one_minus_dampening": 1 - h["dampening"],
            "nesterov": 1 if h["nesterov"] else 0,
            "first_step": 0,
            "weight_decay": h["weight_decay"],
            "grad_sign": -1 if h["maximize"] else 1,
        }


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """Nothing: the momentum buffer is made by its first step (as the gradient itself)."""
    return {}


def _apply(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    plan: _Plan,
) -> None:
    """The update itself: ``SGD.update``, and the body of ``sgd`` (equal-length lists).

    Tensors of at least ``parallel.min_size`` elements (opt-in: ``set_parallel_threshold``)
    go to the kernel's parallel copy.
    """
    momentum, scalars = plan.momentum, plan.scalars
    min_size = parallel.min_size  # opt-in threshold for the parallel copy
    for theta, g, state in zip(params, grads, states):  # noqa: B905 (lengths checked by callers)
        packed = scalars(theta.dtype, 0)
        buf = None
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:  # the first step sets the buffer to g
                buf = state["momentum_buffer"] = np.empty_like(theta)
                packed = _first_step(packed)
        (sgd_update if theta.size < min_size else _update_parallel)(
            theta.ravel(),  # flat views: one compiled specialisation for every shape
            g.ravel(),
            None if buf is None else buf.ravel(),
            packed,
        )


_update_parallel = locked(sgd_update_parallel)

_FIRST_STEP = SCALARS.index("first_step")


def _first_step(scalars: np.ndarray) -> np.ndarray:
    """A copy of the kernel's ``scalars`` for a momentum buffer's first step (b ← g).

    Not a per-step fill-in of the plan: that would cost every later step a look-up for
    what happens once per parameter.
    """
    scalars = scalars.copy()
    scalars[_FIRST_STEP] = 1
    return scalars


def sgd(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> None:
    """Functional SGD: update ``params`` (and ``momentum_buffer`` in ``states``) in place.

    ``SGD.step`` runs this same loop, with the plan kept between steps.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = SGD._functional_plan("sgd", locals(), params, grads, states)
    _apply(params, grads, states, plan)


class SGD(Optimizer):
    """SGD with PyTorch's semantics.

    Args:
        params: parameters or parameter groups.
        lr: learning rate η (default 1e-3, as PyTorch ≥ 2.2).
        momentum: μ (default 0).
        dampening: τ, the fraction of each new gradient left out of the buffer (default 0).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend instead of descend.

    State per parameter: ``momentum_buffer`` (when momentum > 0), which starts as the
    first gradient itself.
    """

    # What is SGD's own, as data; Optimizer does the rest.
    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "momentum": _check_nonnegative("momentum", "momentum value"),
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
        "dampening": _check_nonnegative("dampening", "dampening value"),
    }
    plan = _Plan  # a group's hyperparameters -> sgd_update's scalars
    update = staticmethod(_apply)  # the loop over the parameters, also behind sgd()
    init_state = staticmethod(_init_state)  # a parameter's state, on its first step
    state_keys = frozenset({"momentum_buffer"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

    @classmethod
    def _validate(cls, hyperparameters: dict[str, Any]) -> None:
        super()._validate(hyperparameters)
        h = hyperparameters
        if h.get("nesterov") and (h.get("momentum", 0) <= 0 or h.get("dampening", 0) != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
