"""The "same" RMSProp in five frameworks' conventions takes five different paths.

The RMSProp document writes θ ← θ − η·g/√(E[g²] + ε); PyTorch computes η·g/(√v + ε);
Keras, TF1 and optax differ again in α, ε, where ε sits, and where v starts.
``RMSprop.like(framework, params, lr=...)`` sets each framework's defaults and flags:

    framework  alpha  eps     ε placement   v starts at
    pytorch    0.99   1e-8    √v + ε        0
    keras      0.9    1e-7    √(v + ε)      0
    tf1        0.9    1e-10   √(v + ε)      1
    optax      0.9    1e-8    √(v + ε)      0
    document   0.9    1e-8    √(v + ε)      0

The experiment: one scalar parameter, one fixed stream of gradients fed to all five
(no model, so nothing but the update rule differs), with a common lr = 0.01:

    steps    1..500    gradients ~1e-2 (1 ± 0.5 noise)
    steps  501..2500   gradients ~1e-6: tiny, where ε is no longer negligible
    steps 2501..3000   gradients ~1e-2 again

With gradients ~1e-6, v decays towards 1e-12.  √v + 1e-8 ≈ 1e-6 ≈ |g|, so PyTorch's
steps climb back to about η (slowly: its α = 0.99 average takes ~2000 steps to forget
the large gradients); but √(v + 1e-7) ≈ 3e-4, so Keras's steps stay ~300x smaller than
η, optax's and the document's (√1e-8 = 1e-4) ~100x, TF1's (√1e-10 = 1e-5) ~10x.

Run:   python examples/conventions.py [--plot] [--out DIR] [--quick]

What to look for: in the two normal phases the conventions agree within a factor ~1.5
on how far θ moves; in the tiny-gradient phase they disagree by a factor of ~45.
(optax and the document coincide exactly: without momentum, their formulas are the
same.)  Also: TF1's v starting at 1 slows its first steps, and PyTorch's α=0.99 makes its
first steps, and those after the tiny phase, larger.  With --plot:
--out/conventions.png.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Sequence

import numpy as np
from _common import parse_args, print_table, pyplot, save_figure

import tinygrad_rms as tg
import tinygrad_rms.optim as optim

FRAMEWORKS = ("pytorch", "keras", "tf1", "optax", "document")
LR = 0.01
PHASE_NAMES = ("normal", "tiny", "normal again")


def gradient_stream(lengths: Sequence[int], seed: int = 0) -> np.ndarray:
    """The fixed gradients: scale·(1 + 0.5·noise), scale 1e-2, 1e-6, 1e-2 per phase."""
    rng = tg.manual_seed(seed)
    scales = (1e-2, 1e-6, 1e-2)
    parts = [s * (1 + 0.5 * rng.standard_normal(n)) for s, n in zip(scales, lengths, strict=True)]
    return np.concatenate(parts).astype(np.float32)


def follow(framework: str, grads: np.ndarray) -> np.ndarray:
    """θ after each step (θ₀ = 0 first) when ``grads`` are fed to that convention."""
    theta = tg.zeros(1, requires_grad=True)
    optimizer = optim.RMSprop.like(framework, [theta], lr=LR)
    path = [0.0]
    for g in grads:
        theta.grad = tg.tensor(np.array([g], dtype=np.float32))  # no model: set g directly
        optimizer.step()
        path.append(float(theta.detach().numpy()[0]))
    return np.array(path)


def plot(paths: dict[str, np.ndarray], bounds: np.ndarray, plt, args) -> None:
    steps = np.arange(len(next(iter(paths.values()))))
    window = 25  # the step lengths are noisy: show their running mean

    def smooth(x: np.ndarray) -> np.ndarray:
        return np.convolve(x, np.ones(window) / window, mode="valid")

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.5, 7), sharex=True)
    styles = {"document": dict(ls="--", lw=2.2)}  # dashed: it lies exactly on optax
    for fw, path in paths.items():
        top.plot(steps, path, label=fw, **styles.get(fw, dict(lw=1.4)))
        step_len = smooth(np.abs(np.diff(path)) / LR)
        bottom.plot(steps[window:], step_len, label=fw, **styles.get(fw, dict(lw=1.2)))
    for ax in (top, bottom):
        ax.axvspan(bounds[1], bounds[2], color="tab:purple", alpha=0.08, label="tiny gradients")
        ax.grid(True, alpha=0.3)
    top.set_title(f"One gradient stream, five RMSprop conventions (common lr = {LR})")
    top.set_ylabel("parameter θ")
    top.legend(fontsize=8)
    bottom.set_yscale("log")
    bottom.set_title("Step length |Δθ| / lr: where ε sits decides the tiny-gradient phase")
    bottom.set_ylabel(f"|Δθ| / lr, mean of {window} steps")
    bottom.set_xlabel("step")
    bottom.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    save_figure(fig, args, "conventions.png")


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    lengths = (100, 600, 100) if args.smoke else (500, 2000, 500)
    bounds = np.cumsum((0, *lengths))  # phase i is steps bounds[i]+1 .. bounds[i+1]
    start = time.perf_counter()

    grads = gradient_stream(lengths)
    paths = {fw: follow(fw, grads) for fw in FRAMEWORKS}
    moves = {fw: np.diff(path[bounds]) for fw, path in paths.items()}  # Δθ per phase

    rows = []
    for fw in FRAMEWORKS:
        preset = optim.RMSprop.PRESETS[fw]
        where = "√(v+ε)" if preset.get("eps_in_sqrt") else "√v+ε"
        v0 = preset.get("initial_accumulator_value", 0)
        rows.append([fw, preset["alpha"], preset["eps"], where, v0, *moves[fw], paths[fw][-1]])
    headers = ["framework", "alpha", "eps", "ε where", "v₀"]
    headers += [f"Δθ {name}" for name in PHASE_NAMES] + ["final θ"]
    print_table(headers, rows, f"θ from 0, lr = {LR}, phases of {lengths} steps")

    phases = {}
    for i, name in enumerate(PHASE_NAMES):
        d = np.abs([moves[fw][i] for fw in FRAMEWORKS])
        phases[name] = {"spread": float(d.max() - d.min()), "ratio": float(d.max() / d.min())}
    rows = [[name, p["spread"], p["ratio"]] for name, p in phases.items()]
    print_table(
        ["phase", "max−min |Δθ|", "max/min |Δθ|"], rows, "How much the conventions disagree"
    )

    pairs = {
        (a, b): abs(paths[a][-1] - paths[b][-1]) for a, b in itertools.combinations(FRAMEWORKS, 2)
    }
    (a, b), largest = max(pairs.items(), key=lambda kv: kv[1])
    same = [f"{a}={b}" for (a, b) in pairs if np.array_equal(paths[a], paths[b])]
    print(
        f"\nLargest pairwise difference of the final θ: {largest:.4g} ({a} vs {b}); "
        f"identical paths: {', '.join(same) or 'none'}"
    )
    plt = pyplot(args)
    if plt is not None:
        plot(paths, bounds, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {
        "lengths": lengths,
        "final": {fw: float(path[-1]) for fw, path in paths.items()},
        "largest_pair": (a, b),
        "largest_difference": float(largest),
        "identical": same,
        "phases": phases,
        "paths": paths,
    }


if __name__ == "__main__":
    main(sys.argv[1:])
