r"""RMSProp (Hinton, 2012): divide each gradient by a running RMS of its recent values.

Adagrad divides by the root of the *sum* of all past squared gradients, so its step
size only ever shrinks.  RMSProp replaces the sum with an exponential moving average
``v ← α v + (1−α) g²``, which forgets old gradients at rate ``1−α``: the step size
follows the recent gradient magnitude instead of decaying to zero.

This is PyTorch's ``torch.optim.RMSprop``, option for option (its defaults, its
validation messages, its state names):

.. math::

    g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
          \quad(- \text{ if maximize};\ \lambda = \text{weight\_decay}) \\
    v_t &= \alpha v_{t-1} + (1-\alpha) g_t^2 \\
    \bar g_t &= \alpha \bar g_{t-1} + (1-\alpha) g_t
          \quad\text{(centered only)} \\
    d_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \ \text{(centered)}
          \quad\text{or}\quad \sqrt{v_t} + \epsilon \\
    m_t &= \mu m_{t-1} + g_t / d_t,\quad \theta_t = \theta_{t-1} - \eta\, m_t
          \quad\text{(momentum } \mu > 0) \\
    \theta_t &= \theta_{t-1} - \eta\, g_t / d_t \quad\text{(otherwise)}

with ``v``, ``ḡ`` and ``m`` starting at zero and no bias correction.

Convention note: PyTorch adds ε *outside* the square root, ``g/(√v + ε)``.  The RMSProp
document, TensorFlow, Keras and optax (by default) add it *inside*, ``g/√(v + ε)``.  The
two agree when ``v ≫ ε`` but differ a lot for tiny gradients; see
``docs/rmsprop.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..autograd import enable_grad, no_grad
from ..kernels import rmsprop_update
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["RMSprop", "rmsprop"]

_EMPTY = {
    np.dtype(np.float32): np.empty(0, np.float32),
    np.dtype(np.float64): np.empty(0, np.float64),
}


class RMSprop(Optimizer):
    """RMSProp with PyTorch's semantics (see the module docstring for the math).

    Args:
        params: iterable of parameters, or of dicts defining parameter groups.
        lr: learning rate η (default 1e-2).
        alpha: smoothing constant α of the squared-gradient average (default 0.99).
        eps: ε added to the denominator, outside the square root (default 1e-8).
        weight_decay: coupled L2 penalty λ, added to the gradient (default 0).
        momentum: momentum factor μ (default 0).
        centered: divide by an estimate of the gradient's variance instead of its
            second moment (default False).
        maximize: ascend instead of descend (default False).

    State per parameter: ``step``, ``square_avg``, and ``momentum_buffer`` (when
    momentum > 0) and ``grad_avg`` (when centered), created on the first step.
    """

    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "eps": _check_nonnegative("eps", "epsilon value"),
        "momentum": _check_nonnegative("momentum", "momentum value"),
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
        "alpha": _check_nonnegative("alpha", "alpha value"),
    }

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state: dict[str, Any] = {"step": 0, "square_avg": np.zeros_like(p.data)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p.data)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p.data)
        self.state[p] = state
        return state

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group, params, grads in self._gather():
            states = [self.state.get(p) or self._init_state(p, group) for p in params]
            rmsprop(
                [p.data for p in params],
                grads,
                states,
                lr=group["lr"],
                alpha=group["alpha"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                momentum=group["momentum"],
                centered=group["centered"],
                maximize=group["maximize"],
            )
            for p in params:
                p._version += 1  # graphs that saw the old values must not backward
        return loss


def rmsprop(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> None:
    """Functional RMSProp: update ``params`` and their ``states`` in place.

    ``states[i]`` holds ``square_avg`` (and ``grad_avg`` / ``momentum_buffer`` when
    ``centered`` / ``momentum > 0``) shaped like ``params[i]``; its ``step`` is advanced.
    The hyperparameters are cast to each array's dtype once, then the fused kernel runs.
    """
    scalars: dict[np.dtype, tuple[Any, ...]] = {}
    for theta, g, state in zip(params, grads, states, strict=True):
        dtype = theta.dtype
        if dtype not in scalars:
            t = dtype.type
            scalars[dtype] = (
                t(lr),
                t(alpha),
                t(1 - alpha),
                t(eps),
                t(weight_decay),
                t(momentum),
                t(-1 if maximize else 1),
            )
        empty = _EMPTY[dtype]
        state["step"] += 1
        rmsprop_update(
            theta,
            g,
            state["square_avg"],
            state["grad_avg"] if centered else empty,
            state["momentum_buffer"] if momentum > 0 else empty,
            *scalars[dtype],
        )
