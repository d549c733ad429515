"""ASGD, averaged stochastic gradient descent (Polyak & Juditsky, 1992; the schedule of
Bottou, 2010), PyTorch's ``torch.optim.ASGD``.

SGD with a decaying step size η_t and a decay term λ, whose answer is not the last
iterate but ``ax``, the average of the iterates after step t₀: the noise of the steps
averages out.  Per parameter, at step t (η₁ = lr, μ₁ = 1)::

    θ ← θ(1 − λη_t) − η_t g
    ā ← θ  while μ_t = 1,  else  ā ← ā + μ_t(θ − ā)
    η_{t+1} = lr / (1 + λ·lr·t)^α,    μ_{t+1} = 1 / max(1, t − t₀)

so ā is the mean of the iterates from step t₀ + 2 on (with PyTorch's default
t₀ = 10⁶: never, in most runs).

PyTorch keeps η and μ (``eta``, ``mu``) as 0-d tensors of its "scalar dtype": float32
unless the default dtype is float64.  Each value is rounded to it when stored, and a
float64 parameter is then updated with the rounded value: lr = 0.01 becomes
0.009999999776…, a relative change of 2·10⁻⁸ that a float64 run carries over every step.
The same is done here with ``get_default_dtype()``, so float64 trajectories are PyTorch's
to the last bits; ``eta`` and ``mu`` are kept as Python floats holding the rounded
values.  (PyTorch fixes the state tensors' dtype when a parameter's state is made; a
default dtype switched to float64 mid-run would go on rounding to float32 there and not
here.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..arrays import default_float
from ..kernels import asgd_update, asgd_update_parallel
from ..kernels.asgd import SCALARS
from ..tensor import Tensor
from ._plan import KernelPlan, locked, parallel
from .optimizer import Optimizer, ParamsT, _check_nonnegative, real_number

__all__ = ["ASGD", "asgd"]

_DECAY, _ETA, _MU = (SCALARS.index(name) for name in ("decay", "eta", "mu"))


def _check_real(name: str, allow_inf: bool) -> Callable[[Any], None]:
    """A check that the value is a number, not NaN (PyTorch does not check these; a NaN
    would make every later step size NaN)."""

    def check(value: Any) -> None:
        x = real_number(name, value)
        if x != x or (not allow_inf and math.isinf(x)):
            raise ValueError(f"Invalid {name} value: {value}")

    return check


def _rounded(value: float) -> float:
    """``value`` as PyTorch stores it in ``eta`` or ``mu``: rounded to the scalar dtype."""
    if default_float() == np.float64:
        return float(value)
    with np.errstate(over="ignore"):
        return float(np.float32(value))


class _Plan(KernelPlan):
    """The hyperparameters as ``asgd_update``'s ``scalars``; η, μ and 1 − λη come from
    each parameter's state (``at``)."""

    __slots__ = ("_last_at",)
    LAYOUT = SCALARS

    def __init__(self, hyperparameters: dict[str, Any]) -> None:
        super().__init__(hyperparameters)
        self._last_at: tuple[Any, ...] = (None,)

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        return {  # η, μ and the decay at their first step's values (to check they fit)
            "decay": 1 - h["lambd"] * h["lr"],
            "eta": h["lr"],
            "mu": 1,
            "weight_decay": h["weight_decay"],
            "grad_sign": -1 if h["maximize"] else 1,
        }

    def at(self, dtype: np.dtype, eta: float, mu: float) -> np.ndarray:
        """The kernel's ``scalars`` for a parameter of ``dtype`` whose state holds ``eta``
        and ``mu``; the parameters of a group, at the same step, share one array."""
        last = self._last_at
        if last[0] is dtype and last[1] == eta and last[2] == mu:
            return last[3]
        scalars = self.scalars(dtype, 0).copy()
        scalars[_DECAY] = 1 - self.hyperparameters["lambd"] * eta  # in float64, then rounded
        scalars[_ETA] = eta
        scalars[_MU] = mu
        self._last_at = (dtype, eta, mu, scalars)
        return scalars


