"""Slow, obviously-correct references, written from the published algorithms in plain
numpy (whole-array operations), independently of the Numba kernels they check."""

from __future__ import annotations

import numpy as np


def rmsprop_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> np.ndarray:
    """One step of torch.optim.RMSprop as its documentation states it; returns new param.

    ``state`` holds 'square_avg', 'grad_avg', 'momentum_buffer' (created at zero here).
    All arithmetic is done in the param's dtype.
    """
    dt = param.dtype.type
    g = -grad if maximize else grad.copy()
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    v = state.setdefault("square_avg", np.zeros_like(param))
    v = dt(alpha) * v + dt(1 - alpha) * g * g
    state["square_avg"] = v
    if centered:
        ga = state.setdefault("grad_avg", np.zeros_like(param))
        ga = ga + dt(1 - alpha) * (g - ga)
        state["grad_avg"] = ga
        denom = np.sqrt(v - ga * ga) + dt(eps)
    else:
        denom = np.sqrt(v) + dt(eps)
    if momentum > 0:
        m = state.setdefault("momentum_buffer", np.zeros_like(param))
        m = dt(momentum) * m + g / denom
        state["momentum_buffer"] = m
        return param - dt(lr) * m
    return param - dt(lr) * g / denom


def rmsprop_general_step(
    param,
    grad,
    state,
    *,
    lr,
    alpha,
    eps,
    weight_decay,
    momentum,
    centered,
    maximize,
    eps_in_sqrt,
    initial_accumulator_value,
    lr_in_momentum,
    nesterov,
    decoupled_weight_decay,
    bias_correction,
):
    """Our RMSprop's documented algorithm with every flag, in whole-array numpy (float64)."""
    p = param.astype(np.float64)
    g = grad.astype(np.float64)
    if maximize:
        g = -g
    if weight_decay and decoupled_weight_decay:
        p = p - lr * weight_decay * p
    elif weight_decay:
        g = g + weight_decay * p
    t = state["step"] = state.get("step", 0) + 1
    v = state.get("v", np.full_like(p, initial_accumulator_value))
    v = alpha * v + (1 - alpha) * g**2
    state["v"] = v
    c = 1 - alpha**t if bias_correction else 1.0
    s = v / c
    if centered:
        gbar = alpha * state.get("gbar", np.zeros_like(p)) + (1 - alpha) * g
        state["gbar"] = gbar
        s = s - (gbar / c) ** 2
    d = np.sqrt(s + eps) if eps_in_sqrt else np.sqrt(s) + eps
    if momentum > 0:
        scale = lr if lr_in_momentum else 1.0
        m = momentum * state.get("m", np.zeros_like(p)) + scale * g / d
        state["m"] = m
        direction = scale * g / d + momentum * m if nesterov else m
        p = p - (1.0 if lr_in_momentum else lr) * direction
    else:
        p = p - lr * g / d
    return p


def keras3_rmsprop_step(
    param,
    grad,
    state,
    *,
    learning_rate=0.001,
    rho=0.9,
    momentum=0.0,
    epsilon=1e-7,
    centered=False,
    weight_decay=None,
):
    """keras.optimizers.RMSprop.update_step (Keras 3), preceded by its decoupled decay."""
    var = param.astype(np.float64)
    if weight_decay:
        var = var - var * weight_decay * learning_rate
    velocity = state.get("velocity", np.zeros_like(var))
    velocity = rho * velocity + (1 - rho) * np.square(grad)
    state["velocity"] = velocity
    if centered:
        average_grad = rho * state.get("average_grad", np.zeros_like(var)) + (1 - rho) * grad
        state["average_grad"] = average_grad
        denominator = velocity - np.square(average_grad) + epsilon
    else:
        denominator = velocity + epsilon
    increment = learning_rate * grad / np.sqrt(denominator)
    if momentum > 0:
        mom = momentum * state.get("momentum", np.zeros_like(var)) + increment
        state["momentum"] = mom
        return var - mom
    return var - increment


