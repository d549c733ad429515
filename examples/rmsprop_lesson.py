"""Every number and picture of the RMSProp lesson (docs/rmsprop.md), measured on our RMSprop.

RMSProp keeps, per parameter, an exponential moving average (EMA) of squared gradients,
v ← ρ v + (1−ρ) g², and steps by η g/(√v + ε).  This example measures, with
``tinygrad_rms.optim.RMSprop`` (PyTorch's convention: ε outside the root, v starts at 0):

1. the EMA's weights: a gradient k steps old counts (1−ρ)ρᵏ in v, and after t steps the
   weights sum to 1 − ρᵗ (read from the optimizer's own ``square_avg``);
2. the first step: v₁ = (1−ρ)g₁², so the first step is η/√(1−ρ) per coordinate, 10η at
   PyTorch's ρ = 0.99, and Adam's bias correction (optax's ``bias_correction=True``,
   ours too) brings it back to η;
3. fixed-η paths on an ill-conditioned quadratic for ρ ∈ {0, 0.5, 0.9, 0.99}, axis-aligned
   and rotated 45° (the per-coordinate scaling only helps when the valley lies along an
   axis);
4. scale invariance: the same run with the loss ×1000 takes the same steps up to ε (plain
   SGD at the same η diverges), and where invariance ends (loss ×1e-8: √v ~ ε);
5. the limits the lesson states: |step| ≤ η/√(1−ρ) in every coordinate, a fixed η leaves
   a two-step cycle at distance η/√2 from the minimum, and ρ → 1 starts out as Adagrad
   with η/√(1−ρ).

Run:   python examples/rmsprop_lesson.py [--plot] [--smoke] [--out DIR]

With --plot: rmsprop_ema_weights.png, rmsprop_first_steps.png, rmsprop_rho_paths.png and
rmsprop_rho_distance.png.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence

import numpy as np
from _common import parse_args, print_table, pyplot, save_figure

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
import tinygrad_rms.optim as optim

RHOS = (0.0, 0.5, 0.9, 0.99)  # the paths' decay rates
EMA_RHOS = (0.5, 0.9, 0.99)  # the weights' plot (ρ = 0 keeps only the newest gradient)
FIRST_RHOS = (0.5, 0.9, 0.99, 0.999)
CURVATURES = (1.0, 25.0)  # f(θ) = ½ θᵀHθ, H = diag(1, 25): condition number 25
START = (-4.0, 1.5)
LR = 0.05  # the paths' fixed learning rate
EPS = 1e-8  # PyTorch's default ε


# ---------------------------------------------------------------- 1. the EMA's weights
def ema_weights(rho: float, t: int) -> np.ndarray:
    """The weight of the gradient of each step k = 1..t in v after t steps, measured.

    One parameter of t elements; at step k only element k−1 gets a gradient (of 1), so
    v[k−1] ends as exactly that gradient's weight (1−ρ)ρ^(t−k).
    """
    p = nn.Parameter(np.zeros(t))
    opt = optim.RMSprop([p], lr=0.0, alpha=rho)  # lr 0: only the state moves
    for k in range(t):
        g = np.zeros(t)
        g[k] = 1.0
        p.grad = tg.tensor(g)
        opt.step()
    return opt.state[p]["square_avg"].copy()


def ema_sum(rho: float, t: int) -> float:
    """v after t steps of the constant gradient 1: the sum of the t weights, measured."""
    p = nn.Parameter(np.zeros(1))
    opt = optim.RMSprop([p], lr=0.0, alpha=rho)
    for _ in range(t):
        p.grad = tg.tensor(np.ones(1))
        opt.step()
    return float(opt.state[p]["square_avg"][0])


# ---------------------------------------------------------------- 2. the first steps
def first_steps(rho: float, steps: int, bias_correction: bool, g: np.ndarray) -> np.ndarray:
    """The steps θₜ₋₁ − θₜ of RMSprop(lr=1) under a constant gradient ``g``: shape (steps, n)."""
    p = nn.Parameter(np.zeros(len(g)))
    opt = optim.RMSprop([p], lr=1.0, alpha=rho, bias_correction=bias_correction)
    out = []
    for _ in range(steps):
        before = p.detach().numpy().copy()
        p.grad = tg.tensor(g)
        opt.step()
        out.append(before - p.detach().numpy())
    return np.array(out)


def adam_first_step(g: np.ndarray, lr: float) -> np.ndarray:
    """Adam's (β₁, β₂ = 0.9, 0.999, bias-corrected) first step under the gradient ``g``."""
    p = nn.Parameter(np.zeros(len(g)))
    opt = optim.Adam([p], lr=lr)
    p.grad = tg.tensor(g)
    opt.step()
    return -p.detach().numpy()


