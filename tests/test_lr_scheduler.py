"""Learning-rate schedulers: PyTorch's numbers exactly, the closed forms closely, and the
scheduled rate (and momentum) actually used by the next optimizer step.

Sources: ``sched/<id>`` and ``sched_momentum/<id>`` in ``tests/fixtures/family_torch.npz``
(written by PyTorch through ``tests/fixtures/make_family_fixtures.py``), PyTorch live
(``@pytest.mark.torch``), and the schedules' closed forms from PyTorch's documentation:

    StepLR              η_t = η₀ · γ^⌊t / step_size⌋
    ExponentialLR       η_t = η₀ · γ^t
    CosineAnnealingLR   η_t = η_min + (η₀ − η_min)(1 + cos(π t / T_max)) / 2
    LambdaLR            η_t = η₀ · λ(t)
    OneCycleLR          anneal(a, b, p) between the knots initial_lr → max_lr → (initial_lr →)
                        min_lr, cos: b + (a − b)(1 + cos πp)/2, linear: a + (b − a)p
    CyclicLR            η_t = base + (max − base) · rise(t) · scale, rise going 0 → 1 over
                        step_size_up and back over step_size_down (Smith's triangle)

Like PyTorch, the library computes StepLR, ExponentialLR and CosineAnnealingLR
recursively from the current rate, so it matches PyTorch bit for bit but the closed forms
only to rounding: rtol 1e-12 (100 recursive steps each add ≤ 1 ulp; the cosine's ratio
near its bottom loses a few more to cancellation), atol 1e-15 (rates are ≥ 1e-3 except
where the cosine touches η_min = 0).
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
from collections.abc import Callable
from typing import Any

import fixture_util
import naive
import numpy as np
import pytest
from hostile_util import assert_unchanged, snapshot

import tinygrad_rms as tg
from tinygrad_rms import optim
from tinygrad_rms.optim import lr_scheduler

FAM = fixture_util.generator("make_family_fixtures")  # settings only: it imports torch lazily
_FAMILY = fixture_util.arrays("family_torch.npz")
TORCH_LRS = {k[len("sched/") :]: v for k, v in _FAMILY.items() if k.startswith("sched/")}
TORCH_MOMENTA = {
    k[len("sched_momentum/") :]: v for k, v in _FAMILY.items() if k.startswith("sched_momentum/")
}
SCHEDULERS_AT_WRITING = json.loads(str(_FAMILY["schedulers_json"]))

SCHED_PARAMS = [pytest.param(sid, id=sid) for sid in FAM.SCHEDULERS]
#: the chainable schedules of base_lrs (not OneCycleLR, CyclicLR or the composites)
BASE_LR_PARAMS = [
    pytest.param(sid, id=sid)
    for sid, (name, _) in FAM.SCHEDULERS.items()
    if name in ("StepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR")
]
CLOSED_FORM_PARAMS = BASE_LR_PARAMS + [
    pytest.param(sid, id=sid)
    for sid, (name, _) in FAM.SCHEDULERS.items()
    if name in ("OneCycleLR", "CyclicLR")
]
RTOL, ATOL = 1e-12, 1e-15


#: PyTorch's own warning when SequentialLR first steps a ChainedScheduler or SequentialLR
#: inside it (their schedulers step before the optimizer has); the numbers are the point
_INNER_FIRST_STEP = "ignore:Detected call of `lr_scheduler.step\\(\\)` before:UserWarning"


def _make_scheduler(sid: str, opt: optim.Optimizer) -> lr_scheduler.LRScheduler:
    name, kwargs = FAM.SCHEDULERS[sid]
    return FAM.build_scheduler(lr_scheduler, opt, name, kwargs)


def _two_groups(cls: Any = optim.SGD, **kwargs: Any) -> tuple[optim.Optimizer, list[tg.Tensor]]:
    params = [
        tg.Tensor(np.zeros(2), requires_grad=True),
        tg.Tensor(np.zeros(3), requires_grad=True),
    ]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, FAM.SCHED_BASE_LRS, strict=True)]
    return cls(groups, **kwargs), params


def _entry_optimizer(sid: str) -> tuple[optim.Optimizer, list[tg.Tensor]]:
    """The optimizer the fixture ran ``sid`` on (FAM.SCHED_OPTIMIZERS), over two groups."""
    params = [
        tg.Tensor(np.zeros(2), requires_grad=True),
        tg.Tensor(np.zeros(3), requires_grad=True),
    ]
    return FAM.sched_optimizer(optim, params, sid), params


def _momenta(opt: optim.Optimizer) -> list[float | None]:
    return [FAM.group_momentum(g) for g in opt.param_groups]


def _our_schedule(sid: str, epochs: int = FAM.SCHED_EPOCHS) -> tuple[np.ndarray, np.ndarray]:
    """get_last_lr() and each group's momentum after construction and after each
    scheduler.step(), (epochs + 1, 2) each (momenta NaN for an optimizer without).

    Checks on the way that the rates are the ones now in the optimizer's groups.
    """
    opt, _ = _entry_optimizer(sid)
    sched = _make_scheduler(sid, opt)
    lrs, momenta = [sched.get_last_lr()], [_momenta(opt)]
    for _ in range(epochs):
        sched.step()
        lrs.append(sched.get_last_lr())
        momenta.append(_momenta(opt))
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return np.array(lrs, dtype=np.float64), np.array(momenta, dtype=np.float64)


def _per_group(value: Any) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (2,))


def _one_cycle(kw: dict[str, Any], t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OneCycleLR as documented: the rate annealed between the knots initial_lr (=
    max_lr/div_factor) → max_lr at pct_start·T − 1 → (initial_lr at 2(pct_start·T − 1) →)
    min_lr (= initial_lr/final_div_factor) at T − 1, the momentum the other way between
    max_momentum and base_momentum; continued past the last knot at t = T."""
    T = kw.get("total_steps") or kw["epochs"] * kw["steps_per_epoch"]
    top = _per_group(kw["max_lr"])
    first = top / kw.get("div_factor", 25.0)
    low = first / kw.get("final_div_factor", 1e4)
    hi_m, lo_m = _per_group(kw.get("max_momentum", 0.95)), _per_group(kw.get("base_momentum", 0.85))
    peak = kw.get("pct_start", 0.3) * T - 1
    if kw.get("three_phase", False):
        knots, rates, moms = (
            [0, peak, 2 * peak, T - 1],
            [first, top, first, low],
            [hi_m, lo_m, hi_m, hi_m],
        )
    else:
        knots, rates, moms = [0, peak, T - 1], [first, top, low], [hi_m, lo_m, hi_m]
    if kw.get("anneal_strategy", "cos") == "cos":

        def anneal(a, b, p):
            return b + (a - b) * (1 + np.cos(np.pi * p)) / 2
    else:

        def anneal(a, b, p):
            return a + (b - a) * p

    lr, mom = np.empty((len(t), 2)), np.empty((len(t), 2))
    for i, step in enumerate(t[:, 0]):
        k = next((k for k in range(len(knots) - 1) if step <= knots[k + 1]), len(knots) - 2)
        p = (step - knots[k]) / (knots[k + 1] - knots[k])
        lr[i], mom[i] = anneal(rates[k], rates[k + 1], p), anneal(moms[k], moms[k + 1], p)
    return lr, mom