def tf1_rmsprop_step(
    param, grad, state, *, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, centered=False
):
    """tf.compat.v1.train.RMSPropOptimizer (ApplyRMSProp / ApplyCenteredRMSProp).

    The mean-square slot starts at ONE; it is written as ms + (g² − ms)(1 − ρ).
    """
    ms = state.get("ms", np.ones_like(param, dtype=np.float64))
    ms = ms + (grad * grad - ms) * (1 - decay)
    state["ms"] = ms
    denom = ms + epsilon
    if centered:
        mg = state.get("mg", np.zeros_like(ms))
        mg = mg + (grad - mg) * (1 - decay)
        state["mg"] = mg
        denom = denom - mg * mg
    mom = state.get("mom", np.zeros_like(ms)) * momentum + learning_rate * grad / np.sqrt(denom)
    state["mom"] = mom
    return param - mom


def optax_rmsprop_step(
    param,
    grad,
    state,
    *,
    learning_rate,
    decay=0.9,
    eps=1e-8,
    initial_scale=0.0,
    eps_in_sqrt=True,
    centered=False,
    momentum=None,
    nesterov=False,
    bias_correction=False,
):
    """optax.rmsprop = chain(scale_by_rms | scale_by_stddev, scale_by_learning_rate, trace)."""
    count = state["count"] = state.get("count", 0) + 1
    nu = (1 - decay) * grad**2 + decay * state.get(
        "nu", np.full_like(param, initial_scale, dtype=np.float64)
    )
    state["nu"] = nu
    nu_hat = nu / (1 - decay**count) if bias_correction else nu
    if centered:
        mu = (1 - decay) * grad + decay * state.get("mu", np.zeros_like(nu))
        state["mu"] = mu
        mu_hat = mu / (1 - decay**count) if bias_correction else mu
        var = nu_hat - mu_hat**2
    else:
        var = nu_hat
    updates = grad / np.sqrt(var + eps) if eps_in_sqrt else grad / (np.sqrt(var) + eps)
    updates = -learning_rate * updates
    if momentum is not None:
        new_trace = updates + momentum * state.get("trace", np.zeros_like(nu))
        state["trace"] = new_trace
        updates = updates + momentum * new_trace if nesterov else new_trace
    return param + updates


def graves2013_rmsprop_step(param, grad, state, *, lr=1e-4, aleph=0.95, beth=0.9, daleth=1e-4):
    """Graves 2013 (arXiv:1308.0850), eqs. (38)-(41), in the paper's letters::

        n ← ℵn + (1−ℵ)ε²;  g ← ℵg + (1−ℵ)ε;  Δ ← ℶΔ − ℷ ε/√(n − g² + ℸ);  w ← w + Δ

    with ε the gradient, ℷ the learning rate and ℸ the constant inside the root.
    """
    n = aleph * state.get("n", np.zeros_like(param)) + (1 - aleph) * grad * grad
    g = aleph * state.get("g", np.zeros_like(param)) + (1 - aleph) * grad
    delta = beth * state.get("delta", np.zeros_like(param)) - lr * grad / np.sqrt(
        n - g * g + daleth
    )
    state.update(n=n, g=g, delta=delta)
    return param + delta


def dqn_rmsprop_step(param, grad, state, *, lr=2.5e-4):
    """DeepMind's NeuralQLearner.lua (qLearnMinibatch), the Nature DQN's update, on the
    loss gradient (the Lua code holds dw = −gradient and adds the deltas)::

        g ← 0.95g + 0.05·dw;  g2 ← 0.95g2 + 0.05·dw²;  w ← w + lr·dw/√(g2 − g² + 0.01)
    """
    dw = -grad
    g = 0.95 * state.get("g", np.zeros_like(param)) + 0.05 * dw
    g2 = 0.95 * state.get("g2", np.zeros_like(param)) + 0.05 * dw * dw
    state.update(g=g, g2=g2)
    return param + lr * dw / np.sqrt(-(g * g) + g2 + 0.01)


