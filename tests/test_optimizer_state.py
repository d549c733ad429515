"""The Optimizer machinery every optimizer shares: parameter groups, closures, zero_grad,
``state_dict`` (a snapshot in PyTorch's layout) and ``load_state_dict`` (exact, all or
nothing).

Expected numbers come from the numpy transcriptions in ``tests/naive.py``; the layout is
compared with the one PyTorch wrote into ``tests/fixtures/family_torch.npz`` and, when
torch is importable, with PyTorch live.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import fixture_util
import naive
import numpy as np
import pytest

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
from tinygrad_rms import optim

FAM = fixture_util.generator("make_family_fixtures")  # settings only: it imports torch lazily
_FAMILY = fixture_util.arrays("family_torch.npz")
TORCH_LAYOUT = json.loads(str(_FAMILY["layout_json"]))
LAYOUTS_AT_WRITING = json.loads(str(_FAMILY["layouts_json"]))

#: PyTorch's defaults, for the transcriptions (which take every hyperparameter).
RMSPROP_DEFAULTS = {
    "lr": 1e-2,
    "alpha": 0.99,
    "eps": 1e-8,
    "weight_decay": 0.0,
    "momentum": 0.0,
    "centered": False,
    "maximize": False,
}


#: Our RMSprop's convention flags at the values that make it PyTorch's.
RMSPROP_PYTORCH_CONVENTION = {
    "eps_in_sqrt": False,
    "initial_accumulator_value": 0.0,
    "lr_in_momentum": False,
    "nesterov": False,
    "decoupled_weight_decay": False,
    "bias_correction": False,
}


def _rmsprop_reference(x: np.ndarray, g: np.ndarray, state: dict, **kwargs: Any) -> np.ndarray:
    """naive.rmsprop_torch_step, given PyTorch's defaults for what ``kwargs`` leaves out."""
    for key, neutral in RMSPROP_PYTORCH_CONVENTION.items():
        assert kwargs.pop(key, neutral) == neutral, f"{key} is not PyTorch's convention"
    return naive.rmsprop_torch_step(x, g, state, **{**RMSPROP_DEFAULTS, **kwargs})


NAIVE: dict[str, Callable[..., np.ndarray]] = {
    "SGD": naive.sgd_torch_step,
    "Adagrad": naive.adagrad_torch_step,
    "Adam": naive.adam_torch_step,
    "AdamW": naive.adamw_torch_step,
    "RMSprop": _rmsprop_reference,
    "Rprop": naive.rprop_torch_step,
    "Adadelta": naive.adadelta_torch_step,
    "ASGD": naive.asgd_torch_step,
    "NAdam": naive.nadam_torch_step,
    "RAdam": naive.radam_torch_step,
}


def _hyper(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k != "params"}


def _snapshot(opt: optim.Optimizer) -> tuple[list[dict[str, Any]], list[list[int]], dict]:
    """Everything about ``opt`` that load_state_dict could change, copied."""
    groups = [copy.deepcopy(_hyper(g)) for g in opt.param_groups]
    members = [[id(p) for p in g["params"]] for g in opt.param_groups]
    state = {id(p): copy.deepcopy(s) for p, s in opt.state.items()}
    return groups, members, state


def _assert_same_snapshot(a, b) -> None:
    groups_a, members_a, state_a = a
    groups_b, members_b, state_b = b
    assert groups_a == groups_b
    assert members_a == members_b
    assert state_a.keys() == state_b.keys()
    for key, s in state_a.items():
        assert s.keys() == state_b[key].keys()
        for name, value in s.items():
            other = state_b[key][name]
            if isinstance(value, np.ndarray):
                assert value.dtype == other.dtype
                np.testing.assert_array_equal(value, other)
            else:
                assert value == other


