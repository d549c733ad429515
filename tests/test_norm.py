"""BatchNorm1d/2d and LayerNorm: PyTorch's outputs, gradients, running statistics (momentum,
the cumulative average, unbiased running variance, ``num_batches_tracked``), train and eval
modes — against fixtures PyTorch wrote and live PyTorch — ``gradcheck``, and a PyTorch
LeNet with batch norm whose state dict gives the same outputs here and back."""

from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pytest
from fixture_util import arrays, generator

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
import tinygrad_rms.nn.functional as F
from tinygrad_rms.autograd import gradcheck

make = generator("make_norm_fixtures")
FIXTURE = arrays("norm_torch.npz")
HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.parametrize("name", list(make.CASES))
def test_matches_pytorchs_fixture(name):
    ours = make.run(tg, name)
    expected = {k[len(name) + 1 :]: v for k, v in FIXTURE.items() if k.startswith(f"{name}/")}
    assert set(ours) == set(expected)
    for key, value in ours.items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-12, atol=1e-13, err_msg=key)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_every_batch_norm_option_against_live_pytorch():
    import torch

    rng = np.random.default_rng(0)
    for (kind, shape), momentum, affine, track in itertools.product(
        [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (5, 3, 4)), ("BatchNorm2d", (4, 3, 5, 2))],
        [0.1, None, 0.5],
        [True, False],
        [True, False],
    ):
        kw = dict(momentum=momentum, affine=affine, track_running_stats=track)
        theirs, ours = (
            getattr(torch.nn, kind)(3, **kw).double(),
            getattr(nn, kind)(3, **kw).double(),
        )
        assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
        for mode in ("train", "train", "eval", "train", "eval"):
            x, up = rng.standard_normal(shape), rng.standard_normal(shape)
            got = []
            for lib, module in ((tg, ours), (torch, theirs)):
                module.train(mode == "train")
                xs = lib.tensor(x, requires_grad=True)
                (module(xs) * lib.tensor(up)).sum().backward()
                got.append(
                    [module(xs).detach().numpy() if mode == "eval" else xs.grad.numpy()]
                    + [v.numpy() for v in module.state_dict().values()]
                )
            for a, b in zip(*got, strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13, err_msg=str(kw))


def test_gradcheck_batch_and_layer_norm():
    tg.manual_seed(2)
    x = tg.randn(4, 3, 2, dtype=tg.float64, requires_grad=True)
    w = tg.randn(3, dtype=tg.float64, requires_grad=True)
    b = tg.randn(3, dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (x, w, b))
    g = tg.randn(2, dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda x, g: F.layer_norm(x, 2, g, None) ** 2, (x, g))


def test_running_statistics_by_the_formula():
    """Independent of PyTorch: momentum updates with the unbiased batch variance."""
    bn = nn.BatchNorm1d(2, momentum=0.25).double()
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 7.0]])
    bn(tg.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.25 * x.mean(0), rtol=1e-15)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.75 + 0.25 * x.var(0, ddof=1), rtol=1e-15)
    assert int(bn.num_batches_tracked.numpy()) == 1


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_a_pytorch_lenet_with_batch_norm_gives_the_same_outputs_both_ways(tmp_path):
    import torch

    def lenet(lib):
        n = lib.nn
        return n.Sequential(
            n.Conv2d(1, 6, 5, padding=2),
            n.BatchNorm2d(6),
            n.ReLU(),
            n.MaxPool2d(2),
            n.Conv2d(6, 16, 5),
            n.BatchNorm2d(16),
            n.ReLU(),
            n.MaxPool2d(2),
            n.Flatten(),
            n.Linear(400, 120),
            n.BatchNorm1d(120),
            n.ReLU(),
            n.Linear(120, 84),
            n.LayerNorm(84),
            n.ReLU(),
            n.Linear(84, 10),
        )

    torch.manual_seed(0)
    theirs, ours = lenet(torch), lenet(tg)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(1).standard_normal((8, 1, 28, 28)).astype(np.float32)
    theirs.train()
    theirs(torch.tensor(x))  # running statistics that are not the defaults
    theirs.eval()
    torch.save(theirs.state_dict(), tmp_path / "lenet.pt")
    ours.load_state_dict(tg.load(tmp_path / "lenet.pt"))
    ours.eval()
    np.testing.assert_allclose(
        ours(tg.tensor(x)).detach().numpy(),
        theirs(torch.tensor(x)).detach().numpy(),
        rtol=1e-4,
        atol=1e-5,
    )
    back = lenet(torch)
    back.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    back.eval()
    np.testing.assert_array_equal(
        back(torch.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy()
    )


def test_bad_inputs_are_refused_clearly():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(tg.randn(1, 3))
    with pytest.raises(ValueError, match=r"expected 4D input, got \(2, 3\)"):
        nn.BatchNorm2d(3)(tg.randn(2, 3))
    with pytest.raises(ValueError, match=r"does not end with the normalized shape \(4,\)"):
        nn.LayerNorm(4)(tg.randn(2, 3))
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm1d(0)