def lasagne_rmsprop_step(param, grad, state, *, learning_rate=1.0, rho=0.9, epsilon=1e-6):
    """lasagne.updates.rmsprop: accu ← ρ·accu + (1−ρ)g²; θ ← θ − η g/√(accu + ε)."""
    accu = rho * state.get("accu", np.zeros_like(param)) + (1 - rho) * grad**2
    state["accu"] = accu
    return param - learning_rate * grad / np.sqrt(accu + epsilon)


def mxnet_rmsprop_step(
    param,
    grad,
    state,
    *,
    learning_rate=1e-3,
    rho=0.9,
    momentum=0.9,
    epsilon=1e-8,
    wd=0.0,
    centered=False,
):
    """MXNet's fused kernels behind optimizer.RMSProp (src/operator/optimizer_op-inl.h).

    centered=False, RMSPropUpdateKernel: g ← g + wd·w; n ← (1−ρ)g² + ρn;
    w ← w − lr·g/√(n + ε) (``momentum`` unused).  centered=True, RMSPropAlexUpdateKernel:
    also ḡ ← (1−ρ)g + ρḡ; Δ ← μΔ − lr·g/√(n − ḡ² + ε); w ← w + Δ.
    """
    g = grad + wd * param
    n = (1 - rho) * g * g + rho * state.get("n", np.zeros_like(param))
    state["n"] = n
    if not centered:
        return param - learning_rate * (g / np.sqrt(n + epsilon))
    mean = (1 - rho) * g + rho * state.get("g", np.zeros_like(param))
    delta = momentum * state.get("delta", np.zeros_like(param)) - learning_rate * g / np.sqrt(
        n - mean * mean + epsilon
    )
    state.update(g=mean, delta=delta)
    return param + delta


# ----------------------------------------------------------------------------------------
# The rest of the family, transcribed from PyTorch 2.13's documentation (the algorithm
# boxes of torch.optim.SGD, Adagrad, Adam and AdamW), whole-array, in the param's dtype.
# Defaults are PyTorch's.  Each function takes a state dict (buffers named as PyTorch
# names them, created here on first use) and returns the new parameter.


def sgd_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-3,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> np.ndarray:
    """torch.optim.SGD: g ← ±∇ + λθ; b ← g (t = 1) or μb + (1−τ)g; g ← g + μb or b; θ − γg."""
    dt = param.dtype.type
    g = -grad if maximize else grad.copy()
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    if momentum != 0:
        if "momentum_buffer" in state:  # t > 1
            b = dt(momentum) * state["momentum_buffer"] + dt(1 - dampening) * g
        else:
            b = g.copy()
        state["momentum_buffer"] = b
        g = g + dt(momentum) * b if nesterov else b
    return param - dt(lr) * g


def adagrad_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> np.ndarray:
    """torch.optim.Adagrad: γ̃ = γ/(1 + (t−1)η); S ← S + g²; θ ← θ − γ̃ g/(√S + ε).

    The documentation's box leaves ``maximize`` out; the argument's description ("maximize
    the objective") means g ← −∇ first, as in the boxes of SGD and Adam.
    """
    dt = param.dtype.type
    t = state["step"] = state.get("step", 0) + 1
    g = -grad if maximize else grad.copy()
    clr = lr / (1 + (t - 1) * lr_decay)
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    s = state.get("sum", np.full_like(param, initial_accumulator_value)) + g * g
    state["sum"] = s
    return param - dt(clr) * g / (np.sqrt(s) + dt(eps))


def _adam_moments(g: np.ndarray, state: dict, betas: tuple[float, float], amsgrad: bool):
    """m, v (and v_max) as the Adam and AdamW boxes state them; returns (m̂, v̂)."""
    dt = g.dtype.type
    beta1, beta2 = betas
    t = state["step"] = state.get("step", 0) + 1
    zeros = np.zeros_like(g)
    m = dt(beta1) * state.get("exp_avg", zeros) + dt(1 - beta1) * g
    v = dt(beta2) * state.get("exp_avg_sq", zeros) + dt(1 - beta2) * g * g
    state["exp_avg"], state["exp_avg_sq"] = m, v
    m_hat = m / dt(1 - beta1**t)
    if amsgrad:
        v = state["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", zeros), v)
    v_hat = v / dt(1 - beta2**t)
    return m_hat, v_hat


