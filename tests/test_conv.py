"""Convolution and pooling: PyTorch's numbers and gradients (fixtures written by PyTorch,
live PyTorch over a sweep of every argument), ``gradcheck``, PyTorch's parameter names,
shapes, initialisation range and repr, a PyTorch CNN's state dict both ways, and clear
errors."""

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

make = generator("make_conv_fixtures")
FIXTURE = arrays("conv_torch.npz")
HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.parametrize("name", list(make.CASES))
def test_matches_pytorchs_fixture(name):
    for key, value in make.run(tg, F, name).items():
        np.testing.assert_allclose(value, FIXTURE[f"{name}/{key}"], rtol=1e-12, atol=1e-13)


def _compare_live(our_fn, their_fn, shapes, seed=0):
    import torch

    rng = np.random.default_rng(seed)
    data = [rng.standard_normal(s) for s in shapes]
    results = []
    for lib, fn in ((tg, our_fn), (torch, their_fn)):
        ts = [lib.tensor(a, requires_grad=True) for a in data]
        try:
            out = fn(*ts)
        except (ValueError, RuntimeError, TypeError):
            results.append(None)  # both must refuse
            continue
        up = np.random.default_rng(seed + 1).standard_normal(tuple(out.shape))
        (out * lib.tensor(up)).sum().backward()
        results.append([out.detach().numpy(), *(t.grad.numpy() for t in ts)])
    assert (results[0] is None) == (results[1] is None)
    if results[0] is not None:
        for a, b in zip(*results, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")  # PyTorch's own note
def test_conv2d_sweep_against_live_pytorch():
    import torch.nn.functional as TF

    for stride, padding, dilation, groups in itertools.product(
        [1, 2], [0, 1, (2, 0), "same", "valid"], [1, 2], [1, 2]
    ):
        if padding == "same" and stride != 1:
            continue
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        shapes = [(2, 4, 9, 8), (6, 4 // groups, 3, 2), (6,)]
        _compare_live(
            lambda x, w, b, kw=kw: F.conv2d(x, w, b, **kw),
            lambda x, w, b, kw=kw: TF.conv2d(x, w, b, **kw),
            shapes,
        )


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_pooling_sweep_against_live_pytorch():
    import torch.nn.functional as TF

    for k, s, p, d, ceil in itertools.product([2, 3], [None, 1, 2], [0, 1], [1, 2], [False, True]):
        _compare_live(
            lambda x, a=(k, s, p, d, ceil): F.max_pool2d(x, *a),
            lambda x, a=(k, s, p, d, ceil): TF.max_pool2d(x, *a),
            [(2, 3, 9, 7)],
        )
    for k, s, p, ceil, cip, div in itertools.product(
        [2, 3], [None, 2], [0, 1], [False, True], [True, False], [None, 3]
    ):
        _compare_live(
            lambda x, a=(k, s, p, ceil, cip, div): F.avg_pool2d(x, *a),
            lambda x, a=(k, s, p, ceil, cip, div): TF.avg_pool2d(x, *a),
            [(2, 3, 9, 7)],
        )


def test_max_pool_routes_ties_to_the_first_maximum():
    x = tg.tensor([[[[1.0, 1.0], [0.0, 1.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_gradcheck_small_convolution_and_pools():
    tg.manual_seed(1)
    x = tg.randn(1, 2, 5, 5, dtype=tg.float64, requires_grad=True)
    w = tg.randn(2, 1, 3, 3, dtype=tg.float64, requires_grad=True)

    def f(x, w):
        y = F.conv2d(x, w, None, padding=1, groups=2).tanh()
        return F.avg_pool2d(y, 3, stride=1, padding=1) + F.max_pool2d(y * 1.0, 3, 1, 1)

    assert gradcheck(f, (x, w))


@pytest.mark.parametrize(
    "make_ours",
    [
        lambda: nn.Conv2d(3, 8, 3, padding=1),
        lambda: nn.Conv2d(4, 8, (3, 2), stride=2, groups=2, bias=False, dilation=2),
        lambda: nn.Conv1d(3, 6, 5, padding="same"),
    ],
)
def test_layers_have_pytorchs_names_shapes_and_init_range(make_ours):
    layer = make_ours()
    fan_in = layer.in_channels // layer.groups * int(np.prod(layer.kernel_size))
    bound = 1 / np.sqrt(fan_in)
    for name, p in layer.named_parameters():
        assert name in ("weight", "bias")
        assert np.all(np.abs(p.detach().numpy()) <= bound)
    assert layer.weight.shape == (
        layer.out_channels,
        layer.in_channels // layer.groups,
        *layer.kernel_size,
    )


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_a_pytorch_cnn_state_dict_gives_the_same_outputs_both_ways(tmp_path):
    import torch

    def net(lib):
        n = lib.nn
        return n.Sequential(
            n.Conv2d(1, 8, 3, padding=1),
            n.ReLU(),
            n.MaxPool2d(2),
            n.Conv2d(8, 16, 3, padding=1),
            n.ReLU(),
            n.AvgPool2d(2),
            n.AdaptiveAvgPool2d((3, 3)),
            n.Flatten(),
            n.Linear(144, 10),
        )

    torch.manual_seed(0)
    theirs, ours = net(torch), net(tg)
    assert repr(ours) == repr(theirs)
    torch.save(theirs.state_dict(), tmp_path / "cnn.pt")
    ours.load_state_dict(tg.load(tmp_path / "cnn.pt"))
    x = np.random.default_rng(3).standard_normal((4, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(
        ours(tg.tensor(x)).detach().numpy(),
        theirs(torch.tensor(x)).detach().numpy(),
        rtol=1e-4,
        atol=1e-5,
    )
    back = net(torch)
    back.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    np.testing.assert_array_equal(
        back(torch.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy()
    )


def test_bad_arguments_are_refused_clearly():
    x = tg.randn(2, 3, 8, 8)
    with pytest.raises(ValueError, match=r"3 channels, but weight \(4, 2, 3, 3\)"):
        F.conv2d(x, tg.randn(4, 2, 3, 3))
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv2d(x, tg.randn(4, 3, 9, 9))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(x, tg.randn(4, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="at most half of effective kernel size"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"expected a 3-d \(unbatched\) or 4-d"):
        F.conv2d(tg.randn(8, 8), tg.randn(4, 3, 3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode='zeros'"):
        nn.Conv2d(3, 4, 3, padding_mode="reflect")


def test_unbatched_input_gives_unbatched_output():
    layer = nn.Conv2d(3, 4, 3)
    x = tg.randn(3, 6, 6)
    np.testing.assert_allclose(
        layer(x).detach().numpy(), layer(x.unsqueeze(0))[0].detach().numpy(), rtol=1e-6
    )


def test_unflatten_and_dropout2d():
    assert nn.Unflatten(1, (2, 3))(tg.ones(4, 6)).shape == (4, 2, 3)
    assert nn.Unflatten(-1, (3, 2))(tg.ones(4, 5, 6)).shape == (4, 5, 3, 2)
    tg.manual_seed(0)
    drop = nn.Dropout2d(0.5)
    y = drop(tg.ones(64, 32, 3, 3)).numpy().reshape(64, 32, 9)
    assert np.all(y.std(axis=-1) == 0)  # whole channels kept or zeroed
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert abs((y[:, :, 0] == 0).mean() - 0.5) < 5 * 0.5 / np.sqrt(64 * 32)
    drop.eval()
    x = tg.randn(2, 3, 4, 4)
    assert drop(x) is x
    with pytest.raises(ValueError, match=r"3D or 4D input, got \(2, 3\)"):
        nn.Dropout2d()(tg.ones(2, 3))
