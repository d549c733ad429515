"""RMSProp's family on two problems, each at its best learning rate, and how much that matters.

The claims (the RMSProp document, "Features"): RMSProp "still requires manual selection
of the initial learning rate", and "in some tasks, the convergence speed may not be as
good as Adam".  Compared: SGD, SGD with momentum 0.9, Rprop (RMSProp's full-batch
ancestor; both problems here are full batch), Adagrad, RMSprop, centered RMSprop,
Adadelta, Adam and Adam's descendants Adamax, NAdam and RAdam (docs/optimizers.md has the
family tree); "RMSprop" is the document's configuration (alpha=0.9, eps=1e-8).

(a) The document's SimpleNet task: a 10-50-1 ReLU network fitting 100 random targets,
    full batch, for 10 epochs (the document's run) and for 200.  Every optimizer is run
    at every learning rate of a grid from 1e-4 to 1 (same data, same initial weights),
    so each is compared at its own best rate; the grid itself is the learning-rate sweep.
(b) An ill-conditioned quadratic f(x, y) = (x² + 20 y²)/2 from (−4, 1.5), 100 steps, each
    optimizer at its best rate from a grid 1e-3..1 (judged by the worst f of the last 10
    steps, so a lucky moment in an oscillation does not count); trajectories over contours.

Run:   python examples/compare_optimizers.py [--plot] [--smoke]

What to look for:
- the sweep: RMSprop's final loss changes by well over 10x across learning rates (so do
  the others': none of them removes the need to choose one);
- SimpleNet: after 10 epochs RMSprop (tuned) is among the fastest; after 200, Adam and
  SGD+momentum drive the loss orders of magnitude lower, while RMSprop's constant-size
  steps leave it rattling around a higher floor: this is where Adam beats it;
- the quadratic: SGD's learning rate is capped by the steep direction (lr < 2/20), so
  it crawls along the shallow one; the per-coordinate scaling of Adagrad and RMSprop
  heads for the minimum on both axes at once.  Here Adam does not win: its momentum
  overshoots and it ends on a par with plain RMSprop, while Adagrad (whose shrinking
  steps suit a fixed, noise-free problem) and centered RMSprop end far lower.
- Adadelta's first steps are about η·√ε (its running RMS of past steps starts at 0), so
  with ε = 1e-6 it has hardly left the start of the quadratic after 100 steps, even at
  the grid's largest η = 1: "no learning rate to choose" has a price at the start.
With --plot: docs/img/compare_simplenet.png, compare_quadratic.png, compare_lr_sweep.png.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from _common import Progress, parse_args, print_table, pyplot, save_figure

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
import tinygrad_rms.optim as optim

OPTIMIZERS: dict[str, Callable[..., optim.Optimizer]] = {
    "SGD": lambda params, lr: optim.SGD(params, lr=lr),
    "SGD+momentum": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9),
    "Rprop": lambda params, lr: optim.Rprop(params, lr=lr),
    "Adagrad": lambda params, lr: optim.Adagrad(params, lr=lr),
    "RMSprop": lambda params, lr: optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-8),
    "RMSprop centered": lambda params, lr: optim.RMSprop(params, lr=lr, alpha=0.9, centered=True),
    "Adadelta": lambda params, lr: optim.Adadelta(params, lr=lr),
    "Adam": lambda params, lr: optim.Adam(params, lr=lr),
    "Adamax": lambda params, lr: optim.Adamax(params, lr=lr),
    "NAdam": lambda params, lr: optim.NAdam(params, lr=lr),
    "RAdam": lambda params, lr: optim.RAdam(params, lr=lr),
}
EARLY = 10  # the document's number of epochs
QUAD_A, QUAD_B, QUAD_START = 1.0, 20.0, (-4.0, 1.5)


# ---------------------------------------------------------------- (a) SimpleNet
class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 50)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(50, 1)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def train_simplenet(name: str, lr: float, epochs: int) -> np.ndarray:
    """Losses before each epoch's step, and after the last: ``epochs + 1`` numbers."""
    tg.manual_seed(0)  # the same weights and data for every optimizer and lr
    model = SimpleNet()
    X, y = tg.randn(100, 10), tg.randn(100, 1)
    optimizer = OPTIMIZERS[name](model.parameters(), lr)
    criterion = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        if not loss.item() < 1e6:  # diverged (or NaN): count it as an infinite loss
            return np.array(losses + [np.inf] * (epochs + 1 - len(losses)))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with tg.no_grad():
        losses.append(criterion(model(X), y).item())
    return np.array(losses)