def adam_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
) -> np.ndarray:
    """torch.optim.Adam: g ← ±∇ + λθ; m̂, v̂ bias-corrected; θ ← θ − γ m̂/(√v̂ + ε)."""
    dt = param.dtype.type
    g = -grad if maximize else grad.copy()
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    m_hat, v_hat = _adam_moments(np.asarray(g, dtype=param.dtype), state, betas, amsgrad)
    return param - dt(lr) * m_hat / (np.sqrt(v_hat) + dt(eps))


def adamw_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
    amsgrad: bool = False,
    maximize: bool = False,
) -> np.ndarray:
    """torch.optim.AdamW: θ ← θ − γλθ; then Adam's step on ±∇ without L2 in the gradient."""
    dt = param.dtype.type
    g = -grad if maximize else grad.copy()
    theta = param - dt(lr) * dt(weight_decay) * param
    m_hat, v_hat = _adam_moments(np.asarray(g, dtype=param.dtype), state, betas, amsgrad)
    return theta - dt(lr) * m_hat / (np.sqrt(v_hat) + dt(eps))


def adamax_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 2e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> np.ndarray:
    """torch.optim.Adamax as its documentation states it: g ← ±∇ + λθ; m ← β₁m + (1−β₁)g;
    u ← max(β₂u, |g| + ε); θ ← θ − (γ/(1 − β₁ᵗ)) m/u."""
    dt = param.dtype.type
    beta1, beta2 = betas
    g = -grad if maximize else grad.copy()
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    t = state["step"] = state.get("step", 0) + 1
    zeros = np.zeros_like(param)
    m = dt(beta1) * state.get("exp_avg", zeros) + dt(1 - beta1) * g
    u = np.maximum(dt(beta2) * state.get("exp_inf", zeros), np.abs(g) + dt(eps))
    state["exp_avg"], state["exp_inf"] = m, u
    return param - dt(lr / (1 - beta1**t)) * m / u


def rprop_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-2,
    etas: tuple[float, float] = (0.5, 1.2),
    step_sizes: tuple[float, float] = (1e-6, 50),
    maximize: bool = False,
) -> np.ndarray:
    """torch.optim.Rprop as its documentation's algorithm box states it: per element, if
    g_prev·g > 0, η ← min(η·η₊, Γ_max); else if g_prev·g < 0, η ← max(η·η₋, Γ_min) and
    g ← 0; else η unchanged; θ ← θ − η·sign(g); g_prev ← g (g_prev starts at 0, η at lr).

    The box bounds η only on the side it moves and not when g_prev·g = 0, where PyTorch's
    code clamps both sides every step: the two agree while lr lies in [Γ_min, Γ_max].
    ``maximize`` negates the gradient first (the argument's documented meaning).
    """
    dt = param.dtype.type
    etaminus, etaplus = etas
    low, high = step_sizes
    g = -grad if maximize else grad.copy()
    state["step"] = state.get("step", 0) + 1
    g_prev = state.get("prev", np.zeros_like(param))
    eta = state.get("step_size", np.full_like(param, lr))
    product = g_prev * g
    grown = np.minimum(eta * dt(etaplus), dt(high))
    shrunk = np.maximum(eta * dt(etaminus), dt(low))
    eta = np.where(product > 0, grown, np.where(product < 0, shrunk, eta))
    g = np.where(product < 0, dt(0), g)
    state["prev"], state["step_size"] = g, eta
    return param - eta * np.sign(g)


