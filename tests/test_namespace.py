"""The torch.* spellings programs use: dtype names, device, linspace, full, the
module-level forms of ops, and in-place ``-=`` that updates (never rebinds) a tensor."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

import tinygrad_rms as tg

HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_dtype_names():
    assert tg.float is tg.float32 and tg.double is tg.float64 and tg.long is tg.int64
    assert tg.zeros(2, dtype=tg.float).dtype == np.float32
    assert tg.ones(2, dtype=tg.double).dtype == np.float64


def test_device_is_the_cpu():
    d = tg.device("cpu")
    assert d.type == "cpu" and str(d) == "cpu" and d == "cpu" and d == tg.device("cpu:0")
    assert repr(tg.device("cpu:0")) == "device(type='cpu', index=0)"
    t = tg.tensor([1.0, 2.0], device=d)
    assert t.device == d and t.cpu() is t and t.to("cpu") is t and t.to(d) is t
    assert t.to(d, tg.float64).dtype == np.float64
    assert tg.zeros(2, device="cpu").device.type == "cpu"


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_asking_for_a_gpu_is_a_clear_error(name):
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.device(name)
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.zeros(2, device=name)
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.ones(2).to(name)


def test_device_needs_a_string():
    with pytest.raises(TypeError, match="string"):
        tg.device(0)


@pytest.mark.parametrize("steps", [0, 1, 2, 5, 7, 2000])
def test_linspace_against_numpy(steps):
    got = tg.linspace(-math.pi, math.pi, steps)
    assert got.dtype == np.float32 and got.shape == (steps,)
    expected = np.linspace(-math.pi, math.pi, steps)
    np.testing.assert_allclose(got.data, expected, rtol=0, atol=4e-7)
    if steps:
        assert got.data[0] == np.float32(-math.pi)
    if steps > 1:
        assert got.data[-1] == np.float32(math.pi)  # both ends exact


def test_linspace_float64_and_bad_steps():
    np.testing.assert_allclose(
        tg.linspace(0, 1, 11, dtype=tg.float64).data, np.linspace(0, 1, 11), rtol=1e-15
    )
    with pytest.raises(ValueError, match="steps"):
        tg.linspace(0, 1, -1)


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_linspace_against_torch():
    import torch

    for steps in (1, 5, 100, 2000):
        np.testing.assert_allclose(
            tg.linspace(-3.0, 2.5, steps).data,
            torch.linspace(-3.0, 2.5, steps).numpy(),
            rtol=0,
            atol=3e-7,
        )


def test_full_infers_pytorchs_dtype():
    assert tg.full((2, 3), 1.5).dtype == np.float32
    assert tg.full((2,), 4).dtype == np.int64
    assert tg.full((2,), True).dtype == np.bool_
    scalar = tg.full((), 0.3, dtype=tg.float64, requires_grad=True)
    assert scalar.shape == () and scalar.requires_grad and scalar.item() == 0.3


def test_module_level_ops_are_the_methods():
    x = tg.tensor([[0.5, -1.0], [2.0, 0.25]])
    for name in ("sin", "cos", "exp", "abs", "relu", "tanh", "sigmoid"):
        np.testing.assert_array_equal(getattr(tg, name)(x).data, getattr(x, name)().data)
    np.testing.assert_array_equal(tg.mm(x, x).data, (x @ x).data)
    np.testing.assert_array_equal(tg.sum(x, 1).data, x.data.sum(1))
    np.testing.assert_array_equal(tg.pow(x, 2).data, x.data**2)


def test_mm_needs_matrices():
    with pytest.raises(ValueError, match="2-d"):
        tg.ones(3).mm(tg.ones(3, 2))


def test_inplace_operators_update_the_same_tensor():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    same = p
    with tg.no_grad():
        p -= 0.5 * p.grad
        p *= 2.0
        p += 1.0
        p /= 2.0
    assert p is same and p.requires_grad and p.is_leaf
    np.testing.assert_allclose(p.data, ((np.array([1.0, 2.0]) * 0.0) * 2 + 1) / 2)
    assert p._version == 4


def test_inplace_on_a_leaf_that_requires_grad_needs_no_grad():
    p = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        p -= 1.0
    np.testing.assert_array_equal(p.data, [1.0])  # nothing changed


def test_manual_sgd_trains_like_the_math():
    """The classic loop ``w -= lr * w.grad`` under no_grad: the same iterates as plain
    numpy gradient descent on the same least-squares problem."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    w = tg.tensor(np.zeros(3), dtype=tg.float64, requires_grad=True)
    ref = np.zeros(3)
    for _ in range(25):
        loss = ((tg.tensor(X) @ w - tg.tensor(y)) ** 2).sum()
        loss.backward()
        with tg.no_grad():
            w -= 0.01 * w.grad
            w.grad.zero_()
        ref -= 0.01 * 2 * X.T @ (X @ ref - y)
    np.testing.assert_allclose(w.data, ref, rtol=1e-12)


def test_cuda_and_backends_say_there_is_no_gpu():
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    assert tg.backends.mps.is_available() is False
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")  # the usual idiom
    assert device.type == "cpu"
    tg.cuda.manual_seed(0)  # accepted, as programs call it unconditionally


def test_zero_dim_tensors_format_as_numbers():
    assert f"{tg.tensor(2.5):.3f}" == "2.500"
    assert f"{tg.tensor(12.0)}" == "12.0"
    assert f"{tg.tensor(7)}" == "7"
    assert f"{tg.tensor([1.0, 2.0])}".startswith("tensor(")
    with pytest.raises(TypeError):
        f"{tg.tensor([1.0, 2.0]):.3f}"