def _schedule(hyperparameters: dict[str, Any], step: int) -> tuple[float, float]:
    """η and μ for the step after ``step``, rounded as PyTorch stores them."""
    lr, lambd = hyperparameters["lr"], hyperparameters["lambd"]
    alpha, t0 = hyperparameters["alpha"], hyperparameters["t0"]
    base = 1 + lambd * lr * step
    try:
        if base <= 0:  # a negative lambd, after enough steps
            raise ValueError
        eta = lr / base**alpha
    except (ValueError, OverflowError, ZeroDivisionError):
        raise ValueError(
            f"ASGD: the step size lr / (1 + lambd·lr·t)^alpha is not a number at step t = "
            f"{step} (lr={lr}, lambd={lambd}, alpha={alpha}); nothing was updated"
        ) from None
    return _rounded(eta), _rounded(1 / max(1, step - t0))


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """η at lr (rounded to the scalar dtype), μ at 1, the average at zero."""
    return {"step": 0, "eta": _rounded(group["lr"]), "mu": 1.0, "ax": np.zeros_like(p._array)}


def _apply(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    plan: _Plan,
) -> None:
    """The update itself: ``ASGD.update``, and the body of ``asgd``.

    Each parameter steps with the η and μ its state holds (set by its previous step,
    with the lr of then, as PyTorch); a state without them (the functional form's caller
    may leave them out) gets those a run with these hyperparameters has at its step.  The
    next ones are computed for every parameter first, so that a schedule that breaks
    down stops the step before anything changes.
    """
    h, at = plan.hyperparameters, plan.at
    now, upcoming = [], []
    for state in states:
        step = state["step"]
        given = "eta" in state and "mu" in state
        now.append((float(state["eta"]), float(state["mu"])) if given else _schedule(h, step))
        upcoming.append(_schedule(h, step + 1))
    min_size = parallel.min_size
    for theta, g, state, (eta, mu), after in zip(params, grads, states, now, upcoming):  # noqa: B905
        (asgd_update if theta.size < min_size else _update_parallel)(
            theta.ravel(), g.ravel(), state["ax"].ravel(), at(theta.dtype, eta, mu)
        )
        state["step"] += 1
        state["eta"], state["mu"] = after


_update_parallel = locked(asgd_update_parallel)


def asgd(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    lambd: float,
    alpha: float,
    t0: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """Functional ASGD: update ``params`` and their averages ``ax`` in place.

    ``states[i]`` holds ``step``, ``eta`` and ``mu`` (numbers; when left out, those a run
    with these hyperparameters has at ``step``) and ``ax`` shaped like ``params[i]``;
    ``step``, ``eta`` and ``mu`` are advanced.  ``ASGD.step`` runs this same loop.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = ASGD._functional_plan("asgd", locals(), params, grads, states)
    _apply(params, grads, states, plan)


class ASGD(Optimizer):
    """ASGD with PyTorch's semantics and defaults (lr 1e-2, lambd 1e-4, alpha 0.75,
    t0 1e6)::

        g ← ±g + λ_wd θ
        θ ← θ(1 − λη) − η g                  η, μ: this parameter's eta and mu
        ā ← θ  (μ = 1)   or   ā ← ā + μ(θ − ā)
        η ← lr / (1 + λ·lr·t)^α,   μ ← 1 / max(1, t − t₀)     for the next step

    The averaged parameters are in ``optimizer.state[p]["ax"]``: copy them into the
    model to evaluate it (the parameters themselves are the last SGD iterate).

    Args:
        params: parameters or parameter groups.
        lr: η₁, the first step size (default 1e-2).
        lambd: λ, the decay term, which also sets how fast η decays (default 1e-4).
        alpha: α, the power in η's decay (default 0.75).
        t0: the step after which averaging starts (default 1e6).
        weight_decay: λ_wd, coupled L2 added to the gradient (default 0).
        maximize: ascend instead of descend.

    PyTorch does not check lambd, alpha and t0; here they must be numbers and not NaN
    (lambd finite too), and a step whose 1 + λ·lr·t is not positive (a negative lambd,
    late enough) is refused before it changes anything, where PyTorch goes on with a
    complex or infinite η.

    State per parameter: ``step``, ``eta``, ``mu`` (numbers: see the module docstring on
    their rounding) and ``ax``.
    """

    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "lambd": _check_real("lambd", allow_inf=False),
        "alpha": _check_real("alpha", allow_inf=True),
        "t0": _check_real("t0", allow_inf=True),
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
    }
    plan = _Plan
    update = staticmethod(_apply)
    init_state = staticmethod(_init_state)
    state_keys = required_state = frozenset({"step", "eta", "mu", "ax"})
    scalar_state = frozenset({"eta", "mu"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)
