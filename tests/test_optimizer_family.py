"""SGD, Adagrad, Adam and AdamW against three independent sources, option by option.

* plain-numpy transcriptions of PyTorch's documented algorithms (``tests/naive.py``,
  whole-array code written from the algorithm boxes, not from the kernels);
* trajectories PyTorch wrote into ``tests/fixtures/family_torch.npz``
  (``tests/fixtures/make_family_fixtures.py``; these tests need no torch);
* PyTorch live, on another seed (``@pytest.mark.torch``, skipped without torch).

Every run: 30 steps on parameters of shapes (5, 3), () and (6, 6), gradients assigned to
``.grad`` directly (no autograd), magnitudes shrinking over the run with random jumps.

Tolerances (``assert_allclose``: |ours − ref| ≤ atol + rtol·|ref|).
float64: every source does the same operations up to order (PyTorch fuses some multiply-
adds, numpy computes √(v/c) where the kernel computes √v/√c), so results agree to a few
ulps; rtol 1e-12 as asked, atol 1e-14 for the odd coordinate passing near zero (observed:
≤ 6e-14 relative, ≤ 2e-15 absolute).  float32: each step rounds |θ| ≤ 4 once or twice,
≤ 2.4e-7 each, and the three sources round at different places (FMA in PyTorch's loops,
two-sided lerp in ours), so over 30 steps differences of a few 1e-6 build up (observed:
≤ 2e-6 absolute).  atol 5e-6 + rtol 1e-5 stays two orders of magnitude below a typical
step here (lr 0.01-0.1 times gradients of 0.1-2), and a perturbation of 1e-3 in one
constant (β₁ in lerp's second branch) was checked to fail both dtypes.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from typing import Any

import fixture_util
import naive
import numpy as np
import pytest

import tinygrad_rms as tg
from tinygrad_rms import optim
from tinygrad_rms.kernels import PARALLEL_MIN_SIZE
from tinygrad_rms.optim._plan import BufferLoop

FAM = fixture_util.generator("make_family_fixtures")  # settings only: it imports torch lazily
DATA = fixture_util.arrays("family_torch.npz")

NAIVE = {
    "SGD": naive.sgd_torch_step,
    "Adagrad": naive.adagrad_torch_step,
    "Adam": naive.adam_torch_step,
    "AdamW": naive.adamw_torch_step,
    "Adamax": naive.adamax_torch_step,
    "Rprop": naive.rprop_torch_step,
    "Adadelta": naive.adadelta_torch_step,
    "ASGD": naive.asgd_torch_step,
    "NAdam": naive.nadam_torch_step,
    "RAdam": naive.radam_torch_step,
}
BUFFERS = {
    "SGD": ("momentum_buffer",),
    "Adagrad": ("sum",),
    "Adam": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    "AdamW": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    "Adamax": ("exp_avg", "exp_inf"),
    "Rprop": ("prev", "step_size"),
    "Adadelta": ("square_avg", "acc_delta"),
    "ASGD": ("ax",),  # eta and mu are numbers, compared with PyTorch's by the fixture test
    "NAdam": ("exp_avg", "exp_avg_sq"),  # and mu_product, a number: see the NAdam tests
    "RAdam": ("exp_avg", "exp_avg_sq"),
}
TOL = {"float64": (1e-12, 1e-14), "float32": (1e-5, 5e-6)}
# State buffers: exp_avg_sq and sum hold g², from ~1e-6 to ~40, and exp_avg /
# momentum_buffer can cancel to near zero: atol relative to each buffer's largest entry.
STATE_ATOL_REL = {"float64": 1e-13, "float32": 1e-6}

CONFIG_PARAMS = [pytest.param(cid, id=cid) for cid in FAM.CONFIGS]
DTYPES = [pytest.param(dt, id=dt) for dt in FAM.DTYPES]


# ----------------------------------------------------------------------------- helpers
def run_ours(
    name: str, kwargs: dict[str, Any], init: list[np.ndarray], grads: list[np.ndarray]
) -> tuple[list[np.ndarray], optim.Optimizer, list[tg.Tensor]]:
    """Our optimizer on the stream: each parameter after every step, the optimizer, params."""
    params = [tg.Tensor(x.copy(), requires_grad=True) for x in init]
    opt = getattr(optim, name)(params, **kwargs)
    traj = [np.empty_like(g) for g in grads]
    for t in range(len(grads[0])):
        for p, g in zip(params, grads, strict=True):
            p.grad = tg.Tensor(np.array(g[t]))
        opt.step()
        for j, p in enumerate(params):
            traj[j][t] = p.data
    return traj, opt, params


def run_naive(
    name: str, kwargs: dict[str, Any], init: list[np.ndarray], grads: list[np.ndarray]
) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """The numpy transcription on the stream: trajectories and final states."""
    values = [x.copy() for x in init]
    states: list[dict[str, Any]] = [{} for _ in init]
    traj = [np.empty_like(g) for g in grads]
    for t in range(len(grads[0])):
        for j, g in enumerate(grads):
            values[j] = NAIVE[name](values[j], np.array(g[t]), states[j], **kwargs)
            traj[j][t] = values[j]
    return traj, states


def fixture_problem(dt: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    init = [DATA[f"{dt}/init/p{j}"] for j in range(len(FAM.SHAPES))]
    grads = [DATA[f"{dt}/grads/p{j}"] for j in range(len(FAM.SHAPES))]
    return init, grads


def assert_traj_close(ours: list[np.ndarray], ref: list[np.ndarray], dt: str) -> None:
    rtol, atol = TOL[dt]
    for j, (a, b) in enumerate(zip(ours, ref, strict=True)):
        assert a.dtype == np.dtype(dt), f"param {j} changed dtype to {a.dtype}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"param {j}")


def assert_state_close(ours: np.ndarray, ref: np.ndarray, dt: str, what: str) -> None:
    rtol = TOL[dt][0]
    atol = STATE_ATOL_REL[dt] * max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol, err_msg=what)


# ----------------------------------------------------------------------------- the fixture
def test_fixture_matches_current_settings():
    """A stale fixture (settings changed since it was written) must not pass silently."""
    assert json.loads(str(DATA["configs_json"])) == json.loads(json.dumps(FAM.CONFIGS))
    assert str(DATA["torch_version"]).startswith("2.")
    for dt in FAM.DTYPES:
        init, grads = fixture_problem(dt)
        for x, g, shape in zip(init, grads, FAM.SHAPES, strict=True):
            assert x.shape == shape and x.dtype == np.dtype(dt)
            assert g.shape == (FAM.N_STEPS, *shape) and g.dtype == np.dtype(dt)


@pytest.mark.parametrize(
    "cid", [c for c in FAM.CONFIGS if FAM.CONFIGS[c][1].get("amsgrad")], ids=str
)
def test_amsgrad_configurations_are_not_plain_adam(cid):
    """The gradient stream makes AMSGrad's max(v) matter: without it, another trajectory."""
    name, kwargs = FAM.CONFIGS[cid]
    init, grads = fixture_problem("float64")
    with_max, _ = run_naive(name, kwargs, init, grads)
    without, _ = run_naive(name, {**kwargs, "amsgrad": False}, init, grads)
    assert max(np.max(np.abs(x - y)) for x, y in zip(with_max, without, strict=True)) > 1e-3


