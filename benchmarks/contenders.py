"""One training step of an MLP regressor (Linear/ReLU stack, MSELoss, RMSprop), three ways.

- ``ours``: tinygrad_rms, written as the RMSProp document writes it for PyTorch.
- ``torch``: the same code on the real PyTorch (when it is importable).
- ``numpy``: the floor: the same forward, backward and RMSprop written directly with
  numpy arrays, no autograd objects.  All parameters live in one flat float32 buffer
  (each weight and bias is a view into it), and so do their gradients and the RMSprop
  state, so the optimizer is 8 in-place ufunc calls over one array however many layers
  there are; every intermediate array is preallocated and written with ``out=``.

All three start from the same weights and data (drawn once from a seeded numpy
generator) so their losses can be compared step by step.  ``widths`` (10, 50, 1) is the
document's SimpleNet: ``fc1`` 10->50, ReLU, ``fc2`` 50->1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from types import ModuleType
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Spec:
    """An MLP training problem: layer widths, batch size, RMSprop hyperparameters, seed."""

    widths: tuple[int, ...] = (10, 50, 1)
    batch: int = 100
    lr: float = 0.01
    alpha: float = 0.9
    eps: float = 1e-8
    seed: int = 0

    @property
    def n_params(self) -> int:
        w = self.widths
        return sum(w[i] * w[i + 1] + w[i + 1] for i in range(len(w) - 1))

    def to_json(self) -> dict:
        """The problem as recorded in the results JSON."""
        return {
            "widths": list(self.widths),
            "batch": self.batch,
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "dtype": "float32",
            "n_params": self.n_params,
        }


@dataclass
class Contender:
    """``step()`` runs one training step and returns the loss object; ``loss_value`` reads it.

    ``before()`` puts the process in the state this contender is measured in (e.g. torch's
    thread count); call it before its steps, outside any timing.
    """

    name: str
    step: Callable[[], Any]
    loss_value: Callable[[Any], float]
    before: Callable[[], Any] = lambda: None


def initial_state(spec: Spec) -> dict[str, np.ndarray]:
    """Weights drawn as PyTorch's Linear does (U(±1/√fan_in)), plus X and y ~ N(0, 1)."""
    rng = np.random.default_rng(spec.seed)
    state: dict[str, np.ndarray] = {}
    for i, (n_in, n_out) in enumerate(pairwise(spec.widths), start=1):
        bound = 1 / np.sqrt(n_in)
        state[f"fc{i}.weight"] = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
        state[f"fc{i}.bias"] = rng.uniform(-bound, bound, n_out).astype(np.float32)
    state["X"] = rng.standard_normal((spec.batch, spec.widths[0]), dtype=np.float32)
    state["y"] = rng.standard_normal((spec.batch, spec.widths[-1]), dtype=np.float32)
    return state


def _mlp_class(nn: ModuleType, widths: tuple[int, ...]) -> type:
    """The document's SimpleNet generalised to any widths, for either library's ``nn``."""

    class SimpleNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layers = []
            for i, (n_in, n_out) in enumerate(pairwise(widths), start=1):
                layer = nn.Linear(n_in, n_out)
                setattr(self, f"fc{i}", layer)
                layers.append(layer)
            self.relu = nn.ReLU()
            self._hidden = tuple(layers[:-1])
            self._last = layers[-1]

        def forward(self, x: Any) -> Any:
            for layer in self._hidden:
                x = self.relu(layer(x))
            return self._last(x)

    return SimpleNet


def _training_step(model: Any, criterion: Any, optimizer: Any, X: Any, y: Any) -> Callable[[], Any]:
    def step() -> Any:
        optimizer.zero_grad()
        outputs = model(X)
        loss = criterion(outputs, y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def make_ours(spec: Spec) -> Contender:
    import tinygrad_rms as tg
    import tinygrad_rms.nn as tnn
    import tinygrad_rms.optim as toptim

    init = initial_state(spec)
    model = _mlp_class(tnn, spec.widths)()
    model.load_state_dict({k: v for k, v in init.items() if k.startswith("fc")})
    optimizer = toptim.RMSprop(model.parameters(), lr=spec.lr, alpha=spec.alpha, eps=spec.eps)
    X, y = tg.tensor(init["X"]), tg.tensor(init["y"])
    step = _training_step(model, tnn.MSELoss(), optimizer, X, y)
    return Contender("ours", step, lambda loss: float(loss.item()))


def make_torch(spec: Spec, torch: ModuleType, threads: int, name: str = "torch") -> Contender:
    """PyTorch's step, measured with ``threads`` intra-op threads (set by ``before``)."""
    init = initial_state(spec)
    model = _mlp_class(torch.nn, spec.widths)()
    with torch.no_grad():
        for key, p in model.named_parameters():
            p.copy_(torch.from_numpy(init[key]))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=spec.lr, alpha=spec.alpha, eps=spec.eps)
    X, y = torch.from_numpy(init["X"].copy()), torch.from_numpy(init["y"].copy())
    step = _training_step(model, torch.nn.MSELoss(), optimizer, X, y)
    return Contender(
        name, step, lambda loss: float(loss.item()), lambda: torch.set_num_threads(threads)
    )