# ----------------------------------------------------------------------------- groups
GROUP_CASES = {
    "SGD": ({"lr": 0.1, "momentum": 0.9}, {"lr": 0.02, "dampening": 0.5, "weight_decay": 0.1}),
    "Adagrad": ({"lr": 0.1}, {"lr_decay": 0.1, "initial_accumulator_value": 1.0, "eps": 0.1}),
    "Adam": ({"lr": 0.01}, {"betas": (0.5, 0.8), "amsgrad": True, "maximize": True}),
    "AdamW": ({"lr": 0.01}, {"lr": 0.05, "weight_decay": 0.5}),
    "RMSprop": ({"lr": 0.01}, {"centered": True, "momentum": 0.5, "alpha": 0.5}),
    "Rprop": ({"lr": 0.01}, {"etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True}),
    "Adadelta": ({"lr": 0.5}, {"rho": 0.5, "eps": 1e-3, "weight_decay": 0.1}),
    # each group's η starts at its own lr; t0 = 2 averages from step 5 on
    "ASGD": ({"lr": 0.05, "t0": 2}, {"lr": 0.02, "lambd": 0.3, "alpha": 0.5, "t0": 1}),
    "NAdam": ({"lr": 0.01}, {"betas": (0.5, 0.8), "momentum_decay": 0.05, "maximize": True}),
    "RAdam": ({"lr": 0.01}, {"betas": (0.8, 0.7), "weight_decay": 0.1, "maximize": True}),
}


def _run_groups(
    opt: optim.Optimizer, name: str, steps: int, seed: int, refs: dict | None = None
) -> dict[int, tuple[np.ndarray, dict[str, Any]]]:
    """Step ``opt`` and check every parameter against the transcription, using the
    hyperparameters of the group it is in (full defaults + group overrides).

    ``refs`` (id(param) -> reference value and state) carries the references over from a
    previous call; parameters not in it start their reference here.
    """
    refs = {} if refs is None else refs
    rng = np.random.default_rng(seed)
    members = [(p, group) for group in opt.param_groups for p in group["params"]]
    for p, _ in members:
        refs.setdefault(id(p), (p.detach().numpy().copy(), {}))
    for _ in range(steps):
        grads = [rng.standard_normal(p.shape) for p, _ in members]
        for (p, _), g in zip(members, grads, strict=True):
            p.grad = tg.Tensor(g)
        opt.step()
        for (p, group), g in zip(members, grads, strict=True):
            hyper = {k: v for k, v in _hyper(group).items() if k not in NOT_MATH}
            x, state = refs[id(p)]
            x = NAIVE[name](x, g, state, **hyper)
            refs[id(p)] = (x, state)
            np.testing.assert_allclose(p.data, x, rtol=1e-12, atol=1e-14)
    return refs


@pytest.mark.parametrize("name", GROUP_CASES)
def test_add_param_group_with_its_own_hyperparameters(name):
    defaults, own = GROUP_CASES[name]
    rng = np.random.default_rng(1)
    a = tg.Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = tg.Tensor(rng.standard_normal(4), requires_grad=True)
    opt = getattr(optim, name)([a], **defaults)
    opt.add_param_group({"params": [b], **own})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["params"][0] is b
    for key, value in opt.defaults.items():  # overrides win, the rest is inherited
        assert opt.param_groups[1][key] == own.get(key, value)
        assert opt.param_groups[0][key] == value
    _run_groups(opt, name, steps=8, seed=2)


@pytest.mark.parametrize("name", GROUP_CASES)
def test_groups_at_construction_keep_their_hyperparameters(name):
    """Each group steps with its own settings, then a third group added mid-run too."""
    defaults, own = GROUP_CASES[name]
    rng = np.random.default_rng(3)
    a, b, c, d = (tg.Tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (), 5, 3])
    opt = getattr(optim, name)([{"params": [a, b]}, {"params": [c], **own}], **defaults)
    refs = _run_groups(opt, name, steps=5, seed=4)
    opt.add_param_group({"params": [d], "lr": 0.003})
    _run_groups(opt, name, steps=5, seed=5, refs=refs)  # a, b, c go on; d starts afresh


def test_add_param_group_refuses_duplicates_and_bad_values_and_adds_nothing():
    a = tg.Tensor(np.ones(2), requires_grad=True)
    b = tg.Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([a], lr=0.01)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match=re.escape("Invalid beta parameter at index 0: 1.5")):
        opt.add_param_group({"params": [b], "betas": (1.5, 0.9)})
    with pytest.raises(ValueError, match=re.escape("Invalid learning rate: -0.1")):
        opt.add_param_group({"params": [b], "lr": -0.1})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": [b], "lr": 0.5})  # b was not half-registered
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.5]


# ----------------------------------------------------------------------------- closures
@pytest.mark.parametrize("name", sorted(NAIVE))
@pytest.mark.parametrize("outer_no_grad", [True, False], ids=["under-no_grad", "grad-on"])
def test_step_runs_the_closure_with_grad_and_returns_its_loss(name, outer_no_grad):
    x0 = np.array([1.0, -2.0, 0.5])
    w = tg.Tensor(x0.copy(), requires_grad=True)
    opt = getattr(optim, name)([w], lr=0.1)
    seen: list[tuple[bool, Any]] = []

    def closure():
        opt.zero_grad()
        loss = (w * w * w).sum()  # gradient 3w²
        loss.backward()  # would raise if the graph had not been recorded
        seen.append((tg.is_grad_enabled(), loss))
        return loss

    if outer_no_grad:
        with tg.no_grad():
            out = opt.step(closure)
            assert not tg.is_grad_enabled()  # restored
    else:
        out = opt.step(closure)
        assert tg.is_grad_enabled()
    assert len(seen) == 1
    grad_mode, loss = seen[0]
    assert grad_mode is True
    assert out is loss
    assert out.item() == pytest.approx(1.0 - 8.0 + 0.125, rel=1e-15)
    expected = NAIVE[name](x0.copy(), 3 * x0**2, {}, lr=0.1)
    np.testing.assert_allclose(w.data, expected, rtol=1e-12)
    assert opt.step() is None  # without a closure: None (and it steps on w's grad again)


