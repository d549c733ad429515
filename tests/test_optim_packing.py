"""Small parameters stepped as one flat array (``optim/_pack.py``) give the per-tensor
loop's results bit for bit, keep PyTorch's per-parameter state, and never cut an alias.

The reference for every run is the same optimizer with packing off
(``Optimizer.packable = False``): the per-tensor loop, which the family, conventions and
parity tests check against PyTorch and the numpy transcriptions.  Packing only changes
where memory lives and how many kernel calls there are, so equality here is exact.
"""

from __future__ import annotations

import re
from typing import Any

import hostile_util
import numpy as np
import pytest

import tinygrad_rms as tg
from tinygrad_rms import optim
from tinygrad_rms.optim._pack import PACK_MAX_SIZE, PACK_MIN_MEMBERS

#: every optimizer with options that have state (and one that turns on mid-run)
CONFIGS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "sgd": ("SGD", {"lr": 0.1}, {"momentum": 0.9}),
    "sgd-nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, {}),
    "adagrad": ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}, {}),
    "adam": ("Adam", {"lr": 0.01}, {"amsgrad": True}),
    "adamw": ("AdamW", {"lr": 0.01, "amsgrad": True}, {}),
    "adamax": ("Adamax", {"lr": 0.01, "weight_decay": 0.1}, {}),
    "rmsprop": ("RMSprop", {"lr": 0.01, "alpha": 0.9}, {"momentum": 0.5}),
    "rmsprop-centered": (
        "RMSprop",
        # ε inside the root: centered + bias correction's first variance is 0 ± rounding
        dict(
            lr=0.01, momentum=0.9, centered=True, bias_correction=True, eps=1e-3, eps_in_sqrt=True
        ),
        {},
    ),
    "rprop": ("Rprop", {"lr": 0.01}, {"etas": (0.3, 1.5)}),
    "adadelta": ("Adadelta", {"lr": 0.5, "weight_decay": 0.1}, {}),
    "asgd": ("ASGD", {"lr": 0.05, "t0": 2}, {}),  # numbers in its state: eta, mu
    "nadam": ("NAdam", {"lr": 0.01}, {"decoupled_weight_decay": True, "weight_decay": 0.1}),
    "radam": ("RAdam", {"lr": 0.01, "betas": (0.9, 0.7)}, {}),
}
SMALL = [(3, 4), (5,), (2, 2, 2), (7,), (4,), (2, 3), (6,)]
LARGE = (PACK_MAX_SIZE + 1,)
STEPS = 10


def _model(seed: int) -> list[list[tg.Tensor]]:
    """Two groups: small float32 tensors, a large one and a 0-d one; small float64 ones."""
    rng = np.random.default_rng(seed)
    first = [rng.standard_normal(s).astype(np.float32) for s in [*SMALL, LARGE, ()]]
    second = [rng.standard_normal(s) for s in SMALL[:PACK_MIN_MEMBERS]]
    return [[tg.Tensor(np.array(x), requires_grad=True) for x in xs] for xs in (first, second)]


def _packs(opt: optim.Optimizer) -> int:
    """How many packs the optimizer steps with now."""
    return sum(len(packs) for _, _, packs, _ in opt._packs.values())


def _run(
    name: str, kwargs: dict[str, Any], later: dict[str, Any], seed: int = 0
) -> tuple[list[tg.Tensor], optim.Optimizer, list[int]]:
    """STEPS steps; at step 4 a small parameter has no gradient, from step 6 on the group
    options ``later`` are on.  Returns the parameters, the optimizer and, per step, how
    many packs there were after it."""
    groups = _model(seed)
    opt = getattr(optim, name)([{"params": groups[0]}, {"params": groups[1], "lr": 0.02}], **kwargs)
    rng = np.random.default_rng(seed + 100)
    params = [p for g in groups for p in g]
    packed = []
    for t in range(STEPS):
        if t == 6:
            for group in opt.param_groups:
                group.update(later)
        for p in params:
            p.grad = tg.Tensor(rng.standard_normal(p.shape).astype(p._array.dtype))
        if t == 4:
            params[1].grad = None
        opt.step()
        packed.append(_packs(opt))
    return params, opt, packed