def adadelta_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> np.ndarray:
    """torch.optim.Adadelta as its documentation states it: g ← ±∇ + λθ;
    v ← ρv + (1−ρ)g²; Δx ← √(u + ε)/√(v + ε)·g; u ← ρu + (1−ρ)Δx²; θ ← θ − γΔx."""
    dt = param.dtype.type
    g = -grad if maximize else grad.copy()
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    state["step"] = state.get("step", 0) + 1
    zeros = np.zeros_like(param)
    v = state.get("square_avg", zeros) * dt(rho) + g * g * dt(1 - rho)
    delta = np.sqrt(state.get("acc_delta", zeros) + dt(eps)) / np.sqrt(v + dt(eps)) * g
    u = state.get("acc_delta", zeros) * dt(rho) + delta * delta * dt(1 - rho)
    state["square_avg"], state["acc_delta"] = v, u
    return param - dt(lr) * delta


def asgd_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-2,
    lambd: float = 1e-4,
    alpha: float = 0.75,
    t0: float = 1e6,
    weight_decay: float = 0.0,
    maximize: bool = False,
    scalar_dtype: type = np.float32,
) -> np.ndarray:
    """torch.optim.ASGD: averaged SGD with the step sizes of Bottou (2010), with
    PyTorch's documented arguments (its documentation has no algorithm box).

    At step t (1, 2, ...), with η and μ set by the step before (η = lr, μ = 1 at first):
    g ← ±∇ + λ_wd·θ; θ ← θ(1 − λη) − ηg; ā ← θ while μ = 1, else ā ← ā + μ(θ − ā); then
    η ← lr/(1 + λ·lr·t)^α and μ ← 1/max(1, t − t₀) for the next step.  PyTorch stores η
    and μ as 0-d tensors of its scalar dtype (float32 unless the default dtype is
    float64): each is rounded to ``scalar_dtype`` when stored.
    """
    dt = param.dtype.type

    def stored(x: float) -> float:
        return float(scalar_dtype(x))

    g = -grad if maximize else grad.copy()
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    t = state["step"] = state.get("step", 0) + 1
    eta = state.get("eta", stored(lr))
    mu = state.get("mu", 1.0)
    theta = param * dt(1 - lambd * eta) - dt(eta) * g
    ax = state.get("ax", np.zeros_like(param))
    state["ax"] = theta.copy() if mu == 1 else ax + dt(mu) * (theta - ax)
    state["eta"] = stored(lr / (1 + lambd * lr * t) ** alpha)
    state["mu"] = stored(1 / max(1, t - t0))
    return theta


def optax_rprop_step(
    param,
    grad,
    state,
    *,
    learning_rate,
    eta_minus=0.5,
    eta_plus=1.2,
    min_step_size=1e-6,
    max_step_size=50.0,
):
    """optax.rprop = chain(scale_by_rprop, scale(-1)), in float64.

    Its state keeps the last *update* s·sign(g) (0 after a flip) where PyTorch keeps the
    last gradient; the step size is left alone, unclamped, where the product is 0."""
    step_sizes = state.get("step_sizes", np.full_like(param, learning_rate, dtype=np.float64))
    prev_updates = state.get("prev_updates", np.zeros_like(param, dtype=np.float64))
    sign = grad * prev_updates
    factor = np.where(sign > 0, eta_plus, eta_minus)
    clipped = np.clip(step_sizes * factor, min_step_size, max_step_size)
    step_sizes = np.where(sign == 0, step_sizes, clipped)
    prev_updates = np.where(sign < 0, 0.0, step_sizes * np.sign(grad))
    state["step_sizes"], state["prev_updates"] = step_sizes, prev_updates
    return param - prev_updates


def optax_adadelta_step(param, grad, state, *, learning_rate, rho=0.9, eps=1e-6, weight_decay=0.0):
    """optax.adadelta = chain(add_decayed_weights, scale_by_adadelta, scale_by_learning_rate),
    in float64: e_g ← (1−ρ)g² + ρe_g; Δ ← √(e_x + ε)/√(e_g + ε)·g; e_x ← (1−ρ)Δ² + ρe_x."""
    g = grad + weight_decay * param
    e_g = (1 - rho) * g**2 + rho * state.get("e_g", np.zeros_like(param, dtype=np.float64))
    e_x = state.get("e_x", np.zeros_like(param, dtype=np.float64))
    update = np.sqrt(e_x + eps) / np.sqrt(e_g + eps) * g
    state["e_g"], state["e_x"] = e_g, (1 - rho) * update**2 + rho * e_x
    return param - learning_rate * update


