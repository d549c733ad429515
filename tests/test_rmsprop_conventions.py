"""RMSprop's convention flags and framework presets against independent transcriptions
(tests/naive.py) of each framework's update rule, and against optax and Keras 3 when
they are installed."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from naive import (
    dqn_rmsprop_step,
    graves2013_rmsprop_step,
    keras3_rmsprop_step,
    lasagne_rmsprop_step,
    mxnet_rmsprop_step,
    optax_rmsprop_step,
    rmsprop_general_step,
    tf1_rmsprop_step,
)

import tinygrad_rms as tg
from tinygrad_rms import optim
from tinygrad_rms.nn import Parameter

STEPS = 20


def _stream(seed, shape=(3, 4), steps=STEPS, dtype=np.float64):
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-3, 0, size=shape)  # per-element magnitudes over 3 decades
    grads = [scale * (1 + 0.5 * rng.standard_normal(shape)) for _ in range(steps)]
    return rng.standard_normal(shape).astype(dtype), [g.astype(dtype) for g in grads]


def _run_ours(opt_factory, init, grads):
    p = Parameter(init.copy())
    opt = opt_factory([p])
    path = []
    for g in grads:
        p.grad = tg.tensor(g)
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path), opt, p


def _run_reference(step_fn, init, grads, **hyper):
    p, state, path = init.astype(np.float64), {}, []
    for g in grads:
        p = step_fn(p, g.astype(np.float64), state, **hyper)
        path.append(p.copy())
    return np.array(path)


def _rtol_for(centered: bool, bias_correction: bool) -> float:
    # centered + bias correction: the first step's variance is 0 up to rounding, so the
    # first denominator is √(rounding noise + ε) and ulp differences grow to ~1e-9
    return 1e-7 if centered and bias_correction else 1e-11


FLAGS = ["eps_in_sqrt", "lr_in_momentum", "nesterov", "decoupled_weight_decay", "bias_correction"]
COMBOS = [
    c
    for c in itertools.product([False, True], repeat=len(FLAGS) + 3)
    if not (c[2] and not c[-1])  # nesterov needs momentum
    # centered + bias correction makes the first step's variance exactly 0 up to rounding
    # (v/(1−α) = g², ḡ/(1−α) = g), so with ε outside the root its sign is rounding noise:
    # √(−tiny) is NaN in any implementation. Covered by its own test below.
    and not (c[4] and c[5] and not c[0])
]


@pytest.mark.parametrize("init_acc", [0.0, 1.0])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_every_flag_combination_matches_the_documented_algorithm(init_acc, weight_decay):
    init, grads = _stream(0)
    for combo in COMBOS:
        *flags, centered, maximize, use_momentum = combo
        hyper = dict(
            lr=0.01,
            alpha=0.9,
            eps=1e-6,
            weight_decay=weight_decay,
            momentum=0.8 if use_momentum else 0.0,
            centered=centered,
            maximize=maximize,
            initial_accumulator_value=init_acc,
            **dict(zip(FLAGS, flags, strict=True)),
        )
        ours, _, _ = _run_ours(lambda ps, h=hyper: optim.RMSprop(ps, **h), init, grads)
        ref = _run_reference(rmsprop_general_step, init, grads, **hyper)
        rtol = _rtol_for(centered, hyper["bias_correction"])
        np.testing.assert_allclose(ours, ref, rtol=rtol, atol=1e-13, err_msg=str(hyper))


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_keras_preset_matches_keras3_update_rule(centered, momentum, weight_decay):
    init, grads = _stream(1)
    ours, _, _ = _run_ours(
        lambda ps: optim.RMSprop.like(
            "keras", ps, momentum=momentum, centered=centered, weight_decay=weight_decay
        ),
        init,
        grads,
    )
    ref = _run_reference(
        keras3_rmsprop_step,
        init,
        grads,
        momentum=momentum,
        centered=centered,
        weight_decay=weight_decay,
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_tf1_preset_matches_tf1_update_rule(centered, momentum):
    init, grads = _stream(2)
    ours, _, _ = _run_ours(
        lambda ps: optim.RMSprop.like("tf1", ps, lr=0.01, momentum=momentum, centered=centered),
        init,
        grads,
    )
    ref = _run_reference(
        tf1_rmsprop_step, init, grads, learning_rate=0.01, momentum=momentum, centered=centered
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"centered": True},
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterov": True},
        {"bias_correction": True},
        {"bias_correction": True, "centered": True, "momentum": 0.5},
        {"eps_in_sqrt": False, "initial_scale": 0.5},
    ],
)
def test_optax_preset_matches_optax_chain(options):
    init, grads = _stream(3)
    ours_options = {
        "initial_accumulator_value" if k == "initial_scale" else k: v for k, v in options.items()
    }
    ours, _, _ = _run_ours(
        lambda ps: optim.RMSprop.like("optax", ps, lr=0.01, **ours_options), init, grads
    )
    ref = _run_reference(optax_rmsprop_step, init, grads, learning_rate=0.01, **options)
    rtol = _rtol_for(options.get("centered", False), options.get("bias_correction", False))
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=1e-14)


def test_document_preset_is_the_documents_formula():
    # θ ← θ − η g / √(E[g²] + ε), E[g²] ← ρ E[g²] + (1−ρ) g², ρ=0.9, η=0.001, ε=1e-8
    init, grads = _stream(4)
    ours, opt, _ = _run_ours(lambda ps: optim.RMSprop.like("document", ps), init, grads)
    theta, eg2, path = init.copy(), np.zeros_like(init), []
    for g in grads:
        eg2 = 0.9 * eg2 + 0.1 * g * g
        theta = theta - 0.001 * g / np.sqrt(eg2 + 1e-8)
        path.append(theta)
    np.testing.assert_allclose(ours, np.array(path), rtol=1e-12)
    group = opt.param_groups[0]
    assert (group["lr"], group["alpha"], group["eps"]) == (0.001, 0.9, 1e-8)


# The papers' and the other frameworks' rules, each against a transcription of its source
# (tests/naive.py), 100 steps in float64 with no argument but the preset's own defaults
# (and weight decay where the source has it).
PAPER_PRESETS = {
    "graves2013": ({}, graves2013_rmsprop_step, {}),
    "dqn": ({}, dqn_rmsprop_step, {}),
    "lasagne": ({}, lasagne_rmsprop_step, {}),
    "mxnet": ({}, mxnet_rmsprop_step, {}),
    "mxnet-wd": ({"weight_decay": 0.05}, mxnet_rmsprop_step, {"wd": 0.05}),
    "mxnet-centered": ({}, mxnet_rmsprop_step, {"centered": True}),
    "mxnet-centered-wd": (
        {"weight_decay": 0.05},
        mxnet_rmsprop_step,
        {"centered": True, "wd": 0.05},
    ),
}


@pytest.mark.parametrize("case", PAPER_PRESETS)
def test_paper_and_framework_presets_reproduce_their_sources(case):
    preset = case.removesuffix("-wd")
    ours_options, reference, reference_options = PAPER_PRESETS[case]
    init, grads = _stream(11, steps=100)
    ours, _, _ = _run_ours(lambda ps: optim.RMSprop.like(preset, ps, **ours_options), init, grads)
    ref = _run_reference(reference, init, grads, **reference_options)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)
    # and the preset matters: PyTorch's placement of ε and η with the same numbers moves
    # the parameters elsewhere
    settings = {**optim.RMSprop.PRESETS[preset], **ours_options}
    pytorch_rule = {k: v for k, v in settings.items() if k not in ("eps_in_sqrt", "lr_in_momentum")}
    other, _, _ = _run_ours(lambda ps: optim.RMSprop(ps, **pytorch_rule), init, grads)
    assert np.max(np.abs(other - ref)) > 1e3 * np.max(np.abs(ours - ref)) + 1e-9


def test_graves_preset_is_the_papers_constants():
    """ℵ=0.95, ℶ=0.9, ℷ=1e-4, ℸ=1e-4 (Graves 2013, section 4 / eqs. 38-41), and DQN's
    0.95, 0.95, 2.5e-4 and 0.01 (Mnih et al. 2015, Extended Data Table 1)."""
    p = Parameter(np.zeros(2))
    graves = optim.RMSprop.like("graves2013", [p]).param_groups[0]
    assert (graves["alpha"], graves["momentum"], graves["lr"], graves["eps"]) == (
        0.95,
        0.9,
        1e-4,
        1e-4,
    )
    assert graves["centered"] and graves["eps_in_sqrt"] and graves["lr_in_momentum"]
    dqn = optim.RMSprop.like("dqn", [p]).param_groups[0]
    assert (dqn["alpha"], dqn["momentum"], dqn["lr"], dqn["eps"]) == (0.95, 0, 2.5e-4, 0.01)
    assert dqn["centered"] and dqn["eps_in_sqrt"]


@pytest.mark.parametrize(
    "preset,flag,other", [("mxnet", True, "mxnet-centered"), ("mxnet-centered", False, "mxnet")]
)
def test_mxnet_presets_refuse_to_be_turned_into_each_other(preset, flag, other):
    with pytest.raises(ValueError, match=f"use RMSprop.like\\('{other}'"):
        optim.RMSprop.like(preset, [Parameter(np.zeros(2))], centered=flag)
    # restating the preset's own value is fine
    optim.RMSprop.like(preset, [Parameter(np.zeros(2))], centered=not flag)


def test_centered_bias_corrected_first_step_has_zero_variance():
    p = Parameter(np.array([0.3, -2.0]))
    opt = optim.RMSprop(
        [p], lr=0.01, alpha=0.9, centered=True, bias_correction=True, eps_in_sqrt=True, eps=1e-8
    )
    p.grad = tg.tensor(np.array([0.5, 0.25]))
    opt.step()
    # s = v/c − (ḡ/c)² = g² − g² = 0, so the step is η g / √ε: huge, as in optax
    np.testing.assert_allclose(p.data, [0.3, -2.0] - 0.01 * np.array([0.5, 0.25]) / 1e-4, rtol=1e-6)


def test_conventions_differ_for_tiny_gradients():
    # where v ~ ε the placement of ε changes the step by orders of magnitude
    init = np.zeros(3)
    grads = [np.full(3, 1e-5)] * 5
    inside, _, _ = _run_ours(lambda ps: optim.RMSprop(ps, eps_in_sqrt=True, eps=1e-8), init, grads)
    outside, _, _ = _run_ours(lambda ps: optim.RMSprop(ps, eps=1e-8), init, grads)
    assert abs(outside[-1, 0]) > 5 * abs(inside[-1, 0])


def test_overrides_beat_preset_defaults():
    p = Parameter(np.zeros(2))
    opt = optim.RMSprop.like("keras", [p], lr=0.5, eps_in_sqrt=False)
    group = opt.param_groups[0]
    assert group["lr"] == 0.5 and group["eps_in_sqrt"] is False and group["alpha"] == 0.9


def test_effective_step_size_is_lr_over_denominator():
    p = Parameter(np.zeros(3))
    opt = optim.RMSprop([p], lr=0.1, alpha=0.5)
    g = np.array([1.0, 2.0, 0.0])
    p.grad = tg.tensor(g)
    opt.step()
    expected = 0.1 / (np.sqrt(0.5 * g**2) + 1e-8)
    np.testing.assert_allclose(opt.effective_step_size(p), expected, rtol=1e-12)
    np.testing.assert_allclose(p.data, -expected * g, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"nesterov": True}, "nesterov=True needs momentum > 0"),
        ({"alpha": 1.5}, "Invalid alpha value: 1.5"),
        ({"initial_accumulator_value": -1.0}, "Invalid initial_accumulator_value: -1.0"),
    ],
)
def test_invalid_combinations(kwargs, error):
    with pytest.raises(ValueError, match=error):
        optim.RMSprop([Parameter(np.zeros(2))], **kwargs)


def test_preset_errors():
    with pytest.raises(ValueError, match="unknown framework 'caffe'"):
        optim.RMSprop.like("caffe", [Parameter(np.zeros(2))])
    with pytest.raises(ValueError, match="tf1 has no default learning rate"):
        optim.RMSprop.like("tf1", [Parameter(np.zeros(2))])


# ---------------------------------------------------------------------- live libraries
# float64: the same algorithm to ~1e-10 over 100 steps.  float32: operation order and
# rsqrt vs 1/√ differ by ulps, which centered runs (v − ḡ² cancels) amplify, so the
# float32 check is loose; tests/measure_conventions.py reports the actual deviations.
LIVE_TOL = {np.float64: dict(rtol=1e-9, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-5)}


def optax_trajectory(init, grads, **options):
    optax = pytest.importorskip("optax")
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    tx = optax.rmsprop(0.01, decay=0.9, eps=1e-8, **options)
    params = jax.numpy.asarray(init)
    state = tx.init(params)
    path = []
    for g in grads:
        updates, state = tx.update(jax.numpy.asarray(g), state, params)
        params = optax.apply_updates(params, updates)
        path.append(np.asarray(params))
    return np.array(path)


def keras_trajectory(init, grads, **options):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
    var = keras.Variable(init.copy(), dtype=str(init.dtype))
    opt = keras.optimizers.RMSprop(learning_rate=0.001, **options)
    path = []
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(g, dtype=str(init.dtype)), var)])
        path.append(np.asarray(var.value))
    return np.array(path)


OPTAX_CASES = [
    {},
    {"centered": True, "momentum": 0.9},
    {"momentum": 0.9, "nesterov": True},
    {"bias_correction": True, "eps_in_sqrt": False},
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", OPTAX_CASES)
def test_optax_itself(options, dtype):
    init, grads = _stream(5, dtype=dtype, steps=100)
    theirs = optax_trajectory(init, grads, **options)
    ours, _, _ = _run_ours(
        lambda ps: optim.RMSprop.like("optax", ps, lr=0.01, **options), init, grads
    )
    np.testing.assert_allclose(ours, theirs, **LIVE_TOL[dtype])


KERAS_CASES = [{}, {"momentum": 0.9, "centered": True}, {"weight_decay": 0.05}]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", KERAS_CASES)
def test_keras3_itself(options, dtype):
    init, grads = _stream(6, dtype=dtype, steps=100)
    theirs = keras_trajectory(init, grads, **options)
    # Keras keeps its learning rate in a float32 variable whatever the model's dtype
    lr = float(np.float32(0.001))
    ours, _, _ = _run_ours(
        lambda ps: optim.RMSprop.like("keras", ps, lr=lr, **options), init, grads
    )
    np.testing.assert_allclose(ours, theirs, **LIVE_TOL[dtype])
