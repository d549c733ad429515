"""B7: one training step of a small CNN on 28×28 images (and a BatchNorm variant).

Conv2d 1→8 3×3 pad 1, ReLU, MaxPool 2, Conv2d 8→16 3×3 pad 1, ReLU, MaxPool 2, Flatten,
Linear 784→10; batch 64 of 1×28×28; cross-entropy; RMSprop: ours vs PyTorch (same
threads) vs a hand-written numpy floor (im2col + one matmul per convolution), from the
same weights and data, interleaved.  The variant adds BatchNorm2d after each convolution
(ours vs PyTorch).  The issue's target: ours ≤ 1.0× PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .common import Context, Result, library_step, model_step_run, register

BATCH, LR = 64, 1e-3
TARGET = 1.0


def weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(8)

    def u(fan_in: int, *shape: int) -> np.ndarray:
        b = 1 / np.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(np.float32)

    return {
        "0.weight": u(9, 8, 1, 3, 3),
        "0.bias": u(9, 8),
        "4.weight": u(72, 16, 8, 3, 3),
        "4.bias": u(72, 16),
        "9.weight": u(784, 10, 784),
        "9.bias": u(784, 10),
    }


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    return rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, BATCH)


def make_library_step(lib: Any, batch_norm: bool) -> Callable[[], float]:
    n = lib.nn
    norm = n.BatchNorm2d if batch_norm else (lambda c: n.Identity())
    conv = [n.Conv2d(1, 8, 3, padding=1), norm(8), n.ReLU(), n.MaxPool2d(2)]
    conv += [n.Conv2d(8, 16, 3, padding=1), norm(16), n.ReLU(), n.MaxPool2d(2)]
    model = n.Sequential(*conv, n.Flatten(), n.Linear(784, 10))
    model.load_state_dict(model.state_dict() | {k: lib.tensor(v) for k, v in weights().items()})
    return library_step(lib, model, LR, data())


def _cols(x: np.ndarray) -> np.ndarray:
    """(N·H·W, C·9) rows of 3×3 windows of x padded by 1 (im2col)."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3))  # N,C,H,W,3,3
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * 9)


def make_numpy_step() -> Callable[[], float]:
    """The same step by hand in numpy, RMSprop with PyTorch's defaults."""
    w = weights()
    x, y = data()
    sq = {k: np.zeros_like(v) for k, v in w.items()}

    def conv_relu_pool(a: np.ndarray, wk: str) -> tuple[np.ndarray, ...]:
        n, _, h, ww = a.shape
        cols = _cols(a)
        kern = w[f"{wk}.weight"].reshape(len(w[f"{wk}.bias"]), -1)
        z = (cols @ kern.T + w[f"{wk}.bias"]).reshape(n, h, ww, -1).transpose(0, 3, 1, 2)
        r = np.maximum(z, 0)
        blocks = r.reshape(n, r.shape[1], h // 2, 2, ww // 2, 2)
        p = blocks.max(axis=(3, 5))
        return cols, z, r, p

    def unpool_relu(dp: np.ndarray, r: np.ndarray, z: np.ndarray) -> np.ndarray:
        n, c, h, ww = r.shape
        blocks = r.reshape(n, c, h // 2, 2, ww // 2, 2)
        mask = blocks == blocks.max(axis=(3, 5), keepdims=True)
        dr = (mask * dp[:, :, :, None, :, None]).reshape(n, c, h, ww)
        return dr * (z > 0)

    def conv_back(dz: np.ndarray, cols: np.ndarray, wk: str, shape: tuple[int, ...]) -> Any:
        n, c, h, ww = shape
        g = dz.transpose(0, 2, 3, 1).reshape(n * h * ww, -1)
        kern = w[f"{wk}.weight"].reshape(g.shape[1], -1)
        grads = {
            f"{wk}.weight": (g.T @ cols).reshape(w[f"{wk}.weight"].shape),
            f"{wk}.bias": g.sum(axis=0),
        }
        dcols = (g @ kern).reshape(n, h, ww, c, 3, 3)
        dxp = np.zeros((n, c, h + 2, ww + 2), np.float32)
        for i in range(3):
            for j in range(3):
                dxp[:, :, i : i + h, j : j + ww] += dcols[..., i, j].transpose(0, 3, 1, 2)
        return grads, dxp[:, :, 1:-1, 1:-1]

    def step() -> float:
        c1, z1, r1, p1 = conv_relu_pool(x, "0")
        c2, z2, r2, p2 = conv_relu_pool(p1, "4")
        feats = p2.reshape(BATCH, -1)
        logits = feats @ w["9.weight"].T + w["9.bias"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        prob = e / e.sum(axis=1, keepdims=True)
        loss = float(-np.log(prob[np.arange(BATCH), y]).mean())
        prob[np.arange(BATCH), y] -= 1
        dl = prob / BATCH
        grads = {"9.weight": dl.T @ feats, "9.bias": dl.sum(axis=0)}
        dp2 = (dl @ w["9.weight"]).reshape(p2.shape)
        g2, dp1 = conv_back(unpool_relu(dp2, r2, z2), c2, "4", p1.shape)
        g1, _ = conv_back(unpool_relu(dp1, r1, z1), c1, "0", x.shape)
        grads.update(g2)
        grads.update(g1)
        for k, g in grads.items():
            sq[k] = 0.99 * sq[k] + 0.01 * g * g
            w[k] -= LR * g / (np.sqrt(sq[k]) + 1e-8)
        return loss

    return step


@register("B7", "small CNN step (and a BatchNorm variant)")
def run(ctx: Context) -> Result:
    import tinygrad_rms as tg

    contenders: dict[str, Callable[[], float]] = {"ours": make_library_step(tg, False)}
    if ctx.torch is not None:
        ctx.torch.set_num_threads(ctx.threads)
        contenders["torch"] = make_library_step(ctx.torch, False)
    contenders["numpy floor"] = make_numpy_step()
    contenders["ours + BatchNorm"] = make_library_step(tg, True)
    if ctx.torch is not None:
        contenders["torch + BatchNorm"] = make_library_step(ctx.torch, True)
    data_out, rows, notes = model_step_run(
        ctx,
        contenders,
        "numpy floor",
        lambda name: "torch + BatchNorm" if "BatchNorm" in name else "torch",
        {"plain": ("ours", "torch"), "BatchNorm": ("ours + BatchNorm", "torch + BatchNorm")},
        TARGET,
    )
    repeats = data_out["repeats"]
    notes.append(
        "Ours: convolution as im2col over a strided view + one matmul, backward by kh·kw "
        "slice additions; max pooling one Numba pass each way (ops/conv.py, kernels/pool.py)."
    )
    what = (
        f"One zero_grad + forward + cross-entropy + backward + RMSprop (lr {LR}) step of "
        f"Conv2d 1→8 → ReLU → MaxPool 2 → Conv2d 8→16 → ReLU → MaxPool 2 → Linear 784→10 on "
        f"{BATCH} images 1×28×28, float32 (the variant: BatchNorm2d after each convolution); "
        f"{repeats} samples per contender, round-robin, after 2 warm-up steps."
    )
    headers = ["contender", "median / step", "IQR", "min", "× numpy floor", "× torch"]
    return Result("B7", "small CNN step (28×28, batch 64)", what, headers, rows, notes, data_out)