# ----------------------------------------------------------------------------- zero_grad
def test_zero_grad_in_place_and_to_none():
    a = tg.Tensor(np.ones((2, 2)), requires_grad=True)
    b = tg.Tensor(np.ones(3), requires_grad=True)
    c = tg.Tensor(np.ones(1), requires_grad=True)  # never gets a grad
    opt = optim.SGD([a, b, c], lr=0.1)
    a.grad, b.grad = tg.Tensor(np.full((2, 2), 3.0)), tg.Tensor(np.full(3, -1.0))
    grad_a, data_a = a.grad, a.grad.detach().numpy()
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad_a and a.grad.detach().numpy() is data_a  # the same tensor and array
    np.testing.assert_array_equal(data_a, np.zeros((2, 2)))
    np.testing.assert_array_equal(b.grad.data, np.zeros(3))
    assert c.grad is None  # nothing to zero: stays None
    opt.zero_grad()  # default: set_to_none=True, as PyTorch ≥ 2.0
    assert a.grad is None and b.grad is None and c.grad is None


# ----------------------------------------------------------------------------- state_dict
def _make(layout_id: str, groups: list[list[tg.Tensor]]) -> optim.Optimizer:
    name, kwargs = FAM.LAYOUTS[layout_id]
    return getattr(optim, name)([{"params": groups[0]}, {"params": groups[1], "lr": 0.5}], **kwargs)


def _our_layout(layout_id: str) -> dict[str, Any]:
    """FAM.torch_layout's description, of our optimizer built the same way."""
    groups = [
        [tg.Tensor(np.zeros(s), requires_grad=True) for s in shapes] for shapes in FAM.LAYOUT_GROUPS
    ]
    opt = _make(layout_id, groups)
    before = FAM.describe_state_dict(opt.state_dict())
    for p in (p for g in groups for p in g):
        p.grad = tg.Tensor(np.ones_like(p.data))
    opt.step()
    return {"before": before, "after": FAM.describe_state_dict(opt.state_dict())}


#: Group entries PyTorch has that select its implementation: we have one, and keep the
#: entries as PyTorch does (a fixture of an older PyTorch may lack the newer ones).
IMPLEMENTATION_KEYS = {"foreach", "fused", "differentiable", "capturable"}
#: Group keys the naive transcriptions do not take: a flag they fix, and the switches.
NOT_MATH = {"decoupled_weight_decay", *IMPLEMENTATION_KEYS}
#: Our RMSprop's other frameworks' conventions (docs/rmsprop.md); PyTorch has none.
OUR_ONLY_GROUP_KEYS = {
    "RMSprop": {
        "eps_in_sqrt",
        "initial_accumulator_value",
        "lr_in_momentum",
        "nesterov",
        "decoupled_weight_decay",
        "bias_correction",
    }
}

LAYOUT_PARAMS = [pytest.param(lid, id=lid) for lid in FAM.LAYOUTS]


def _compare_layouts(ours: dict[str, Any], theirs: dict[str, Any], layout_id: str) -> None:
    name = FAM.LAYOUTS[layout_id][0]
    assert ours["keys"] == theirs["keys"] == ["param_groups", "state"]
    assert len(ours["groups"]) == len(theirs["groups"])
    for g_ours, g_theirs in zip(ours["groups"], theirs["groups"], strict=True):
        assert g_ours["params"] == g_theirs["params"]  # integer indices, numbered across groups
        ours_keys, theirs_keys = set(g_ours["keys"]), set(g_theirs["keys"])
        assert theirs_keys <= ours_keys, theirs_keys - ours_keys
        assert ours_keys - theirs_keys - IMPLEMENTATION_KEYS == OUR_ONLY_GROUP_KEYS.get(name, set())
    assert ours["state"] == theirs["state"]


def test_layout_fixture_matches_current_settings():
    assert LAYOUTS_AT_WRITING == json.loads(json.dumps(FAM.LAYOUTS))


@pytest.mark.parametrize("layout_id", LAYOUT_PARAMS)
def test_state_dict_layout_after_a_step_is_torchs(layout_id):
    _compare_layouts(_our_layout(layout_id)["after"], TORCH_LAYOUT[layout_id]["after"], layout_id)


@pytest.mark.parametrize("layout_id", LAYOUT_PARAMS)
def test_state_dict_layout_before_any_step_is_torchs(layout_id):
    _compare_layouts(_our_layout(layout_id)["before"], TORCH_LAYOUT[layout_id]["before"], layout_id)


@pytest.mark.torch
@pytest.mark.parametrize("layout_id", LAYOUT_PARAMS)
def test_state_dict_layout_is_live_torchs(layout_id):
    pytest.importorskip("torch")
    name, kwargs = FAM.LAYOUTS[layout_id]
    _compare_layouts(
        _our_layout(layout_id)["after"], FAM.torch_layout(name, kwargs)["after"], layout_id
    )


