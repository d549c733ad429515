"""LSTM, GRU, RNN and their cells: PyTorch's parameter names, shapes and numbers, every
gradient (weights, input, initial states), against what PyTorch computed
(``fixtures/rnn_torch.npz``), live PyTorch over every argument combination, ``gradcheck``,
and PyTorch's own state dicts both ways."""

from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pytest
from fixture_util import FIXTURES, arrays, generator

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
from tinygrad_rms.autograd import gradcheck

make = generator("make_rnn_fixtures")
FIXTURE = arrays("rnn_torch.npz")
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _weights(name: str) -> dict[str, np.ndarray]:
    prefix = f"{name}/weight/"
    return {k[len(prefix) :]: v for k, v in FIXTURE.items() if k.startswith(prefix)}


@pytest.mark.parametrize("name", list(make.CASES))
def test_matches_pytorchs_fixture(name):
    weights = _weights(name)
    ours = make.run(tg, name, weights)
    kind, kw, _ = make.CASES[name]
    model = getattr(nn, kind)(make.INPUT, make.HIDDEN, **kw)
    assert list(model.state_dict()) == list(weights)  # PyTorch's names, in its order
    for key, value in ours.items():
        expected = FIXTURE[f"{name}/{key}"]
        assert value.shape == expected.shape, key
        np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-13, err_msg=key)


COMBINATIONS = list(
    itertools.product(
        ["LSTM", "GRU", "RNN"], [1, 2], [False, True], [False, True], [True, False], [True, False]
    )
)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_argument_combination_against_live_pytorch(dtype):
    import torch

    rng = np.random.default_rng(5)
    tol = {"float64": (1e-12, 1e-13), "float32": (2e-5, 2e-6)}[dtype]
    for kind, layers, bidirectional, batch_first, bias, batched in COMBINATIONS:
        kw = dict(
            num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias
        )
        theirs = getattr(torch.nn, kind)(3, 4, **kw).to(getattr(torch, dtype))
        ours = getattr(nn, kind)(3, 4, **kw).to(getattr(tg, dtype))
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        d = 2 if bidirectional else 1
        shape = ((2, 5, 3) if batch_first else (5, 2, 3)) if batched else (5, 3)
        state_shape = (layers * d, 2, 4) if batched else (layers * d, 4)
        x = rng.standard_normal(shape).astype(dtype)
        states = [rng.standard_normal(state_shape).astype(dtype) for _ in range(2)]
        results = []
        for lib, module in ((tg, ours), (torch, theirs)):
            xs = lib.tensor(x, requires_grad=True)
            hs = [lib.tensor(s, requires_grad=True) for s in states]
            out, final = module(xs, tuple(hs) if kind == "LSTM" else hs[0])
            finals = final if kind == "LSTM" else (final,)
            loss = out.sum() + sum((f * f).sum() for f in finals)
            loss.backward()
            got = [out.detach().numpy(), *(f.detach().numpy() for f in finals), xs.grad.numpy()]
            got += [h.grad.numpy() for h in hs[: len(finals)]]
            got += [p.grad.numpy() for p in module.parameters()]
            results.append(got)
        for a, b in zip(*results, strict=True):
            np.testing.assert_allclose(a, b, rtol=tol[0], atol=tol[1], err_msg=str(kw))


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_against_live_pytorch(kind, batched):
    import torch

    rng = np.random.default_rng(7)
    theirs = getattr(torch.nn, kind)(3, 4).double()
    ours = getattr(nn, kind)(3, 4).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = rng.standard_normal((2, 3) if batched else (3,))
    h, c = (rng.standard_normal((2, 4) if batched else (4,)) for _ in range(2))
    results = []
    for lib, cell in ((tg, ours), (torch, theirs)):
        xs, hs, cs = (lib.tensor(v, requires_grad=True) for v in (x, h, c))
        out = cell(xs, (hs, cs)) if kind == "LSTMCell" else cell(xs, hs)
        outs = out if kind == "LSTMCell" else (out,)
        sum((o * o).sum() for o in outs).backward()
        got = [*(o.detach().numpy() for o in outs), xs.grad.numpy(), hs.grad.numpy()]
        results.append(got + [p.grad.numpy() for p in cell.parameters()])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_gradcheck_through_a_two_layer_bidirectional_stack(kind):
    tg.manual_seed(3)
    model = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True).double()
    x = tg.randn(4, 2, 2, dtype=tg.float64, requires_grad=True)
    h0 = tg.randn(4, 2, 3, dtype=tg.float64, requires_grad=True)

    def f(x, h0):
        out, state = model(x, (h0, h0 * 0.5) if kind == "LSTM" else h0)
        return out.sum() + (state[0] if kind == "LSTM" else state).pow(2).sum()

    assert gradcheck(f, (x, h0))


