"""Learning-rate schedulers: PyTorch's numbers exactly, the closed forms closely, and the
scheduled rate actually used by the next optimizer step.

Sources: ``sched/<id>`` in ``tests/fixtures/family_torch.npz`` (written by PyTorch through
``tests/fixtures/make_family_fixtures.py``), PyTorch live (``@pytest.mark.torch``), and the
schedules' closed forms from PyTorch's documentation:

    StepLR              η_t = η₀ · γ^⌊t / step_size⌋
    ExponentialLR       η_t = η₀ · γ^t
    CosineAnnealingLR   η_t = η_min + (η₀ − η_min)(1 + cos(π t / T_max)) / 2
    LambdaLR            η_t = η₀ · λ(t)

Like PyTorch, the library computes StepLR, ExponentialLR and CosineAnnealingLR
recursively from the current rate, so it matches PyTorch bit for bit but the closed forms
only to rounding: rtol 1e-12 (30 recursive steps each add ≤ 1 ulp; the cosine's ratio
near its bottom loses a few more to cancellation), atol 1e-15 (rates are ≥ 1e-3 except
where the cosine touches η_min = 0).
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Callable
from typing import Any

import fixture_util
import naive
import numpy as np
import pytest

import tinygrad_rms as tg
from tinygrad_rms import optim
from tinygrad_rms.optim import lr_scheduler

FAM = fixture_util.generator("make_family_fixtures")  # settings only: it imports torch lazily
_FAMILY = fixture_util.arrays("family_torch.npz")
TORCH_LRS = {k[len("sched/") :]: v for k, v in _FAMILY.items() if k.startswith("sched/")}
SCHEDULERS_AT_WRITING = json.loads(str(_FAMILY["schedulers_json"]))

SCHED_PARAMS = [pytest.param(sid, id=sid) for sid in FAM.SCHEDULERS]
RTOL, ATOL = 1e-12, 1e-15


def _make_scheduler(sid: str, opt: optim.Optimizer) -> lr_scheduler.LRScheduler:
    name, kwargs = FAM.SCHEDULERS[sid]
    kwargs = dict(kwargs)
    if name == "LambdaLR":
        kwargs["lr_lambda"] = FAM.resolve_lambdas(kwargs["lr_lambda"])
    return getattr(lr_scheduler, name)(opt, **kwargs)


def _two_groups(cls: Any = optim.SGD, **kwargs: Any) -> tuple[optim.Optimizer, list[tg.Tensor]]:
    params = [
        tg.Tensor(np.zeros(2), requires_grad=True),
        tg.Tensor(np.zeros(3), requires_grad=True),
    ]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, FAM.SCHED_BASE_LRS, strict=True)]
    return cls(groups, **kwargs), params


def _our_schedule(sid: str, epochs: int = FAM.SCHED_EPOCHS) -> np.ndarray:
    """get_last_lr() after construction and after each scheduler.step(), (epochs + 1, 2).

    Checks on the way that the rates are the ones now in the optimizer's groups.
    """
    opt, _ = _two_groups()
    sched = _make_scheduler(sid, opt)
    lrs = [sched.get_last_lr()]
    for _ in range(epochs):
        sched.step()
        lrs.append(sched.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return np.array(lrs, dtype=np.float64)


def _closed_form(sid: str, epochs: int = FAM.SCHED_EPOCHS) -> np.ndarray:
    """The documented formula for every epoch and both base rates, (epochs + 1, 2)."""
    name, kw = FAM.SCHEDULERS[sid]
    t = np.arange(epochs + 1, dtype=np.float64)[:, None]
    base = np.array(FAM.SCHED_BASE_LRS)[None, :]
    if name == "StepLR":
        return base * kw["gamma"] ** np.floor(t / kw["step_size"])
    if name == "ExponentialLR":
        return base * kw["gamma"] ** t
    if name == "CosineAnnealingLR":
        lo = kw.get("eta_min", 0.0)
        return lo + (base - lo) * (1 + np.cos(np.pi * t / kw["T_max"])) / 2
    if name == "LambdaLR":
        spec = kw["lr_lambda"]
        fns = [spec] * base.shape[1] if isinstance(spec, str) else spec
        factors = [[FAM.LAMBDAS[f](int(e)) for f in fns] for e in t[:, 0]]
        return base * np.array(factors)
    raise AssertionError(name)


def test_fixture_matches_current_settings():
    assert SCHEDULERS_AT_WRITING == json.loads(json.dumps(FAM.SCHEDULERS))
    assert set(TORCH_LRS) == set(FAM.SCHEDULERS)


@pytest.mark.parametrize("sid", SCHED_PARAMS)
def test_schedule_is_torchs_exactly(sid):
    ours = _our_schedule(sid)
    assert ours.shape == TORCH_LRS[sid].shape == (FAM.SCHED_EPOCHS + 1, 2)
    assert np.array_equal(ours, TORCH_LRS[sid]), np.max(np.abs(ours - TORCH_LRS[sid]))


@pytest.mark.parametrize("sid", SCHED_PARAMS)
def test_schedule_follows_the_closed_form(sid):
    np.testing.assert_allclose(_our_schedule(sid), _closed_form(sid), rtol=RTOL, atol=ATOL)


@pytest.mark.torch
@pytest.mark.parametrize("sid", SCHED_PARAMS)
def test_schedule_is_live_torchs_exactly(sid):
    pytest.importorskip("torch")
    name, kwargs = FAM.SCHEDULERS[sid]
    theirs = FAM.torch_schedule(name, kwargs, epochs=50)
    ours = _our_schedule(sid, epochs=50)
    assert np.array_equal(ours, theirs), np.max(np.abs(ours - theirs))


def test_the_cosine_goes_past_t_max_and_back_up():
    """30 epochs with T_max 10 and 7: the restart branch ((t − 1 − T) % 2T == 0) runs."""
    for sid in ("cosine", "cosine-eta_min"):
        t_max = FAM.SCHEDULERS[sid][1]["T_max"]
        eta_min = FAM.SCHEDULERS[sid][1].get("eta_min", 0.0)
        lrs = _our_schedule(sid)[:, 1]
        assert lrs[t_max] == pytest.approx(eta_min, abs=1e-15)
        assert np.all(lrs[t_max + 1 : 2 * t_max + 1] > lrs[t_max : 2 * t_max])  # climbing
        assert lrs[2 * t_max] == pytest.approx(FAM.SCHED_BASE_LRS[1], rel=1e-12)
        assert np.all(lrs >= eta_min)
    assert FAM.SCHED_EPOCHS > 2 * 10 + 1


@pytest.mark.parametrize("sid", SCHED_PARAMS)
def test_each_group_keeps_its_own_base_rate(sid):
    opt, _ = _two_groups()
    sched = _make_scheduler(sid, opt)
    assert sched.base_lrs == [g["initial_lr"] for g in opt.param_groups]
    assert sched.base_lrs == list(FAM.SCHED_BASE_LRS)
    for _ in range(FAM.SCHED_EPOCHS):
        sched.step()
    assert sched.base_lrs == list(FAM.SCHED_BASE_LRS)  # the schedule moves lr, not these
    lrs = _our_schedule(sid)
    assert not np.allclose(lrs[:, 0], lrs[:, 1])


@pytest.mark.parametrize(
    "make,message",
    [
        pytest.param(lambda o: lr_scheduler.StepLR(o, step_size=0), "step_size", id="step_size-0"),
        pytest.param(
            lambda o: lr_scheduler.StepLR(o, step_size=-2), "step_size", id="step_size-neg"
        ),
        pytest.param(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), "T_max", id="T_max-0"),
        pytest.param(
            lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=-3), "T_max", id="T_max-neg"
        ),
        pytest.param(
            lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0] * 3),
            "Expected 2 lr_lambdas, but got 3",
            id="three-lambdas-for-two-groups",
        ),
        pytest.param(
            lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]),
            "Expected 2 lr_lambdas, but got 1",
            id="one-lambda-in-a-list-for-two-groups",
        ),
    ],
)
def test_invalid_arguments_raise_and_leave_the_optimizer_alone(make, message):
    opt, _ = _two_groups()
    with pytest.raises(ValueError, match=message):
        make(opt)
    assert [g["lr"] for g in opt.param_groups] == list(FAM.SCHED_BASE_LRS)
    assert all("initial_lr" not in g for g in opt.param_groups)


# ----------------------------------------------------------------------------- in a loop
@pytest.mark.parametrize("sid", SCHED_PARAMS)
def test_scheduler_step_after_optimizer_step(sid):
    """The documented loop: optimizer.step() with the epoch's rate, then scheduler.step().

    Each SGD step must use the rate get_last_lr() reported for that epoch (PyTorch's
    sequence from the fixture), checked against the SGD transcription.
    """
    opt, params = _two_groups()
    sched = _make_scheduler(sid, opt)
    rng = np.random.default_rng(61)
    refs = [p.detach().numpy().copy() for p in params]
    for epoch in range(FAM.SCHED_EPOCHS):
        lrs = TORCH_LRS[sid][epoch]
        assert sched.get_last_lr() == list(lrs)
        grads = [rng.standard_normal(p.shape) for p in params]
        for p, g in zip(params, grads, strict=True):
            p.grad = tg.Tensor(g)
        opt.step()
        sched.step()
        for j, (p, g) in enumerate(zip(params, grads, strict=True)):
            refs[j] = naive.sgd_torch_step(refs[j], g, {}, lr=float(lrs[j]))
            np.testing.assert_allclose(p.data, refs[j], rtol=1e-12, atol=1e-15)
    assert sched.get_last_lr() == list(TORCH_LRS[sid][-1])


RMSPROP_CASES: dict[str, tuple[dict[str, Any], Callable[..., np.ndarray]]] = {
    "pytorch-momentum": (
        {"lr": 0.01, "alpha": 0.9, "momentum": 0.9},
        lambda x, g, s, lr: naive.rmsprop_torch_step(
            x,
            g,
            s,
            lr=lr,
            alpha=0.9,
            eps=1e-8,
            weight_decay=0.0,
            momentum=0.9,
            centered=False,
            maximize=False,
        ),
    ),
    "lr_in_momentum": (
        {"lr": 0.01, "alpha": 0.9, "momentum": 0.9, "lr_in_momentum": True, "eps_in_sqrt": True},
        lambda x, g, s, lr: naive.rmsprop_general_step(
            x,
            g,
            s,
            lr=lr,
            alpha=0.9,
            eps=1e-8,
            weight_decay=0.0,
            momentum=0.9,
            centered=False,
            maximize=False,
            eps_in_sqrt=True,
            initial_accumulator_value=0.0,
            lr_in_momentum=True,
            nesterov=False,
            decoupled_weight_decay=False,
            bias_correction=False,
        ),
    ),
}


@pytest.mark.parametrize("case", RMSPROP_CASES)
def test_rmsprop_steps_with_the_scheduled_rate(case):
    """StepLR halves η every 3 epochs; each RMSprop step must use the rate of its epoch
    (η₀ · 0.5^⌊epoch/3⌋, the closed form), as the numpy transcription does."""
    hyper, reference = RMSPROP_CASES[case]
    rng = np.random.default_rng(71)
    x0 = rng.standard_normal((3, 3))
    p = tg.Tensor(x0.copy(), requires_grad=True)
    opt = optim.RMSprop([p], **hyper)
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    ref, state = x0.copy(), {}
    for epoch in range(10):
        lr = hyper["lr"] * 0.5 ** (epoch // 3)
        assert sched.get_last_lr() == [pytest.approx(lr, rel=1e-15)]
        g = rng.standard_normal((3, 3))
        p.grad = tg.Tensor(g)
        opt.step()
        sched.step()
        ref = reference(ref, g, state, lr)
        np.testing.assert_allclose(p.data, ref, rtol=1e-12, atol=1e-15)
    assert sched.get_last_lr() == [pytest.approx(0.01 * 0.5**3, rel=1e-15)]
    assert math.isclose(opt.param_groups[0]["lr"], 0.01 * 0.5**3, rel_tol=1e-15)


# ---------------------------------------------------------------------- more schedules
def _rates(make, epochs=12, lrs=(0.1, 0.3)):
    """The rates ``get_last_lr()`` reports after each of ``epochs`` steps (two groups)."""
    from tinygrad_rms import nn as tnn
    from tinygrad_rms import optim as toptim

    groups = [{"params": [tnn.Parameter(np.ones(2))], "lr": lr} for lr in lrs]
    opt = toptim.SGD(groups, lr=lrs[0])
    sched = make(opt)
    out = []
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr())
    return np.array(out)


CLOSED_FORMS = {
    # name -> (make(optimizer), the rate at epoch e for a group starting at lr)
    "MultiStepLR": (
        lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5),
        lambda lr, e: lr * 0.5 ** sum(m <= e for m in [2, 5, 5, 9]),
    ),
    "ConstantLR": (
        lambda o: lr_scheduler.ConstantLR(o, factor=0.25, total_iters=4),
        lambda lr, e: lr * (0.25 if e < 4 else 1.0),
    ),
    "LinearLR": (
        lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=6),
        lambda lr, e: lr * (0.1 + 0.9 * min(e, 6) / 6),
    ),
    "PolynomialLR": (
        lambda o: lr_scheduler.PolynomialLR(o, total_iters=7, power=2.0),
        lambda lr, e: lr * (1 - min(e, 7) / 7) ** 2,
    ),
    "MultiplicativeLR": (
        lambda o: lr_scheduler.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.95),
        lambda lr, e: lr * math.prod(0.9 if k % 2 else 0.95 for k in range(1, e + 1)),
    ),
}


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_chainable_schedules_follow_their_closed_forms(name):
    make, closed = CLOSED_FORMS[name]
    got = _rates(make)
    expected = [[closed(lr, e) for lr in (0.1, 0.3)] for e in range(1, 13)]
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_chainable_schedules_are_live_pytorchs_bit_for_bit(name):
    import torch

    make, _ = CLOSED_FORMS[name]
    ours = _rates(make)
    params = [torch.nn.Parameter(torch.ones(2)) for _ in range(2)]
    opt = torch.optim.SGD(
        [{"params": [p], "lr": lr} for p, lr in zip(params, (0.1, 0.3), strict=True)], lr=0.1
    )
    kwargs = {
        "MultiStepLR": dict(milestones=[2, 5, 5, 9], gamma=0.5),
        "ConstantLR": dict(factor=0.25, total_iters=4),
        "LinearLR": dict(start_factor=0.1, end_factor=1.0, total_iters=6),
        "PolynomialLR": dict(total_iters=7, power=2.0),
        "MultiplicativeLR": dict(lr_lambda=lambda e: 0.9 if e % 2 else 0.95),
    }[name]
    sched = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    theirs = []
    for _ in range(12):
        opt.step()
        sched.step()
        theirs.append(sched.get_last_lr())
    np.testing.assert_array_equal(ours, np.array(theirs))


def test_new_schedules_refuse_bad_arguments():
    from tinygrad_rms import nn as tnn
    from tinygrad_rms import optim as toptim

    opt = toptim.SGD([tnn.Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        lr_scheduler.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="greater than 0"):
        lr_scheduler.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="total_iters must be a positive int"):
        lr_scheduler.PolynomialLR(opt, total_iters=0)
    with pytest.raises(ValueError, match="gamma"):
        lr_scheduler.MultiStepLR(opt, [1, 2], gamma=float("nan"))


def _sgdr(lr: float, epoch: float, t0: int, mult: int, eta_min: float) -> float:
    """SGDR's rate at (possibly fractional) ``epoch``, written from the paper's definition:
    find the period the epoch falls in, then the half cosine inside it."""
    start, period = 0.0, t0
    while epoch >= start + period:
        start, period = start + period, period * mult
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * (epoch - start) / period)) / 2


@pytest.mark.parametrize(("t0", "mult"), [(3, 1), (2, 2), (1, 3)])
def test_warm_restarts_follow_sgdr(t0, mult):
    from tinygrad_rms import nn as tnn
    from tinygrad_rms import optim as toptim

    opt = toptim.SGD([tnn.Parameter(np.ones(2))], lr=0.1)
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, t0, mult, eta_min=0.001)
    for epoch in range(1, 20):
        sched.step()
        assert sched.get_last_lr()[0] == pytest.approx(_sgdr(0.1, epoch, t0, mult, 0.001), 1e-12)
    for epoch in (0.5, 2.25, 6.75, 13.0, 3.1):  # fractional jumps, also backwards
        sched.step(epoch)
        assert sched.get_last_lr()[0] == pytest.approx(_sgdr(0.1, epoch, t0, mult, 0.001), 1e-12)
    with pytest.raises(ValueError, match="non-negative epoch"):
        sched.step(-1)
    with pytest.raises(ValueError, match="T_mult >= 1"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, 2, 0)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_warm_restarts_are_live_pytorchs_bit_for_bit():
    import torch

    from tinygrad_rms import nn as tnn
    from tinygrad_rms import optim as toptim

    moves = [None] * 9 + [0.5, 1.2, 2.7, 3, 5.5, 7.9, 8, 14.2, 3.1]
    rates = []
    for opt in (
        toptim.SGD([tnn.Parameter(np.ones(2))], lr=0.1),
        torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=0.1),
    ):
        module = lr_scheduler if isinstance(opt, toptim.SGD) else torch.optim.lr_scheduler
        sched = module.CosineAnnealingWarmRestarts(opt, 2, 2, eta_min=0.001)
        seq = []
        for move in moves:
            opt.step()
            sched.step() if move is None else sched.step(move)
            seq.append(sched.get_last_lr()[0])
        rates.append(seq)
    assert rates[0] == rates[1]


def test_reduce_on_plateau_cuts_after_patience_and_cooldown():
    """Traced by hand: patience 2, cooldown 1, factor 0.5, threshold 0 (absolute)."""
    from tinygrad_rms import nn as tnn
    from tinygrad_rms import optim as toptim

    opt = toptim.SGD([tnn.Parameter(np.ones(2))], lr=0.8)
    sched = lr_scheduler.ReduceLROnPlateau(
        opt, factor=0.5, patience=2, cooldown=1, threshold=0.0, threshold_mode="abs", min_lr=0.15
    )
    losses = [1.0, 0.9, 0.9, 0.9, 0.95, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    rates = []
    for loss in losses:
        sched.step(tg.tensor(loss))  # a 0-d tensor works as in PyTorch
        rates.append(sched.get_last_lr()[0])
    # bad epochs after the best 0.9 (epoch 2): 3, 4, 5 -> cut at epoch 5 (0.4); cooldown
    # epoch 6; bad again 7, 8, 9 -> cut at 9 (0.2); cooldown 10; 11, 12, 13 -> floor 0.15
    assert rates == [0.8] * 4 + [0.4] * 4 + [0.2] * 4 + [0.15]
    with pytest.raises(ValueError, match=r"Factor should be < 1\.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="avg")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"mode": "max", "factor": 0.5, "patience": 2, "threshold_mode": "abs", "threshold": 0.01},
        {"patience": 3, "cooldown": 2, "min_lr": [0.01, 0.05], "factor": 0.3},
    ],
)
def test_reduce_on_plateau_is_live_pytorchs(kwargs):
    import torch

    from tinygrad_rms import nn as tnn
    from tinygrad_rms import optim as toptim

    metrics = np.concatenate(
        [np.linspace(1, 0.5, 6), np.full(8, 0.5), np.linspace(0.5, 0.3, 5), np.full(12, 0.31)]
    )
    sign = -1 if kwargs.get("mode") == "max" else 1
    runs = []
    for lib_optim, param in ((toptim, tnn.Parameter), (torch.optim, torch.nn.Parameter)):
        ones = np.ones(2) if lib_optim is toptim else torch.ones(2)
        groups = [{"params": [param(ones)]}, {"params": [param(ones)], "lr": 0.3}]
        opt = lib_optim.SGD(groups, lr=0.1)
        sched = lib_optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for m in metrics:
            sched.step(float(sign * m))
            seq.append(sched.get_last_lr())
        runs.append(seq)
    assert runs[0] == runs[1]