# ----------------------------------------------------------------------------- trajectories
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("cid", CONFIG_PARAMS)
def test_trajectory_matches_numpy_transcription(cid, dt):
    name, kwargs = FAM.CONFIGS[cid]
    init, grads = fixture_problem(dt)
    ours, opt, params = run_ours(name, kwargs, init, grads)
    ref, ref_states = run_naive(name, kwargs, init, grads)
    assert_traj_close(ours, ref, dt)
    for j, (p, ref_state) in enumerate(zip(params, ref_states, strict=True)):
        state = opt.state[p]
        assert {k for k in state if k != "step"} == {k for k in ref_state if k != "step"}
        if "step" in ref_state:
            assert state["step"] == ref_state["step"] == FAM.N_STEPS
        for key in BUFFERS[name]:
            if key in ref_state:
                assert state[key].dtype == np.dtype(dt)
                assert_state_close(state[key], ref_state[key], dt, f"{key} of param {j}")


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("cid", CONFIG_PARAMS)
def test_trajectory_matches_torch_fixture(cid, dt):
    name, kwargs = FAM.CONFIGS[cid]
    init, grads = fixture_problem(dt)
    ours, opt, params = run_ours(name, kwargs, init, grads)
    ref = [DATA[f"{dt}/{cid}/traj/p{j}"] for j in range(len(FAM.SHAPES))]
    assert_traj_close(ours, ref, dt)
    prefix = f"{dt}/{cid}/state/"
    torch_buffers = {k[len(prefix) :].split("/")[0] for k in DATA if k.startswith(prefix)}
    for j, p in enumerate(params):
        state = opt.state[p]
        assert set(state) == torch_buffers, "state names differ from PyTorch's"
        for key in torch_buffers - {"step"}:
            assert_state_close(state[key], DATA[f"{prefix}{key}/p{j}"], dt, f"{key} of p{j}")
        if "step" in torch_buffers:
            assert state["step"] == DATA[f"{prefix}step"][j]


@pytest.mark.torch
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("cid", CONFIG_PARAMS)
def test_trajectory_matches_live_torch(cid, dt):
    pytest.importorskip("torch")
    name, kwargs = FAM.CONFIGS[cid]
    init64, grads64 = FAM.make_problem(FAM.SEED + 1)
    init = [x.astype(dt) for x in init64]
    grads = [g.astype(dt) for g in grads64]
    ref, ref_state = FAM.torch_trajectory(name, kwargs, init, grads)
    ours, opt, params = run_ours(name, kwargs, init, grads)
    assert_traj_close(ours, ref, dt)
    for key, values in ref_state.items():
        for j, (p, value) in enumerate(zip(params, values, strict=True)):
            if key == "step":
                assert opt.state[p]["step"] == int(value)
            else:
                assert_state_close(opt.state[p][key], value, dt, f"{key} of p{j}")


def test_adam_lerp_branches_are_both_exercised():
    """beta1 = 0.9 takes lerp's weight < 0.5 branch, beta1 ≤ 0.5 the other one."""
    weights = {cid: 1 - kw.get("betas", (0.9, 0.999))[0] for cid, (name, kw) in FAM.CONFIGS.items()}
    assert any(w < 0.5 for w in weights.values())
    assert any(w >= 0.5 for w in weights.values())


def test_adamw_default_weight_decay_is_pytorchs():
    p = tg.Tensor(np.ones(3), requires_grad=True)
    opt = optim.AdamW([p])
    assert opt.param_groups[0]["weight_decay"] == 1e-2
    # and it is used: one step from θ = 1 with g = 0 decays θ by lr·λ = 1e-5 exactly
    p.grad = tg.Tensor(np.zeros(3))
    opt.step()
    np.testing.assert_array_equal(p.data, np.full(3, 1 - 1e-3 * 1e-2))


def test_adamw_is_adam_with_decoupled_decay():
    init, grads = fixture_problem("float64")
    kwargs = {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}
    a, _, _ = run_ours("AdamW", kwargs, init, grads)
    b, _, _ = run_ours("Adam", {**kwargs, "decoupled_weight_decay": True}, init, grads)
    c, _, _ = run_ours("Adam", kwargs, init, grads)
    for x, y, z in zip(a, b, c, strict=True):
        np.testing.assert_array_equal(x, y)
        assert np.max(np.abs(x - z)) > 1e-4  # coupled L2 is a different algorithm


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_amsgrad_turned_on_mid_training(name):
    """A parameter whose state began without amsgrad gets ``max_exp_avg_sq`` on the first
    step with it on, starting from zero as the transcription's does, and then follows it."""
    kwargs = {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1, "maximize": True}
    rng = np.random.default_rng(23)
    x0 = rng.standard_normal((3, 4))
    p = tg.Tensor(x0.copy(), requires_grad=True)
    opt = getattr(optim, name)([p], **kwargs)
    ref, ref_state = x0.copy(), {}
    plain, plain_state = x0.copy(), {}  # the same stream without amsgrad, to show it matters
    for t in range(10):
        amsgrad = t >= 4
        opt.param_groups[0]["amsgrad"] = amsgrad
        g = rng.standard_normal((3, 4)) * (0.5 if amsgrad else 2.0) ** t  # v falls: max bites
        p.grad = tg.Tensor(g)
        opt.step()
        ref = NAIVE[name](ref, g, ref_state, amsgrad=amsgrad, **kwargs)
        plain = NAIVE[name](plain, g, plain_state, amsgrad=False, **kwargs)
        assert ("max_exp_avg_sq" in opt.state[p]) == amsgrad
        np.testing.assert_allclose(p.data, ref, rtol=1e-12, atol=1e-14)
    assert opt.state[p]["step"] == ref_state["step"] == 10
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        assert_state_close(opt.state[p][key], ref_state[key], "float64", key)
    assert np.max(np.abs(ref - plain)) > 1e-3


