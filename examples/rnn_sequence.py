"""An Elman RNN trained with RMSprop to predict the next value of a noisy sine.

The claim (the RMSProp document, "Features" and "Application scenarios"): RMSProp
performs well for training RNNs.  This example shows the whole loop working on our own
pieces: ``nn.RNN`` unrolled over 40 time steps, a ``nn.Linear`` head on every step's
hidden state, backpropagation through time by the ordinary ``loss.backward()``, and
``optim.RMSprop`` (PyTorch's defaults, lr=0.01).

The task: x_t = sin(2πt/20 + φ) + 0.1·noise.  From x_1..x_t predict x_{t+1}, for every t
of a 40-step window (the first 5 predictions, made with almost no context, are not
scored).  The noise cannot be predicted, so the best possible test MSE is 0.1² = 0.01.
Baselines: "last value" (predict x_{t+1} = x_t) and "zero" (the series' mean).

Run:   python examples/rnn_sequence.py [--plot] [--out DIR] [--quick]

What to look for: the test MSE falls from the zero baseline (~0.5) to close to the noise
floor 0.01 within a few epochs, about 5x better than repeating the last value.  With
--plot: --out/rnn_sequence.png (predictions on unseen data, and the loss per epoch).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

import numpy as np
from _common import Progress, parse_args, print_table, pyplot, save_figure

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
import tinygrad_rms.optim as optim

PERIOD, NOISE = 20, 0.1
WINDOW, BATCH, WARMUP = 40, 32, 5  # sequence length, sequences per step, unscored steps
HIDDEN = 16


class NextValue(nn.Module):
    """RNN over the sequence, then a linear read-out of each step's hidden state."""

    def __init__(self, hidden: int = HIDDEN):
        super().__init__()
        self.rnn = nn.RNN(1, hidden)  # input (L, N, 1) -> output (L, N, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)  # (L, N, 1): a prediction of x_{t+1} at every step t


def noisy_sine(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n)
    clean = np.sin(2 * np.pi * t / PERIOD + rng.uniform(0, 2 * np.pi))
    return (clean + NOISE * rng.standard_normal(n)).astype(np.float32)


def windows(series: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs x_t and targets x_{t+1}, both shaped (WINDOW, len(starts), 1): time first."""
    x = np.stack([series[s : s + WINDOW] for s in starts], axis=1)
    y = np.stack([series[s + 1 : s + WINDOW + 1] for s in starts], axis=1)
    return x[..., None], y[..., None]


def scored_mse(pred: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((pred[WARMUP:] - target[WARMUP:]) ** 2))


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    epochs, steps_per_epoch = (3, 30) if args.smoke else (12, 50)
    start = time.perf_counter()

    rng = tg.manual_seed(0)
    train_series, test_series = noisy_sine(rng, 5000), noisy_sine(rng, 2000)
    test_x, test_y = windows(test_series, np.arange(0, len(test_series) - WINDOW - 1, WINDOW))
    baselines = {
        "zero": scored_mse(np.zeros_like(test_y), test_y),
        "last value": scored_mse(test_x, test_y),
    }

    model = NextValue()
    optimizer = optim.RMSprop(model.parameters(), lr=0.01)
    criterion = nn.MSELoss()

    def test_predictions() -> np.ndarray:
        with tg.no_grad():
            return model(tg.tensor(test_x)).numpy()

    history = [(0, "-", scored_mse(test_predictions(), test_y))]
    progress = Progress("training", epochs * steps_per_epoch)
    for epoch in range(1, epochs + 1):
        losses = []
        for _ in range(steps_per_epoch):
            starts = rng.integers(0, len(train_series) - WINDOW - 1, BATCH)
            x, y = windows(train_series, starts)
            optimizer.zero_grad()
            pred = model(tg.tensor(x))
            loss = criterion(pred[WARMUP:], tg.tensor(y[WARMUP:]))
            loss.backward()  # backpropagation through all 40 time steps
            optimizer.step()
            losses.append(loss.item())
            progress.update()
        history.append((epoch, float(np.mean(losses)), scored_mse(test_predictions(), test_y)))
    progress.close()

    print_table(
        ["epoch", "train MSE", "test MSE"],
        history,
        f"RNN({HIDDEN}) + Linear, RMSprop lr=0.01, {steps_per_epoch} steps of {BATCH} "
        "windows per epoch",
    )
    final = history[-1][2]
    rows = [["RNN (ours)", final]] + [[k, v] for k, v in baselines.items()]
    rows.append(["noise floor (best possible)", NOISE**2])
    print_table(["predictor", "test MSE"], rows, "Next-value prediction on unseen data")
    print(f"\nThe RNN's test MSE is {baselines['last value'] / final:.3g}x lower than last-value's")

    plt = pyplot(args)
    if plt is not None:
        plot(test_x, test_y, test_predictions(), history, baselines, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {"test_mse": final, "baselines": baselines, "history": history}


def plot(test_x, test_y, pred, history, baselines, plt, args) -> None:
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.8, 1]}
    )
    t = np.arange(1, WINDOW + 1)  # position of the predicted value x_{t+1} in the window
    left.plot(t, test_y[:, 0, 0], "o", ms=4, color="gray", label="truth $x_{t+1}$ (noisy)")
    left.plot(t, pred[:, 0, 0], "-", lw=2, label="RNN prediction")
    left.plot(t, test_x[:, 0, 0], "--", lw=1, label="last value $x_t$")
    left.axvspan(0.5, WARMUP + 0.5, color="k", alpha=0.07, label="warm-up (not scored)")
    left.set_xlabel("time step t in an unseen window")
    left.set_ylabel("value")
    left.set_title("One-step-ahead predictions on test data")
    left.legend(fontsize=8, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.15))

    epochs = [h[0] for h in history]
    right.plot(epochs[1:], [h[1] for h in history[1:]], "o-", label="train MSE")
    right.plot(epochs, [h[2] for h in history], "s-", label="test MSE")
    right.axhline(baselines["last value"], color="tab:red", ls="--", label="last-value baseline")
    right.axhline(NOISE**2, color="k", ls=":", label="noise floor")
    right.set_yscale("log")
    right.set_xlabel("epoch")
    right.set_ylabel("MSE")
    right.set_title("Training with RMSprop (lr=0.01)")
    right.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, args, "rnn_sequence.png")


if __name__ == "__main__":
    main(sys.argv[1:])