def test_state_dict_is_a_snapshot_with_integer_indices():
    rng = np.random.default_rng(8)
    a, b, c = (tg.Tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (), (4,)])
    opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.1}], lr=0.01, amsgrad=True)
    for _ in range(3):
        for p in (a, b, c):
            p.grad = tg.Tensor(rng.standard_normal(p.shape))
        opt.step()
    sd = opt.state_dict()
    frozen = copy.deepcopy(sd)
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert set(sd["state"]) == {0, 1, 2} and all(type(k) is int for k in sd["state"])
    assert sd["state"][1]["exp_avg"].shape == ()
    # later steps and hyperparameter changes do not reach the returned dict
    for _ in range(2):
        for p in (a, b, c):
            p.grad = tg.Tensor(rng.standard_normal(p.shape))
        opt.step()
    opt.param_groups[0]["lr"] = 0.5
    assert sd["param_groups"] == frozen["param_groups"]
    for i, s in frozen["state"].items():
        assert sd["state"][i]["step"] == s["step"] == 3
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_array_equal(sd["state"][i][key], s[key])
            assert not np.shares_memory(sd["state"][i][key], opt.state[(a, b, c)[i]][key])
    # nor does editing the returned dict reach the optimizer
    sd["param_groups"][1]["lr"] = 9.0
    sd["state"][2]["exp_avg"][...] = 7.0
    assert opt.param_groups[1]["lr"] == 0.1
    assert not np.any(opt.state[c]["exp_avg"] == 7.0)


# ----------------------------------------------------------------------------- round trip
class _Net(nn.Module):
    def __init__(self, dtype: Any) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8, dtype=dtype)
        self.fc2 = nn.Linear(8, 1, dtype=dtype)

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.fc2(self.fc1(x).tanh())


def _groups(net: _Net, lr2: float | None) -> list[dict[str, Any]]:
    second: dict[str, Any] = {"params": list(net.fc2.parameters())}
    if lr2 is not None:
        second["lr"] = lr2
    return [{"params": list(net.fc1.parameters())}, second]


#: id -> (factory(groups) of the trained optimizer, class name of the fresh one, lr of
#: the second group).  The fresh optimizer is built with the class's defaults only:
#: every hyperparameter and convention flag must come back from the state_dict.
ROUND_TRIP: dict[str, tuple[Callable[[Any], optim.Optimizer], str, float]] = {
    "SGD-momentum-dampening": (
        lambda g: optim.SGD(g, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
        "SGD",
        0.02,
    ),
    "SGD-nesterov-maximize": (
        lambda g: optim.SGD(g, lr=0.01, momentum=0.8, nesterov=True, maximize=True),
        "SGD",
        0.005,
    ),
    "Adagrad": (
        lambda g: optim.Adagrad(
            g, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01
        ),
        "Adagrad",
        0.05,
    ),
    "Adam-amsgrad": (
        lambda g: optim.Adam(g, lr=0.01, betas=(0.8, 0.9), amsgrad=True, weight_decay=0.01),
        "Adam",
        0.003,
    ),
    "AdamW-amsgrad": (lambda g: optim.AdamW(g, lr=0.01, amsgrad=True), "AdamW", 0.02),
    "RMSprop-centered-momentum": (
        lambda g: optim.RMSprop(
            g, lr=0.01, alpha=0.9, centered=True, momentum=0.9, weight_decay=0.01
        ),
        "RMSprop",
        0.003,
    ),
    "RMSprop-tf1": (lambda g: optim.RMSprop.like("tf1", g, lr=0.01, momentum=0.9), "RMSprop", 0.02),
    "RMSprop-keras": (
        lambda g: optim.RMSprop.like("keras", g, momentum=0.5, centered=True, weight_decay=0.01),
        "RMSprop",
        0.002,
    ),
    "RMSprop-optax-nesterov": (
        lambda g: optim.RMSprop.like(
            "optax", g, lr=0.01, momentum=0.9, nesterov=True, bias_correction=True
        ),
        "RMSprop",
        0.005,
    ),
    "Rprop": (
        lambda g: optim.Rprop(g, lr=0.02, etas=(0.4, 1.3), step_sizes=(1e-4, 1.0)),
        "Rprop",
        0.01,
    ),
    "Adadelta": (lambda g: optim.Adadelta(g, lr=0.5, rho=0.8, weight_decay=0.01), "Adadelta", 0.3),
    # t0 = 2: eta, mu and ax all change during the 5 + 7 steps
    "ASGD-averaging": (
        lambda g: optim.ASGD(g, lr=0.05, lambd=0.01, t0=2, weight_decay=0.01),
        "ASGD",
        0.02,
    ),
    "NAdam-decoupled": (
        lambda g: optim.NAdam(
            g,
            lr=0.01,
            betas=(0.8, 0.9),
            weight_decay=0.01,
            momentum_decay=0.01,
            decoupled_weight_decay=True,
        ),
        "NAdam",
        0.003,
    ),
    # beta2 = 0.8: rho_t > 5 from step 7, so the resumed run crosses into rectified steps
    "RAdam": (
        lambda g: optim.RAdam(g, lr=0.01, betas=(0.9, 0.8), weight_decay=0.01),
        "RAdam",
        0.003,
    ),
}


def _train(net: _Net, opt: optim.Optimizer, x, y, steps: int) -> list[np.ndarray]:
    """``steps`` full-batch steps; returns the losses and parameters after each, copied."""
    criterion = nn.MSELoss()
    record = []
    for _ in range(steps):
        opt.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        opt.step()
        record.append(np.array(loss.data, copy=True))
        record += [p.detach().numpy().copy() for p in net.parameters()]
    return record


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", ROUND_TRIP)
def test_load_state_dict_resumes_bit_identically(case, dtype):
    make, fresh_name, lr2 = ROUND_TRIP[case]
    rng = np.random.default_rng(21)
    x = tg.Tensor(rng.standard_normal((16, 4)).astype(dtype))
    y = tg.Tensor(rng.standard_normal((16, 1)).astype(dtype))
    tg.manual_seed(0)
    net = _Net(dtype)
    opt = make(_groups(net, lr2))
    _train(net, opt, x, y, steps=5)
    saved_opt = opt.state_dict()
    saved_net = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    expected = _train(net, opt, x, y, steps=7)

    tg.manual_seed(1)  # other initial weights, overwritten by the load
    fresh_net = _Net(dtype)
    fresh_opt = getattr(optim, fresh_name)(_groups(fresh_net, None))
    assert _hyper(fresh_opt.param_groups[1]) != _hyper(opt.param_groups[1])
    fresh_net.load_state_dict(saved_net)
    fresh_opt.load_state_dict(saved_opt)
    for g_fresh, g in zip(fresh_opt.param_groups, opt.param_groups, strict=True):
        assert _hyper(g_fresh) == _hyper(g)
    got = _train(fresh_net, fresh_opt, x, y, steps=7)
    assert len(got) == len(expected)
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert a.dtype == b.dtype
        assert np.array_equal(a, b), f"record {i} differs after resuming"


def test_loaded_state_is_copied_in():
    """Editing the dict after loading must not reach the optimizer's state."""
    a = tg.Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([a], lr=0.01)
    a.grad = tg.Tensor(np.full(3, 0.5))
    opt.step()
    sd = opt.state_dict()
    opt.load_state_dict(sd)
    sd["state"][0]["exp_avg"][...] = 99.0
    assert not np.any(opt.state[a]["exp_avg"] == 99.0)


# ----------------------------------------------------------------------------- rejection
def _adam_two_groups() -> tuple[optim.Optimizer, list[tg.Tensor]]:
    rng = np.random.default_rng(31)
    params = [tg.Tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (), (4,)]]
    opt = optim.Adam(
        [{"params": params[:2]}, {"params": params[2:], "lr": 0.1}], lr=0.01, amsgrad=True
    )
    for _ in range(3):
        for p in params:
            p.grad = tg.Tensor(rng.standard_normal(p.shape))
        opt.step()
    return opt, params


