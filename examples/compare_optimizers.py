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
(b) An ill-conditioned quadratic f(p) = ½ pᵀHp with curvatures 1 and 20 (condition
    number 20), 100 steps from a start 4.3 from the minimum, twice: with the valley along
    the x and y axes, and turned by 45°.  Each optimizer runs at one common lr (0.09, just
    under SGD's limit 2/20, so SGD zig-zags) and at its best lr from a grid 1e-3..1 plus
    0.09, judged by the worst f of the last 10 steps (so a lucky moment in an oscillation
    does not count); a run whose |p| passes 1e3 counts as diverged (f = inf).

Run:   python examples/compare_optimizers.py [--plot] [--out DIR] [--quick]   (about a minute)

What to look for:
- the sweep: RMSprop's final loss changes by well over 10x across learning rates (so do
  the others': none of them removes the need to choose one);
- SimpleNet: after 10 epochs RMSprop (tuned) is among the fastest; after 200, Adam and
  SGD+momentum drive the loss orders of magnitude lower, while RMSprop's constant-size
  steps leave it rattling around a higher floor: this is where Adam beats it.  (The
  targets are random, so this measures fitting speed, not generalisation.)
- the quadratic, axis-aligned: the per-coordinate methods (Adagrad, Rprop, centered
  RMSprop, NAdam) reach f < 1e-11 where tuned SGD reaches 3e-7, because dividing each
  coordinate by its own gradient scale undoes exactly an axis-aligned stretch;
- the quadratic, rotated by 45°: that advantage is gone.  Tuned plain SGD (3e-7) now
  beats RMSprop (5e-2), Adagrad (3e-3) and Adam (9e-4): the gradient's coordinates no
  longer tell the steep direction from the shallow one.  At the common lr, Adagrad has
  hardly moved (its steps shrink like 1/√t) and RMSprop and Adam rattle at f ~ 0.1-1.
- Adadelta's first steps are about η·√ε (its running RMS of past steps starts at 0), so
  with ε = 1e-6 it has hardly left the start (f = 30.5) after 100 steps, even at the
  grid's largest η = 1: "no learning rate to choose" has a price at the start.
With --plot: compare_simplenet.png, compare_quadratic.png, compare_lr_sweep.png in --out.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from _common import Progress, mark_diverged, parse_args, print_table, pyplot, save_figure

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
QUAD_CURVATURES = (1.0, 20.0)  # f's curvature along its two axes: condition number 20
QUAD_START = (-4.0, 1.5)  # the start, in the axes' own coordinates
GEOMETRIES = {"axis-aligned": 0.0, "rotated 45°": 45.0}  # the axes' angle to x and y
# the shared rate: just under SGD's stability limit 2/20 = 0.1, so SGD zig-zags across the
# steep direction (each step multiplies that coordinate by 1 - 0.09·20 = -0.8)
COMMON_LR = 0.09
QUAD_STEPS = 100
SHOWN = ("SGD", "SGD+momentum", "Adagrad", "RMSprop", "Adam")  # in the paths picture


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
def hessian(angle: float) -> np.ndarray:
    """H = R diag(QUAD_CURVATURES) Rᵀ: the quadratic's axes turned by ``angle`` degrees."""
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    rotation = np.array([[c, -s], [s, c]])
    return rotation @ np.diag(QUAD_CURVATURES) @ rotation.T


def quad_start(angle: float) -> np.ndarray:
    """QUAD_START turned with the axes: the same point relative to the valley."""
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    return np.array([[c, -s], [s, c]]) @ np.array(QUAD_START)


def descend_quadratic(name: str, lr: float, steps: int, angle: float = 0.0) -> np.ndarray:
    """The path (steps + 1, 2) minimising f(p) = ½ pᵀHp; shorter if it diverged (|p| > 1e3)."""
    p = tg.tensor(quad_start(angle).astype(np.float32).reshape(2, 1), requires_grad=True)
    H = tg.tensor(hessian(angle).astype(np.float32))
    optimizer = OPTIMIZERS[name]([p], lr)
    path = [p.detach().numpy().ravel().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        f = 0.5 * (p * (H @ p)).sum()
        f.backward()
        optimizer.step()
        path.append(p.detach().numpy().ravel().copy())
        if not np.all(np.abs(path[-1]) < 1e3):  # diverged: no point going on
            break
    return np.array(path, dtype=np.float64)


def path_start() -> np.ndarray:
    return quad_start(0.0)


def quadratic(path: np.ndarray, angle: float = 0.0) -> np.ndarray:
    """f = ½ pᵀHp for every point of ``path`` (..., 2)."""
    return 0.5 * np.einsum("...i,ij,...j->...", path, hessian(angle), path)


def quadratic_runs(steps: int, lrs: np.ndarray, progress: Progress) -> dict:
    """Every optimizer in every geometry, at its best lr from ``lrs`` ∪ {COMMON_LR} and at
    COMMON_LR.

    Returns {(geometry, setting): {name: (lr, path, score)}}; setting is "tuned" or
    "common"; score is the worst f of the last 10 steps (inf if the run diverged), and
    "tuned" is the lr with the lowest score, so a lucky moment in an oscillation does not
    count.
    """
    out: dict = {}
    for geometry, angle in GEOMETRIES.items():
        tuned, common = {}, {}
        for name in OPTIMIZERS:
            runs = []
            for lr in [*lrs, COMMON_LR]:
                path = descend_quadratic(name, lr, steps, angle)
                diverged = len(path) <= steps
                score = np.inf if diverged else float(quadratic(path[-10:], angle).max())
                runs.append((float(lr), path, score))
                progress.update()
            common[name] = runs[-1]
            tuned[name] = min(runs, key=lambda run: run[2])  # COMMON_LR is a candidate too
        out[geometry, "tuned"], out[geometry, "common"] = tuned, common
    return out


# ---------------------------------------------------------------- plots
def plot_simplenet(curves: dict[str, tuple[float, np.ndarray]], plt, args) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    colors = plt.get_cmap("tab20").colors
    for i, (name, (lr, losses)) in enumerate(curves.items()):
        ax.plot(np.arange(len(losses)), losses, color=colors[i], label=f"{name} (lr={lr:.3g})")
    ax.axvline(EARLY, color="k", ls=":", lw=1, label=f"{EARLY} epochs (the document's run)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch (full batch)")
    ax.set_ylabel("training MSE (random targets: fitting speed only)")
    ax.set_title(
        f"SimpleNet on random targets, each optimizer at its best lr for {len(losses) - 1} epochs"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, args, "compare_simplenet.png")


def plot_quadratic(runs: dict, plt, args) -> None:
    """One row per (geometry, setting), one column per optimizer in SHOWN."""
    xs, ys = np.meshgrid(np.linspace(-4.5, 4.5, 121), np.linspace(-4.5, 4.5, 121))
    levels = np.geomspace(0.01, 100, 9)
    nrows, ncols = len(runs), len(SHOWN)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.6 * ncols, 2.75 * nrows), sharex=True, sharey=True
    )
    for row, ((geometry, setting), by_name) in zip(axes, runs.items(), strict=True):
        angle = GEOMETRIES[geometry]
        grid_f = quadratic(np.stack([xs, ys], -1), angle)
        for ax, name in zip(row, SHOWN, strict=True):
            lr, path, score = by_name[name]
            ax.contour(xs, ys, grid_f, levels=levels, cmap="Greys", linewidths=0.6)
            shown = np.clip(path, -4.4, 4.4)  # a diverged path leaves the box: pin it to the edge
            ax.plot(shown[:, 0], shown[:, 1], ".-", ms=2, lw=0.8, color="tab:red")
            ax.plot(*quad_start(angle), "o", color="tab:blue")
            ax.plot(0, 0, "*", color="k", ms=9)
            if len(path) <= QUAD_STEPS:
                result = f"DIVERGED at step {len(path) - 1}"
            else:
                result = f"worst f, last 10 steps: {score:.1e}"
            ax.set_title(f"{name}, lr={lr:.3g}\n{result}", fontsize=8)
            ax.set_xlim(-4.5, 4.5)
            ax.set_ylim(-4.5, 4.5)
            ax.set_aspect("equal")
        how = "each at its best lr" if setting == "tuned" else f"all at lr={COMMON_LR:g}"
        label = f"{geometry},\n{how}"
        row[0].set_ylabel(label, fontsize=9)
    a, b = QUAD_CURVATURES
    fig.suptitle(
        f"f = ½ pᵀHp, curvatures {a:g} and {b:g}, {QUAD_STEPS} steps from ● to ★; "
        "rotating the valley by 45° takes away the per-coordinate methods' advantage"
    )
    fig.tight_layout()
    save_figure(fig, args, "compare_quadratic.png")