# ---------------------------------------------------------------- (b) the quadratic
def descend_quadratic(name: str, lr: float, steps: int) -> np.ndarray:
    """The path (steps + 1, 2) of (x, y) minimising (a x² + b y²)/2; stops if it diverges."""
    p = tg.tensor(np.array(QUAD_START, dtype=np.float32), requires_grad=True)
    curvature = tg.tensor(np.array([QUAD_A, QUAD_B], dtype=np.float32))
    optimizer = OPTIMIZERS[name]([p], lr)
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        f = 0.5 * (curvature * p * p).sum()
        f.backward()
        optimizer.step()
        path.append(p.detach().numpy().copy())
        if not np.all(np.abs(path[-1]) < 1e3):  # diverged: no point going on
            break
    return np.array(path, dtype=np.float64)


def quadratic(path: np.ndarray) -> np.ndarray:
    return 0.5 * (QUAD_A * path[..., 0] ** 2 + QUAD_B * path[..., 1] ** 2)


# ---------------------------------------------------------------- plots
def plot_simplenet(curves: dict[str, tuple[float, np.ndarray]], plt, args) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    colors = plt.get_cmap("tab20").colors
    for i, (name, (lr, losses)) in enumerate(curves.items()):
        ax.plot(np.arange(len(losses)), losses, color=colors[i], label=f"{name} (lr={lr:.3g})")
    ax.axvline(EARLY, color="k", ls=":", lw=1, label=f"{EARLY} epochs (the document's run)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch (full batch)")
    ax.set_ylabel("training MSE")
    ax.set_title("SimpleNet on random targets, each optimizer at its best lr")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, args, "compare_simplenet.png")


def plot_quadratic(paths: dict[str, tuple[float, np.ndarray]], plt, args) -> None:
    xs, ys = np.meshgrid(np.linspace(-4.5, 4.5, 200), np.linspace(-2.0, 2.0, 200))
    levels = np.geomspace(0.01, 40, 12)
    ncols = 4
    nrows = -(-len(paths) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(14, 2.8 * nrows), sharex=True, sharey=True)
    for ax in axes.flat[len(paths) :]:
        ax.set_visible(False)
    for ax, (name, (lr, path)) in zip(axes.flat, paths.items(), strict=False):
        ax.contour(
            xs, ys, quadratic(np.stack([xs, ys], -1)), levels=levels, cmap="Greys", linewidths=0.6
        )
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, color="tab:red")
        ax.plot(*QUAD_START, "o", color="tab:blue")
        ax.plot(0, 0, "*", color="k", ms=10)
        final = quadratic(path[-1])
        ax.set_title(f"{name}, lr={lr:.3g}\nf after {len(path) - 1} steps: {final:.1e}")
        ax.set_xlim(-4.5, 4.5)
        ax.set_ylim(-2.0, 2.0)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("y")
    fig.suptitle(f"f(x, y) = ({QUAD_A:g}·x² + {QUAD_B:g}·y²)/2: paths from ● to ★")
    fig.tight_layout()
    save_figure(fig, args, "compare_quadratic.png")


def plot_sweep(lrs: np.ndarray, finals: dict[str, np.ndarray], epochs: int, plt, args) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    colors = plt.get_cmap("tab20").colors
    for i, (name, final) in enumerate(finals.items()):
        bold = name == "RMSprop"
        style = {"lw": 2.5, "marker": "o"} if bold else {"lw": 1, "marker": ".", "ls": "--"}
        ax.plot(lrs, final, color=colors[i], label=name, **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"training MSE after {epochs} epochs")
    ax.set_title("The learning rate still has to be chosen: SimpleNet, final loss vs lr")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, args, "compare_lr_sweep.png")