def _valid_changes(sd: dict[str, Any]) -> None:
    """Valid edits early in the dict, so a partial load would show."""
    sd["param_groups"][0]["lr"] = 0.123
    sd["param_groups"][0]["betas"] = (0.5, 0.6)
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"] + 5.0
    sd["state"][0]["step"] = 40


def _set(path: tuple, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(sd: dict[str, Any]) -> None:
        target = sd
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


REJECTIONS = {
    "fewer-groups": (
        lambda sd: sd.update(param_groups=sd["param_groups"][:1]),
        "1 parameter groups, the optimizer has 2",
    ),
    "more-groups": (
        lambda sd: sd["param_groups"].append(dict(sd["param_groups"][1], params=[3])),
        "3 parameter groups, the optimizer has 2",
    ),
    "group-too-small": (_set(("param_groups", 0, "params"), [0]), "group of 1 parameters"),
    "group-too-large": (_set(("param_groups", 1, "params"), [2, 3]), "group of 2 parameters"),
    "state-wrong-shape": (
        _set(("state", 2, "exp_avg_sq"), np.zeros((2, 2))),
        "state 'exp_avg_sq' of parameter 2 has shape (2, 2)",
    ),
    "state-0d-given-1d": (_set(("state", 1, "exp_avg"), np.zeros(1)), "shape (1,)"),
    "state-wrong-dtype": (
        _set(("state", 2, "max_exp_avg_sq"), np.zeros(4, dtype=np.float32)),
        "dtype float32",
    ),
    "state-unknown-parameter": (
        _set(("state", 5), {"step": 1, "exp_avg": np.zeros(4)}),
        "parameter 5",
    ),
    "invalid-lr": (_set(("param_groups", 1, "lr"), -1), "Invalid learning rate: -1"),
    "invalid-beta": (
        _set(("param_groups", 1, "betas"), (0.9, 1.0)),
        "Invalid beta parameter at index 1: 1.0",
    ),
    "invalid-eps": (_set(("param_groups", 1, "eps"), -1e-8), "Invalid epsilon value: -1e-08"),
    "missing-state-key": (lambda sd: sd.pop("state"), "'state' and 'param_groups'"),
}


@pytest.mark.parametrize("case", REJECTIONS)
def test_load_state_dict_rejects_and_changes_nothing(case):
    edit, message = REJECTIONS[case]
    opt, params = _adam_two_groups()
    twin, twin_params = _adam_two_groups()  # the same run, never loaded into
    sd = opt.state_dict()
    _valid_changes(sd)
    edit(sd)
    before = _snapshot(opt)
    with pytest.raises(ValueError) as info:
        opt.load_state_dict(sd)
    assert message in str(info.value)
    _assert_same_snapshot(before, _snapshot(opt))
    # and it goes on exactly as an optimizer that never saw the bad dict
    rng = np.random.default_rng(5)
    for _ in range(2):
        for p, q in zip(params, twin_params, strict=True):
            p.grad = tg.Tensor(rng.standard_normal(p.shape))
            q.grad = tg.Tensor(p.grad.detach().numpy().copy())
        opt.step()
        twin.step()
    for p, q in zip(params, twin_params, strict=True):
        assert np.array_equal(p.data, q.data)


@pytest.mark.parametrize(
    "make,group,message",
    [
        pytest.param(
            lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
            {"nesterov": True, "dampening": 0.5},
            "Nesterov momentum requires a momentum and zero dampening",
            id="SGD-nesterov",
        ),
        pytest.param(
            lambda ps: optim.Adagrad(ps),
            {"lr_decay": -0.1},
            "Invalid lr_decay value: -0.1",
            id="Adagrad-lr_decay",
        ),
        pytest.param(
            lambda ps: optim.RMSprop(ps, momentum=0.9, centered=True),
            {"alpha": 1.5},
            "Invalid alpha value: 1.5",
            id="RMSprop-alpha",
        ),
        pytest.param(
            lambda ps: optim.RMSprop(ps, momentum=0.9, nesterov=True),
            {"momentum": 0.0},
            "nesterov=True needs momentum > 0",
            id="RMSprop-nesterov",
        ),
    ],
)
def test_load_state_dict_rejects_invalid_hyperparameters_of_each_optimizer(make, group, message):
    rng = np.random.default_rng(41)
    params = [tg.Tensor(rng.standard_normal(s), requires_grad=True) for s in [(3,), (2, 2)]]
    opt = make(params)
    for p in params:
        p.grad = tg.Tensor(rng.standard_normal(p.shape))
    opt.step()
    sd = opt.state_dict()
    sd["param_groups"][0].update(group)
    sd["state"][0] = {k: v + 1 if k != "step" else v for k, v in sd["state"][0].items()}
    before = _snapshot(opt)
    with pytest.raises(ValueError, match=re.escape(message)):
        opt.load_state_dict(sd)
    _assert_same_snapshot(before, _snapshot(opt))


# ----------------------------------------------------------------------------- PyTorch's dict
@pytest.mark.torch
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_a_torch_state_dict_loads_and_continues(name):
    torch = pytest.importorskip("torch")
    kwargs = {"lr": 0.01, "momentum": 0.9} if name == "SGD" else {"lr": 0.01, "amsgrad": True}
    rng = np.random.default_rng(51)
    x0 = rng.standard_normal((3, 2))
    grads = rng.standard_normal((6, 3, 2))
    tp = torch.tensor(x0.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kwargs)
    for g in grads[:3]:
        tp.grad = torch.tensor(g)
        topt.step()
    tsd = topt.state_dict()
    sd = {
        "state": {
            i: {k: v.numpy().copy() if torch.is_tensor(v) else v for k, v in s.items()}
            for i, s in tsd["state"].items()
        },
        "param_groups": [dict(g) for g in tsd["param_groups"]],
    }
    p = tg.Tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = getattr(optim, name)([p])
    opt.load_state_dict(sd)
    for g in grads[3:]:
        tp.grad = torch.tensor(g)
        topt.step()
        p.grad = tg.Tensor(g.copy())
        opt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-14)


