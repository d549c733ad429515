"""Bad input meets one clear exception naming the offending values, before any change."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rms as tg
from tinygrad_rms import nn, optim
from tinygrad_rms.nn import functional as F


def test_linear_wrong_feature_count_names_both_shapes():
    layer = nn.Linear(10, 50)
    with pytest.raises(ValueError, match=r"\(100, 7\).*\(50, 10\)"):
        layer(tg.randn(100, 7))


def test_mse_shape_mismatch_is_refused_not_broadcast():
    with pytest.raises(ValueError, match=r"\(100, 1\).*\(100,\)"):
        nn.MSELoss()(tg.randn(100, 1), tg.randn(100))


def test_unknown_reduction():
    with pytest.raises(ValueError, match="'avg'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="'avg'"):
        F.mse_loss(tg.zeros(2), tg.zeros(2), reduction="avg")


def test_backward_on_non_scalar_without_gradient():
    x = tg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()


def test_backward_on_tensor_not_requiring_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.randn(3).sum().backward()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"lr": -1}, "Invalid learning rate: -1"),
        ({"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
        ({"momentum": -0.5}, "Invalid momentum value: -0.5"),
        ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
        ({"alpha": -0.1}, "Invalid alpha value: -0.1"),
        ({"lr": float("nan")}, "Invalid learning rate: nan"),
    ],
)
def test_rmsprop_invalid_hyperparameters(kwargs, message):
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match=message):
        optim.RMSprop([p], **kwargs)


def test_rmsprop_non_number_hyperparameter():
    with pytest.raises(TypeError, match="lr must be a number"):
        optim.RMSprop([nn.Parameter(np.ones(2))], lr="0.1")


def test_invalid_group_hyperparameter_adds_nothing():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.RMSprop([a])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        opt.add_param_group({"params": [b], "lr": -3})
    assert len(opt.param_groups) == 1


def test_optimizer_given_no_parameters():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.RMSprop([])
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.RMSprop(iter(()))


def test_optimizer_given_wrong_things():
    with pytest.raises(TypeError, match="single Tensor"):
        optim.RMSprop(nn.Parameter(np.ones(2)))
    with pytest.raises(TypeError, match="entry 1 is a ndarray"):
        optim.RMSprop([nn.Parameter(np.ones(2)), np.ones(2)])
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="more than one"):
        optim.RMSprop([{"params": [p]}, {"params": [p]}])
    with pytest.raises(ValueError, match="same Tensor more than once"):
        optim.RMSprop([p, p])


def test_gradient_not_fitting_its_parameter_is_caught_before_any_update():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    opt = optim.RMSprop([a, b])
    a.grad = tg.tensor(np.ones(2))
    with pytest.raises(RuntimeError, match=r"assigned grad has data of a different size"):
        b.grad = tg.tensor(np.ones(4))  # refused at once, as PyTorch refuses it
    with pytest.raises(RuntimeError, match=r"assigned grad has data of a different type"):
        b.grad = tg.tensor(np.ones(3, np.float32))
    b.grad = tg.tensor(np.ones(3))
    b.grad.data = tg.tensor(np.ones(4))  # .data goes around the check: step still refuses
    with pytest.raises(RuntimeError, match=r"shape \(4,\).*shape \(3,\)"):
        opt.step()
    np.testing.assert_array_equal(a.data, np.ones(2))  # nothing half-applied
    assert opt.state == {}


def test_module_assignment_before_init():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\)"):
        Broken()


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    model = nn.Linear(3, 2)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    bad = {"weight": np.zeros((3, 2), np.float32), "extra": np.zeros(1, np.float32)}
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert '"bias"' in message and '"extra"' in message and "(3, 2)" in message
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_load_state_dict_dtype_mismatch():
    model = nn.Linear(3, 2)
    state = {k: v.numpy().astype(np.float64) for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match="dtype mismatch"):
        model.load_state_dict(state)


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        tg.tensor([1, 2, 3], requires_grad=True)


def test_item_on_many_elements():
    with pytest.raises(ValueError, match="3 elements"):
        tg.zeros(3).item()


def test_manual_seed_rejects_non_integers():
    with pytest.raises(ValueError, match="non-negative integer"):
        tg.manual_seed(-1)
    with pytest.raises(ValueError, match="non-negative integer"):
        tg.manual_seed(1.5)
