"""One training step of an MLP regressor (Linear/ReLU stack, MSELoss, RMSprop), three ways.

- ``ours``: tinygrad_rms, written as the RMSProp document writes it for PyTorch.
- ``torch``: the same code on the real PyTorch (when it is importable).
- ``numpy``: the floor: the same forward, backward and RMSprop written directly with
  numpy arrays, no autograd objects.  All parameters live in one flat float32 buffer
  (each weight and bias is a view into it), and so do their gradients and the RMSprop
  state, so the optimizer is a few in-place ufunc calls over one array however many
  layers there are; every intermediate array is preallocated and written with ``out=``.

All three start from the same weights and data (drawn once from a seeded numpy
generator) so their losses can be compared step by step.  ``widths`` (10, 50, 1) is the
document's SimpleNet: ``fc1`` 10->50, ReLU, ``fc2`` 50->1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from itertools import pairwise
from types import ModuleType
from typing import Any

import numpy as np

from .common import Context, max_rel_diff, step_rows, time_steps


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
        return sum(a * b + b for a, b in pairwise(self.widths))

    def to_json(self) -> dict:
        """The problem as recorded in the results JSON."""
        out = {**asdict(self), "widths": list(self.widths), "dtype": "float32"}
        del out["seed"]
        return {**out, "n_params": self.n_params}


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


def build(spec: Spec, lib: ModuleType) -> tuple[Any, ...]:
    """(model, criterion, optimizer, X, y) on ``lib`` (tinygrad_rms or torch), the document's
    SimpleNet generalised to ``spec.widths``, from ``initial_state(spec)``."""
    nn, init = lib.nn, initial_state(spec)

    n_layers = len(spec.widths) - 1

    class SimpleNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            for i, (n_in, n_out) in enumerate(pairwise(spec.widths), start=1):
                setattr(self, f"fc{i}", nn.Linear(n_in, n_out))
            self.relu = nn.ReLU()

        def forward(self, x: Any) -> Any:
            for i in range(1, n_layers):
                x = self.relu(getattr(self, f"fc{i}")(x))
            return getattr(self, f"fc{n_layers}")(x)

    model = SimpleNet()
    model.load_state_dict({k: lib.tensor(v) for k, v in init.items() if k.startswith("fc")})
    opt = lib.optim.RMSprop(model.parameters(), lr=spec.lr, alpha=spec.alpha, eps=spec.eps)
    return model, nn.MSELoss(), opt, lib.tensor(init["X"]), lib.tensor(init["y"])


def _library_contender(spec: Spec, lib: ModuleType, name: str, before: Any = None) -> Contender:
    model, criterion, optimizer, X, y = build(spec, lib)

    def step() -> Any:
        optimizer.zero_grad()
        outputs = model(X)
        loss = criterion(outputs, y)
        loss.backward()
        optimizer.step()
        return loss

    return Contender(name, step, lambda loss: float(loss.item()), before or (lambda: None))


def make_ours(spec: Spec) -> Contender:
    import tinygrad_rms

    return _library_contender(spec, tinygrad_rms, "ours")


def make_torch(spec: Spec, torch: ModuleType, threads: int, name: str = "torch") -> Contender:
    """PyTorch's step, measured with ``threads`` intra-op threads (set by ``before``)."""
    return _library_contender(spec, torch, name, lambda: torch.set_num_threads(threads))


def numpy_rmsprop(
    theta: np.ndarray, grad: np.ndarray, lr: float, alpha: float, eps: float
) -> Callable[[], None]:
    """RMSprop on flat float32 buffers as 9 in-place ufunc passes (no temporaries):
    v = α v + (1-α) g²;  θ -= lr g / (√v + ε)."""
    f32 = np.float32
    v, tmp = np.zeros_like(theta), np.empty_like(theta)
    lr_, alpha_, one_minus_alpha, eps_ = f32(lr), f32(alpha), f32(1 - alpha), f32(eps)

    def step() -> None:
        np.multiply(grad, grad, out=tmp)
        np.multiply(tmp, one_minus_alpha, out=tmp)
        np.multiply(v, alpha_, out=v)
        np.add(v, tmp, out=v)
        np.sqrt(v, out=tmp)
        np.add(tmp, eps_, out=tmp)
        np.divide(grad, tmp, out=tmp)
        np.multiply(tmp, lr_, out=tmp)
        np.subtract(theta, tmp, out=theta)

    return step