# ---------------------------------------------------------------- 3. paths on a quadratic
def hessian(angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """H = R diag(1, 25) Rᵀ, the quadratic's valley turned by ``angle_deg``, and R."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return rot @ np.diag(CURVATURES) @ rot.T, rot


def run_path(
    rho: float,
    angle_deg: float = 0.0,
    steps: int = 300,
    lr: float = LR,
    scale: float = 1.0,
    optimizer: str = "rmsprop",
    eps: float = EPS,
) -> dict[str, np.ndarray]:
    """Minimise scale·½θᵀHθ from START (turned with the valley) at a fixed η; the iterates.

    The gradient comes from our autograd (``loss.backward()``), the step from our optimizer.
    """
    H, rot = hessian(angle_deg)
    p = nn.Parameter(rot @ np.array(START))
    if optimizer == "rmsprop":
        opt = optim.RMSprop([p], lr=lr, alpha=rho, eps=eps)
    elif optimizer == "adagrad":
        opt = optim.Adagrad([p], lr=lr, eps=eps)
    else:
        opt = optim.SGD([p], lr=lr)
    Ht = tg.tensor(H)
    path, losses = [p.detach().numpy().copy()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = (p * (Ht @ p)).sum() * (0.5 * scale)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        path.append(p.detach().numpy().copy())
    return {"path": np.array(path), "loss": np.array(losses)}


def final_row(path: np.ndarray, tail: int) -> tuple[float, float]:
    """Distance to the minimum at the end, and the largest over the last ``tail`` steps."""
    dist = np.linalg.norm(path, axis=1)
    return float(dist[-1]), float(dist[-tail:].max())


# ---------------------------------------------------------------- the pictures
def plot_ema(weights: dict[float, np.ndarray], plt, args) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for rho, w in weights.items():
        ages = np.arange(len(w))[::-1]  # element k holds the gradient t−1−k steps old
        order = np.argsort(ages)
        (line,) = left.plot(ages[order], w[order], "o", ms=3, label=f"ρ = {rho}")
        left.plot(
            ages[order],
            (1 - rho) * rho ** ages[order].astype(float),
            color=line.get_color(),
            lw=0.8,
        )
        cum = np.cumsum(w[order])
        right.plot(np.arange(1, len(w) + 1), cum, color=line.get_color(), label=f"ρ = {rho}")
        right.axvline(1 / (1 - rho), color=line.get_color(), ls=":", lw=0.8)
    left.set_yscale("log")
    left.set_ylim(1e-6, 1)
    left.set_xlabel("age of the gradient (steps ago)")
    left.set_ylabel("weight in v")
    left.set_title("Weight (1−ρ)ρᵏ of a gradient k steps old")
    left.legend()
    right.set_xscale("log")
    right.set_xlabel("number of gradients seen, t")
    right.set_ylabel("sum of the weights")
    right.set_title("The weights sum to 1 − ρᵗ (dotted: 1/(1−ρ))")
    right.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    save_figure(fig, args, "rmsprop_ema_weights.png")


def plot_first_steps(curves: dict[tuple[float, bool], np.ndarray], plt, args) -> None:
    fig, ax = plt.subplots(figsize=(7, 4))
    colors = {}
    for (rho, corrected), steps in curves.items():
        t = np.arange(1, len(steps) + 1)
        style = "--" if corrected else "-"
        label = f"ρ = {rho}" + (", bias-corrected" if corrected else "")
        kw = {"color": colors[rho]} if rho in colors else {}
        (line,) = ax.plot(t, steps, style, label=label, **kw)
        colors.setdefault(rho, line.get_color())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel("step / η")
    ax.set_title("Steps under a constant gradient: η/√(1−ρᵗ), not η, until ρᵗ ≈ 0")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, args, "rmsprop_first_steps.png")


def plot_paths(paths: dict[tuple[float, float], np.ndarray], plt, args) -> None:
    angles = sorted({a for _, a in paths})
    fig, axes = plt.subplots(len(angles), len(RHOS), figsize=(3.1 * len(RHOS), 3.0 * len(angles)))
    grid = np.linspace(-5, 5, 201)
    X, Y = np.meshgrid(grid, grid)
    for row, angle in enumerate(angles):
        H, _ = hessian(angle)
        Z = 0.5 * (H[0, 0] * X * X + 2 * H[0, 1] * X * Y + H[1, 1] * Y * Y)
        for col, rho in enumerate(RHOS):
            ax = axes[row, col]
            ax.contour(X, Y, Z, levels=np.geomspace(0.05, 200, 12), colors="0.75", linewidths=0.6)
            path = paths[(rho, angle)]
            ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=0.7, color="tab:blue")
            ax.plot(*path[0], "ko", ms=3)
            ax.plot(0, 0, "r+", ms=8)
            ax.set_aspect("equal")
            ax.set_xlim(-5, 5)
            ax.set_ylim(-5, 5)
            ax.set_xticks([])
            ax.set_yticks([])
            where = "axis-aligned" if angle == 0 else f"rotated {angle:g}°"
            ax.set_title(f"ρ = {rho}, {where}", fontsize=9)
    fig.suptitle(f"RMSprop at a fixed η = {LR} on f = ½(x² + 25y²), 300 steps", fontsize=10)
    fig.tight_layout()
    save_figure(fig, args, "rmsprop_rho_paths.png")


def plot_distances(paths: dict[tuple[float, float], np.ndarray], plt, args) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, angle in zip(axes, (0.0, 45.0), strict=True):
        for rho in RHOS:
            dist = np.linalg.norm(paths[(rho, angle)], axis=1)
            top = np.maximum(dist[:-1], dist[1:])  # the larger of two steps: no 2-cycle band
            ax.plot(np.maximum(top, 1e-17), lw=0.9, label=f"ρ = {rho}")
        ax.axhline(LR / math.sqrt(2), color="k", ls=":", lw=0.8, label="η/√2")
        ax.set_yscale("log")
        ax.set_ylim(1e-16, 10)
        ax.set_xlabel("step")
        where = "axis-aligned" if angle == 0 else f"rotated {angle:g}°"
        ax.set_title(f"distance to the minimum, {where} valley", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("|θ − θ*|, larger of steps t, t+1")
    axes[1].legend(fontsize=8, loc="lower left")
    fig.suptitle(
        f"A fixed η = {LR}: every ρ > 0 ends bouncing at η/√2 (ρ = 0.99 only later)", fontsize=10
    )
    fig.tight_layout()
    save_figure(fig, args, "rmsprop_rho_distance.png")


# ---------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    start = time.perf_counter()
    steps = 300  # the paths' picture
    long_steps = 300 if args.smoke else 3000  # the paths' table: where fixed η ends
    tail = 50
    result: dict = {"steps": steps, "long_steps": long_steps, "lr": LR}

    # 1. the EMA's weights and their sums
    t_weights = 40 if args.smoke else 200
    weights = {rho: ema_weights(rho, t_weights) for rho in EMA_RHOS}
    result["ema_weights"] = weights
    rows, sums = [], {}
    for rho in (0.5, 0.9, 0.99, 0.999):
        for t in (10, 100):
            sums[(rho, t)] = ema_sum(rho, t)
            rows.append([rho, t, sums[(rho, t)], 1 - rho**t])
    result["ema_sums"] = sums
    print_table(
        ["ρ", "t", "v after t gradients of 1", "1 − ρᵗ"],
        rows,
        "1. The EMA's weights (1−ρ)ρᵏ sum to 1 − ρᵗ: measured v vs the formula",
    )
    memory = [
        [rho, 1 / (1 - rho), math.log(2) / math.log(1 / rho)] for rho in (0.5, 0.9, 0.99, 0.999)
    ]
    print_table(
        ["ρ", "memory 1/(1−ρ)", "half-life ln2/ln(1/ρ)"], memory, "   how far back v looks (steps)"
    )

    # 2. the first step, with and without bias correction
    g = np.array([3.0, -0.02, 1e-3])
    rows = []
    first = {}
    for rho in FIRST_RHOS:
        plain = first_steps(rho, 1, False, g)[0]
        corrected = first_steps(rho, 1, True, g)[0]
        first[rho] = {"plain": plain, "corrected": corrected}
        rows.append([rho, *(plain / np.sign(g)), 1 / math.sqrt(1 - rho), *(corrected / np.sign(g))])
    result["first_step_gradient"] = g
    result["first_step"] = first
    print_table(
        ["ρ", "g=3", "g=−0.02", "g=0.001", "1/√(1−ρ)", "corr. g=3", "g=−0.02", "g=0.001"],
        rows,
        f"2. The first step / η of RMSprop(lr=η) for the gradient g = {g.tolist()}; "
        "then with bias_correction=True",
    )
    adam = adam_first_step(g, lr=1e-3) / 1e-3
    result["adam_first_step_over_lr"] = adam
    print(
        f"   Adam's first step / η (bias-corrected m and v): {np.array2string(adam, precision=6)}"
    )
    n_first = 200 if args.smoke else 2000
    curves = {}
    for rho in (0.9, 0.99, 0.999):
        for corrected in (False, True):
            curves[(rho, corrected)] = first_steps(rho, n_first, corrected, np.ones(1))[:, 0]
    result["first_step_curves"] = curves
    checkpoints = [t for t in (1, 2, 10, 100, 1000) if t <= n_first]
    print_table(
        ["ρ", *[f"t={t}" for t in checkpoints]],
        [[rho, *(curves[(rho, False)][t - 1] for t in checkpoints)] for rho in (0.9, 0.99, 0.999)],
        "   step t / η under the constant gradient 1, no bias correction (= 1/√(1−ρᵗ))",
    )

    # 3. fixed-η paths, axis-aligned and rotated
    paths, rows = {}, []
    marks = [t for t in (100, 300, 600, 1000, 2000, 3000) if t <= long_steps]
    for angle in (0.0, 45.0):
        for rho in RHOS:
            path = run_path(rho, angle, long_steps)["path"]
            paths[(rho, angle)] = path
            dist = np.linalg.norm(path, axis=1)
            rows.append([rho, f"{angle:g}°", *dist[marks], dist[-tail:].max()])
    result["paths"] = paths
    if long_steps > 600:  # ρ = 0.99 first dives towards θ*, then bounces back out
        late = {a: float(np.linalg.norm(paths[(0.99, a)][600:], axis=1).max()) for a in (0, 45)}
        result["rho099_late_max"] = late
    print_table(
        ["ρ", "valley", *[f"t={t}" for t in marks], f"max, last {tail}"],
        rows,
        f"3. |θ − θ*| of RMSprop(lr={LR}) on ½(x² + 25y²) from {START} (θ* = 0); "
        f"η/√2 = {LR / math.sqrt(2):.4g}",
    )
    if long_steps > 600:
        print(
            f"   ρ = 0.99 after step 600, largest |θ−θ*|: {late[0]:.3g} (axis-aligned), "
            f"{late[45]:.3g} (rotated)"
        )
    sgd_end = {
        a: final_row(run_path(0.0, a, steps, optimizer="sgd")["path"], tail)[0] for a in (0.0, 45.0)
    }
    result["sgd_end"] = sgd_end
    print(
        f"   plain SGD at the same η, {steps} steps: |θ−θ*| = {sgd_end[0.0]:.3e} (axis-aligned), "
        f"{sgd_end[45.0]:.3e} (rotated)"
    )

    # 4. scale invariance, and where it ends
    rows, scaled = [], {}
    base = run_path(0.9, 0.0, steps)["path"]
    for scale in (1e3, 1e-8):
        other = run_path(0.9, 0.0, steps, scale=scale)["path"]
        scaled[scale] = other
        step_gap = np.abs(np.diff(other, axis=0) - np.diff(base, axis=0)).max() / LR
        rows.append(
            [f"×{scale:g}", float(np.abs(other - base).max()), step_gap, final_row(other, tail)[0]]
        )
    # loss × c gives η·cg/(c√v + ε) = η·g/(√v + ε/c): the ×1000 run is the ×1 run with ε/1000
    same = run_path(0.9, 0.0, steps, eps=EPS / 1e3)["path"]
    result["scale_eps_gap"] = float(np.abs(same - scaled[1e3]).max())
    sgd_big = run_path(0.0, 0.0, min(steps, 40), optimizer="sgd", scale=1e3)["path"]
    result["scaled_paths"] = {1.0: base, **scaled}
    result["sgd_scaled_end"] = float(np.linalg.norm(sgd_big[-1]))
    print_table(
        ["loss", "max |θ − θ(loss ×1)|", "max |Δθ − Δθ(loss ×1)| / η", "|θ−θ*| at the end"],
        rows,
        f"4. The same RMSprop(ρ=0.9) run ({steps} steps) with the loss multiplied",
    )
    print(
        f"   loss ×1000 with ε = {EPS:g} vs loss ×1 with ε = {EPS / 1e3:g}: paths within "
        f"{result['scale_eps_gap']:.1e}\n"
        f"   plain SGD at η = {LR} with the loss ×1000: |θ−θ*| = {result['sgd_scaled_end']:.3e}"
        f" after {len(sgd_big) - 1} steps"
    )

    # 5. limits: the step bound, the wobble ∝ η, ρ → 1 as Adagrad
    bound_rows = []
    largest = {}
    for rho in RHOS:
        # the largest step any coordinate took on either valley, over η
        largest[rho] = max(
            float(np.abs(np.diff(paths[(rho, a)], axis=0)).max()) / LR for a in (0.0, 45.0)
        )
        bound_rows.append([rho, largest[rho], 1 / math.sqrt(1 - rho)])
    result["largest_step_over_lr"] = largest
    print_table(
        ["ρ", "largest |Δθᵢ| / η", "bound 1/√(1−ρ)"],
        bound_rows,
        "5. Every step is at most η/√(1−ρ)",
    )
    wobble = {}
    wobble_steps = 600 if args.smoke else long_steps
    for lr in (0.1,) if args.smoke else (0.1, 0.03, 0.01):
        wobble[lr] = final_row(run_path(0.9, 0.0, wobble_steps, lr=lr)["path"], 100)[1]
    result["wobble"] = wobble
    print_table(
        ["η", "max |θ−θ*| over the last 100 steps", "/ η"],
        [[lr, w, w / lr] for lr, w in wobble.items()],
        f"   a fixed η never settles: ρ = 0.9, {wobble_steps} steps",
    )
    n_ada = 20
    near_one = run_path(0.999, 0.0, n_ada)["path"]
    ada = run_path(0.0, 0.0, n_ada, lr=LR / math.sqrt(1 - 0.999), optimizer="adagrad")["path"]
    gap = float(np.abs(near_one - ada).max())
    result["adagrad_gap"] = gap
    print(
        f"   ρ = 0.999 vs Adagrad(lr = η/√(1−ρ) = {LR / math.sqrt(1 - 0.999):.4g}) over "
        f"{n_ada} steps: paths within {gap:.2e}"
    )

    plt = pyplot(args)
    if plt is not None:
        plot_ema(weights, plt, args)
        plot_first_steps(curves, plt, args)
        plot_paths({k: v[: steps + 1] for k, v in paths.items()}, plt, args)
        plot_distances(paths, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
