"""Adagrad's step size only shrinks; RMSprop's follows the recent gradient magnitude.

The claim (the RMSProp document, "Background"): Adagrad divides by the root of the *sum*
of all past squared gradients, so its learning rate decreases monotonically forever;
RMSProp divides by the root of an exponential moving average instead, so its learning
rate does not shrink indefinitely.

The experiment: linear regression on fresh minibatches for 1500 steps in three phases.
In the middle phase the targets get much noisier, so the gradients become about 30x
larger; then they calm down again.  After every step we record the mean over all
weights of ``optimizer.effective_step_size(p)``, the factor η/√(…) the last update
multiplied the gradient by.

Run:   python examples/adagrad_vs_rmsprop.py [--plot] [--smoke]

What to look for: Adagrad's column never goes up (the noisy phase only pushes it down
faster, and it never recovers); RMSprop's drops about 10x when the gradients grow and
climbs back up within a few hundred steps after they shrink (α = 0.99 remembers about
100 steps).  With --plot: docs/img/adagrad_vs_rmsprop.png.
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

DIM, BATCH = 20, 32
NOISE = (0.1, 3.0, 0.1)  # target noise in each phase: calm, noisy, calm
# Each optimizer at a learning rate that reaches the noise floor in the first phase:
# Adagrad at PyTorch's default 0.01 is still far from it after 500 steps.
OPTIMIZERS = {"Adagrad": (optim.Adagrad, 0.1), "RMSprop": (optim.RMSprop, 0.01)}


def train(name: str, steps_per_phase: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Train a fresh model with optimizer ``name``; per-step step size, gradient RMS, loss."""
    rng = tg.manual_seed(seed)  # same data and initial weights for every optimizer
    w_true = rng.standard_normal((DIM, 1)).astype(np.float32)
    model = nn.Linear(DIM, 1)
    cls, lr = OPTIMIZERS[name]
    optimizer = cls(model.parameters(), lr=lr)
    criterion = nn.MSELoss()
    params = list(model.parameters())
    step_size, grad_rms, losses = [], [], []
    progress = Progress(name, steps_per_phase * len(NOISE))
    for noise in NOISE:
        for _ in range(steps_per_phase):
            X = rng.standard_normal((BATCH, DIM)).astype(np.float32)
            y = X @ w_true + noise * rng.standard_normal((BATCH, 1)).astype(np.float32)
            optimizer.zero_grad()
            loss = criterion(model(tg.tensor(X)), tg.tensor(y))
            loss.backward()
            optimizer.step()
            sizes = np.concatenate([optimizer.effective_step_size(p).ravel() for p in params])
            grads = np.concatenate([p.grad.numpy().ravel() for p in params])
            step_size.append(sizes.mean())
            grad_rms.append(np.sqrt(np.mean(grads.astype(np.float64) ** 2)))
            losses.append(loss.item())
            progress.update()
    progress.close()
    return {
        "step_size": np.array(step_size),
        "grad_rms": np.array(grad_rms),
        "loss": np.array(losses),
    }


def plot(results: dict[str, dict[str, np.ndarray]], per: int, plt, args) -> None:
    steps = np.arange(1, 3 * per + 1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True)
    for name, res in results.items():
        top.plot(steps, res["step_size"], label=name)
        bottom.plot(steps, res["grad_rms"], label=name, lw=0.8)
    for ax in (top, bottom):
        ax.set_yscale("log")
        ax.axvspan(per, 2 * per, color="tab:red", alpha=0.08, label="noisy phase (large g)")
        ax.grid(True, which="both", alpha=0.3)
    top.set_title("Effective step size η/√(accumulated g²), mean over the weights")
    top.set_ylabel("effective step size")
    top.legend()
    bottom.set_title("Gradient magnitude seen by the optimizer")
    bottom.set_ylabel("RMS of gradient")
    bottom.set_xlabel("step")
    bottom.legend()
    fig.tight_layout()
    save_figure(fig, args, "adagrad_vs_rmsprop.png")


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    per = 150 if args.smoke else 500
    start = time.perf_counter()
    results = {name: train(name, per) for name in OPTIMIZERS}

    checkpoints = [1, per // 5, per, per + per // 10, 2 * per, 2 * per + per // 10, 3 * per]
    rows = []
    for t in checkpoints:
        phase = ("calm", "noisy", "calm again")[min((t - 1) // per, 2)]
        rows.append(
            [t, phase]
            + [results[n][key][t - 1] for n in OPTIMIZERS for key in ("grad_rms", "step_size")]
        )
    headers = ["step", "phase"]
    headers += [f"{n} {col}" for n in OPTIMIZERS for col in ("|g|", "step size")]
    print_table(headers, rows, "Mean effective step size η/√(…) after the step (|g| = RMS)")

    ada, rms = results["Adagrad"]["step_size"], results["RMSprop"]["step_size"]
    rms_low = rms[per : 2 * per].min()
    summary = {
        "adagrad_non_increasing": bool(np.all(np.diff(ada) <= 0)),
        "adagrad_final_over_first": float(ada[-1] / ada[0]),
        "rmsprop_drop_in_noisy_phase": float(rms[per - 1] / rms_low),
        "rmsprop_rise_after_noisy_phase": float(rms[-1] / rms_low),
    }
    print(
        f"\nAdagrad non-increasing at every step: {summary['adagrad_non_increasing']} "
        f"(final/first = {summary['adagrad_final_over_first']:.3g})\n"
        f"RMSprop fell {summary['rmsprop_drop_in_noisy_phase']:.3g}x in the noisy phase and "
        f"rose {summary['rmsprop_rise_after_noisy_phase']:.3g}x after it"
    )
    plt = pyplot(args)
    if plt is not None:
        plot(results, per, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {"steps_per_phase": per, **summary, **results}


if __name__ == "__main__":
    main(sys.argv[1:])
