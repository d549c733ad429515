r"""RMSProp (Hinton, 2012): divide each gradient by a running RMS of its recent values.

Adagrad divides by the root of the *sum* of all past squared gradients, so its step
size only ever shrinks.  RMSProp replaces the sum with an exponential moving average
``v ← α v + (1−α) g²``, which forgets old gradients at rate ``1−α``: the step size
follows the recent gradient magnitude instead of decaying to zero.

By default this is PyTorch's ``torch.optim.RMSprop``, option for option (its defaults,
its validation messages, its state names).  Keyword-only flags reproduce the other
frameworks' conventions, and ``RMSprop.like("keras", params)`` sets them all at once.
See ``docs/rmsprop.md`` ("Which RMSProp is mine?").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..kernels import rmsprop_update, rmsprop_update_parallel
from ..kernels.rmsprop import SCALARS
from ..tensor import Tensor
from ._plan import KernelPlan, locked, parallel
from .optimizer import Optimizer, ParamsT, _check_nonnegative

__all__ = ["RMSprop", "rmsprop"]


def _check_alpha(value: Any) -> None:
    _check_nonnegative("alpha", "alpha value")(value)
    if value > 1:
        raise ValueError(f"Invalid alpha value: {value} (the decay rate must be in [0, 1])")


#: Each framework's defaults and convention flags, in our argument names.
PRESETS: dict[str, dict[str, Any]] = {
    "pytorch": dict(lr=1e-2, alpha=0.99, eps=1e-8),
    "keras": dict(
        lr=1e-3,
        alpha=0.9,
        eps=1e-7,
        eps_in_sqrt=True,
        lr_in_momentum=True,
        decoupled_weight_decay=True,
    ),
    "tf1": dict(
        alpha=0.9, eps=1e-10, eps_in_sqrt=True, initial_accumulator_value=1.0, lr_in_momentum=True
    ),
    "optax": dict(alpha=0.9, eps=1e-8, eps_in_sqrt=True, lr_in_momentum=True),
    "document": dict(lr=1e-3, alpha=0.9, eps=1e-8, eps_in_sqrt=True),
    # The papers that made RMSProp famous (docs/rmsprop.md cites the equations):
    # Graves 2013, "Generating Sequences With RNNs", eqs. (38)-(41) and its constants
    # ℵ=0.95, ℶ=0.9, ℷ=1e-4, ℸ=1e-4: Δ ← ℶΔ − ℷ g/√(n − ḡ² + ℸ), w ← w + Δ.  Chainer's
    # RMSpropGraves has the same rule and defaults.
    "graves2013": dict(
        lr=1e-4,
        alpha=0.95,
        eps=1e-4,
        momentum=0.9,
        centered=True,
        eps_in_sqrt=True,
        lr_in_momentum=True,
    ),
    # Mnih et al. 2015 (Nature), Extended Data Table 1 and DeepMind's released
    # NeuralQLearner.lua (qLearnMinibatch): w ← w − η g/√(v − ḡ² + 0.01), with v and ḡ
    # averaged at ρ 0.95, η 2.5e-4, no momentum.
    "dqn": dict(lr=2.5e-4, alpha=0.95, eps=0.01, centered=True, eps_in_sqrt=True),
    # Lasagne's updates.rmsprop (Theano era): ε inside the root, η 1.0, ρ 0.9, ε 1e-6.
    "lasagne": dict(lr=1.0, alpha=0.9, eps=1e-6, eps_in_sqrt=True),
    # MXNet/Gluon optimizer.RMSProp, centered=False: its fused rmsprop_update kernel
    # (Tieleman & Hinton; ε inside the root, coupled weight decay, no momentum).
    "mxnet": dict(lr=1e-3, alpha=0.9, eps=1e-8, eps_in_sqrt=True),
    # MXNet/Gluon optimizer.RMSProp, centered=True: its rmspropalex_update kernel, which
    # is Graves's rule with MXNet's defaults (ρ 0.9, momentum 0.9, ε 1e-8).
    "mxnet-centered": dict(
        lr=1e-3,
        alpha=0.9,
        eps=1e-8,
        momentum=0.9,
        centered=True,
        eps_in_sqrt=True,
        lr_in_momentum=True,
    ),
}

#: Overrides that would silently leave a framework's rule: preset -> (flag, why).
_PRESET_TRAPS: dict[str, tuple[str, str]] = {
    "mxnet": (
        "centered",
        "MXNet's centered RMSProp is another update rule (Graves's, with momentum 0.9 in "
        "the buffer): use RMSprop.like('mxnet-centered', ...)",
    ),
    "mxnet-centered": (
        "centered",
        "MXNet without centering is the 'mxnet' preset (no momentum): use "
        "RMSprop.like('mxnet', ...)",
    ),
}


_BIAS_CORRECTION = SCALARS.index("bias_correction")


class _Plan(KernelPlan):
    """The hyperparameters as ``rmsprop_update``'s ``scalars`` (laid out as ``SCALARS``); with
    bias correction, c = 1 − αᵗ is filled in per step."""

    __slots__ = ("centered", "momentum")
    LAYOUT = SCALARS

    def __init__(self, hyperparameters: dict[str, Any]) -> None:
        super().__init__(hyperparameters, per_step=bool(hyperparameters["bias_correction"]))
        self.centered = bool(hyperparameters["centered"])
        self.momentum = hyperparameters["momentum"] > 0

    def _named_scalars(self, dtype: np.dtype) -> dict[str, Any]:
        """Each convention as the neutral value of the other: ε and η go inside or outside
        (the other side gets 0 or 1), weight decay coupled or decoupled."""
        h, t = self.hyperparameters, dtype.type
        lr, alpha, eps, wd = h["lr"], h["alpha"], h["eps"], h["weight_decay"]
        inside, lr_in_buffer = h["eps_in_sqrt"], h["lr_in_momentum"]
        decoupled = h["decoupled_weight_decay"]
        return {
            "alpha": t(alpha),
            "one_minus_alpha": t(1 - alpha),
            "lerp_complement": t(1) - t(1 - alpha),
            "eps_in": eps if inside else 0,
            "eps_out": 0 if inside else eps,
            "bias_correction": 1,
            "lr_in": lr if lr_in_buffer else 1,
            "lr_out": 1 if lr_in_buffer else lr,
            "momentum": h["momentum"],
            "nesterov": 1 if h["nesterov"] else 0,
            "weight_decay": 0 if decoupled else wd,
            "decoupled_decay": lr * wd if decoupled else 0,
            "grad_sign": -1 if h["maximize"] else 1,
        }

    def _fill_step(self, scalars: np.ndarray, step: int) -> np.ndarray:
        scalars[_BIAS_CORRECTION] = 1 - self.hyperparameters["alpha"] ** step
        return scalars


def _init_state(p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """v at ``initial_accumulator_value``; m and ḡ at zero when their option is on."""
    state = {"step": 0, "square_avg": np.full_like(p._array, group["initial_accumulator_value"])}
    if group["momentum"] > 0:
        state["momentum_buffer"] = np.zeros_like(p._array)
    if group["centered"]:
        state["grad_avg"] = np.zeros_like(p._array)
    return state


def _apply(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    states: Sequence[dict[str, Any]],
    plan: _Plan,
) -> None:
    """The update itself: ``RMSprop.update``, and the body of ``rmsprop`` (equal-length lists).

    Tensors of at least ``parallel.min_size`` elements (opt-in: ``set_parallel_threshold``)
    go to the kernel's parallel copy.
    """
    centered, momentum, scalars = plan.centered, plan.momentum, plan.scalars
    min_size = parallel.min_size  # opt-in threshold for the parallel copy
    for theta, g, state in zip(params, grads, states):  # noqa: B905 (lengths checked by callers)
        step = state["step"] = state["step"] + 1
        (rmsprop_update if theta.size < min_size else _update_parallel)(
            theta.ravel(),  # flat views: one compiled specialisation for every shape
            g.ravel(),
            state["square_avg"].ravel(),
            _buffer(state, "grad_avg", theta).ravel() if centered else None,
            _buffer(state, "momentum_buffer", theta).ravel() if momentum else None,
            scalars(theta.dtype, step),
        )


_update_parallel = locked(rmsprop_update_parallel)


def _buffer(state: dict[str, Any], name: str, like: np.ndarray) -> np.ndarray:
    """A state buffer, created at zero when its option is turned on mid-training."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = np.zeros_like(like)
    return buf


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
    eps_in_sqrt: bool = False,
    initial_accumulator_value: float = 0.0,
    lr_in_momentum: bool = False,
    nesterov: bool = False,
    decoupled_weight_decay: bool = False,
    bias_correction: bool = False,
) -> None:
    """Functional RMSProp: update ``params`` and their ``states`` in place.

    ``states[i]`` holds ``step`` and ``square_avg`` (and ``grad_avg`` /
    ``momentum_buffer`` when ``centered`` / ``momentum > 0``) shaped like ``params[i]``;
    ``step`` is advanced.  ``initial_accumulator_value`` only matters where the state is
    created.  ``RMSprop.step`` runs this same loop, with the plan kept between steps.
    """
    # first statement: locals() holds the arguments; checked as the class checks them
    plan = RMSprop._functional_plan("rmsprop", locals(), params, grads, states)
    _apply(params, grads, states, plan)