# ----------------------------------------------------------------------------- validation
VALIDATION = [
    ("SGD", {"lr": -1}, "Invalid learning rate: -1"),
    ("SGD", {"lr": 0.1, "momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("SGD", {"lr": 0.1, "weight_decay": -0.001}, "Invalid weight_decay value: -0.001"),
    (
        "SGD",
        {"lr": 0.1, "nesterov": True},
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (
        "SGD",
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    ("Adagrad", {"lr": -1}, "Invalid learning rate: -1"),
    ("Adagrad", {"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
    ("Adagrad", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (
        "Adagrad",
        {"initial_accumulator_value": -1},
        "Invalid initial_accumulator_value value: -1",
    ),
    ("Adagrad", {"eps": -1e-10}, "Invalid epsilon value: -1e-10"),
    ("Adam", {"lr": -0.5}, "Invalid learning rate: -0.5"),
    ("Adam", {"lr": float("nan")}, "Invalid learning rate: nan"),
    ("Adam", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (-0.1, 0.999)}, "Invalid beta parameter at index 0: -0.1"),
    ("Adam", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    ("Adam", {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ("AdamW", {"lr": -1}, "Invalid learning rate: -1"),
    ("AdamW", {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    ("AdamW", {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ("Rprop", {"lr": -1}, "Invalid learning rate: -1"),
    ("Rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
    ("Rprop", {"etas": (0.5, 0.9)}, "Invalid eta values: 0.5, 0.9"),
    ("Rprop", {"etas": (0.0, 1.2)}, "Invalid eta values: 0.0, 1.2"),
    ("Adadelta", {"lr": float("nan")}, "Invalid learning rate: nan"),
    ("Adadelta", {"rho": 1.1}, "Invalid rho value: 1.1"),
    ("Adadelta", {"rho": -0.1}, "Invalid rho value: -0.1"),
    ("Adadelta", {"eps": -1e-6}, "Invalid epsilon value: -1e-06"),
    ("Adadelta", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("ASGD", {"lr": -0.01}, "Invalid learning rate: -0.01"),
    ("ASGD", {"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ("NAdam", {"lr": -1}, "Invalid learning rate: -1"),
    ("NAdam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("NAdam", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("NAdam", {"momentum_decay": -0.004}, "Invalid momentum_decay value: -0.004"),
    ("RAdam", {"lr": -0.5}, "Invalid learning rate: -0.5"),
    ("RAdam", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("RAdam", {"betas": (-0.1, 0.999)}, "Invalid beta parameter at index 0: -0.1"),
    ("RAdam", {"weight_decay": -1}, "Invalid weight_decay value: -1"),
]
VALIDATION_PARAMS = [
    pytest.param(name, kwargs, msg, id=f"{name}-{'-'.join(kwargs)}-{i}")
    for i, (name, kwargs, msg) in enumerate(VALIDATION)
]


@pytest.mark.parametrize("name,kwargs,message", VALIDATION_PARAMS)
def test_invalid_hyperparameters_raise_pytorchs_message(name, kwargs, message):
    p = tg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError) as info:
        getattr(optim, name)([p], **kwargs)
    assert str(info.value) == message
    # the same check guards a parameter group added later
    opt = getattr(optim, name)([p], lr=0.1)
    q = tg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=re.escape(message)):
        opt.add_param_group({"params": [q], **kwargs})
    assert len(opt.param_groups) == 1


@pytest.mark.torch
@pytest.mark.parametrize("name,kwargs,message", VALIDATION_PARAMS)
def test_validation_messages_are_torchs(name, kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as info:
        getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kwargs)
    assert str(info.value) == message


# ----------------------------------------------------------------------------- no gradient
def _rmsprop_reference(x: np.ndarray, g: np.ndarray, state: dict, **kwargs: Any) -> np.ndarray:
    """naive.rmsprop_torch_step with PyTorch's defaults for what ``kwargs`` leaves out."""
    full = {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0}
    full |= {"centered": False, "maximize": False, **kwargs}
    return naive.rmsprop_torch_step(x, g, state, **full)


SKIP_CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}, naive.sgd_torch_step),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}, naive.adagrad_torch_step),
    ("Adam", {"lr": 0.01, "amsgrad": True}, naive.adam_torch_step),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}, naive.adamw_torch_step),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True}, _rmsprop_reference),
]


@pytest.mark.parametrize("name,kwargs,reference", [pytest.param(*c, id=c[0]) for c in SKIP_CASES])
def test_parameters_without_grad_are_skipped(name, kwargs, reference):
    """A parameter whose grad is None is neither moved nor counted, nor given state.

    ``b`` has a gradient only on even steps, ``c`` never: ``b`` must follow the reference
    run on its own gradients only (its step count, bias corrections, momentum first step
    and lr decay are its own), ``c`` must stay bit-identical and stateless.
    """
    rng = np.random.default_rng(7)
    init = [rng.standard_normal(s) for s in ((4, 3), (5,), ())]
    a, b, c = params = [tg.Tensor(x.copy(), requires_grad=True) for x in init]
    opt = getattr(optim, name)(params, **kwargs)
    ref = [init[0].copy(), init[1].copy()]
    ref_states: list[dict[str, Any]] = [{}, {}]
    for t in range(12):
        ga, gb = rng.standard_normal((4, 3)), rng.standard_normal(5)
        a.grad = tg.Tensor(ga)
        b.grad = tg.Tensor(gb) if t % 2 == 0 else None
        b_before = b.detach().numpy().copy()
        opt.step()
        ref[0] = reference(ref[0], ga, ref_states[0], **kwargs)
        if t % 2 == 0:
            ref[1] = reference(ref[1], gb, ref_states[1], **kwargs)
        else:
            np.testing.assert_array_equal(b.data, b_before)
        np.testing.assert_allclose(a.data, ref[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b.data, ref[1], rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(c.data, init[2])
    if c in opt.state:  # only PyTorch's Adagrad makes state up front: step 0, sum as set
        assert name == "Adagrad" and opt.state[c]["step"] == 0
        np.testing.assert_array_equal(opt.state[c]["sum"], np.zeros_like(init[2]))
    if "step" in opt.state[a]:
        assert (opt.state[a]["step"], opt.state[b]["step"]) == (12, 6)


# ----------------------------------------------------------------------------- large tensors
#: Every option the kernel has a branch for, on (Nesterov needs dampening 0).
EVERYTHING_ON = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "nesterov": True, "maximize": True},
    "Adagrad": {
        "lr": 0.1,
        "lr_decay": 0.1,
        "weight_decay": 0.1,
        "initial_accumulator_value": 0.5,
        "maximize": True,
    },
    "Adam": {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True},
    "AdamW": {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True},
    "Rprop": {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True},
    "Adadelta": {"lr": 0.5, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.1, "maximize": True},
    # t0 = 0: the third step averages (μ = 1/2)
    "ASGD": {"lr": 0.05, "lambd": 0.5, "t0": 0, "weight_decay": 0.1, "maximize": True},
    "NAdam": {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01, "maximize": True},
    # (3 steps are all unrectified: test_kernels_honest runs the rectified branch's copy)
    "RAdam": {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
}


def _parallel_launcher(name: str) -> tuple[object, str]:
    """Where ``name``'s update loop finds its kernel's parallel copy: a ``BufferLoop``'s
    ``parallel``, or the optimizer module's own ``_update_parallel``."""
    module = importlib.import_module(getattr(optim, name).__module__)  # AdamW's is adam's
    loop = module._apply
    return (loop, "parallel") if isinstance(loop, BufferLoop) else (module, "_update_parallel")


@pytest.mark.parametrize("name", EVERYTHING_ON)
def test_large_tensors_take_the_parallel_kernel_and_match(name, monkeypatch, parallel_kernels):
    """One parameter on each side of PARALLEL_MIN_SIZE, 3 steps (cheap without the JIT)."""
    owner, attribute = _parallel_launcher(name)
    parallel, launches = getattr(owner, attribute), []

    def counted(*args):
        launches.append(args[0].size)
        parallel(*args)

    monkeypatch.setattr(owner, attribute, counted)
    kwargs = EVERYTHING_ON[name]
    rng = np.random.default_rng(31)
    shapes = [(PARALLEL_MIN_SIZE + 5,), (7,)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    params = [tg.Tensor(x.copy(), requires_grad=True) for x in init]
    opt = getattr(optim, name)(params, **kwargs)
    grads = [rng.standard_normal((3, *s)).astype(np.float32) for s in shapes]
    for t in range(3):
        for p, g in zip(params, grads, strict=True):
            p.grad = tg.Tensor(g[t])
        opt.step()
    assert launches == [PARALLEL_MIN_SIZE + 5] * 3
    ref, _ = run_naive(name, kwargs, init, grads)
    assert_traj_close([p.data for p in params], [r[-1] for r in ref], "float32")


@pytest.mark.parametrize("name", EVERYTHING_ON)
def test_parallel_copies_are_off_by_default(name, monkeypatch):
    launches = []
    monkeypatch.setattr(*_parallel_launcher(name), lambda *args: launches.append(args))
    p = tg.Tensor(np.ones(PARALLEL_MIN_SIZE * 4, np.float32), requires_grad=True)
    p.grad = tg.Tensor(np.ones(PARALLEL_MIN_SIZE * 4, np.float32))
    getattr(optim, name)([p], **EVERYTHING_ON[name]).step()
    assert launches == []
    assert not np.array_equal(p.data, np.ones_like(p.data))  # the serial kernel ran


def test_set_parallel_threshold_validates_and_returns_the_previous_setting():
    assert optim.set_parallel_threshold(1000) is None  # off before
    try:
        assert optim.set_parallel_threshold(None) == 1000
        for bad in (0, -5, 2.5, True, "big"):
            with pytest.raises(ValueError, match="positive int or None"):
                optim.set_parallel_threshold(bad)
        assert optim.set_parallel_threshold(None) is None  # a refused value changed nothing
    finally:
        optim.set_parallel_threshold(None)


# ----------------------------------------------------------------------------- functional forms
#: Per functional form: its keyword arguments (every option that has state on) and the
#: buffers of a state that has taken some steps.
FUNCTIONAL = {
    "sgd": (
        dict(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False),
        ("momentum_buffer",),
    ),
    "adagrad": (
        dict(lr=0.1, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10),
        ("sum",),
    ),
    "adam": (
        dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=True),
        ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    ),
    "rmsprop": (
        dict(lr=0.1, alpha=0.9, eps=1e-8, weight_decay=0.0, momentum=0.9, centered=True),
        ("square_avg", "grad_avg", "momentum_buffer"),
    ),
    "radam": (
        dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False),
        ("exp_avg", "exp_avg_sq"),
    ),
    "rprop": (dict(lr=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 50)), ("prev", "step_size")),
    "adadelta": (dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0), ("square_avg", "acc_delta")),
    # a state without eta and mu (these tests' states) gets those of its step
    "asgd": (dict(lr=0.1, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0), ("ax",)),
}


@pytest.mark.parametrize("short", ["grads", "states", "params"])
@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_forms_refuse_lists_of_different_lengths_and_change_nothing(name, short):
    rng = np.random.default_rng(43)
    params = [rng.standard_normal(4), rng.standard_normal(3)]
    grads = [np.ones(4), np.ones(3)]
    options, buffers = FUNCTIONAL[name]
    kwargs = {**options, "maximize": False}
    if name == "adam":
        kwargs["decoupled_weight_decay"] = False
    states = [{"step": 2, **{b: rng.uniform(0.4, 0.6, x.shape) for b in buffers}} for x in params]
    if name == "sgd":  # PyTorch's SGD keeps no step count
        for state in states:
            del state["step"]
    params0 = [x.copy() for x in params]
    states0 = copy.deepcopy(states)
    lists = {"params": params, "grads": grads, "states": states}
    lists[short] = lists[short][:1]  # the first pair alone could be updated: it must not be
    n = {k: len(v) for k, v in lists.items()}
    message = f"{name}: got {n['params']} params, {n['grads']} grads and {n['states']} states"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(optim, name)(lists["params"], lists["grads"], lists["states"], **kwargs)
    for x, x0 in zip(params, params0, strict=True):
        np.testing.assert_array_equal(x, x0)
    for state, state0 in zip(states, states0, strict=True):
        assert state.keys() == state0.keys()
        for key, value in state.items():
            np.testing.assert_array_equal(value, state0[key])
    # the same call with equal lengths does update: the refusal above was the length check
    getattr(optim, name)(params, grads, states, **kwargs)
    assert not np.array_equal(params[0], params0[0])


@pytest.mark.parametrize("bad", ["param", "grad", "state", "shape", "dtype"])
@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_forms_refuse_arrays_the_kernels_cannot_update_in_place(name, bad):
    # The kernels get flat views (ravel); of a non-contiguous array that would be a copy
    # and the update would silently vanish, so the functional forms refuse it up front.
    rng = np.random.default_rng(44)
    params = [rng.standard_normal(4), rng.standard_normal((3, 2))]
    grads = [np.ones(4), np.ones((3, 2))]
    options, buffers = FUNCTIONAL[name]
    kwargs = {**options, "maximize": False}
    if name == "adam":
        kwargs["decoupled_weight_decay"] = False
    states = [{"step": 2, **{b: rng.uniform(0.4, 0.6, x.shape) for b in buffers}} for x in params]
    if name == "sgd":
        for state in states:
            del state["step"]
    transposed = np.asfortranarray(np.ones((3, 2)))  # right shape, not C-contiguous
    if bad == "param":
        params[1] = np.asfortranarray(params[1])
    elif bad == "grad":
        grads[1] = transposed
    elif bad == "state":
        states[1][buffers[0]] = transposed * 0.5
    elif bad == "shape":
        grads[1] = np.ones(6)
    else:
        grads[1] = np.ones((3, 2), np.float32)
    params0 = [x.copy() for x in params]
    states0 = copy.deepcopy(states)
    with pytest.raises(ValueError, match=f"^{name}: .* of parameter 1 must be a C-contiguous"):
        getattr(optim, name)(params, grads, states, **kwargs)
    for x, x0 in zip(params, params0, strict=True):  # parameter 0 was fine: still untouched
        np.testing.assert_array_equal(x, x0)
    for state, state0 in zip(states, states0, strict=True):
        for key, value in state.items():
            np.testing.assert_array_equal(value, state0[key])


# ----------------------------------------------------------------------------- step sizes
def _adagrad_formula(state: dict[str, Any], lr: float, lr_decay: float, eps: float):
    """η/(1 + (t−1)·lr_decay) / (√S + ε), from the transcription's own state."""
    return lr / (1 + (state["step"] - 1) * lr_decay) / (np.sqrt(state["sum"]) + eps)


def test_adagrad_effective_step_size_is_the_formula_and_the_step_taken():
    hyper = {"lr": 0.3, "lr_decay": 0.05, "eps": 0.1, "initial_accumulator_value": 0.5}
    rng = np.random.default_rng(11)
    x0 = rng.standard_normal((3, 4))
    p = tg.Tensor(x0.copy(), requires_grad=True)
    opt = optim.Adagrad([p], **hyper)
    ref, state = x0.copy(), {}
    for _ in range(20):
        g = rng.standard_normal((3, 4)) * rng.lognormal()
        before = p.detach().numpy().copy()
        p.grad = tg.Tensor(g)
        opt.step()
        ref = naive.adagrad_torch_step(ref, g, state, **hyper)
        eff = opt.effective_step_size(p)
        expected = _adagrad_formula(state, hyper["lr"], hyper["lr_decay"], hyper["eps"])
        np.testing.assert_allclose(eff, expected, rtol=1e-12)
        # without weight decay or maximize, the step was exactly −eff·g
        np.testing.assert_allclose(p.data - before, -eff * g, rtol=1e-9, atol=1e-15)


RMSPROP_EFF = {
    "pytorch": {"lr": 0.01, "alpha": 0.9},
    "centered": {"lr": 0.01, "alpha": 0.9, "centered": True},
    "eps-in-sqrt": {"lr": 0.01, "alpha": 0.9, "eps": 1e-3, "eps_in_sqrt": True},
    "bias-correction-centered": {
        "lr": 0.01,
        "alpha": 0.8,
        "eps": 1e-4,
        "bias_correction": True,
        "centered": True,
        "eps_in_sqrt": True,
    },
}


@pytest.mark.parametrize("hyper", RMSPROP_EFF.values(), ids=RMSPROP_EFF.keys())
def test_rmsprop_effective_step_size_is_the_formula(hyper):
    full = {
        "lr": 0.01,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
        "maximize": False,
        "eps_in_sqrt": False,
        "initial_accumulator_value": 0.0,
        "lr_in_momentum": False,
        "nesterov": False,
        "decoupled_weight_decay": False,
        "bias_correction": False,
        **hyper,
    }
    rng = np.random.default_rng(12)
    x0 = rng.standard_normal(7)
    p = tg.Tensor(x0.copy(), requires_grad=True)
    opt = optim.RMSprop([p], **hyper)
    with pytest.raises(ValueError, match="call step"):  # no state yet, as in PyTorch
        opt.effective_step_size(p)
    ref, state = x0.copy(), {}
    for t in range(1, 16):
        g = rng.standard_normal(7) * rng.lognormal()
        before = p.detach().numpy().copy()
        p.grad = tg.Tensor(g)
        opt.step()
        ref = naive.rmsprop_general_step(ref, g, state, **full)
        # the documented denominator: s = v/c − (ḡ/c)², d = √s + ε or √(s + ε)
        c = 1 - full["alpha"] ** t if full["bias_correction"] else 1.0
        s = state["v"] / c - ((state["gbar"] / c) ** 2 if full["centered"] else 0.0)
        d = np.sqrt(s + full["eps"]) if full["eps_in_sqrt"] else np.sqrt(s) + full["eps"]
        eff = opt.effective_step_size(p)
        np.testing.assert_allclose(eff, full["lr"] / d, rtol=1e-12)
        np.testing.assert_allclose(p.data - before, -eff * g, rtol=1e-9, atol=1e-15)


def test_adagrad_step_size_never_grows_while_rmsprops_goes_both_ways():
    """200 steps of the same random gradients: Adagrad's η/(√S + ε) is non-increasing in
    every element; RMSprop's η/(√v + ε) rises and falls in every element (v forgets)."""
    rng = np.random.default_rng(2024)
    shape = (40,)
    grads = rng.standard_normal((200, *shape)) * rng.lognormal(0.0, 1.0, size=(200, 1))
    x0 = rng.standard_normal(shape)
    curves = {}
    for name, make in {
        "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1),
        "adagrad-lr_decay": lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
        "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.01),
    }.items():
        p = tg.Tensor(x0.copy(), requires_grad=True)
        opt = make([p])
        effs = []
        for g in grads:
            p.grad = tg.Tensor(g)
            opt.step()
            effs.append(opt.effective_step_size(p))
        curves[name] = np.diff(np.array(effs), axis=0)
    for name in ("adagrad", "adagrad-lr_decay"):
        assert np.all(curves[name] <= 0), f"{name}'s step size grew"
        assert np.all(curves[name].sum(axis=0) < 0)  # and it does shrink
    rising = np.any(curves["rmsprop"] > 0, axis=0)
    falling = np.any(curves["rmsprop"] < 0, axis=0)
    assert np.all(rising & falling), "RMSprop's step size should follow the gradients"


# ----------------------------------------------------------------------------- Rprop, ASGD
# Rprop keeps the family's float32 tolerance: every operation on a step size is one
# correctly rounded product or a comparison, and the sign of g·g_prev is exact, so its
# trajectories came out bit-identical to the fixture and to live PyTorch in both dtypes
# (measured: 0 deviation on all four runs), sign changes included.


def test_rprop_configuration_makes_both_step_size_bounds_bite():
    """In PyTorch's run of the clamping configuration some steps have length s_min and
    some s_max (|θ_t − θ_t−1| is the step size used), so a kernel that skipped either
    clamp would fail the fixture test."""
    cid = "rprop-etas-clamps-max"
    low, high = FAM.CONFIGS[cid][1]["step_sizes"]
    lengths = []
    for j in range(len(FAM.SHAPES)):
        path = np.concatenate([DATA[f"float64/init/p{j}"][None], DATA[f"float64/{cid}/traj/p{j}"]])
        lengths.append(np.abs(np.diff(path, axis=0)).ravel())
    steps = np.concatenate(lengths)
    assert np.any(np.isclose(steps, low, rtol=1e-9)) and np.any(np.isclose(steps, high, rtol=1e-9))
    assert np.max(steps) <= high * (1 + 1e-9)


@pytest.mark.parametrize("cid", ["asgd", "asgd-t0-lambd-alpha-wd-max"])
def test_asgd_average_starts_after_t0(cid):
    """ax is the parameter itself until step t0 + 2, the mean of the iterates after it:
    equal to θ in PyTorch's final state with t0 = 1e6, far from it with t0 = 10."""
    for j in range(len(FAM.SHAPES)):
        theta = DATA[f"float64/{cid}/traj/p{j}"][-1]
        ax = DATA[f"float64/{cid}/state/ax/p{j}"]
        averaging = FAM.CONFIGS[cid][1].get("t0", 1e6) < FAM.N_STEPS
        assert (np.max(np.abs(ax - theta)) > 1e-3) if averaging else np.array_equal(ax, theta)


def test_asgd_float64_trajectories_carry_pytorchs_float32_eta_and_mu():
    """PyTorch stores η and μ as float32 0-d tensors (its scalar dtype under the default
    dtype float32), so even its float64 runs step with η rounded to float32.  The
    transcription with that rounding matches PyTorch's fixture to 1e-12; without it (η
    and μ kept in float64) it is off by 2e-8 (measured; 4e-6 relative), far outside it."""
    cid = "asgd-t0-lambd-alpha-wd-max"
    name, kwargs = FAM.CONFIGS[cid]
    init, grads = fixture_problem("float64")
    ref = [DATA[f"float64/{cid}/traj/p{j}"] for j in range(len(FAM.SHAPES))]
    rounded, _ = run_naive(name, kwargs, init, grads)
    assert_traj_close(rounded, ref, "float64")
    unrounded, _ = run_naive(name, {**kwargs, "scalar_dtype": np.float64}, init, grads)
    assert max(np.max(np.abs(a / b - 1)) for a, b in zip(unrounded, ref, strict=True)) > 1e-10


def test_asgd_under_default_dtype_float64_keeps_eta_and_mu_in_float64():
    """With ``set_default_dtype(float64)`` (PyTorch's scalar dtype is then float64) the
    η and μ are not rounded: ours equals the transcription without rounding."""
    cid = "asgd-t0-lambd-alpha-wd-max"
    name, kwargs = FAM.CONFIGS[cid]
    init, grads = fixture_problem("float64")
    previous = tg.get_default_dtype()
    tg.set_default_dtype(tg.float64)
    try:
        ours, opt, params = run_ours(name, kwargs, init, grads)
    finally:
        tg.set_default_dtype(previous)
    ref, ref_states = run_naive(name, {**kwargs, "scalar_dtype": np.float64}, init, grads)
    assert_traj_close(ours, ref, "float64")
    for p, ref_state in zip(params, ref_states, strict=True):
        assert (opt.state[p]["eta"], opt.state[p]["mu"]) == (ref_state["eta"], ref_state["mu"])


@pytest.mark.torch
def test_asgd_under_default_dtype_float64_is_live_torchs():
    torch = pytest.importorskip("torch")
    name, kwargs = FAM.CONFIGS["asgd-t0-lambd-alpha-wd-max"]
    init, grads = FAM.make_problem(FAM.SEED + 2)
    previous, previous_torch = tg.get_default_dtype(), torch.get_default_dtype()
    tg.set_default_dtype(tg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        ref, ref_state = FAM.torch_trajectory(name, kwargs, init, grads)
        ours, opt, params = run_ours(name, kwargs, init, grads)
    finally:
        tg.set_default_dtype(previous)
        torch.set_default_dtype(previous_torch)
    assert_traj_close(ours, ref, "float64")
    assert [opt.state[p]["eta"] for p in params] == [float(v) for v in ref_state["eta"]]


@pytest.mark.torch
@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 100.0},  # above s_max = 50: PyTorch's code clamps it on the first step
        {"lr": 1e-8, "step_sizes": (1e-6, 50)},  # below s_min
        {"lr": 0.1, "step_sizes": (0.5, 0.2)},  # s_min > s_max: every step size is s_max
    ],
    ids=["lr-above-max", "lr-below-min", "min-above-max"],
)
def test_rprop_clamps_every_step_as_pytorchs_code(kwargs):
    """Where the documentation's algorithm box (and optax) would leave s alone, PyTorch's
    code clamps it to [s_min, s_max] at every step; so does ours."""
    pytest.importorskip("torch")
    init, grads = FAM.make_problem(FAM.SEED + 3)
    ref, _ = FAM.torch_trajectory("Rprop", kwargs, init, grads)
    ours, _, _ = run_ours("Rprop", kwargs, init, grads)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- optax
#: optax's name -> (our optimizer and arguments, optax's arguments): the hyperparameter
#: mapping under which the two are the same algorithm.
OPTAX = {
    "rprop": (
        ("Rprop", {"lr": 0.02, "etas": (0.4, 1.3), "step_sizes": (1e-3, 0.08)}),
        dict(
            learning_rate=0.02, eta_minus=0.4, eta_plus=1.3, min_step_size=1e-3, max_step_size=0.08
        ),
    ),
    "adadelta": (
        ("Adadelta", {"lr": 0.7, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.05}),
        dict(learning_rate=0.7, rho=0.8, eps=1e-4, weight_decay=0.05),
    ),
    # optax keeps ε inside the max as PyTorch does: the same algorithm, names aside
    "adamax": (
        ("Adamax", {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-3}),
        dict(learning_rate=0.01, b1=0.8, b2=0.95, eps=1e-3),
    ),
}


@pytest.mark.parametrize("optax_name", OPTAX)
def test_optax_convention_is_ours_under_the_mapping(optax_name):
    """optax.rprop(learning_rate, eta_minus, eta_plus, min_step_size, max_step_size) is
    Rprop(lr, etas, step_sizes) as long as lr lies in [s_min, s_max] and no product
    g·g_prev underflows (optax keeps the last update s·sign(g), PyTorch the last
    gradient); optax.adadelta(learning_rate, rho, eps, weight_decay) is Adadelta with
    lr = learning_rate (optax has no default learning rate, PyTorch's is 1.0);
    optax.adamax(learning_rate, b1, b2, eps) is Adamax(lr, betas, eps) without decay."""
    (name, kwargs), optax_kwargs = OPTAX[optax_name]
    step = getattr(naive, f"optax_{optax_name}_step")
    init, grads = fixture_problem("float64")
    ours, _, _ = run_ours(name, kwargs, init, grads)
    values, states = [x.copy() for x in init], [{} for _ in init]
    for t in range(FAM.N_STEPS):
        for j, g in enumerate(grads):
            values[j] = step(values[j], g[t], states[j], **optax_kwargs)
            np.testing.assert_allclose(ours[j][t], values[j], rtol=1e-12, atol=1e-14)


def test_optax_rprop_differs_where_lr_is_outside_the_step_size_bounds():
    """optax leaves a step size alone where g·g_prev = 0 (the first step), PyTorch clamps
    it: with lr above s_max the first steps differ."""
    init, grads = fixture_problem("float64")
    ours, _, _ = run_ours("Rprop", {"lr": 0.5, "step_sizes": (1e-3, 0.08)}, init, grads)
    theirs, state = init[0].copy(), {}
    theirs = naive.optax_rprop_step(
        theirs, grads[0][0], state, learning_rate=0.5, min_step_size=1e-3, max_step_size=0.08
    )
    np.testing.assert_allclose(np.abs(ours[0][0] - init[0]), 0.08, rtol=1e-12)
    np.testing.assert_allclose(np.abs(theirs - init[0]), 0.5, rtol=1e-12)


# ----------------------------------------------------------------------------- NAdam, RAdam
NADAM_CONFIGS = [pytest.param(c, id=c) for c in FAM.CONFIGS if FAM.CONFIGS[c][0] == "NAdam"]
RADAM_CONFIGS = [pytest.param(c, id=c) for c in FAM.CONFIGS if FAM.CONFIGS[c][0] == "RAdam"]


def _run_steps(step, kwargs, init, grads):
    """A transcription ``step(param, grad, state, **kwargs)`` on the stream: trajectories."""
    values, states = [x.copy() for x in init], [{} for _ in init]
    traj = [np.empty_like(g) for g in grads]
    for t in range(len(grads[0])):
        for j, g in enumerate(grads):
            values[j] = step(values[j], np.array(g[t]), states[j], **kwargs)
            traj[j][t] = values[j]
    return traj


def _max_relative(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(x - y) / np.abs(y))) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("cid", NADAM_CONFIGS)
def test_nadam_keeps_pytorchs_float32_product_and_it_matters(cid):
    """PyTorch's ``mu_product`` is a float32 0-d tensor beside parameters of either dtype:
    ours is bit for bit PyTorch's.  And the rounding matters: the documented algorithm
    with the exact (float64) product leaves PyTorch's float64 trajectory by far more than
    the tolerance, which the float32 product meets (test_trajectory_matches_torch_fixture)."""
    name, kwargs = FAM.CONFIGS[cid]
    for dt in FAM.DTYPES:
        init, grads = fixture_problem(dt)
        _, opt, params = run_ours(name, kwargs, init, grads)
        for j, p in enumerate(params):
            product = opt.state[p]["mu_product"]
            torch_product = DATA[f"{dt}/{cid}/state/mu_product/p{j}"]
            assert product.dtype == torch_product.dtype == np.float32
            assert product == torch_product
    init, grads = fixture_problem("float64")
    torch_traj = [DATA[f"float64/{cid}/traj/p{j}"] for j in range(len(FAM.SHAPES))]
    exact = _run_steps(naive.nadam_torch_step, {**kwargs, "product_dtype": np.float64}, init, grads)
    assert _max_relative(exact, torch_traj) > 1e-10


@pytest.mark.parametrize("cid", RADAM_CONFIGS)
def test_radam_configurations_take_both_branches(cid):
    """Every RAdam run starts with unrectified steps (ρₜ ≤ 5) and is rectified by its
    end, so the trajectory tests check both branches and the switch between them."""
    beta2 = FAM.CONFIGS[cid][1].get("betas", (0.9, 0.999))[1]
    rho_inf = 2 / (1 - beta2) - 1
    rho = [rho_inf - 2 * t * beta2**t / (1 - beta2**t) for t in range(1, FAM.N_STEPS + 1)]
    assert rho[0] <= 5 < rho[-1]


def test_nadam_is_optax_nadamw_when_its_momentum_schedule_is_flat():
    """optax's Nesterov Adam keeps μ = β₁ at every step; PyTorch's μₜ = β₁(1 − ½·0.96^(tψ))
    is that once 0.96^(tψ) underflows to 0 (ψ = 1e6).  With β₁ = 0.5, whose float32
    powers are exact, PyTorch's float32 product is then β₁ᵗ exactly, and the two are one
    algorithm (decoupled decay = optax's add_decayed_weights).  With PyTorch's schedule
    (ψ = 4e-3, μ₁ ≈ β₁/2) they are not."""
    init, grads = fixture_problem("float64")
    ours_kwargs = {"lr": 0.01, "betas": (0.5, 0.99), "eps": 1e-3, "weight_decay": 0.1}
    ours_kwargs |= {"decoupled_weight_decay": True, "momentum_decay": 1e6}
    optax_kwargs = {"learning_rate": 0.01, "b1": 0.5, "b2": 0.99, "eps": 1e-3, "weight_decay": 0.1}
    ref = _run_steps(naive.optax_nadamw_step, optax_kwargs, init, grads)
    ours, _, _ = run_ours("NAdam", ours_kwargs, init, grads)
    assert_traj_close(ours, ref, "float64")
    scheduled, _, _ = run_ours("NAdam", {**ours_kwargs, "momentum_decay": 4e-3}, init, grads)
    assert _max_relative(scheduled, ref) > 1e-3


def test_radam_is_optax_radam_when_eps_is_zero():
    """optax adds ε to the bias-corrected √v̂ (PyTorch to √v) and rectifies where ρₜ ≥ 5
    (PyTorch: > 5, never equal here): with ε = 0 the two are one algorithm (PyTorch's L2
    = optax's add_decayed_weights before radam); with ε = 1e-3 they are not."""
    init, grads = fixture_problem("float64")
    ours_kwargs = {"lr": 0.01, "betas": (0.9, 0.8), "eps": 0.0, "weight_decay": 0.1}
    optax_kwargs = {"learning_rate": 0.01, "b1": 0.9, "b2": 0.8, "eps": 0.0, "weight_decay": 0.1}
    ref = _run_steps(naive.optax_radam_step, optax_kwargs, init, grads)
    ours, _, _ = run_ours("RAdam", ours_kwargs, init, grads)
    assert_traj_close(ours, ref, "float64")
    ref_eps = _run_steps(naive.optax_radam_step, {**optax_kwargs, "eps": 1e-3}, init, grads)
    ours_eps, _, _ = run_ours("RAdam", {**ours_kwargs, "eps": 1e-3}, init, grads)
    assert _max_relative(ours_eps, ref_eps) > 1e-6


NADAM_OPTIONS = dict(
    lr=0.01,
    betas=(0.8, 0.99),
    eps=1e-8,
    weight_decay=0.1,
    momentum_decay=0.05,
    decoupled_weight_decay=False,
    maximize=True,
)


def test_nadam_functional_form_runs_the_class_loop():
    """``nadam`` on arrays with a state started at step 0 and product 1.0 (a Python
    float: the scalar dtype, float32) is ``NAdam.step``, bit for bit."""
    rng = np.random.default_rng(45)
    init = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    params = [tg.Tensor(x.copy(), requires_grad=True) for x in init]
    opt = optim.NAdam(params, **NADAM_OPTIONS)
    arrays = [x.copy() for x in init]
    states = [
        {"step": 0, "mu_product": 1.0, "exp_avg": np.zeros_like(x), "exp_avg_sq": np.zeros_like(x)}
        for x in init
    ]
    for _ in range(5):
        grads = [rng.standard_normal(x.shape) for x in init]
        for p, g in zip(params, grads, strict=True):
            p.grad = tg.Tensor(g.copy())
        opt.step()
        optim.nadam(arrays, grads, states, **NADAM_OPTIONS)
    for p, x, state in zip(params, arrays, states, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), x)
        ours = opt.state[p]
        assert state["step"] == ours["step"] == 5
        assert state["mu_product"].dtype == ours["mu_product"].dtype == np.float32
        assert state["mu_product"] == ours["mu_product"]
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(state[key], ours[key])


@pytest.mark.parametrize(
    "bad,message",
    [
        ("missing", r"^nadam: states\[1\] has no 'mu_product'"),
        (1.5, r"^nadam: states\[1\]\['mu_product'\] must be a number in \[0, 1\], got 1.5$"),
        (float("nan"), r"must be a number in \[0, 1\], got nan$"),
        ("0.5", r"must be a number in \[0, 1\], got '0.5'$"),
        ("short", r"^nadam: got 2 params, 2 grads and 1 states$"),
    ],
    ids=["missing", "above-one", "nan", "string", "short"],
)
def test_nadam_functional_form_refuses_a_bad_product_and_changes_nothing(bad, message):
    rng = np.random.default_rng(46)
    params = [rng.standard_normal(4), rng.standard_normal((3, 2))]
    grads = [np.ones(4), np.ones((3, 2))]
    states = [
        {"step": 2, "mu_product": np.float32(0.2), "exp_avg": x / 3, "exp_avg_sq": x * x}
        for x in params
    ]
    if bad == "missing":
        del states[1]["mu_product"]
    elif bad == "short":
        states = states[:1]
    else:
        states[1]["mu_product"] = bad
    params0, states0 = copy.deepcopy(params), copy.deepcopy(states)
    with pytest.raises(ValueError, match=message):
        optim.nadam(params, grads, states, **NADAM_OPTIONS)
    for x, x0 in zip(params, params0, strict=True):
        np.testing.assert_array_equal(x, x0)
    for state, state0 in zip(states, states0, strict=True):
        assert state.keys() == state0.keys()
        for key, value in state.items():
            assert type(value) is type(state0[key])
            np.testing.assert_array_equal(value, state0[key])
