"""Module registration, naming, state dicts and Linear's PyTorch-default initialisation."""

from __future__ import annotations

import math

import numpy as np
from models import SimpleNet

import tinygrad_rms as tg
from tinygrad_rms import nn


def test_parameters_are_registered_with_pytorch_names_and_order():
    model = SimpleNet()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    shapes = [p.shape for p in model.parameters()]
    assert shapes == [(50, 10), (50,), (1, 50), (1,)]
    assert all(p.requires_grad and p.dtype == np.float32 for p in model.parameters())
    assert list(model.state_dict()) == names


def test_shared_parameter_listed_once():
    model = SimpleNet()
    model.fc3 = model.fc1
    assert len(list(model.parameters())) == 4


def test_linear_without_bias():
    layer = nn.Linear(4, 3, bias=False)
    assert layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(layer(tg.tensor(x)).detach().numpy(), x @ layer.weight.data.T)


def test_forward_is_x_wt_plus_b():
    layer = nn.Linear(10, 5)
    x = np.random.default_rng(0).standard_normal((7, 10)).astype(np.float32)
    out = layer(tg.tensor(x))
    assert out.shape == (7, 5) and out.dtype == np.float32
    np.testing.assert_allclose(
        out.detach().numpy(), x @ layer.weight.data.T + layer.bias.data, rtol=1e-6, atol=1e-6
    )


def test_linear_init_is_uniform_with_pytorch_bound():
    # Many draws: the values must lie inside ±1/√in and look uniform there.
    fan_in = 25
    bound = 1 / math.sqrt(fan_in)
    w = np.concatenate([nn.Linear(fan_in, 400).weight.detach().numpy().ravel() for _ in range(10)])
    b = np.concatenate([nn.Linear(fan_in, 400).bias.data for _ in range(50)])
    for sample in (w, b):
        assert sample.min() >= -bound and sample.max() <= bound
        n = sample.size
        # mean 0 and variance bound²/3 of U(−bound, bound), within 5 standard errors
        assert abs(sample.mean()) < 5 * bound / math.sqrt(3 * n)
        assert abs(sample.var() - bound**2 / 3) < 5 * bound**2 * math.sqrt(4 / 45 / n)
        hist, _ = np.histogram(sample, bins=10, range=(-bound, bound))
        expected = n / 10
        chi2 = ((hist - expected) ** 2 / expected).sum()
        assert chi2 < 30  # 9 degrees of freedom: p ≈ 0.0004


def test_manual_seed_makes_models_reproducible():
    tg.manual_seed(7)
    a = SimpleNet().state_dict()
    tg.manual_seed(7)
    b = SimpleNet().state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())


def test_state_dict_round_trip_accepts_arrays_and_tensors_in_place():
    src, dst = SimpleNet(), SimpleNet()
    weight_before = dst.fc1.weight
    state = {k: (v.numpy().copy() if "weight" in k else v) for k, v in src.state_dict().items()}
    result = dst.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert dst.fc1.weight is weight_before  # copied into, not replaced
    x = tg.randn(3, 10)
    np.testing.assert_array_equal(src(x).detach().numpy(), dst(x).detach().numpy())


def test_non_strict_load_returns_missing_and_unexpected():
    model = SimpleNet()
    state = {k: v for k, v in model.state_dict().items() if k != "fc2.bias"}
    state["head.weight"] = np.zeros(1, np.float32)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"]
    assert result.unexpected_keys == ["head.weight"]


def test_zero_grad_and_repr():
    model = SimpleNet()
    loss = nn.MSELoss()(model(tg.randn(4, 10)), tg.randn(4, 1))
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    text = repr(model)
    assert "(fc1): Linear(in_features=10, out_features=50, bias=True)" in text
    assert "(relu): ReLU()" in text


def test_children_modules_and_train_eval():
    model = SimpleNet()
    assert [n for n, _ in model.named_children()] == ["fc1", "relu", "fc2"]
    assert [n for n, _ in model.named_modules()] == ["", "fc1", "relu", "fc2"]
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_double_converts_parameters_in_place():
    model = SimpleNet()
    w = model.fc1.weight
    model.double()
    assert model.fc1.weight is w and w.dtype == np.float64
    assert model(tg.randn(2, 10, dtype=tg.float64)).dtype == np.float64