def _cyclic(kw: dict[str, Any], t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CyclicLR as the paper draws it: each cycle rises linearly from base_lr towards
    max_lr over step_size_up steps and falls back over step_size_down, the amplitude times
    1, 1/2^(cycle−1) (triangular2), γ^t (exp_range) or scale_fn(cycle or t)."""
    up = kw.get("step_size_up", 2000)
    down = kw.get("step_size_down") or up
    cycle = np.floor(1 + t / (up + down))
    r = t - (cycle - 1) * (up + down)  # steps into the cycle
    rise = np.where(r <= up, r / up, 1 - (r - up) / max(down, 1e-300))
    mode = kw.get("mode", "triangular")
    if "scale_fn" in kw:
        fn = np.vectorize(FAM.resolve_lambdas(kw["scale_fn"]))
        scale = fn(t if kw.get("scale_mode") == "iterations" else cycle)
    elif mode == "triangular2":
        scale = 1 / 2 ** (cycle - 1)
    elif mode == "exp_range":
        scale = kw["gamma"] ** t
    else:
        scale = np.ones_like(t)
    base, top = _per_group(kw["base_lr"])[None, :], _per_group(kw["max_lr"])[None, :]
    lo_m = _per_group(kw.get("base_momentum", 0.8))[None, :]
    hi_m = _per_group(kw.get("max_momentum", 0.9))[None, :]
    return base + (top - base) * rise * scale, hi_m - (hi_m - lo_m) * rise * scale


def _closed_form(sid: str, epochs: int = FAM.SCHED_EPOCHS) -> tuple[np.ndarray, np.ndarray | None]:
    """The documented formula for every epoch and both base rates, (epochs + 1, 2); and
    the momentum's where the schedule cycles it (else None)."""
    name, kw = FAM.SCHEDULERS[sid]
    t = np.arange(epochs + 1, dtype=np.float64)[:, None]
    base = np.array(FAM.SCHED_BASE_LRS)[None, :]
    if name == "StepLR":
        return base * kw["gamma"] ** np.floor(t / kw["step_size"]), None
    if name == "ExponentialLR":
        return base * kw["gamma"] ** t, None
    if name == "CosineAnnealingLR":
        lo = kw.get("eta_min", 0.0)
        return lo + (base - lo) * (1 + np.cos(np.pi * t / kw["T_max"])) / 2, None
    if name == "LambdaLR":
        spec = kw["lr_lambda"]
        fns = [spec] * base.shape[1] if isinstance(spec, str) else spec
        factors = [[FAM.LAMBDAS[f](int(e)) for f in fns] for e in t[:, 0]]
        return base * np.array(factors), None
    rates, momenta = (_one_cycle if name == "OneCycleLR" else _cyclic)(kw, t)
    return rates, momenta if kw.get("cycle_momentum", True) else None


def test_fixture_matches_current_settings():
    assert SCHEDULERS_AT_WRITING == json.loads(json.dumps(FAM.SCHEDULERS))
    assert json.loads(str(_FAMILY["sched_optimizers_json"])) == json.loads(
        json.dumps(FAM.SCHED_OPTIMIZERS)
    )
    assert set(TORCH_LRS) == set(FAM.SCHEDULERS)
    without = {sid for sid, (name, _) in FAM.SCHED_OPTIMIZERS.items() if name == "Adagrad"}
    assert set(TORCH_MOMENTA) == set(FAM.SCHEDULERS) - without


@pytest.mark.parametrize("sid", SCHED_PARAMS)
def test_schedule_is_torchs_exactly(sid):
    ours, momenta = _our_schedule(sid)
    assert ours.shape == TORCH_LRS[sid].shape == (FAM.SCHED_EPOCHS + 1, 2)
    assert np.array_equal(ours, TORCH_LRS[sid]), np.max(np.abs(ours - TORCH_LRS[sid]))
    if sid in TORCH_MOMENTA:
        assert np.array_equal(momenta, TORCH_MOMENTA[sid]), np.max(
            np.abs(momenta - TORCH_MOMENTA[sid])
        )
    else:
        assert np.isnan(momenta).all()  # Adagrad has neither momentum nor betas


@pytest.mark.parametrize("sid", CLOSED_FORM_PARAMS)
def test_schedule_follows_the_closed_form(sid):
    lrs, momenta = _our_schedule(sid)
    expected_lrs, expected_momenta = _closed_form(sid)
    np.testing.assert_allclose(lrs, expected_lrs, rtol=RTOL, atol=ATOL)
    if expected_momenta is not None:
        np.testing.assert_allclose(momenta, expected_momenta, rtol=RTOL, atol=ATOL)


@pytest.mark.torch
@pytest.mark.filterwarnings(_INNER_FIRST_STEP)
@pytest.mark.parametrize("sid", SCHED_PARAMS)
def test_schedule_is_live_torchs_exactly(sid):
    pytest.importorskip("torch")
    theirs, their_momenta = FAM.torch_schedule(sid, epochs=50)
    ours, momenta = _our_schedule(sid, epochs=50)
    assert np.array_equal(ours, theirs), np.max(np.abs(ours - theirs))
    if their_momenta is not None:
        assert np.array_equal(momenta, their_momenta)


def test_the_cosine_goes_past_t_max_and_back_up():
    """100 epochs with T_max 10 and 7: the restart branch ((t − 1 − T) % 2T == 0) runs."""
    for sid in ("cosine", "cosine-eta_min"):
        t_max = FAM.SCHEDULERS[sid][1]["T_max"]
        eta_min = FAM.SCHEDULERS[sid][1].get("eta_min", 0.0)
        lrs = _our_schedule(sid)[0][:, 1]
        assert lrs[t_max] == pytest.approx(eta_min, abs=1e-15)
        assert np.all(lrs[t_max + 1 : 2 * t_max + 1] > lrs[t_max : 2 * t_max])  # climbing
        assert lrs[2 * t_max] == pytest.approx(FAM.SCHED_BASE_LRS[1], rel=1e-12)
        assert np.all(lrs >= eta_min)
    assert FAM.SCHED_EPOCHS > 2 * 10 + 1


@pytest.mark.parametrize("sid", BASE_LR_PARAMS)
def test_each_group_keeps_its_own_base_rate(sid):
    opt, _ = _two_groups()
    sched = _make_scheduler(sid, opt)
    assert sched.base_lrs == [g["initial_lr"] for g in opt.param_groups]
    assert sched.base_lrs == list(FAM.SCHED_BASE_LRS)
    for _ in range(FAM.SCHED_EPOCHS):
        sched.step()
    assert sched.base_lrs == list(FAM.SCHED_BASE_LRS)  # the schedule moves lr, not these
    lrs = _our_schedule(sid)[0]
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
def _reference_step(sid: str) -> Callable[..., np.ndarray]:
    """The documented step of the optimizer ``sid`` runs on (tests/naive.py), given the
    epoch's rate and momentum (β₁ for Adam and AdamW)."""
    name, kw = FAM.SCHED_OPTIMIZERS.get(sid, ("SGD", {}))
    kw = {k: v for k, v in kw.items() if k not in ("momentum", "betas")}
    beta2 = FAM.SCHED_OPTIMIZERS.get(sid, ("", {}))[1].get("betas", (0.9, 0.999))[1]
    if name == "SGD":
        return lambda x, g, s, lr, m: naive.sgd_torch_step(x, g, s, lr=lr, momentum=m, **kw)
    if name == "RMSprop":
        common = dict(alpha=0.99, eps=1e-8, weight_decay=0.0, centered=False, maximize=False)
        return lambda x, g, s, lr, m: naive.rmsprop_torch_step(x, g, s, lr=lr, momentum=m, **common)
    if name in ("Adam", "AdamW"):
        step = naive.adam_torch_step if name == "Adam" else naive.adamw_torch_step
        return lambda x, g, s, lr, m: step(x, g, s, lr=lr, betas=(m, beta2))
    assert name == "Adagrad", name
    return lambda x, g, s, lr, m: naive.adagrad_torch_step(x, g, s, lr=lr)


@pytest.mark.parametrize("sid", SCHED_PARAMS)
def test_scheduler_step_after_optimizer_step(sid):
    """The documented loop: optimizer.step() with the epoch's rate, then scheduler.step().

    Each step of the entry's optimizer must use the rate get_last_lr() reported for that
    epoch and the momentum (or β₁) in its group then — PyTorch's sequences from the
    fixture — checked against the optimizer's documented step (tests/naive.py).  The
    "onecycle" entry runs SGD(momentum=0): PyTorch's OneCycleLR writes a momentum into it,
    and the steps must then carry a momentum buffer, as PyTorch's do.
    """
    opt, params = _entry_optimizer(sid)
    sched = _make_scheduler(sid, opt)
    reference = _reference_step(sid)
    momenta = TORCH_MOMENTA.get(sid, np.full_like(TORCH_LRS[sid], np.nan))
    rng = np.random.default_rng(61)
    refs = [p.detach().numpy().copy() for p in params]
    states: list[dict] = [{}, {}]
    for epoch in range(FAM.SCHED_EPOCHS):
        lrs = TORCH_LRS[sid][epoch]
        assert sched.get_last_lr() == list(lrs)
        grads = [rng.standard_normal(p.shape) for p in params]
        for p, g in zip(params, grads, strict=True):
            p.grad = tg.Tensor(g)
        opt.step()
        sched.step()
        for j, (p, g) in enumerate(zip(params, grads, strict=True)):
            m = float(momenta[epoch, j])
            refs[j] = reference(refs[j], g, states[j], float(lrs[j]), m)
            np.testing.assert_allclose(p.data, refs[j], rtol=1e-12, atol=1e-14)
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


# ----------------------------------------------------- OneCycleLR, CyclicLR, the composites
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _lib(use_torch: bool) -> tuple[Any, Any, Callable[..., Any]]:
    """(optim, lr_scheduler, make(name, **kwargs) -> an optimizer over two groups at the
    rates SCHED_BASE_LRS) of PyTorch or of this library."""
    if use_torch:
        import torch

        module, tensor = torch.optim, lambda n: torch.zeros(n, dtype=torch.float64)
    else:
        module, tensor = optim, lambda n: tg.Tensor(np.zeros(n))

    def make(name: str = "SGD", **kwargs: Any) -> Any:
        params = [tensor(2).requires_grad_(), tensor(3).requires_grad_()]
        groups = [
            {"params": [p], "lr": lr} for p, lr in zip(params, FAM.SCHED_BASE_LRS, strict=True)
        ]
        return getattr(module, name)(groups, **kwargs)

    return module, module.lr_scheduler, make


def _groups(opt: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]


#: id -> (optimizer, attempt(lr_scheduler, optimizer) -> a call that must fail, error,
#: the message's words (literal), and whether PyTorch raises it too (same type, same words))
REFUSALS: dict[str, tuple[tuple[str, dict], Callable[..., Any], type, str, bool]] = {
    "onecycle-no-length": (
        ("SGD", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1), ValueError,
        "You must define either total_steps OR (epochs AND steps_per_epoch)", True,
    ),
    "onecycle-total_steps-0": (
        ("SGD", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1, total_steps=0), ValueError,
        "Expected positive integer total_steps, but got 0", True,
    ),
    "onecycle-epochs-float": (
        ("SGD", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1, epochs=2.5, steps_per_epoch=4),
        ValueError, "Expected positive integer epochs, but got 2.5", True,
    ),
    "onecycle-steps_per_epoch-0": (
        ("SGD", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=0),
        ValueError, "Expected positive integer steps_per_epoch, but got 0", True,
    ),
    "onecycle-pct_start-int": (
        ("SGD", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1, total_steps=9, pct_start=1),
        ValueError, "Expected float between 0 and 1 pct_start, but got 1", True,
    ),
    "onecycle-anneal": (
        ("SGD", {}),
        lambda L, o: lambda: L.OneCycleLR(o, 0.1, total_steps=9, anneal_strategy="exp"),
        ValueError, "anneal_strategy must be one of 'cos' or 'linear', instead got exp", True,
    ),
    "onecycle-max_lr-list": (
        ("SGD", {}), lambda L, o: lambda: L.OneCycleLR(o, [0.1, 0.2, 0.3], total_steps=9),
        ValueError,
        "max_lr must have the same length as optimizer.param_groups. max_lr has 3 values, "
        "param_groups has 2.", True,
    ),
    "onecycle-base_momentum-list": (
        ("SGD", {}),
        lambda L, o: lambda: L.OneCycleLR(o, 0.1, total_steps=9, base_momentum=[0.8]),
        ValueError, "base_momentum must have the same length as optimizer.param_groups", True,
    ),
    "onecycle-adagrad": (
        ("Adagrad", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1, total_steps=9), ValueError,
        "optimizer must support momentum or beta1 with `cycle_momentum` option enabled", True,
    ),
    "cyclic-mode": (
        ("SGD", {}), lambda L, o: lambda: L.CyclicLR(o, 0.01, 0.1, mode="sine"), ValueError,
        "mode is invalid and scale_fn is None", True,
    ),
    "cyclic-adagrad": (
        ("Adagrad", {}), lambda L, o: lambda: L.CyclicLR(o, 0.01, 0.1), ValueError,
        "optimizer must support momentum or beta1 with `cycle_momentum` option enabled", True,
    ),
    "cyclic-base_lr-list": (
        ("SGD", {}), lambda L, o: lambda: L.CyclicLR(o, [0.01], 0.1), ValueError,
        "base_lr must have the same length as optimizer.param_groups. base_lr has 1 values", True,
    ),
    "sequential-none": (
        ("SGD", {}), lambda L, o: lambda: L.SequentialLR(o, [], []), ValueError,
        "SequentialLR expects at least one scheduler, but got no scheduler.", True,
    ),
    "sequential-milestones": (
        ("SGD", {}),
        lambda L, o: (lambda s: lambda: L.SequentialLR(o, s, milestones=[]))(
            [L.ConstantLR(o), L.ExponentialLR(o, 0.9)]
        ),
        ValueError,
        "Sequential Schedulers expects number of schedulers provided to be one more than the "
        "number of milestone points, but got number of schedulers 2 and the number of "
        "milestones to be equal to 0", True,
    ),
    "sequential-plateau": (
        ("SGD", {}),
        lambda L, o: (lambda s: lambda: L.SequentialLR(o, [s], []))(L.ReduceLROnPlateau(o)),
        ValueError, "SequentialLR does not support `ReduceLROnPlateau` scheduler", True,
    ),
    "sequential-not-a-scheduler": (
        ("SGD", {}), lambda L, o: lambda: L.SequentialLR(o, [object()], []), TypeError,
        "SequentialLR at index 0 should have `optimizer` as its attribute.", True,
    ),
    "chained-none": (
        ("SGD", {}), lambda L, o: lambda: L.ChainedScheduler([]), ValueError,
        "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.",
        True,
    ),
    "chained-two-optimizers": (
        ("SGD", {}),
        lambda L, o: (lambda s: lambda: L.ChainedScheduler(s, optimizer=o))(
            [L.ExponentialLR(type(o)(_groups_like(o)), 0.9)]
        ),
        ValueError,
        "ChainedScheduler expects all schedulers to belong to the same optimizer, but got "
        "scheduler ExponentialLR at index 0 has", True,
    ),
    # where PyTorch divides by zero, or takes a value its optimizer cannot use
    "onecycle-phase-of-no-length": (
        ("SGD", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=0.1),
        ValueError, "step 0 falls in a phase of no length", False,
    ),
    "onecycle-div_factor-0": (
        ("SGD", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1, total_steps=9, div_factor=0.0),
        ValueError, "div_factor must be a finite positive number, got 0.0", False,
    ),
    "onecycle-beta1-1": (
        ("Adam", {}), lambda L, o: lambda: L.OneCycleLR(o, 0.1, total_steps=9, max_momentum=1.0),
        ValueError, "max_momentum) would be 1.0, which Adam refuses: Invalid beta", False,
    ),
    "cyclic-step_size_up-0": (
        ("SGD", {}), lambda L, o: lambda: L.CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError,
        "step_size_up must be a finite positive number, got 0", False,
    ),
    "sequential-milestones-decrease": (
        ("SGD", {}),
        lambda L, o: (lambda s: lambda: L.SequentialLR(o, s, milestones=[9, 3]))(
            [L.ConstantLR(o), L.ExponentialLR(o, 0.9), L.StepLR(o, 2)]
        ),
        ValueError, "milestones must not decrease, got [9, 3]", False,
    ),
    "sequential-composite-later": (
        ("SGD", {}),
        lambda L, o: (lambda s: lambda: L.SequentialLR(o, s, milestones=[3]))(
            [L.ConstantLR(o), L.ChainedScheduler([L.ExponentialLR(o, 0.9)])]
        ),
        ValueError, "the ChainedScheduler at index 1 would have to restart", False,
    ),
}  # fmt: skip


def _groups_like(opt: Any) -> list[dict[str, Any]]:
    """Fresh parameters in as many groups as ``opt`` has (another optimizer's)."""
    new = type(opt.param_groups[0]["params"][0])
    return [{"params": [new(np.zeros(1) if new is tg.Tensor else [0.0])]} for _ in opt.param_groups]


@pytest.mark.parametrize("case", REFUSALS)
def test_bad_arguments_are_refused_before_anything_changes(case):
    (opt_name, opt_kw), attempt, error, message, _ = REFUSALS[case]
    _, L, make = _lib(use_torch=False)
    opt = make(opt_name, **opt_kw)
    call = attempt(L, opt)  # makes the schedulers the failing one is given
    before = snapshot(_groups(opt))
    with pytest.raises(error, match=re.escape(message)):
        call()
    assert_unchanged(before, _groups(opt))


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_pytorch_refuses_them_in_the_same_words():
    cases = [case for case, v in REFUSALS.items() if v[4]]
    assert len(cases) > 15
    _, L, make = _lib(use_torch=True)
    for case in cases:
        (opt_name, opt_kw), attempt, error, message, _ = REFUSALS[case]
        with pytest.raises(error, match=re.escape(message)):
            attempt(L, make(opt_name, **opt_kw))()


@pytest.mark.parametrize("use_torch", [False, pytest.param(True, marks=pytest.mark.torch)])
def test_one_cycle_refuses_a_step_past_total_steps(use_torch):
    """PyTorch allows last_epoch == total_steps (one step past the last knot) and raises
    on the next; the library raises the same error and changes nothing."""
    if use_torch:
        pytest.importorskip("torch")
    _, L, make = _lib(use_torch)
    opt = make("SGD", momentum=0.9)
    sched = L.OneCycleLR(opt, 0.5, total_steps=7)
    for _ in range(7):
        opt.step()
        sched.step()
    before = snapshot(_groups(opt), sched.last_epoch, list(sched.get_last_lr()))
    with pytest.raises(
        ValueError, match=r"^Tried to step 8 times\. The specified number of total steps is 7$"
    ):
        sched.step()
    if not use_torch:  # PyTorch has counted the refused step
        assert_unchanged(before, _groups(opt), sched.last_epoch, sched.get_last_lr())


def test_one_cycle_refuses_the_negative_rate_linear_annealing_reaches_past_the_end():
    """At the step PyTorch still allows past the end, "linear" extrapolates below min_lr:
    here below zero, a rate the optimizer would refuse, so it is refused (PyTorch sets it)."""
    opt = _lib(False)[2]("SGD")
    sched = lr_scheduler.OneCycleLR(opt, 0.4, total_steps=10, anneal_strategy="linear")
    for _ in range(9):
        sched.step()
    with pytest.raises(ValueError, match=r"at epoch 10 would be -0\.0"):
        sched.step()
    assert sched.last_epoch == 9 and sched.get_last_lr() == [g["lr"] for g in opt.param_groups]


def test_a_chained_step_refused_by_a_later_scheduler_undoes_the_earlier_ones():
    opt = _lib(False)[2]("SGD", momentum=0.9)
    first = lr_scheduler.ExponentialLR(opt, 0.5)
    bad = lr_scheduler.LambdaLR(opt, lambda e: 1.0 if e < 2 else -1.0)
    chained = lr_scheduler.ChainedScheduler([first, bad])
    chained.step()
    before = snapshot(_groups(opt), chained.state_dict(), chained.get_last_lr())
    with pytest.raises(ValueError, match="LambdaLR: the learning rate for parameter group 0"):
        chained.step()
    assert_unchanged(before, _groups(opt), chained.state_dict(), chained.get_last_lr())


# ---------------------------------------------------------------------- saving and resuming
@pytest.mark.parametrize(
    "sid",
    ["onecycle-adam", "cyclic-exp_range", "cyclic-scale_fn", "sequential-onecycle",
     "sequential-milestone-0", "chained-sequential"],
)  # fmt: skip
def test_state_dicts_saved_mid_schedule_resume_it_exactly(sid):
    """Optimizer and scheduler saved after 37 epochs, loaded into new ones (the scheduler
    made first, as PyTorch documents): the rest of the schedule is PyTorch's."""
    opt, _ = _entry_optimizer(sid)
    sched = _make_scheduler(sid, opt)
    for _ in range(37):
        sched.step()
    saved = opt.state_dict(), sched.state_dict()
    opt, _ = _entry_optimizer(sid)
    sched = _make_scheduler(sid, opt)
    opt.load_state_dict(saved[0])
    sched.load_state_dict(saved[1])
    lrs, momenta = [sched.get_last_lr()], [_momenta(opt)]
    for _ in range(FAM.SCHED_EPOCHS - 37):
        sched.step()
        lrs.append(sched.get_last_lr())
        momenta.append(_momenta(opt))
    assert np.array_equal(lrs, TORCH_LRS[sid][37:])
    assert np.array_equal(momenta, TORCH_MOMENTA[sid][37:])


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("sid", ["onecycle-3phase-momenta", "cyclic", "sequential-three"])
def test_pytorchs_scheduler_state_dict_loads(sid):
    """PyTorch's optimizer and scheduler state_dicts after 23 epochs, loaded here: the
    same names, so the schedule goes on as PyTorch's."""
    import torch

    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    theirs = FAM.sched_optimizer(torch.optim, params, sid)
    name, kwargs = FAM.SCHEDULERS[sid]
    their_sched = FAM.build_scheduler(torch.optim.lr_scheduler, theirs, name, kwargs)
    for _ in range(23):
        theirs.step()
        their_sched.step()
    opt, _ = _entry_optimizer(sid)
    sched = _make_scheduler(sid, opt)
    opt.load_state_dict(theirs.state_dict())
    sched.load_state_dict(their_sched.state_dict())
    for epoch in range(23, 60):
        assert sched.get_last_lr() == list(TORCH_LRS[sid][epoch])
        assert _momenta(opt) == list(TORCH_MOMENTA[sid][epoch])
        sched.step()


# --------------------------------------------------------------- live PyTorch, other settings
#: other arguments than the fixture's: (optimizer, its keyword arguments, make(L, o))
LIVE: dict[str, tuple[str, dict[str, Any], Callable[[Any, Any], Any]]] = {
    "onecycle-pct_start-0": (
        "SGD",
        {"momentum": 0.5},
        lambda L, o: L.OneCycleLR(o, 1.0, total_steps=60, pct_start=0.0),
    ),
    "onecycle-3phase-past-half": (
        "AdamW",
        {},
        lambda L, o: L.OneCycleLR(
            o,
            [0.02, 0.01],
            total_steps=60,
            three_phase=True,
            pct_start=0.7,
            anneal_strategy="linear",
        ),
    ),
    "onecycle-momenta-per-group": (
        "RMSprop",
        {"momentum": 0.9},
        lambda L, o: L.OneCycleLR(
            o, 0.2, epochs=6, steps_per_epoch=10, base_momentum=0.5, max_momentum=[0.6, 0.7]
        ),
    ),
    "cyclic-uneven": (
        "Adamax",
        {},
        lambda L, o: L.CyclicLR(o, 0.001, [0.01, 0.02], step_size_up=3.5, step_size_down=9),
    ),
    "cyclic-exp_range-no-momentum": (
        "SGD",
        {},
        lambda L, o: L.CyclicLR(
            o, 0.05, 0.5, step_size_up=8, mode="exp_range", gamma=0.99, cycle_momentum=False
        ),
    ),
    "cyclic-sawtooth": (
        "SGD",
        {"momentum": 0.9},
        lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5, step_size_down=0),
    ),
    "sequential-cyclic": (
        "SGD",
        {"momentum": 0.9},
        lambda L, o: L.SequentialLR(
            o,
            [
                L.LinearLR(o, 0.5, total_iters=4),
                L.CyclicLR(o, 0.01, 0.05, step_size_up=6),
                L.PolynomialLR(o, 20, 2.0),
            ],
            milestones=[8, 30],
        ),
    ),
    "sequential-one": (
        "SGD",
        {},
        lambda L, o: L.SequentialLR(o, [L.MultiStepLR(o, [5, 9], 0.5)], milestones=[]),
    ),
    "sequential-in-sequential": (
        "SGD",
        {},
        lambda L, o: L.SequentialLR(
            o,
            [
                L.SequentialLR(o, [L.ConstantLR(o, 0.5, 3), L.ExponentialLR(o, 0.9)], [6]),
                L.StepLR(o, 4, 0.5),
            ],
            [20],
        ),
    ),
    "chained-onecycle-constant": (
        "Adam",
        {},
        lambda L, o: L.ChainedScheduler(
            [L.OneCycleLR(o, 0.05, total_steps=60), L.ConstantLR(o, 0.5, 10)], optimizer=o
        ),
    ),
}


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.filterwarnings(_INNER_FIRST_STEP)
@pytest.mark.parametrize("case", LIVE)
def test_other_settings_are_live_pytorchs_exactly(case):
    opt_name, opt_kw, make = LIVE[case]
    runs = []
    for use_torch in (False, True):
        _, L, make_optimizer = _lib(use_torch)
        opt = make_optimizer(opt_name, **opt_kw)
        sched = make(L, opt)
        seq = [(list(sched.get_last_lr()), _momenta(opt))]
        for _ in range(60):
            opt.step()
            sched.step()
            seq.append((list(sched.get_last_lr()), _momenta(opt)))
        runs.append(seq)
    assert runs[0] == runs[1]