def optax_adamax_step(param, grad, state, *, learning_rate, b1=0.9, b2=0.999, eps=1e-8):
    """optax.adamax = chain(scale_by_adamax, scale_by_learning_rate), in float64:
    μ ← (1−b1)g + b1μ; ν ← max(b2ν, |g| + ε); θ ← θ − η·(μ/(1 − b1ᵗ))/ν."""
    count = state["count"] = state.get("count", 0) + 1
    mu = (1 - b1) * grad + b1 * state.get("mu", np.zeros_like(param, dtype=np.float64))
    nu = np.maximum(
        b2 * state.get("nu", np.zeros_like(param, dtype=np.float64)), np.abs(grad) + eps
    )
    state["mu"], state["nu"] = mu, nu
    return param - learning_rate * (mu / (1 - b1**count)) / nu


def nadam_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 2e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum_decay: float = 4e-3,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
    product_dtype: type = np.float32,
) -> np.ndarray:
    """torch.optim.NAdam as its documentation's box states it: g ← ±∇; θ ← θ − γλθ
    (decoupled) or g ← g + λθ; μₜ = β₁(1 − ½·0.96^(tψ)); m, v as Adam's;
    m̂ = μₜ₊₁m/(1 − Π₁..ₜ₊₁ μᵢ) + (1 − μₜ)g/(1 − Π₁..ₜ μᵢ); v̂ = v/(1 − β₂ᵗ);
    θ ← θ − γ m̂/(√v̂ + ε).

    The one thing the box does not show: PyTorch keeps the product Π₁..ₜ μᵢ (state
    ``mu_product``) in a 0-d tensor of its scalar dtype, float32 by default, so it is
    rounded there at each step (μₜ first, then the product), whatever the parameter's
    dtype.  ``product_dtype=np.float64`` gives the box's exact product instead.
    """
    dt = param.dtype.type
    beta1, beta2 = betas
    g = -grad if maximize else grad.copy()
    theta = param
    if weight_decay != 0:
        if decoupled_weight_decay:
            theta = param - dt(lr * weight_decay) * param
        else:
            g = g + dt(weight_decay) * param
    t = state["step"] = state.get("step", 0) + 1
    mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    product = state.get("mu_product", product_dtype(1.0)) * product_dtype(mu_t)
    state["mu_product"] = product
    product_next = float(product) * mu_next  # Π₁..ₜ₊₁ μᵢ, in double
    zeros = np.zeros_like(param)
    m = dt(beta1) * state.get("exp_avg", zeros) + dt(1 - beta1) * g
    v = dt(beta2) * state.get("exp_avg_sq", zeros) + dt(1 - beta2) * g * g
    state["exp_avg"], state["exp_avg_sq"] = m, v
    m_hat = dt(mu_next / (1 - product_next)) * m + dt((1 - mu_t) / (1 - float(product))) * g
    v_hat = v / dt(1 - beta2**t)
    return theta - dt(lr) * m_hat / (np.sqrt(v_hat) + dt(eps))


