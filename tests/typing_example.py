"""A typed training script: mypy checks it in CI (``python -m mypy``, configured in
pyproject.toml), and ``tests/test_typing.py`` runs it.

It is written as a PyTorch user writes one, ``import tinygrad_rms as torch``, and states
the types a type checker must see: the lazily imported ``torch.nn`` / ``torch.optim`` are
visible, ``model(x)`` is a Tensor, and so are the ops and the loss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import tinygrad_rms as torch
import tinygrad_rms.nn as nn
import tinygrad_rms.optim as optim

if TYPE_CHECKING:
    from typing_extensions import assert_type  # checked by mypy only, never imported


class SimpleNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


def train(steps: int = 20) -> float:
    torch.manual_seed(0)
    x = torch.randn(32, 2)
    y = (x[:, :1] * 2.0 - x[:, 1:]).tanh()
    model = SimpleNet()
    opt = optim.RMSprop(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    loss = loss_fn(model(x), y)
    for _ in range(steps):
        opt.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        opt.step()
    if TYPE_CHECKING:
        assert_type(torch.nn.Linear(2, 1), nn.Linear)
        assert_type(model(x), torch.Tensor)
        assert_type(torch.nn.Linear(2, 1)(x), torch.Tensor)
        assert_type(x @ x.T + 1.0, torch.Tensor)
        assert_type(x.sum(), torch.Tensor)
        assert_type(loss, torch.Tensor)
        assert_type(nn.functional.relu(x), torch.Tensor)
    return loss.item()


if __name__ == "__main__":
    print(f"loss after 20 RMSprop steps: {train():.4f}")