def test_cells_unrolled_are_the_sequence_layer():
    """LSTM = LSTMCell unrolled, with the same weights (no PyTorch needed)."""
    tg.manual_seed(11)
    lstm, cell = nn.LSTM(3, 4).double(), nn.LSTMCell(3, 4).double()
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in lstm.state_dict().items()})
    x = tg.randn(5, 2, 3, dtype=tg.float64)
    out, (_, c_n) = lstm(x)
    h = c = tg.zeros(2, 4, dtype=tg.float64)
    for t in range(5):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(out[t].detach().numpy(), h.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(c_n[0].detach().numpy(), c.detach().numpy(), rtol=1e-15)


def test_pytorchs_lstm_file_loads_and_initialisation_is_pytorchs_range():
    state = tg.load(FIXTURES / "rnn_lstm.pt")
    model = nn.LSTM(3, 4, num_layers=2)
    model.load_state_dict(state)
    assert list(model.state_dict()) == list(state)
    bound = 1 / np.sqrt(4)
    for p in nn.GRU(3, 4, num_layers=2, bidirectional=True).parameters():
        assert np.all(np.abs(p.detach().numpy()) <= bound)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_state_dicts_move_both_ways_with_live_pytorch(tmp_path):
    import torch

    torch.manual_seed(1)
    theirs = torch.nn.GRU(3, 4, num_layers=2, batch_first=True)
    torch.save(theirs.state_dict(), tmp_path / "gru.pt")
    ours = nn.GRU(3, 4, num_layers=2, batch_first=True)
    ours.load_state_dict(tg.load(tmp_path / "gru.pt"))
    x = np.random.default_rng(2).standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        ours(tg.tensor(x))[0].detach().numpy(),
        theirs(torch.tensor(x))[0].detach().numpy(),
        rtol=2e-6,
        atol=1e-6,
    )
    back = torch.nn.GRU(3, 4, num_layers=2, batch_first=True)
    back.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    np.testing.assert_array_equal(
        back(torch.tensor(x))[0].detach().numpy(), theirs(torch.tensor(x))[0].detach().numpy()
    )


def test_dropout_between_layers_only_in_training():
    tg.manual_seed(4)
    model = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = tg.randn(5, 2, 3)
    model.eval()
    a, b = model(x)[0], model(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    model.train()
    c, d = model(x)[0], model(x)[0]
    assert not np.array_equal(c.detach().numpy(), d.detach().numpy())


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(TypeError, match="bidirectional must be True or False"):
        nn.GRU(3, 4, bidirectional=1)
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h_0, c_0\)"):
        nn.LSTM(3, 4)(tg.randn(5, 2, 3), tg.zeros(1, 2, 4))
    with pytest.raises(RuntimeError, match=r"expected h_0 of shape \(2, 2, 4\)"):
        nn.GRU(3, 4, bidirectional=True)(tg.randn(5, 2, 3), tg.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"\(5, 2, 7\)"):
        nn.LSTM(3, 4)(tg.randn(5, 2, 7))