def radam_torch_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> np.ndarray:
    """torch.optim.RAdam as its documentation's box states it: g ← ±∇; θ ← θ − γλθ
    (decoupled) or g ← g + λθ; m, v as Adam's; m̂ = m/(1 − β₁ᵗ);
    ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), ρ∞ = 2/(1 − β₂) − 1; if ρₜ > 5:
    lₜ = √(1 − β₂ᵗ)/(√v + ε), rₜ = √((ρₜ−4)(ρₜ−2)ρ∞/((ρ∞−4)(ρ∞−2)ρₜ)), θ ← θ − γm̂rₜlₜ;
    else θ ← θ − γm̂."""
    dt = param.dtype.type
    beta1, beta2 = betas
    g = -grad if maximize else grad.copy()
    theta = param
    if weight_decay != 0:
        if decoupled_weight_decay:
            theta = param - dt(lr * weight_decay) * param
        else:
            g = g + dt(weight_decay) * param
    t = state["step"] = state.get("step", 0) + 1
    zeros = np.zeros_like(param)
    m = dt(beta1) * state.get("exp_avg", zeros) + dt(1 - beta1) * g
    v = dt(beta2) * state.get("exp_avg_sq", zeros) + dt(1 - beta2) * g * g
    state["exp_avg"], state["exp_avg_sq"] = m, v
    m_hat = m / dt(1 - beta1**t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    if rho_t > 5:
        l_t = dt(np.sqrt(1 - beta2**t)) / (np.sqrt(v) + dt(eps))
        r_t = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        return theta - dt(lr) * m_hat * dt(r_t) * l_t
    return theta - dt(lr) * m_hat


def optax_nadamw_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    learning_rate: float,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    weight_decay: float = 0.0,
) -> np.ndarray:
    """optax.nadamw (optax.nadam when weight_decay = 0): optax's ``scale_by_adam`` with
    ``nesterov=True``, then ``add_decayed_weights``, then ``scale_by_learning_rate``.

    Its look-ahead keeps β₁ constant (no momentum schedule):
    m̂ = β₁m/(1 − β₁ᵗ⁺¹) + (1 − β₁)g/(1 − β₁ᵗ); u = m̂/(√(v/(1 − β₂ᵗ) + ε_root) + ε) + λθ;
    θ ← θ − ηu.  ``state`` holds optax's ``count``, ``mu`` and ``nu``."""
    t = state["count"] = state.get("count", 0) + 1
    zeros = np.zeros_like(param)
    mu = (1 - b1) * grad + b1 * state.get("mu", zeros)
    nu = (1 - b2) * grad**2 + b2 * state.get("nu", zeros)
    state["mu"], state["nu"] = mu, nu
    mu_hat = b1 * mu / (1 - b1 ** (t + 1)) + (1 - b1) * grad / (1 - b1**t)
    nu_hat = nu / (1 - b2**t)
    updates = mu_hat / (np.sqrt(nu_hat + eps_root) + eps) + weight_decay * param
    return param - learning_rate * updates


def optax_radam_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    learning_rate: float,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    threshold: float = 5.0,
    weight_decay: float = 0.0,
) -> np.ndarray:
    """``optax.chain(optax.add_decayed_weights(λ), optax.radam(...))``: L2 added to the
    gradient, then optax's ``scale_by_radam``: with ρ as PyTorch's, the rectified update
    r·m̂/(√(v̂ + ε_root) + ε) where ρ ≥ threshold (ε added to the bias-corrected √v̂),
    else m̂; θ ← θ − ηu.  ``state`` holds optax's ``count``, ``mu`` and ``nu``."""
    g = grad + weight_decay * param
    t = state["count"] = state.get("count", 0) + 1
    zeros = np.zeros_like(param)
    mu = (1 - b1) * g + b1 * state.get("mu", zeros)
    nu = (1 - b2) * g**2 + b2 * state.get("nu", zeros)
    state["mu"], state["nu"] = mu, nu
    ro_inf = 2.0 / (1.0 - b2) - 1.0
    ro = ro_inf - 2 * t * b2**t / (1 - b2**t)
    mu_hat = mu / (1 - b1**t)
    nu_hat = nu / (1 - b2**t)
    if ro >= threshold:
        r = np.sqrt((ro - 4.0) * (ro - 2.0) * ro_inf / ((ro_inf - 4.0) * (ro_inf - 2.0) * ro))
        updates = r * mu_hat / (np.sqrt(nu_hat + eps_root) + eps)
    else:
        updates = mu_hat
    return param - learning_rate * updates