class RMSprop(Optimizer):
    r"""RMSProp in any framework's convention; PyTorch's by default.

    The whole algorithm, per parameter θ with gradient g at step t (v, ḡ, m start at
    ``initial_accumulator_value``, 0, 0)::

        θ ← θ − η λ θ                               decoupled_weight_decay (else:)
        g ← ±g + λ θ                                coupled L2; − when maximize
        v ← α v + (1−α) g²
        ḡ ← α ḡ + (1−α) g                           centered
        c ← 1 − αᵗ  (bias_correction)  or  1
        s ← v/c − (ḡ/c)²  (centered)  or  v/c
        d ← √s + ε   or, eps_in_sqrt,  √(s + ε)
        m ← μ m + g/d,      θ ← θ − η m             momentum μ > 0
        m ← μ m + η g/d,    θ ← θ − m               … with lr_in_momentum
        θ ← θ − η (g/d + μ m)                       … nesterov (η inside the bracket's
                                                        first term with lr_in_momentum)
        θ ← θ − η g/d                               no momentum

    Argument names across frameworks:

    ============================  ===========  ==============  ===============  =========
    ours                          PyTorch      Keras 3         TF1              optax
    ============================  ===========  ==============  ===============  =========
    lr                            lr           learning_rate   learning_rate    learning_rate
    alpha                         alpha        rho             decay            decay
    eps                           eps          epsilon         epsilon          eps
    momentum                      momentum     momentum        momentum         momentum
    centered                      centered     centered        centered         centered
    weight_decay                  weight_decay weight_decay    —                —
    eps_in_sqrt                   (False)      (True)          (True)           eps_in_sqrt
    initial_accumulator_value     (0)          (0)             (1)              initial_scale
    lr_in_momentum                (False)      (True)          (True)           (True)
    nesterov                      —            —               —                nesterov
    decoupled_weight_decay        (False)      (True)          —                —
    bias_correction               —            —               —                bias_correction
    ============================  ===========  ==============  ===============  =========

    Args:
        params: iterable of parameters, or of dicts defining parameter groups.
        lr: learning rate η (default 1e-2).
        alpha: smoothing constant α of the squared-gradient average, in [0, 1] (0.99).
        eps: ε added to the denominator (1e-8).
        weight_decay: λ; coupled L2 added to the gradient unless
            ``decoupled_weight_decay`` (default 0).
        momentum: momentum factor μ (default 0).
        centered: divide by an estimate of the gradient's standard deviation.
        maximize: ascend instead of descend.
        eps_in_sqrt: ε inside the square root, √(v + ε): the document, TF, Keras, optax.
        initial_accumulator_value: starting value of v (TF1 uses 1.0).
        lr_in_momentum: the momentum buffer accumulates η·g/d (TF, Keras, optax), so a
            change of η affects only new contributions; PyTorch scales the buffer by η.
        nesterov: Nesterov momentum as optax's ``trace(nesterov=True)``.
        decoupled_weight_decay: θ ← θ − ηλθ before the update (Keras 3), instead of
            adding λθ to the gradient.
        bias_correction: use v/(1 − αᵗ) (and ḡ/(1 − αᵗ)) as optax does.

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0),
    ``grad_avg`` (centered), created on a parameter's first step.
    """

    #: framework name -> its defaults and convention flags (what ``like`` applies)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = PRESETS

    # What is RMSprop's own, as data; Optimizer does the rest.
    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "eps": _check_nonnegative("eps", "epsilon value"),
        "momentum": _check_nonnegative("momentum", "momentum value"),
        "weight_decay": _check_nonnegative("weight_decay", "weight_decay value"),
        "alpha": _check_alpha,
        "initial_accumulator_value": _check_nonnegative(
            "initial_accumulator_value", "initial_accumulator_value"
        ),
    }
    plan = _Plan  # a group's hyperparameters -> rmsprop_update's scalars
    update = staticmethod(_apply)  # the loop over the parameters, also behind rmsprop()
    init_state = staticmethod(_init_state)  # a parameter's state, on its first step
    state_keys = frozenset({"step", "square_avg", "momentum_buffer", "grad_avg"})
    required_state = frozenset({"step", "square_avg"})

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
        *,
        eps_in_sqrt: bool = False,
        initial_accumulator_value: float = 0.0,
        lr_in_momentum: bool = False,
        nesterov: bool = False,
        decoupled_weight_decay: bool = False,
        bias_correction: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
            eps_in_sqrt=eps_in_sqrt,
            initial_accumulator_value=initial_accumulator_value,
            lr_in_momentum=lr_in_momentum,
            nesterov=nesterov,
            decoupled_weight_decay=decoupled_weight_decay,
            bias_correction=bias_correction,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    @classmethod
    def _validate(cls, hyperparameters: dict[str, Any]) -> None:
        super()._validate(hyperparameters)
        momentum = hyperparameters.get("momentum", 0)
        if hyperparameters.get("nesterov") and not momentum > 0:
            raise ValueError(f"nesterov=True needs momentum > 0, got momentum={momentum}")

    @classmethod
    def like(cls, framework: str, params: ParamsT, **overrides: Any) -> RMSprop:
        """RMSprop with ``framework``'s defaults and conventions; ``overrides`` win.

        ``framework`` is a framework ("pytorch", "keras", "tf1", "optax", "mxnet",
        "mxnet-centered", "lasagne"), a paper ("graves2013": Graves 2013, eqs. 38–41;
        "dqn": Mnih et al. 2015) or "document" (the RMSProp document's formula
        θ ← θ − η g/√(v + ε) with ρ=0.9, η=0.001, ε=1e-8).  TF1 and optax have no default
        learning rate: pass ``lr``.  Without momentum the "optax", "document", "mxnet" and
        "lasagne" rules coincide up to defaults (ε inside the root); they differ once
        momentum is on (optax accumulates η·g/d in its trace; MXNet has no momentum
        unless centered).  An override that would turn a preset into another framework's
        rule (``like("mxnet", centered=True)``) is refused, naming the preset to use.
        """
        if framework not in PRESETS:
            raise ValueError(f"unknown framework {framework!r}; choose one of {sorted(PRESETS)}")
        flag, why = _PRESET_TRAPS.get(framework, ("", ""))
        if flag in overrides and overrides[flag] != PRESETS[framework].get(flag, False):
            raise ValueError(f"{framework} with {flag}={overrides[flag]!r}: {why}")
        settings = {**PRESETS[framework], **overrides}
        if "lr" not in settings:
            raise ValueError(f"{framework} has no default learning rate: pass lr=...")
        return cls(params, **settings)

    def effective_step_size(self, p: Tensor) -> np.ndarray:
        """η / d elementwise: the factor the last step multiplied ``g`` by (for plots).

        Read from the state after a step; without momentum the update was exactly this
        times the (decayed, signed) gradient.
        """
        if p not in self.state:
            raise ValueError(
                f"no state yet for the parameter of shape {p.shape}: call step() first"
            )
        group = self._group_of(p)
        state = self.state[p]
        c = 1 - group["alpha"] ** state["step"] if group["bias_correction"] else 1.0
        s = state["square_avg"] / c
        if group["centered"]:
            s = s - (state["grad_avg"] / c) ** 2
        eps = group["eps"]
        denom = np.sqrt(s + eps) if group["eps_in_sqrt"] else np.sqrt(s) + eps
        return group["lr"] / denom
