"""NAdam (Dozat, 2016): Adam with Nesterov momentum, PyTorch's ``torch.optim.NAdam``.

Adam steps along its momentum m; NAdam looks one step ahead, mixing the fresh gradient
and the momentum each with its own bias correction::

    μₜ = β₁(1 − ½·0.96^(tψ))                 the momentum schedule (ψ: momentum_decay)
    Πₜ = μ₁μ₂⋯μₜ                             its running product (state ``mu_product``)
    θ ← θ − η[(1 − μₜ)/(1 − Πₜ)·g + μₜ₊₁/(1 − Πₜμₜ₊₁)·m] / (√(v/(1 − β₂ᵗ)) + ε)

μₜ starts near β₁/2 and rises towards β₁ (with ψ = 4e-3, halfway after ~4,200 steps).
optax's ``nadam`` has no schedule, μₜ = β₁ throughout: ours is that only where 0.96^(tψ)
underflows to 0 (e.g. ψ = 1e6).

The product's precision, as PyTorch's.  PyTorch keeps ``mu_product`` (and ``step``) in a
0-d tensor of its *scalar dtype*: float32, unless the default dtype is float64.  Each
step rounds μₜ to that dtype and multiplies in it, whatever the parameters' dtype, and
the two coefficients are then computed in double from that rounded product.  Against the
exact product this moves a float64 trajectory by 1e-9 to 1e-8 relative within 30 steps
(tests/test_optimizer_family.py), so we do the same:
``mu_product`` is a numpy float32 scalar (float64 under ``set_default_dtype(float64)``),
advanced as PyTorch advances it.  Loading follows PyTorch's two rules: a tensor (or
array) is cast to the parameter's dtype, as PyTorch's ``load_state_dict`` casts every
floating state tensor but ``step``, while a plain number takes the scalar dtype, as
``NAdam.__setstate__`` does.  So a PyTorch checkpoint continues here exactly as it does
in PyTorch (in float64 from then on, for float64 parameters).  ``state_dict`` writes the
product in whichever form loads back in its own dtype (a number, or a 0-d array once it
has the parameter's float64), so resuming, here or in PyTorch, changes nothing.
(PyTorch 2.13's ``nadam.py`` and ``optimizer.py``, the newest source read.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ..arrays import default_float, float32, float64
from ..kernels.nadam import SCALARS, nadam_update, nadam_update_parallel
from ..tensor import Tensor
from ._plan import KernelPlan, locked, parallel
from .adam import _check_betas
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["NAdam", "nadam"]

_GRAD_COEF = SCALARS.index("grad_coef")
_AVG_COEF = SCALARS.index("avg_coef")
_BIAS_CORRECTION2 = SCALARS.index("bias_correction2")


def _scalar_dtype() -> np.dtype:
    """PyTorch's dtype for an optimizer's 0-d state: float64 if that is the default."""
    return float64 if default_float() == float64 else float32


def _product(value: Any, what: str, dtype: np.dtype | None = None) -> np.floating:
    """A running product Πₜ as a numpy float of ``dtype``: by default a numpy float's own
    (float32 or float64), else the scalar dtype.  It is a number in [0, 1]: a float, or a
    0-d tensor or array."""
    given = value
    if isinstance(value, Tensor):
        value = value._array
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "fiu":
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        raise ValueError(f"{what} must be a number in [0, 1], got {given!r}")
    if dtype is None:  # (not ``in (float32, float64)``: numpy reads None as float64)
        own = isinstance(value, np.float32 | np.float64)
        dtype = value.dtype if own else _scalar_dtype()  # type: ignore[union-attr]
    product = np.dtype(dtype).type(value)
    if not 0 <= product <= 1:  # also refuses NaN
        raise ValueError(f"{what} must be a number in [0, 1], got {given!r}")
    return product


def _same(a: np.floating | None, b: np.floating) -> bool:
    """Whether two products are one value of one dtype."""
    return a is b or (a is not None and a.dtype == b.dtype and a == b)


class _Plan(KernelPlan):
    """The hyperparameters as ``nadam_update``'s ``scalars``.  The two coefficients and
    c₂ depend on a parameter's step and product: ``advance`` fills them in."""

    __slots__ = ("_advanced",)
    LAYOUT = SCALARS

    def __init__(self, hyperparameters: dict[str, Any]) -> None:
        super().__init__(hyperparameters)
        # (dtype, step, product before) -> (scalars, product after), of the last call
        self._advanced: tuple[Any, ...] = (None, 0, None, None, None)

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        h = self.hyperparameters
        lr, (beta1, beta2), wd = h["lr"], h["betas"], h["weight_decay"]
        decoupled = h["decoupled_weight_decay"]
        return {
            # per step; −η stands in for the overflow check (|a| ≤ η, |b| ≤ ηβ₁/(1 − β₁))
            "grad_coef": -lr,
            "avg_coef": -lr,
            "bias_correction2": float("nan"),  # per step
            "beta1": beta1,
            "one_minus_beta1": 1 - beta1,
            "beta2": beta2,
            "one_minus_beta2": 1 - beta2,
            "eps": h["eps"],
            "weight_decay": 0 if decoupled else wd,
            "decay_factor": 1 - lr * wd if decoupled else 1,
            "grad_sign": -1 if h["maximize"] else 1,
        }

    def advance(
        self, dtype: np.dtype, step: int, product: np.floating
    ) -> tuple[np.ndarray, np.floating]:
        """The kernel's scalars at ``step`` for a parameter whose product was ``product``
        before it, and its product after: Πₜ = Πₜ₋₁·μₜ in the product's own dtype (μₜ
        rounded to it first), the rest in double from it, as PyTorch.  The parameters of
        a group share their step and product, so the last answer is kept."""
        last = self._advanced
        if last[0] is dtype and last[1] == step and _same(last[2], product):
            return last[3], last[4]
        h = self.hyperparameters
        lr, (beta1, beta2), psi = h["lr"], h["betas"], h["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        after = product * product.dtype.type(mu)
        rounded = float(after)
        scalars = self.scalars(dtype, step).copy()
        scalars[_GRAD_COEF] = -lr * (1.0 - mu) / (1.0 - rounded)
        scalars[_AVG_COEF] = -lr * mu_next / (1.0 - rounded * mu_next)
        scalars[_BIAS_CORRECTION2] = 1 - beta2**step
        self._advanced = (dtype, step, product, scalars, after)
        return scalars, after


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """The moments at zero, the product at 1 in the scalar dtype."""
    return {
        "step": 0,
        "mu_product": _scalar_dtype().type(1.0),
        "exp_avg": np.zeros_like(p._array),
        "exp_avg_sq": np.zeros_like(p._array),
    }


def _apply(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    plan: _Plan,
) -> None:
    """The update itself: ``NAdam.update``, and the body of ``nadam``."""
    advance = plan.advance
    min_size = parallel.min_size
    for theta, g, state in zip(params, grads, states):  # noqa: B905 (lengths checked by callers)
        step = state["step"] = state["step"] + 1
        scalars, state["mu_product"] = advance(theta.dtype, step, state["mu_product"])
        (nadam_update if theta.size < min_size else _update_parallel)(
            theta.ravel(),
            g.ravel(),
            state["exp_avg"].ravel(),
            state["exp_avg_sq"].ravel(),
            scalars,
        )


_update_parallel = locked(nadam_update_parallel)


def nadam(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    momentum_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> None:
    """Functional NAdam: update ``params``, their moments and products in place.

    ``states[i]`` holds ``step``, ``mu_product`` (a number: 1.0 before the first step;
    a Python float is taken in the scalar dtype, float32 by default) and ``exp_avg``,
    ``exp_avg_sq`` shaped like ``params[i]``; ``step`` and ``mu_product`` are advanced.
    ``NAdam.step`` runs this same loop.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = NAdam._functional_plan("nadam", locals(), params, grads, states)
    products = []
    for i, state in enumerate(states):
        if "mu_product" not in state:
            raise ValueError(f"nadam: states[{i}] has no 'mu_product' (1.0 before any step)")
        products.append(_product(state["mu_product"], f"nadam: states[{i}]['mu_product']"))
    for state, product in zip(states, products):  # noqa: B905 (lengths checked)
        state["mu_product"] = product
    _apply(params, grads, states, plan)


class NAdam(Optimizer):
    """NAdam with PyTorch's semantics and defaults (lr 2e-3, betas (0.9, 0.999), eps
    1e-8, momentum_decay 4e-3)::

        g ← ±g + λθ  (or, decoupled: θ ← θ(1 − ηλ))
        m ← β₁m + (1−β₁)g;    v ← β₂v + (1−β₂)g²;    μₜ = β₁(1 − ½·0.96^(tψ))
        θ ← θ − η[(1−μₜ)/(1−Πₜ)·g + μₜ₊₁/(1−Πₜμₜ₊₁)·m] / (√(v/(1−β₂ᵗ)) + ε)

    Πₜ = μ₁⋯μₜ is kept in float32 as PyTorch keeps it (see the module docstring).

    Args:
        params: parameters or parameter groups.
        lr: learning rate η (default 2e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: λ (default 0).
        momentum_decay: ψ of the momentum schedule (default 4e-3).
        decoupled_weight_decay: decay θ directly, as AdamW (NAdamW) (default False).
        maximize: ascend instead of descend.

    State per parameter: ``step``, ``mu_product`` (Πₜ), ``exp_avg`` (m), ``exp_avg_sq`` (v).
    """

    _checks: ClassVar[dict[str, Any]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "eps": _check_nonnegative("eps", "epsilon value"),
        "betas": _check_betas,
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
        "momentum_decay": _check_nonnegative("momentum_decay", "momentum_decay value"),
    }
    plan = _Plan
    update = staticmethod(_apply)
    init_state = staticmethod(_init_state)
    state_keys = required_state = frozenset({"step", "mu_product", "exp_avg", "exp_avg_sq"})
    scalar_state = frozenset({"mu_product"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def state_dict(self) -> dict[str, Any]:
        """As ``Optimizer.state_dict``, with each ``mu_product`` in the form that loads
        back in its own dtype: a number when it has the scalar dtype (float32 by default),
        else a 0-d array (it then has its parameter's dtype).  PyTorch loads both alike."""
        saved = super().state_dict()
        scalar = _scalar_dtype()
        for entry in saved["state"].values():
            product = entry.get("mu_product")
            if isinstance(product, np.floating) and product.dtype != scalar:
                entry["mu_product"] = np.array(product)
        return saved

    def _restored_scalar(self, key: str, value: Any, p: Tensor, index: int) -> Any:
        """A saved ``mu_product``: a tensor or array takes the parameter's dtype, a number
        the scalar dtype (PyTorch's ``load_state_dict`` and ``__setstate__``)."""
        is_array = isinstance(value, Tensor | np.ndarray)
        dtype = p._array.dtype if is_array else _scalar_dtype()
        return _product(value, f"state '{key}' of parameter {index}", dtype)