def _unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optim.Optimizer, "packable", False)


def _assert_same(a: list[tg.Tensor], b: list[tg.Tensor], opt_a, opt_b) -> None:
    for p, q in zip(a, b, strict=True):
        assert np.all(np.isfinite(p._array)), "a run that went NaN compares nothing"
        np.testing.assert_array_equal(p._array, q._array)
        assert p._array.shape == q._array.shape and p._array.dtype == q._array.dtype
    sa, sb = opt_a.state_dict(), opt_b.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    assert sa["state"].keys() == sb["state"].keys()
    for k in sa["state"]:
        assert sa["state"][k].keys() == sb["state"][k].keys()
        for name, value in sa["state"][k].items():
            np.testing.assert_array_equal(value, sb["state"][k][name], err_msg=f"{k}/{name}")
            assert np.shape(value) == np.shape(sb["state"][k][name])


@pytest.mark.parametrize("cid", CONFIGS)
def test_packed_steps_are_the_per_tensor_loops_bit_for_bit(cid, monkeypatch):
    name, kwargs, later = CONFIGS[cid]
    packed_params, packed_opt, packed = _run(name, kwargs, later)
    # each group's small tensors packed after the first step; the first group's pack
    # dissolved by the step without a gradient (t = 4), and never made again (its
    # members are views of the old buffer now)
    assert packed == [2, 2, 2, 2, 1, 1, 1, 1, 1, 1]
    with monkeypatch.context() as m:
        _unpacked(m)
        ref_params, ref_opt, ref_packed = _run(name, kwargs, later)
    assert ref_packed == [0] * STEPS
    _assert_same(packed_params, ref_params, packed_opt, ref_opt)


@pytest.mark.parametrize("cid", ["adam", "rmsprop"])
def test_a_pack_that_keeps_its_members_matches_too(cid, monkeypatch):
    """Every gradient present at every step: packed from step 2 to the end."""
    name, kwargs, later = CONFIGS[cid]

    def run() -> tuple[list[tg.Tensor], optim.Optimizer]:
        groups = _model(1)
        opt = getattr(optim, name)(groups[0] + groups[1], **kwargs)
        rng = np.random.default_rng(5)
        params = groups[0] + groups[1]
        for t in range(STEPS):
            if t == 6:
                opt.param_groups[0].update(later)
            for p in params:
                p.grad = tg.Tensor(rng.standard_normal(p.shape).astype(p._array.dtype))
            opt.step()
        return params, opt

    params, opt = run()
    assert _packs(opt) == 2  # float32 and float64: one pack per dtype
    buffer = "exp_avg" if name == "Adam" else "square_avg"
    assert opt.state[params[0]][buffer].base is opt.state[params[3]][buffer].base is not None
    assert params[0]._array.base is params[3]._array.base is not None
    assert all(opt.state[p]["step"] == STEPS for p in params)
    with monkeypatch.context() as m:
        _unpacked(m)
        ref, ref_opt = run()
    _assert_same(params, ref, opt, ref_opt)


