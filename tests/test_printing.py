"""Tensors print as PyTorch prints them: the number format (whole, fixed, scientific), the
alignment, the 80-column wrap, the summary of large tensors and the suffixes — compared
with what PyTorch printed (``fixtures/print_torch.json``) and live PyTorch."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from fixture_util import FIXTURES, generator

import tinygrad_rms as tg

make = generator("make_print_fixtures")
PRINTED = json.loads((FIXTURES / "print_torch.json").read_text(encoding="utf-8"))
HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_the_fixture_covers_the_table():
    assert set(make.CASES) == set(PRINTED) - {"torch_version"}


@pytest.mark.parametrize("name", list(make.CASES))
def test_prints_as_pytorch_printed(name):
    assert repr(tg.tensor(make.CASES[name]())) == PRINTED[name]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", list(make.CASES))
def test_prints_as_live_pytorch(name):
    import torch

    assert repr(tg.tensor(make.CASES[name]())) == make.torch_repr(torch, name)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_graph_suffixes_as_live_pytorch():
    import torch

    values = np.random.default_rng(3).standard_normal((3, 9)).astype(np.float32)
    for lib in (tg, torch):
        x = lib.tensor(values, requires_grad=True)
        text = [repr(x), repr(x * 2), repr(lib.tensor(values[0], dtype=lib.float64) ** 2)]
        if lib is tg:
            ours = text
    assert ours == text


def test_a_small_loss_prints_its_value_not_zero():
    """The reason for the scientific format: a loss of 6.8e-05 must not print as 0.0001."""
    assert repr(tg.tensor(6.7705e-05)) == "tensor(6.7705e-05)"
    assert str(tg.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
