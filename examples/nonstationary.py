"""When the target moves, RMSprop follows it and Adagrad stalls.

The claim (the RMSProp document, "Features"): RMSProp performs well on non-stationary
targets.  The reason is the one shown in ``adagrad_vs_rmsprop.py``: Adagrad's step size
is η/√(sum of every past g²), so after a long first task little step size is left for a
second one; RMSprop's moving average forgets the first task within ~1/(1−α) steps.

The experiment: noisy linear regression y = x·w* + 0.5·noise on fresh minibatches.
Halfway through, the true weights flip sign (w* → −w*) without warning.  Both
optimizers use the same learning rate, 0.1: the one at which Adagrad fits the first half
best (see the sweep table), so Adagrad is not handicapped before the switch.  We measure
the excess error ‖w − w*‖² + b² (the test MSE above the noise floor, exact for Gaussian
inputs) after every step.

Run:   python examples/nonstationary.py [--plot] [--out DIR] [--quick]

What to look for: before the switch Adagrad is *ahead* (its shrinking steps average the
noise away); after it, Adagrad's error stays orders of magnitude above where it was,
while RMSprop is back to its pre-switch level within a few dozen steps.  The sweep shows
the same at other learning rates, except the largest: at lr=0.3 RMSprop's constant-size
steps are too noisy and Adagrad ends lower.  With --plot: --out/nonstationary.png.
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

DIM, BATCH, NOISE = 20, 32, 0.5
LR = 0.1
SWEEP = (0.01, 0.03, 0.1, 0.3)
OPTIMIZERS = {"Adagrad": optim.Adagrad, "RMSprop": optim.RMSprop}


def train(name: str, lr: float, steps_per_phase: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Fit the regression whose true weights flip after ``steps_per_phase`` steps."""
    rng = tg.manual_seed(seed)  # same data and initial weights for every run
    w_true = rng.standard_normal((DIM, 1)).astype(np.float32)
    model = nn.Linear(DIM, 1)
    optimizer = OPTIMIZERS[name](model.parameters(), lr=lr)
    criterion = nn.MSELoss()
    error, step_size = [], []
    progress = Progress(f"{name} lr={lr}", 2 * steps_per_phase)
    for w in (w_true, -w_true):  # the switch: the same task with the weights flipped
        for _ in range(steps_per_phase):
            X = rng.standard_normal((BATCH, DIM)).astype(np.float32)
            y = X @ w + NOISE * rng.standard_normal((BATCH, 1)).astype(np.float32)
            optimizer.zero_grad()
            loss = criterion(model(tg.tensor(X)), tg.tensor(y))
            loss.backward()
            optimizer.step()
            weight = model.weight.detach().numpy().ravel()
            bias = model.bias.detach().numpy()[0]
            error.append(np.sum((weight - w.ravel()) ** 2) + bias**2)
            step_size.append(optimizer.effective_step_size(model.weight).mean())
            progress.update()
    progress.close()
    return {"error": np.array(error), "step_size": np.array(step_size)}


def summarize(error: np.ndarray, per: int) -> dict[str, float]:
    """Error averaged over the last tenth of each phase, and the steps to recover.

    Recovered = the first step after the switch whose error is below twice the
    pre-switch level (NaN if never).
    """
    window = max(per // 10, 1)
    before = float(error[per - window : per].mean())
    end = float(error[-window:].mean())
    below = np.flatnonzero(error[per:] < 2 * before)
    recovery = float(below[0] + 1) if below.size else float("nan")
    return {"before_switch": before, "end": end, "recovery_steps": recovery}


def plot(runs: dict[str, dict[str, np.ndarray]], per: int, plt, args) -> None:
    steps = np.arange(1, 2 * per + 1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True)
    for name, res in runs.items():
        top.plot(steps, res["error"], label=name, lw=0.9)
        bottom.plot(steps, res["step_size"], label=name)
    for ax in (top, bottom):
        ax.set_yscale("log")
        ax.axvline(per, color="k", ls="--", lw=1, label="target flips (w* → −w*)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    top.set_title(f"Regression whose true weights flip halfway (both lr = {LR})")
    top.set_ylabel("excess test error ‖w − w*‖² + b²")
    bottom.set_title("Why: the per-parameter factor η/√v on the gradient (mean over the weights)")
    bottom.set_ylabel("η/√v")
    bottom.set_xlabel("step")
    fig.tight_layout()
    save_figure(fig, args, "nonstationary.png")


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    per = 200 if args.smoke else 1000
    start = time.perf_counter()

    runs = {name: train(name, LR, per) for name in OPTIMIZERS}
    results = {name: summarize(res["error"], per) for name, res in runs.items()}
    rows = [
        [name, r["before_switch"], r["end"], r["recovery_steps"]] for name, r in results.items()
    ]
    headers = ["optimizer", "error before switch", "error at end", "steps to recover"]
    print_table(headers, rows, f"Excess error, lr = {LR} for both ({per} steps per phase)")

    sweep = {}
    if not args.smoke:
        rows = []
        for lr in SWEEP:
            if lr == LR:  # already run above
                sweep[lr] = results
            else:
                sweep[lr] = {n: summarize(train(n, lr, per)["error"], per) for n in OPTIMIZERS}
            rows.append(
                [lr]
                + [sweep[lr][n][k] for k in ("before_switch", "end") for n in OPTIMIZERS]
                + [sweep[lr][n]["recovery_steps"] for n in OPTIMIZERS]
            )
        headers = ["lr"]
        headers += [f"{n} {k}" for k in ("before", "end", "recover") for n in OPTIMIZERS]
        print_table(headers, rows, "Same lr for both, other learning rates (nan = never)")

    ada, rms = results["Adagrad"], results["RMSprop"]
    print(
        f"\nAfter the switch RMSprop's error is {ada['end'] / rms['end']:.3g}x lower than "
        f"Adagrad's; Adagrad ends {ada['end'] / ada['before_switch']:.3g}x above its own "
        f"pre-switch error, RMSprop {rms['end'] / rms['before_switch']:.3g}x."
    )
    plt = pyplot(args)
    if plt is not None:
        plot(runs, per, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {"steps_per_phase": per, "lr": LR, **results, "sweep": sweep}


if __name__ == "__main__":
    main(sys.argv[1:])