def test_an_alias_made_before_the_first_step_keeps_following_the_parameter():
    """A parameter whose memory something else sees is not moved (PyTorch's p.numpy() and
    p.data follow the parameter as it trains; so do ours)."""
    a, b, *others = (tg.Tensor(np.ones(4, np.float32), requires_grad=True) for _ in range(8))
    c = others[0]
    alias = a.detach().numpy()
    data = b.data
    opt = optim.RMSprop([a, b, *others], lr=0.1)
    for _ in range(4):
        for p in (a, b, *others):
            p.grad = tg.Tensor(np.full(4, 0.5, np.float32))
        opt.step()
    assert _packs(opt) == 1 and c._array.base is not None  # the others were packed
    assert a._array.base is None and b._array.base is None  # a and b were not
    np.testing.assert_array_equal(alias, a.detach().numpy())
    np.testing.assert_array_equal(data.numpy(), b.detach().numpy())
    assert not np.array_equal(alias, np.ones(4))
    # an alias taken after packing follows too: the parameter is a view of the pack
    late = c.detach().numpy()
    for p in (a, b, *others):
        p.grad = tg.Tensor(np.full(4, 0.5, np.float32))
    opt.step()
    np.testing.assert_array_equal(late, c.detach().numpy())


def test_replaced_data_and_loaded_state_leave_the_pack_and_match(monkeypatch):
    def run() -> tuple[list[tg.Tensor], optim.Optimizer]:
        params = _model(2)[0][: len(SMALL)]
        opt = optim.Adam(params, lr=0.05)
        rng = np.random.default_rng(9)
        saved = None
        for t in range(8):
            for p in params:
                p.grad = tg.Tensor(rng.standard_normal(p.shape).astype(np.float32))
            if t == 3:
                saved = opt.state_dict()
                params[2].data = tg.Tensor(np.full(params[2].shape, 0.25, np.float32))
            if t == 5:
                opt.load_state_dict(saved)
            opt.step()
        return params, opt

    params, opt = run()
    with monkeypatch.context() as m:
        _unpacked(m)
        ref, ref_opt = run()
    _assert_same(params, ref, opt, ref_opt)


def test_a_parameter_added_to_a_packed_group_is_stepped():
    params = [tg.Tensor(np.ones(3), requires_grad=True) for _ in range(PACK_MIN_MEMBERS)]
    opt = optim.SGD(params, lr=0.5)
    for _ in range(2):
        for p in params:
            p.grad = tg.Tensor(np.ones(3))
        opt.step()
    assert _packs(opt) == 1
    extra = tg.Tensor(np.ones(3), requires_grad=True)
    opt.param_groups[0]["params"].append(extra)
    for p in [*params, extra]:
        p.grad = tg.Tensor(np.ones(3))
    opt.step()
    np.testing.assert_array_equal(extra.detach().numpy(), np.full(3, 0.5))
    np.testing.assert_array_equal(params[0].detach().numpy(), np.full(3, -0.5))


def test_a_bad_gradient_on_a_packed_member_is_refused_and_nothing_changes():
    params = [tg.Tensor(np.ones((2, 3), np.float32), requires_grad=True) for _ in range(6)]
    opt = optim.RMSprop(params, lr=0.1, momentum=0.9)
    for _ in range(2):
        for p in params:
            p.grad = tg.Tensor(np.ones((2, 3), np.float32))
        opt.step()
    assert _packs(opt) == 1
    params[1]._grad = tg.Tensor(np.ones(6, np.float32))  # past the setter's own check
    before = hostile_util.snapshot(params, opt.state, opt.param_groups)
    message = (
        "gradient of shape (6,) and dtype float32 does not match its parameter of shape (2, 3)"
    )
    with pytest.raises(RuntimeError, match=re.escape(message)):
        opt.step()
    hostile_util.assert_unchanged(before, params, opt.state, opt.param_groups)


def test_a_few_small_tensors_stay_in_the_per_tensor_loop():
    """Below PACK_MIN_MEMBERS a pack's fixed cost outweighs the calls it saves (the
    document's SimpleNet has four tensors): nothing moves."""
    params = [tg.Tensor(np.ones(5), requires_grad=True) for _ in range(PACK_MIN_MEMBERS - 1)]
    opt = optim.Adam(params, lr=0.1)
    for _ in range(3):
        for p in params:
            p.grad = tg.Tensor(np.ones(5))
        opt.step()
    assert _packs(opt) == 0 and all(p._array.base is None for p in params)
