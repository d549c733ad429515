"""Long runs (marked soak: `python -m pytest -m soak`, not part of CI): memory stays flat and a
run split in two halves by a checkpoint gives the same numbers as one run.

SimpleNet for 100,000 steps and an MLP for 2,000 steps; RSS growth after warm-up must
stay under 5 MB.
"""

from __future__ import annotations

import resource
import sys

import numpy as np
import pytest
from models import SimpleNet

import tinygrad_rms as tg
from tinygrad_rms import nn, optim

pytestmark = pytest.mark.soak


def _rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _setup(kind: str):
    tg.manual_seed(0)
    if kind == "simplenet":
        model = SimpleNet()
        X, y = tg.randn(100, 10), tg.randn(100, 1)
    else:
        model = nn.Sequential(
            nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )
        X, y = tg.randn(128, 64), tg.randn(128, 10)
    opt = optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9)
    return model, opt, X, y


def _train(model, opt, X, y, steps: int, record: bool = True) -> list[float]:
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.MSELoss()(model(X), y)
        loss.backward()
        opt.step()
        if record:  # the memory test keeps nothing, so any growth is the library's
            losses.append(loss.item())
    return losses


@pytest.mark.parametrize("kind,steps", [("simplenet", 100_000), ("mlp", 2_000)])
def test_memory_stays_flat(kind, steps):
    model, opt, X, y = _setup(kind)
    _train(model, opt, X, y, steps // 10, record=False)  # warm-up: kernels compiled
    before = _rss_mb()
    _train(model, opt, X, y, steps - steps // 10, record=False)
    growth = _rss_mb() - before
    assert growth < 5.0, (
        f"{kind}: RSS grew {growth:.2f} MB over {steps - steps // 10} steps after warm-up"
    )


@pytest.mark.parametrize("kind,steps", [("simplenet", 100_000), ("mlp", 2_000)])
def test_two_halves_with_a_checkpoint_equal_one_run(kind, steps, tmp_path):
    model, opt, X, y = _setup(kind)
    whole = _train(model, opt, X, y, steps)
    final = [p.detach().numpy().copy() for p in model.parameters()]

    model, opt, X, y = _setup(kind)
    first = _train(model, opt, X, y, steps // 2)
    tg.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "half.npz")
    model, opt, X, y = _setup(kind)  # fresh objects, as after a restart
    state = tg.load(tmp_path / "half.npz")
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optim"])
    second = _train(model, opt, X, y, steps - steps // 2)
    assert first + second == whole
    for p, q in zip(model.parameters(), final, strict=True):
        np.testing.assert_array_equal(p.data, q)