# ---------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    epochs = 60 if args.smoke else 200
    lrs = np.logspace(-4, 0, 5 if args.smoke else 9)
    quad_steps = 100
    quad_lrs = np.logspace(-3, 0, 13)
    start = time.perf_counter()

    # (a) every optimizer at every learning rate; row i of runs[name] is lrs[i]'s curve
    progress = Progress("SimpleNet runs", len(OPTIMIZERS) * len(lrs))
    runs = {}
    for name in OPTIMIZERS:
        curves = []
        for lr in lrs:
            curves.append(train_simplenet(name, lr, epochs))
            progress.update()
        runs[name] = np.array(curves)
    progress.close()
    rows, best_curves, simplenet = [], {}, {}
    for name, curves in runs.items():
        early, late = int(np.argmin(curves[:, EARLY])), int(np.argmin(curves[:, -1]))
        simplenet[name] = {"early": curves[early, EARLY], "final": curves[late, -1]}
        rows.append([name, lrs[early], curves[early, EARLY], lrs[late], curves[late, -1]])
        best_curves[name] = (lrs[late], curves[late])
    headers = ["optimizer", "best lr", f"loss @{EARLY}", "best lr", f"loss @{epochs}"]
    print_table(headers, rows, f"(a) SimpleNet: training MSE, best lr from {lrs[0]:g}..{lrs[-1]:g}")

    # the same runs read as a learning-rate sweep
    finals = {name: curves[:, -1] for name, curves in runs.items()}
    rows = [[lr] + [finals[n][i] for n in ("RMSprop", "Adam", "SGD")] for i, lr in enumerate(lrs)]
    print_table(["lr", "RMSprop", "Adam", "SGD"], rows, f"Loss after {epochs} epochs vs lr")
    rms = finals["RMSprop"]
    sweep_ratio = float(np.max(rms) / np.min(rms))
    print(f"RMSprop: worst/best final loss over the sweep = {sweep_ratio:.3g}x")

    # (b) the quadratic: best lr per optimizer, judged by the worst f in the last 10 steps
    rows, best_paths, quad = [], {}, {}
    for name in OPTIMIZERS:
        scores, paths = [], []
        for lr in quad_lrs:
            path = descend_quadratic(name, lr, quad_steps)
            diverged = len(path) <= quad_steps
            scores.append(np.inf if diverged else quadratic(path[-10:]).max())
            paths.append(path)
        i = int(np.argmin(scores))
        best_paths[name] = (quad_lrs[i], paths[i])
        quad[name] = float(scores[i])
        rows.append([name, quad_lrs[i], quadratic(paths[i][-1]), scores[i]])
    headers = ["optimizer", "best lr", f"f after {quad_steps}", "worst f, last 10"]
    print_table(headers, rows, f"(b) f = ({QUAD_A:g}x² + {QUAD_B:g}y²)/2 from {QUAD_START}")

    print("\nAdam vs RMSprop (each at its best lr):")
    adam, rmsprop = simplenet["Adam"], simplenet["RMSprop"]
    for label, a, r in [
        (f"SimpleNet after {EARLY} epochs", adam["early"], rmsprop["early"]),
        (f"SimpleNet after {epochs} epochs", adam["final"], rmsprop["final"]),
        ("quadratic, worst f of the last 10 steps", quad["Adam"], quad["RMSprop"]),
    ]:
        print(f"  {label}: Adam {a:.3g}, RMSprop {r:.3g} -> {'Adam' if a < r else 'RMSprop'} ahead")

    plt = pyplot(args)
    if plt is not None:
        plot_simplenet(best_curves, plt, args)
        plot_quadratic(best_paths, plt, args)
        plot_sweep(lrs, finals, epochs, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {
        "epochs": epochs,
        "lrs": lrs,
        "simplenet": simplenet,
        "sweep_final": finals,
        "rmsprop_sweep_ratio": sweep_ratio,
        "quadratic": quad,
    }


if __name__ == "__main__":
    main(sys.argv[1:])