# ------------------------------------------------------------------------------ end to end
@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    ("opt_name", "opt_kw"),
    [("RMSprop", {"momentum": 0.9}), ("SGD", {}), ("Adam", {"weight_decay": 0.01})],
    ids=["rmsprop-momentum", "sgd-momentum-0", "adam"],
)
def test_a_model_trained_under_one_cycle_follows_pytorch(opt_name, opt_kw, dtype):
    """The program users write: a linear model, MSE loss, backward, optimizer.step(),
    scheduler.step() per batch, under OneCycleLR cycling the momentum (β₁ for Adam; SGD
    made with momentum 0 gets one, as in PyTorch); the weights follow PyTorch's."""
    import torch

    rng = np.random.default_rng(5)
    w0, b0 = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(3).astype(dtype)
    xs = rng.standard_normal((12, 8, 4)).astype(dtype)
    ys = rng.standard_normal((12, 8, 3)).astype(dtype)
    results = []
    for lib in (tg, torch):
        model = lib.nn.Linear(4, 3, dtype=getattr(lib, dtype))
        with lib.no_grad():
            model.weight.copy_(lib.tensor(w0))
            model.bias.copy_(lib.tensor(b0))
        opt = getattr(lib.optim, opt_name)(model.parameters(), lr=0.01, **opt_kw)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=12)
        for x, y in zip(xs, ys, strict=True):
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(model(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            sched.step()
        results.append([model.weight.detach().numpy(), model.bias.detach().numpy()])
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == "float64" else dict(rtol=1e-5, atol=5e-6)
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, **tol)
