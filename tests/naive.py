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
