"""Models shared by the tests.

``SimpleNet`` is the RMSProp document's network: Linear(10, 50) → ReLU → Linear(50, 1),
with the attributes ``fc1``, ``relu`` and ``fc2``, so its parameters are named
``fc1.weight``, ``fc1.bias``, ``fc2.weight``, ``fc2.bias`` as in PyTorch.  There is one
definition, built on either library's ``nn``:

* ``SimpleNet``: the class on ``tinygrad_rms.nn`` (``model = SimpleNet()``);
* ``simplenet(lib)``: a new instance on ``lib.nn``, for ``lib`` ``tinygrad_rms`` or
  ``torch`` (``simplenet(torch)`` is the PyTorch twin whose state dict has the same keys,
  shapes and dtypes).

Both classes are named ``SimpleNet``: error messages and reprs that name the class agree.
This module never imports torch itself; the caller passes it in.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import tinygrad_rms


@functools.cache
def simplenet_class(nn: ModuleType) -> type:
    """The SimpleNet class on ``nn`` (``tinygrad_rms.nn`` or ``torch.nn``); one class per
    library, so ``isinstance`` checks hold across calls."""

    class SimpleNet(nn.Module):
        """The RMSProp document's model: Linear(10, 50) → ReLU → Linear(50, 1)."""

        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(10, 50)
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(50, 1)

        def forward(self, x: Any) -> Any:
            return self.fc2(self.relu(self.fc1(x)))

    return SimpleNet


def simplenet(lib: ModuleType) -> Any:
    """A new SimpleNet on ``lib.nn`` (``lib`` is ``tinygrad_rms`` or ``torch``), initialised
    by ``lib``'s own random generator."""
    return simplenet_class(lib.nn)()


#: the tinygrad_rms SimpleNet (its qualified name is ``models.SimpleNet``, where it lives)
SimpleNet = simplenet_class(tinygrad_rms.nn)
SimpleNet.__qualname__ = "SimpleNet"


def micrograd(lib: ModuleType) -> dict:
    """karpathy/micrograd's README expression on ``lib`` (tinygrad_rms or torch), written
    without in-place ops; its values and leaves by name (``g`` is the output)."""
    a = lib.tensor(-4.0, dtype=lib.float64, requires_grad=True)
    b = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return dict(a=a, b=b, c=c, d=d, e=e, f=f, g=g)