def plot_sweep(lrs: np.ndarray, finals: dict[str, np.ndarray], epochs: int, plt, args) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    diverged: set[float] = set()
    colors = plt.get_cmap("tab20").colors
    for i, (name, final) in enumerate(finals.items()):
        bold = name == "RMSprop"
        style = {"lw": 2.5, "marker": "o"} if bold else {"lw": 1, "marker": ".", "ls": "--"}
        ax.plot(lrs, final, color=colors[i], label=name, **style)
        diverged.update(lrs[~np.isfinite(final)])
    mark_diverged(ax, sorted(diverged), "× = some run diverged at this lr (loss not drawn)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"training MSE after {epochs} epochs")
    ax.set_title(
        "The learning rate still has to be chosen: SimpleNet, final loss vs lr\n"
        "(RMSprop bold; the other ten dashed for comparison)"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, args, "compare_lr_sweep.png")


# ---------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    epochs = 60 if args.smoke else 200
    lrs = np.logspace(-4, 0, 5 if args.smoke else 9)
    quad_lrs = np.logspace(-2, 0, 5) if args.smoke else np.logspace(-3, 0, 13)
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

    # (b) the quadratic, axis-aligned and rotated, tuned and at one common lr
    progress = Progress("quadratic runs", len(GEOMETRIES) * len(OPTIMIZERS) * (len(quad_lrs) + 1))
    qruns = quadratic_runs(QUAD_STEPS, quad_lrs, progress)
    progress.close()
    rows = []
    for name in OPTIMIZERS:
        row = [name]
        for geometry in GEOMETRIES:
            lr, _, tuned_score = qruns[geometry, "tuned"][name]
            row += [lr, tuned_score, qruns[geometry, "common"][name][2]]
        rows.append(row)
    headers = ["optimizer"]
    for geometry in GEOMETRIES:
        tag = geometry.split()[0][:7]
        headers += [f"{tag}: best lr", "f (best lr)", f"f (lr={COMMON_LR:g})"]
    a, b = QUAD_CURVATURES
    print_table(
        headers,
        rows,
        f"(b) f = ½ pᵀHp, curvatures {a:g} and {b:g}, {QUAD_STEPS} steps: worst f of the "
        f"last 10 steps (inf = diverged), best lr from {quad_lrs[0]:g}..{quad_lrs[-1]:g}",
    )
    quad = {name: run[2] for name, run in qruns["axis-aligned", "tuned"].items()}
    quad_table = {
        f"{geometry}, {setting}": {name: run[2] for name, run in by_name.items()}
        for (geometry, setting), by_name in qruns.items()
    }

    tuned_al, tuned_rot = qruns["axis-aligned", "tuned"], qruns["rotated 45°", "tuned"]
    print(f"\nThe quadratic starts at f = {quadratic(path_start(), 0.0):.3g}.")
    for name in ("Adagrad", "RMSprop", "Adam"):
        for geometry, table in (("axis-aligned", tuned_al), ("rotated 45°", tuned_rot)):
            sgd, other = table["SGD"][2], table[name][2]
            winner = "SGD" if sgd < other else name
            print(f"  {geometry}, tuned: SGD {sgd:.2g} vs {name} {other:.2g} -> {winner} ahead")

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
        plot_quadratic(qruns, plt, args)
        plot_sweep(lrs, finals, epochs, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {
        "epochs": epochs,
        "lrs": lrs,
        "simplenet": simplenet,
        "sweep_final": finals,
        "rmsprop_sweep_ratio": sweep_ratio,
        "quadratic": quad,
        "quadratic_table": quad_table,
    }


if __name__ == "__main__":
    main(sys.argv[1:])