def make_numpy(spec: Spec) -> Contender:
    """The hand-written floor (see the module docstring)."""
    f32, init, widths, batch = np.float32, initial_state(spec), spec.widths, spec.batch
    last = len(widths) - 2  # index of the last layer
    theta = np.empty(spec.n_params, f32)  # all parameters
    grad = np.empty_like(theta)  # all gradients (overwritten each step: no zero_grad needed)
    W, b, gW, gb, offset = [], [], [], [], 0
    for i, (n_in, n_out) in enumerate(pairwise(widths)):
        for params, grads, shape in ((W, gW, (n_out, n_in)), (b, gb, (n_out,))):
            size = int(np.prod(shape))
            params.append(theta[offset : offset + size].reshape(shape))
            grads.append(grad[offset : offset + size].reshape(shape))
            offset += size
        W[i][...], b[i][...] = init[f"fc{i + 1}.weight"], init[f"fc{i + 1}.bias"]
    X, y = init["X"], init["y"]
    z = [np.empty((batch, n), f32) for n in widths[1:]]  # pre-activations
    a = [X] + [np.empty((batch, n), f32) for n in widths[1:-1]]  # layer inputs
    mask = [np.empty((batch, n), bool) for n in widths[1:-1]]
    ones = np.ones(batch, f32)  # for the bias gradients' column sums
    g = [np.empty((batch, n), f32) for n in widths[1:]]  # d loss / d z
    scale, loss = f32(2 / (batch * widths[-1])), np.zeros((), f32)
    rmsprop = numpy_rmsprop(theta, grad, spec.lr, spec.alpha, spec.eps)

    def step() -> np.ndarray:
        for i in range(last + 1):  # forward
            np.matmul(a[i], W[i].T, out=z[i])
            z[i] += b[i]
            if i < last:
                np.maximum(z[i], 0, out=a[i + 1])
        # loss = mean((out - y)²); g = d loss / d out = 2 (out - y) / N
        np.subtract(z[last], y, out=g[last])
        d = g[last].reshape(-1)
        np.dot(d, d, out=loss)
        loss[...] /= d.size
        g[last] *= scale
        for i in range(last, -1, -1):  # backward
            np.matmul(g[i].T, a[i], out=gW[i])
            np.dot(ones, g[i], out=gb[i])  # column sums as one BLAS call (as ours)
            if i > 0:
                np.matmul(g[i], W[i], out=g[i - 1])
                np.greater(z[i - 1], 0, out=mask[i - 1])
                g[i - 1] *= mask[i - 1]
        rmsprop()
        return loss

    return Contender("numpy", step, lambda value: float(value))


def loss_agreement(ctx: Context, spec: Spec, steps: int) -> dict[str, Any]:
    """Fresh ours, torch and numpy run ``steps`` steps from the same start: their losses and
    each one's largest relative difference from torch's (numpy's without PyTorch)."""
    fresh = [make_ours(spec), make_numpy(spec)]
    if ctx.torch is not None:
        fresh.insert(1, make_torch(spec, ctx.torch, ctx.threads))
    losses = {}
    for c in fresh:
        c.before()
        losses[c.name] = [c.loss_value(c.step()) for _ in range(steps)]
    ref = "torch" if "torch" in losses else "numpy"
    diffs = {k: v for k, v in max_rel_diff(losses, ref).items() if k != ref}
    return {"reference": ref, "steps": steps, "losses": losses, "max_rel_diff": diffs}


def run_mlp(
    ctx: Context,
    spec: Spec,
    contenders: list[Contender],
    *,
    repeats: int,
    inner: int,
    warmup: int,
    agree_steps: int,
    labels: dict[str, str],
    pairs: list[tuple[str, str]],
) -> tuple[list[str], list[list[str]], list[str], dict[str, Any]]:
    """The MLP step benchmark B1 and B3 share: time the contenders (``time_steps``), check
    their loss agreement, and return (headers, rows, agreement note, data).  ``pairs`` are
    the (a, b) whose median ratio a/b (and ratio of minimums) go into the JSON."""
    ctx.log(f"{repeats} repeats x {inner} steps per contender, interleaved")
    names = [c.name for c in contenders]
    first, _, samples, stats = time_steps(
        ctx,
        {c.name: c.step for c in contenders},
        **{"repeats": repeats, "inner": inner, "warmup": warmup},
        before={c.name: c.before for c in contenders},
    )
    agreement = loss_agreement(ctx, spec, agree_steps)
    med = {n: stats[n]["median"] for n in names}
    has_torch = "torch" in med
    version = ctx.torch.__version__ if ctx.torch is not None else ""
    labels = {
        "ours": "ours (tinygrad_rms)",
        "torch": f"PyTorch {version}, {ctx.threads} thread{'s' if ctx.threads > 1 else ''}",
        "numpy": "plain numpy floor",
        **labels,
    }
    headers = ["contender", "median / step", "IQR", "min", "first step", "× numpy floor"]
    headers += ["× torch"] if has_torch else []
    rows = step_rows(names, labels, stats, "numpy", lambda n: "torch" if has_torch else None, first)
    diffs = ", ".join(f"{k} {v:.1e}" for k, v in agreement["max_rel_diff"].items())
    note = (
        f"Loss agreement over {agree_steps} steps from identical weights and data, max "
        f"relative difference from {agreement['reference']}: {diffs}."
    )
    pairs = [(a, b) for a, b in pairs if a in med and b in med]
    data = {
        "spec": spec.to_json(),
        **{"repeats": repeats, "inner": inner, "warmup": warmup},
        **{"threads": ctx.threads, "torch": ctx.torch_status},
        "contenders": {
            n: {**stats[n], "samples": samples[n], "first_call": first[n]} for n in names
        },
        "ratios": {f"{a}/{b}": med[a] / med[b] for a, b in pairs},
        "ratios_by_min": {f"{a}/{b}": stats[a]["min"] / stats[b]["min"] for a, b in pairs},
        "agreement": agreement,
    }
    return headers, rows, [note], data