def make_numpy(spec: Spec) -> Contender:
    """The hand-written floor (see the module docstring)."""
    f32 = np.float32
    init = initial_state(spec)
    widths = spec.widths
    n_layers = len(widths) - 1
    batch = spec.batch

    theta = np.empty(spec.n_params, f32)  # all parameters
    grad = np.empty_like(theta)  # all gradients (overwritten each step: no zero_grad needed)
    square_avg = np.zeros_like(theta)
    tmp = np.empty_like(theta)
    W, b, gW, gb = [], [], [], []
    offset = 0
    for i in range(n_layers):
        n_in, n_out = widths[i], widths[i + 1]
        for params, grads, shape in ((W, gW, (n_out, n_in)), (b, gb, (n_out,))):
            size = int(np.prod(shape))
            params.append(theta[offset : offset + size].reshape(shape))
            grads.append(grad[offset : offset + size].reshape(shape))
            offset += size
        W[i][...] = init[f"fc{i + 1}.weight"]
        b[i][...] = init[f"fc{i + 1}.bias"]
    X, y = init["X"], init["y"]
    z = [np.empty((batch, n), f32) for n in widths[1:]]  # pre-activations
    a = [X] + [np.empty((batch, n), f32) for n in widths[1:-1]]  # layer inputs
    mask = [np.empty((batch, n), bool) for n in widths[1:-1]]
    ones = np.ones(batch, f32)  # for the bias gradients' column sums
    g = [np.empty((batch, n), f32) for n in widths[1:]]  # d loss / d z
    lr, alpha, one_minus_alpha, eps = (
        f32(spec.lr),
        f32(spec.alpha),
        f32(1 - spec.alpha),
        f32(spec.eps),
    )
    scale = f32(2 / (batch * widths[-1]))
    last = n_layers - 1
    loss = np.zeros((), f32)

    def step() -> np.ndarray:
        # forward
        for i in range(n_layers):
            np.matmul(a[i], W[i].T, out=z[i])
            z[i] += b[i]
            if i < last:
                np.maximum(z[i], 0, out=a[i + 1])
        out = z[last]
        # loss = mean((out - y)²); g = d loss / d out = 2 (out - y) / N
        np.subtract(out, y, out=g[last])
        d = g[last].reshape(-1)
        np.dot(d, d, out=loss)
        loss[...] /= d.size
        g[last] *= scale
        # backward
        for i in range(last, -1, -1):
            np.matmul(g[i].T, a[i], out=gW[i])
            np.dot(ones, g[i], out=gb[i])  # column sums as one BLAS call (as ours)
            if i > 0:
                np.matmul(g[i], W[i], out=g[i - 1])
                np.greater(z[i - 1], 0, out=mask[i - 1])
                g[i - 1] *= mask[i - 1]
        # RMSprop: v = α v + (1-α) g²;  θ -= lr g / (√v + ε)
        # (ufuncs with out=: `theta -= ...` would make these closure names local)
        np.multiply(grad, grad, out=tmp)
        np.multiply(tmp, one_minus_alpha, out=tmp)
        np.multiply(square_avg, alpha, out=square_avg)
        np.add(square_avg, tmp, out=square_avg)
        np.sqrt(square_avg, out=tmp)
        np.add(tmp, eps, out=tmp)
        np.divide(grad, tmp, out=tmp)
        np.multiply(tmp, lr, out=tmp)
        np.subtract(theta, tmp, out=theta)
        return loss

    return Contender("numpy", step, lambda value: float(value))
