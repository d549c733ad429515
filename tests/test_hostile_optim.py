"""Optimizers and schedulers under hostile input: every refusal is one clear error raised
before anything changes (checked byte for byte), a step is all or nothing, options take
the types they say, a state saved by another optimizer is refused at load, and the edge
numerics are PyTorch's.  Run again under ``NUMBA_DISABLE_JIT=1`` by ``.ci/run``."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hostile_util import assert_unchanged, snapshot

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
from tinygrad_rms import optim
from tinygrad_rms.optim import lr_scheduler

HAS_TORCH = importlib.util.find_spec("torch") is not None


def _trained(cls=optim.RMSprop, dtype=np.float64, **options):
    """An optimizer two steps in, with its parameters (two groups, two dtypes possible)."""
    a = nn.Parameter(np.linspace(-1, 1, 6).reshape(2, 3).astype(dtype))
    b = nn.Parameter(np.linspace(0.5, 2, 4).astype(dtype))
    opt = cls([a, b], **options)
    for k in range(2):
        a.grad = tg.tensor(np.full((2, 3), 0.1 * (k + 1), dtype))
        b.grad = tg.tensor(np.full(4, -0.2 * (k + 1), dtype))
        opt.step()
    return opt, a, b


def _all(opt, *params):
    return snapshot(opt.param_groups, opt.state, *params)


# ---------------------------------------------------------------------- load_state_dict
@pytest.mark.parametrize(
    ("saved_by", "loaded_by", "match"),
    [
        (optim.Adam, optim.RMSprop, "'betas' is not a hyperparameter of RMSprop"),
        (optim.RMSprop, optim.Adam, "'alpha' is not a hyperparameter of Adam"),
        (optim.SGD, optim.RMSprop, "'dampening' is not a hyperparameter of RMSprop"),
        (optim.Adagrad, optim.Adam, "not a hyperparameter of Adam"),
        (optim.Adam, optim.Adagrad, "not a hyperparameter of Adagrad"),
        (optim.Rprop, optim.ASGD, "'etas' is not a hyperparameter of ASGD"),
        (optim.Adadelta, optim.RMSprop, "'rho' is not a hyperparameter of RMSprop"),
        (optim.ASGD, optim.Adadelta, "not a hyperparameter of Adadelta"),
        (optim.NAdam, optim.Adam, "'momentum_decay' is not a hyperparameter of Adam"),
        (optim.Adam, optim.RAdam, "'amsgrad' is not a hyperparameter of RAdam"),
    ],
)
def test_another_optimizers_state_is_refused(saved_by, loaded_by, match) -> None:
    source, _, _ = _trained(saved_by)
    target, a, b = _trained(loaded_by)
    before = _all(target, a, b)
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(source.state_dict())
    assert_unchanged(before, target.param_groups, target.state, a, b)


def _tampered(change):
    opt, a, b = _trained()
    state = opt.state_dict()
    change(state)
    return opt, a, b, state


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda s: s["state"][0].pop("square_avg"), r"no \['square_avg'\]"),
        (lambda s: s["state"][0].update(exp_avg=np.zeros((2, 3))), r"\['exp_avg'\] that RMSprop"),
        (lambda s: s["state"][1].update(square_avg=np.zeros(5)), r"shape \(5,\)"),
        (lambda s: s["state"][1].update(square_avg=np.zeros(4, np.float32)), "float32"),
        (lambda s: s["state"][0].update(step=-1), "non-negative whole number, got -1"),
        (lambda s: s["state"][0].update(step=2.5), "got 2.5"),
        (lambda s: s["state"][0].update(step=True), "got True"),
        (lambda s: s["state"][0].update(step="2"), "got '2'"),
        (lambda s: s["param_groups"][0].update(centered=1), "centered must be True or False"),
        (lambda s: s["param_groups"][0].update(lr=-0.1), "Invalid learning rate"),
        (lambda s: s["param_groups"][0].update(lr=float("nan")), "Invalid learning rate"),
        (lambda s: s["param_groups"][0].update(lr=None), "lr must be a number"),
        (lambda s: s["state"].update({7: s["state"][0]}), "parameter 7, which is not in any"),
        (lambda s: s["param_groups"][0].update(params=[0, 1, 2]), "group of 3 parameters"),
    ],
)
def test_a_state_that_lies_is_refused_and_changes_nothing(change, match) -> None:
    opt, a, b, state = _tampered(change)
    before = _all(opt, a, b)
    with pytest.raises((ValueError, TypeError), match=match):
        opt.load_state_dict(state)
    assert_unchanged(before, opt.param_groups, opt.state, a, b)


def test_pytorchs_step_as_a_float_tensor_and_none_buffers_load() -> None:
    opt, _, _ = _trained(optim.SGD, lr=0.1)
    state = opt.state_dict()
    state["state"] = {0: {"momentum_buffer": None}, 1: {"momentum_buffer": None}}
    opt.load_state_dict(state)  # PyTorch's SGD saves None buffers without momentum
    rms, a, _ = _trained()
    state = rms.state_dict()
    state["state"][0]["step"] = tg.tensor(2.0)  # PyTorch keeps steps as float tensors
    rms.load_state_dict(state)
    assert rms.state[a]["step"] == 2


# ---------------------------------------------------------------------- all or nothing
@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (1e39, ValueError, "overflows float32"),
        (None, TypeError, "lr must be a number"),
        ("0.1", TypeError, "lr must be a number"),
        (float("nan"), ValueError, "Invalid learning rate"),
        (-1.0, ValueError, "Invalid learning rate"),
        (10**400, ValueError, "too large for a float"),
    ],
)
def test_a_bad_hyperparameter_set_between_steps_changes_nothing(value, error, match) -> None:
    a = nn.Parameter(np.ones(3))  # float64: fine with 1e39, updated first
    b = nn.Parameter(np.ones(3, np.float32))
    opt = optim.RMSprop([{"params": [a]}, {"params": [b]}], lr=0.01)
    for p in (a, b):
        p.grad = tg.tensor(np.ones(3, p.dtype))
    opt.step()
    opt.param_groups[1]["lr"] = value
    before = _all(opt, a, b)
    with pytest.raises(error, match=match):
        opt.step()
    assert_unchanged(before, opt.param_groups, opt.state, a, b)


def test_read_only_parameter_data_is_refused_before_any_update() -> None:
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.Adam([a, b])
    a.grad, b.grad = tg.ones(2, dtype=tg.float64), tg.ones(2, dtype=tg.float64)
    b._array.flags.writeable = False
    before = _all(opt, a, b)
    with pytest.raises(RuntimeError, match="read-only"):
        opt.step()
    assert_unchanged(before, opt.param_groups, opt.state, a, b)


def test_a_parameter_converted_after_steps_is_refused() -> None:
    model = nn.Linear(3, 2)
    opt = optim.RMSprop(model.parameters(), lr=0.01)
    model(tg.ones(4, 3)).sum().backward()
    opt.step()
    model.double()  # the state stays float32, as in PyTorch
    opt.zero_grad()
    model(tg.ones(4, 3, dtype=tg.float64)).sum().backward()
    before = _all(opt, *model.parameters())
    with pytest.raises(RuntimeError, match=r"state 'square_avg' .* float32.*float64"):
        opt.step()
    assert_unchanged(before, opt.param_groups, opt.state, *model.parameters())


def test_resized_parameter_data_is_refused() -> None:
    opt, a, b = _trained(optim.Adam)
    a.data = tg.zeros(3, 3, dtype=tg.float64)
    a.grad = None
    a.grad = tg.ones(3, 3, dtype=tg.float64)
    before = _all(opt, a, b)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*shape \(3, 3\)"):
        opt.step()
    assert_unchanged(before, opt.param_groups, opt.state, a, b)


# ---------------------------------------------------------------------- strict types
@pytest.mark.parametrize(
    ("cls", "options", "match"),
    [
        (optim.SGD, {"lr": 0.1, "maximize": 1}, "maximize must be True or False"),
        (optim.RMSprop, {"centered": "yes"}, "centered must be True or False"),
        (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": np.bool_(True)}, "nesterov"),
        (optim.Adam, {"amsgrad": 1}, "amsgrad must be True or False"),
        (optim.RMSprop, {"eps_in_sqrt": None}, "eps_in_sqrt must be True or False"),
        (optim.Adam, {"lr": 10**400}, "too large for a float"),
        (optim.Adam, {"lr": True}, "lr must be a number"),
        (optim.RMSprop, {"alpha": "0.9"}, "alpha"),
        (optim.Rprop, {"etas": (0.5, "1.2")}, r"etas\[1\] must be a number"),
        (optim.Rprop, {"step_sizes": 50}, "step_sizes must be a pair"),
        (optim.Rprop, {"step_sizes": (float("nan"), 50)}, "Invalid step_sizes: nan, 50"),
        (optim.Adadelta, {"rho": "0.9"}, "rho must be a number"),
        (optim.ASGD, {"alpha": float("nan")}, "Invalid alpha value: nan"),
        (optim.ASGD, {"lambd": float("inf")}, "Invalid lambd value: inf"),
        (optim.ASGD, {"t0": None}, "t0 must be a number"),
    ],
)
def test_options_take_their_own_types(cls, options, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        cls([nn.Parameter(np.ones(2))], **options)


def test_a_set_of_parameters_is_refused() -> None:
    with pytest.raises(TypeError, match="sets will change between runs"):
        optim.SGD({nn.Parameter(np.ones(2))}, lr=0.1)


def test_group_keys_of_another_optimizer_or_misspelt_are_refused() -> None:
    p, q = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="did you mean 'momentum'"):
        optim.SGD([{"params": [p], "momentun": 0.9}], lr=0.1)
    with pytest.raises(ValueError, match="'betas' is not a hyperparameter of SGD"):
        optim.SGD([{"params": [p], "betas": (0.9, 0.99)}], lr=0.1)
    opt = optim.SGD([{"params": [p], "name": "encoder"}], lr=0.1)  # kept, as PyTorch
    before = _all(opt, p, q)
    with pytest.raises(ValueError, match="did you mean 'weight_decay'"):
        opt.add_param_group({"params": [q], "weight_decai": 0.1})
    assert_unchanged(before, opt.param_groups, opt.state, p, q)
    assert opt.param_groups[0]["name"] == "encoder"


def test_the_functional_forms_check_what_the_classes_check() -> None:
    theta, g = np.ones(3, np.float32), np.ones(3, np.float32)
    state = {"step": 0, "square_avg": np.zeros(3, np.float32)}
    common = {"alpha": 0.9, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0}
    cases = [
        ({"lr": -1.0, "centered": False, "maximize": False}, ValueError, "learning rate"),
        ({"lr": 0.1, "centered": 1, "maximize": False}, TypeError, "centered"),
        ({"lr": 1e39, "centered": False, "maximize": False}, ValueError, "overflows float32"),
    ]
    for options, error, match in cases:
        before = snapshot(theta, state)
        with pytest.raises(error, match=match):
            optim.rmsprop([theta], [g], [state], **common, **options)
        assert_unchanged(before, theta, state)


# ---------------------------------------------------------------------- schedulers
def _sgd():
    return optim.SGD([nn.Parameter(np.ones(2))], lr=0.1)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=float("nan")), "gamma"),
        (lambda o: lr_scheduler.ExponentialLR(o, gamma=-0.5), "gamma"),
        (lambda o: lr_scheduler.ExponentialLR(o, gamma="0.5"), "gamma"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=float("inf")), "eta_min"),
    ],
)
def test_schedulers_refuse_factors_the_optimizer_would_refuse(make, match) -> None:
    opt = _sgd()
    before = snapshot(opt.param_groups)
    with pytest.raises((ValueError, TypeError), match=match):
        make(opt)
    assert_unchanged(before, opt.param_groups)


@pytest.mark.parametrize("bad", [float("nan"), -1.0, float("inf")])
def test_a_lambda_giving_a_bad_rate_changes_nothing(bad) -> None:
    opt = _sgd()
    sched = lr_scheduler.LambdaLR(opt, lambda epoch: 1.0 if epoch < 2 else bad)
    sched.step()
    before = snapshot(opt.param_groups, sched.last_epoch, sched.get_last_lr())
    with pytest.raises(ValueError, match=r"parameter group 0 at epoch 2 would be"):
        sched.step()
    assert_unchanged(before, opt.param_groups, sched.last_epoch, sched.get_last_lr())


# ---------------------------------------------------------------------- numerics at the edge
def test_centered_rmsprop_where_the_square_overflows_stays_finite_as_pytorch() -> None:
    """v − ḡ² with v = inf: PyTorch's fused multiply-add gives inf, so the step is
    −lr·g/inf = 0 and the parameter keeps its value (not inf − inf = NaN)."""
    for momentum in (0.0, 0.9):
        p = nn.Parameter(np.ones(2, np.float32))
        opt = optim.RMSprop([p], lr=0.01, centered=True, momentum=momentum)
        for _ in range(3):
            p.grad = tg.tensor([1e30, 1.0])
            opt.step()
        values = p.detach().numpy()
        assert values[0] == 1.0 and np.isfinite(values[1]) and values[1] < 1.0


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_centered_overflow_against_live_pytorch() -> None:
    import torch

    for g in (1e20, 1e30, -1e38):
        theirs = torch.nn.Parameter(torch.ones(2))
        o = torch.optim.RMSprop([theirs], lr=0.01, centered=True)
        ours = nn.Parameter(np.ones(2, np.float32))
        oo = optim.RMSprop([ours], lr=0.01, centered=True)
        for _ in range(3):
            theirs.grad = torch.tensor([g, 1.0])
            o.step()
            ours.grad = tg.tensor([g, 1.0])
            oo.step()
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("dtype", [object, str, complex, "datetime64[s]"])
def test_tensors_of_non_numbers_are_refused(dtype) -> None:
    with pytest.raises(TypeError, match="cannot make a tensor"):
        tg.tensor([1, 2], dtype=dtype)


# ---------------------------------------------------------------------- Rprop, Adadelta, ASGD
@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda s: s["state"][0].update(eta="0.01"), "state 'eta' of parameter 0 must be a number"),
        (
            lambda s: s["state"][1].update(mu=np.ones(4)),
            "state 'mu' of parameter 1 must be a number",
        ),
        (lambda s: s["state"][0].pop("mu"), r"no \['mu'\]"),
        (lambda s: s["state"][0].update(ax=np.zeros(3)), r"state 'ax' of parameter 0 has shape"),
    ],
)
def test_an_asgd_state_that_lies_is_refused_and_changes_nothing(change, match) -> None:
    opt, a, b = _trained(optim.ASGD, t0=0)
    state = opt.state_dict()
    change(state)
    before = _all(opt, a, b)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(state)
    assert_unchanged(before, opt.param_groups, opt.state, a, b)


def test_asgd_state_numbers_load_from_0d_arrays_and_tensors() -> None:
    """PyTorch saves eta and mu as 0-d tensors: they load as the numbers they hold."""
    opt, a, _ = _trained(optim.ASGD, t0=0)
    state = opt.state_dict()
    eta, mu = state["state"][0]["eta"], state["state"][0]["mu"]
    state["state"][0]["eta"] = np.array(eta, np.float32)
    state["state"][0]["mu"] = tg.tensor(mu)
    opt.load_state_dict(state)
    assert (opt.state[a]["eta"], opt.state[a]["mu"]) == (eta, mu)


def test_an_asgd_schedule_that_breaks_down_changes_nothing() -> None:
    """A negative lambd makes 1 + lambd·lr·t reach 0 (at t = 2 here), where η is not a
    number: that step is refused before any parameter moves (PyTorch divides by zero
    after moving them)."""
    a = nn.Parameter(np.ones(3))
    b = nn.Parameter(np.ones(2))
    opt = optim.ASGD([a, b], lr=0.1, lambd=-5.0)
    a.grad, b.grad = tg.ones(3, dtype=tg.float64), tg.ones(2, dtype=tg.float64)
    opt.step()
    before = _all(opt, a, b)
    with pytest.raises(ValueError, match=r"not a number at step t = 2 \(lr=0.1, lambd=-5.0"):
        opt.step()
    assert_unchanged(before, opt.param_groups, opt.state, a, b)


#: Gradients at the edge, one column per case: NaN, ±inf, zero, and products g·g_prev
#: that underflow in float32 (1e-30 · 1e-30).
EDGE_GRADS = np.array(
    [
        [float("nan"), float("inf"), 0.0, 1e-30, -1.0, 2.0],
        [1.0, float("inf"), 0.0, 1e-30, float("nan"), -2.0],
        [1.0, -float("inf"), 3.0, -1e-30, 1.0, float("nan")],
        [-1.0, 1.0, 3.0, 1e-30, 1.0, 1.0],
    ],
    np.float32,
)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("Rprop", {"lr": 0.1}),
        ("Adadelta", {"lr": 1.0, "weight_decay": 0.1}),
        ("ASGD", {"lr": 0.1, "t0": 0}),
    ],
)
def test_nan_inf_and_underflowing_gradients_do_as_pytorchs(name, kwargs) -> None:
    """Rprop: torch.sign(NaN) is 0, so a NaN gradient moves nothing and keeps the step
    size; an underflowing g·g_prev counts as 0.  Each NaN and infinity lands where
    PyTorch's does (Rprop bit for bit)."""
    import torch

    x0 = np.linspace(-1, 1, 6).astype(np.float32)
    theirs = torch.nn.Parameter(torch.tensor(x0))
    ours = nn.Parameter(x0.copy())
    topt = getattr(torch.optim, name)([theirs], **kwargs)
    oopt = getattr(optim, name)([ours], **kwargs)
    for g in EDGE_GRADS:
        theirs.grad = torch.tensor(g)
        topt.step()
        ours.grad = tg.tensor(g)
        oopt.step()
        got, expected = ours.detach().numpy(), theirs.detach().numpy()
        if name == "Rprop":
            np.testing.assert_array_equal(got, expected)
            np.testing.assert_array_equal(
                oopt.state[ours]["step_size"], topt.state[theirs]["step_size"]
            )
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize(
    ("product", "match"),
    [
        (1.5, "must be a number in \\[0, 1\\], got 1.5"),
        (-0.1, "got -0.1"),
        (float("nan"), "got nan"),
        ("0.5", "got '0.5'"),
        (np.zeros(3), "got array"),
        (None, r"no \['mu_product'\]"),
    ],
)
def test_a_nadam_product_that_lies_is_refused_and_changes_nothing(product, match) -> None:
    opt, a, b = _trained(optim.NAdam, lr=0.01)
    state = opt.state_dict()
    state["state"][0]["exp_avg"] = state["state"][0]["exp_avg"] + 1.0  # valid, loaded first
    state["state"][1]["mu_product"] = product
    before = _all(opt, a, b)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(state)
    assert_unchanged(before, opt.param_groups, opt.state, a, b)
