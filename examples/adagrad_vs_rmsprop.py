"""Adagrad's step size only shrinks; RMSprop's follows the recent gradient magnitude.

The claim (the RMSProp document, "Background"): Adagrad divides by the root of the *sum*
of all past squared gradients, so its learning rate decreases monotonically forever;
RMSProp divides by the root of an exponential moving average instead, so its learning
rate does not shrink indefinitely.

The experiment: linear regression on fresh minibatches for 1500 steps in three phases.
In the middle phase the targets get much noisier, so the gradients become about 30x
larger; then they calm down again.  After every step we record the mean over all
weights of ``optimizer.effective_step_size(p)``, the factor η/√v the last update
multiplied the gradient by (v: Adagrad's sum of squared gradients, RMSprop's moving
average of them), and the mean size |Δw| of the step itself.  The two run at learning
rates 10x apart (Adagrad 0.1, RMSprop 0.01: each reaches the noise floor in the first
phase), so compare how each factor moves, not their heights.

Run:   python examples/adagrad_vs_rmsprop.py [--plot] [--out DIR] [--quick]

What to look for: Adagrad's column never goes up (the noisy phase only pushes it down
faster, and it never recovers); RMSprop's drops about 10x when the gradients grow and
climbs back up within a few hundred steps after they shrink (α = 0.99 remembers about
100 steps).  A larger factor is not a larger step: in the noisy phase RMSprop's factor
falls while its steps |Δw| grow with the gradients.  With --plot: adagrad_vs_rmsprop.png
in --out.
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
    step_size, grad_rms, moved, losses = [], [], [], []
    progress = Progress(name, steps_per_phase * len(NOISE))
    for noise in NOISE:
        for _ in range(steps_per_phase):
            X = rng.standard_normal((BATCH, DIM)).astype(np.float32)
            y = X @ w_true + noise * rng.standard_normal((BATCH, 1)).astype(np.float32)
            optimizer.zero_grad()
            loss = criterion(model(tg.tensor(X)), tg.tensor(y))
            loss.backward()
            before = [p.detach().numpy().copy() for p in params]
            optimizer.step()
            moves = [
                np.abs(p.detach().numpy() - b).ravel() for p, b in zip(params, before, strict=True)
            ]
            moved.append(np.concatenate(moves).mean())
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
        "moved": np.array(moved),
        "loss": np.array(losses),
    }


def plot(results: dict[str, dict[str, np.ndarray]], per: int, plt, args) -> None:
    steps = np.arange(1, 3 * per + 1)
    fig, axes = plt.subplots(3, 1, figsize=(8, 8.5), sharex=True)
    for name, res in results.items():
        label = f"{name} (η={OPTIMIZERS[name][1]:g})"
        axes[0].plot(steps, res["step_size"], label=label)
        axes[1].plot(steps, res["moved"], label=label, lw=0.6)
        axes[2].plot(steps, res["grad_rms"], label=label, lw=0.6)
    for ax in axes:
        ax.set_yscale("log")
        ax.axvspan(per, 2 * per, color="tab:red", alpha=0.08, label="noisy phase (large g)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title(
        "The per-parameter factor η/√v that multiplies the gradient (mean over the weights)\n"
        "the two η differ 10×: compare the shapes, not the heights"
    )
    axes[0].set_ylabel("η/√v")
    axes[1].set_title("The step actually taken: factor × gradient")
    axes[1].set_ylabel("mean |Δw| per step")
    axes[2].set_title("Gradient magnitude seen by the optimizer")
    axes[2].set_ylabel("RMS of gradient")
    axes[2].set_xlabel("step")
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
            + [
                results[n][key][t - 1]
                for n in OPTIMIZERS
                for key in ("grad_rms", "step_size", "moved")
            ]
        )
    headers = ["step", "phase"]
    headers += [f"{n} {col}" for n in OPTIMIZERS for col in ("|g|", "η/√v", "|Δw|")]
    lrs = ", ".join(f"{n} η={lr:g}" for n, (_, lr) in OPTIMIZERS.items())
    print_table(headers, rows, f"Mean factor η/√v and step |Δw| after the step ({lrs}; |g| = RMS)")

    ada, rms = results["Adagrad"]["step_size"], results["RMSprop"]["step_size"]
    rms_low = rms[per : 2 * per].min()
    summary = {
        "adagrad_non_increasing": bool(np.all(np.diff(ada) <= 0)),
        "adagrad_final_over_first": float(ada[-1] / ada[0]),
        "rmsprop_drop_in_noisy_phase": float(rms[per - 1] / rms_low),
        "rmsprop_rise_after_noisy_phase": float(rms[-1] / rms_low),
        "rmsprop_moved_noisy_over_calm": float(
            results["RMSprop"]["moved"][per : 2 * per].mean()
            / results["RMSprop"]["moved"][per // 2 : per].mean()
        ),
    }
    print(
        f"\nAdagrad non-increasing at every step: {summary['adagrad_non_increasing']} "
        f"(final/first = {summary['adagrad_final_over_first']:.3g})\n"
        f"RMSprop fell {summary['rmsprop_drop_in_noisy_phase']:.3g}x in the noisy phase and "
        f"rose {summary['rmsprop_rise_after_noisy_phase']:.3g}x after it; its mean step |Δw| "
        f"in the noisy phase was {summary['rmsprop_moved_noisy_over_calm']:.3g}x that of the "
        "calm phase's second half"
    )
    plt = pyplot(args)
    if plt is not None:
        plot(results, per, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {"steps_per_phase": per, **summary, **results}


if __name__ == "__main__":
    main(sys.argv[1:])