#: Per optimizer: PyTorch's arguments for a run whose every state entry has moved.
TORCH_STATE_CASES = {
    "Rprop": {"lr": 0.05, "etas": (0.4, 1.3)},
    "Adadelta": {"lr": 0.5, "weight_decay": 0.01},
    "ASGD": {"lr": 0.05, "lambd": 0.1, "t0": 1},  # eta, mu (0-d tensors) and ax
}


@pytest.mark.torch
@pytest.mark.parametrize("name", TORCH_STATE_CASES)
def test_a_torch_state_dict_of_the_new_optimizers_loads_and_continues(name):
    """PyTorch's state, tensors as numpy arrays (ASGD's eta and mu 0-d, step a float),
    loads into ours, which then goes on as PyTorch does."""
    torch = pytest.importorskip("torch")
    kwargs = TORCH_STATE_CASES[name]
    rng = np.random.default_rng(52)
    x0 = rng.standard_normal((3, 2))
    grads = rng.standard_normal((8, 3, 2))
    tp = torch.tensor(x0.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kwargs)
    for g in grads[:4]:
        tp.grad = torch.tensor(g)
        topt.step()
    tsd = topt.state_dict()
    sd = {
        "state": {i: {k: v.numpy().copy() for k, v in s.items()} for i, s in tsd["state"].items()},
        "param_groups": [dict(g) for g in tsd["param_groups"]],
    }
    p = tg.Tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = getattr(optim, name)([p])
    opt.load_state_dict(sd)
    assert opt.state[p]["step"] == 4
    for g in grads[4:]:
        tp.grad = torch.tensor(g)
        topt.step()
        p.grad = tg.Tensor(g.copy())
        opt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
    for key, value in topt.state[tp].items():
        np.testing.assert_allclose(opt.state[p][key], value.numpy(), rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------------- NAdam's product
PRODUCT_FORMS = {  # the saved float32 product in another form -> the dtype it loads in
    "numpy-float32": (lambda v: v, np.float32),
    "python-float": (float, np.float32),
    "0-d-array": (np.array, np.float64),
    "0-d-Tensor": (lambda v: tg.tensor(np.array(v)), np.float64),
}


@pytest.mark.parametrize("form", PRODUCT_FORMS)
def test_nadam_product_loads_by_pytorchs_two_rules(form):
    """``mu_product`` given as a number loads in the scalar dtype (float32: PyTorch's
    ``NAdam.__setstate__``), as a 0-d tensor or array in the parameter's dtype (float64
    here: PyTorch's ``load_state_dict`` casts it); the run then goes on with the product
    in that dtype, as the transcription does, and ``state_dict`` gives it back in a form
    that loads in that dtype again."""
    convert, dtype = PRODUCT_FORMS[form]
    hyper = {"lr": 0.01, "betas": (0.8, 0.99), "momentum_decay": 0.05}
    rng = np.random.default_rng(61)
    x0 = rng.standard_normal((3, 2))
    p = tg.Tensor(x0.copy(), requires_grad=True)
    opt = optim.NAdam([p], **hyper)
    ref, ref_state = x0.copy(), {}
    for _ in range(3):
        g = rng.standard_normal((3, 2))
        p.grad = tg.Tensor(g)
        opt.step()
        ref = naive.nadam_torch_step(ref, g, ref_state, **hyper)
    saved = opt.state_dict()
    product = saved["state"][0]["mu_product"]
    assert type(product) is np.float32 and product == ref_state["mu_product"]
    saved["state"][0]["mu_product"] = convert(product)
    q = tg.Tensor(ref.copy(), requires_grad=True)
    loaded = optim.NAdam([q])
    loaded.load_state_dict(saved)
    assert type(loaded.state[q]["mu_product"]) is dtype and loaded.state[q]["mu_product"] == product
    ref_state["mu_product"] = dtype(product)
    for _ in range(4):
        g = rng.standard_normal((3, 2))
        q.grad = tg.Tensor(g)
        loaded.step()
        ref = naive.nadam_torch_step(ref, g, ref_state, **hyper, product_dtype=dtype)
        np.testing.assert_allclose(q.data, ref, rtol=1e-12, atol=1e-14)
    assert loaded.state[q]["mu_product"] == ref_state["mu_product"]
    again = loaded.state_dict()
    r = tg.Tensor(ref.copy(), requires_grad=True)
    reloaded = optim.NAdam([r])
    reloaded.load_state_dict(again)
    assert type(reloaded.state[r]["mu_product"]) is dtype
    assert reloaded.state[r]["mu_product"] == loaded.state[q]["mu_product"]


def test_nadam_product_follows_the_default_dtype_as_pytorchs():
    """Under ``set_default_dtype(float64)`` PyTorch's scalar dtype is float64: the product
    starts there, and a number loads there (the box's exact product)."""
    previous = tg.get_default_dtype()
    tg.set_default_dtype(tg.float64)
    try:
        rng = np.random.default_rng(62)
        x0 = rng.standard_normal(4)
        p = tg.Tensor(x0.copy(), requires_grad=True)
        opt = optim.NAdam([p], lr=0.01)
        ref, state = x0.copy(), {}
        for _ in range(4):
            g = rng.standard_normal(4)
            p.grad = tg.Tensor(g)
            opt.step()
            ref = naive.nadam_torch_step(ref, g, state, lr=0.01, product_dtype=np.float64)
        assert type(opt.state[p]["mu_product"]) is np.float64
        np.testing.assert_allclose(p.data, ref, rtol=1e-12, atol=1e-14)
        saved = opt.state_dict()
        saved["state"][0]["mu_product"] = float(saved["state"][0]["mu_product"])
        opt.load_state_dict(saved)
        assert type(opt.state[p]["mu_product"]) is np.float64
    finally:
        tg.set_default_dtype(previous)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_state_dicts_pass_between_torch_and_ours_and_both_go_on_alike(name, dtype):
    """PyTorch's dict (0-d float32 tensors for ``step`` and ``mu_product``) loads here, and
    ours (``step`` an int, ``mu_product`` a number or a 0-d array) loads in PyTorch; each
    time both then go on alike.  PyTorch loading its own dict casts the product to the
    parameter's dtype, and so does our loading of that dict: both go on in float64 with
    float64 parameters."""
    torch = pytest.importorskip("torch")
    kwargs = {"lr": 0.01, "weight_decay": 0.1}
    kwargs |= {"momentum_decay": 0.05} if name == "NAdam" else {"betas": (0.9, 0.8)}
    rtol, atol = (1e-12, 1e-14) if dtype == "float64" else (1e-5, 5e-6)
    rng = np.random.default_rng(63)
    x0 = rng.standard_normal((3, 2)).astype(dtype)
    grads = rng.standard_normal((9, 3, 2)).astype(dtype)
    tp = torch.tensor(x0.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kwargs)

    def torch_step(t: int) -> None:
        tp.grad = torch.tensor(grads[t])
        topt.step()

    for t in range(3):
        torch_step(t)
    tsd = copy.deepcopy(topt.state_dict())
    topt.load_state_dict(copy.deepcopy(tsd))  # PyTorch resumes from its own dict
    sd = {
        "state": {
            i: {k: v.numpy().copy() if torch.is_tensor(v) else v for k, v in s.items()}
            for i, s in tsd["state"].items()
        },
        "param_groups": [dict(g) for g in tsd["param_groups"]],
    }
    p = tg.Tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = getattr(optim, name)([p])
    opt.load_state_dict(sd)

    def both_go_on(steps: range) -> None:
        for t in steps:
            torch_step(t)
            p.grad = tg.Tensor(grads[t].copy())
            opt.step()
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=rtol, atol=atol)
        if name == "NAdam":
            theirs = topt.state[tp]["mu_product"]
            ours = opt.state[p]["mu_product"]
            assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
            assert ours == theirs.item()

    both_go_on(range(3, 6))
    ours_sd = opt.state_dict()
    converted = {
        "state": {
            i: {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for i, s in ours_sd["state"].items()
        },
        "param_groups": ours_sd["param_groups"],
    }
    tp = torch.tensor(p.detach().numpy().copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kwargs)
    topt.load_state_dict(converted)
    both_go_on(range(6, 9))


# ---------------------------------------------------------------------- PyTorch's switches
#: The implementation switches each optimizer takes in PyTorch 2.15 (its signature).
SWITCHES = {
    "SGD": ("foreach", "differentiable", "fused"),
    "Adam": ("foreach", "capturable", "differentiable", "fused"),
    "AdamW": ("foreach", "capturable", "differentiable", "fused"),
    "Adagrad": ("foreach", "differentiable", "fused"),
    "RMSprop": ("foreach", "capturable", "differentiable"),
    "Adamax": ("foreach", "capturable", "differentiable"),
    "NAdam": ("foreach", "capturable", "differentiable"),
    "RAdam": ("foreach", "capturable", "differentiable"),
    "Adadelta": ("foreach", "capturable", "differentiable"),
    "Rprop": ("foreach", "capturable", "differentiable"),
    "ASGD": ("foreach", "capturable", "differentiable"),
}


def _five_steps(name: str, **switches: Any) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    params = [nn.Parameter(rng.standard_normal(s)) for s in ((3, 4), (4,), (2, 2))]
    opt = getattr(optim, name)(params, lr=0.01, **switches)
    for _ in range(5):
        for p in params:
            p.grad = tg.tensor(rng.standard_normal(p.shape))
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("name", sorted(SWITCHES))
def test_pytorchs_implementation_switches_are_accepted_and_change_nothing(name: str) -> None:
    """foreach / fused / capturable as a program for PyTorch passes them: the same numbers
    bit for bit, and the group keeps them as PyTorch's does."""
    on = {"foreach": False, "capturable": True, "fused": True}
    switches = {k: on[k] for k in SWITCHES[name] if k in on}
    for got, want in zip(_five_steps(name, **switches), _five_steps(name), strict=True):
        np.testing.assert_array_equal(got, want)
    p = nn.Parameter(np.zeros(2))
    group = getattr(optim, name)([p], **switches).param_groups[0]
    assert {k: group[k] for k in switches} == switches
    assert set(SWITCHES[name]) <= set(group)


@pytest.mark.parametrize("name", sorted(SWITCHES))
def test_differentiable_true_is_refused_by_name(name: str) -> None:
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(RuntimeError, match=rf"{name}\(differentiable=True\) is not supported"):
        getattr(optim, name)([p], differentiable=True)


def test_foreach_and_fused_together_is_pytorchs_error_and_bad_values_are_named() -> None:
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        optim.Adam([p], foreach=True, fused=True)
    with pytest.raises(TypeError, match="foreach must be None, True or False, got str: 'yes'"):
        optim.RMSprop([p], foreach="yes")
    with pytest.raises(TypeError, match="capturable must be True or False"):
        optim.NAdam([p], capturable=1)


@pytest.mark.torch
@pytest.mark.parametrize("name", [*sorted(SWITCHES), "LBFGS"])
def test_every_argument_of_pytorchs_constructor_is_ours(name: str) -> None:
    """Any keyword a PyTorch program passes to an optimizer's constructor is accepted here
    (ours may have more: the other conventions)."""
    import inspect

    torch = pytest.importorskip("torch")
    theirs = set(inspect.signature(getattr(torch.optim, name).__init__).parameters)
    ours = set(inspect.signature(getattr(optim, name).__init__).parameters)
    assert theirs - {"self"} <= ours, theirs - ours
    if name in SWITCHES:
        assert set(SWITCHES[name]) <= theirs
