"""A small CNN trained with RMSProp on handwritten digits (8×8 images, 10 classes).

The claim (the RMSProp document, "Application scenarios"): RMSProp trains image models.
The data: scikit-learn's 1,797 handwritten digits (``pip install ".[examples]"``); without
scikit-learn the example says so and uses a synthetic stand-in drawn here (ten 5×7 glyphs,
shifted, with stroke and pixel noise) so that it still runs anywhere.

The model: Conv2d 1→16 (3×3, padding 1) → ReLU → Conv2d 16→32 → ReLU → MaxPool 2 →
Flatten → Linear 512→10, trained through ``utils.data.DataLoader`` (batches of
64, shuffled by a seeded generator) with cross-entropy and the document's RMSprop
(α = 0.9, ε = 1e-8), lr 2e-3.

Run:   python examples/digits_cnn.py [--plot] [--out DIR] [--quick]

What to look for: test accuracy above 97 % after a few seconds.  With --plot:
--out/digits_cnn_filters.png (the 16 learned first-layer filters) and
--out/digits_cnn_mistakes.png (the test digits it gets wrong, with its guesses).
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
from tinygrad_rms.utils.data import DataLoader, TensorDataset

# ten 5x7 glyphs, "#" for ink (the synthetic stand-in's templates)
GLYPHS = [
    [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
    ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
    [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
    [" ### ", "#   #", "    #", "  ## ", "    #", "#   #", " ### "],
    ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
    ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
    ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
    ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
    [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
    [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
]


def synthetic_digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 8x8 images in [0, 16] (scikit-learn's range) of random glyphs, shifted by up
    to one pixel, with some strokes dropped and pixel noise added."""
    templates = np.array([[[c == "#" for c in row] for row in g] for g in GLYPHS], float)
    labels = rng.integers(0, 10, n)
    images = np.zeros((n, 8, 8))
    for k, label in enumerate(labels):
        top, left = rng.integers(0, 2), rng.integers(0, 4)
        glyph = templates[label] * (rng.random((7, 5)) > 0.05)  # a few strokes missing
        images[k, top : top + 7, left : left + 5] = glyph * rng.uniform(10, 16)
    images += rng.normal(0, 1.0, images.shape)
    return np.clip(images, 0, 16), labels


def digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """(images (n, 8, 8) in [0, 16], labels, where they came from)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        print(
            "note: scikit-learn is not installed, so a synthetic stand-in is used; for the "
            'real handwritten digits: pip install ".[examples]"'
        )
        images, labels = synthetic_digits(1797, rng)
        return images, labels, "synthetic digits (scikit-learn not installed)"
    data = load_digits()
    return data.images, data.target, "scikit-learn's handwritten digits"


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classify = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 10))

    def forward(self, x):
        return self.classify(self.features(x))


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    epochs = 20  # the same in --smoke: a few seconds, and CI checks the accuracy
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    images, labels, source = digits(rng)
    x = (images / 16.0).astype(np.float32)[:, None]  # (n, 1, 8, 8) in [0, 1]
    order = rng.permutation(len(x))
    test, train = order[: len(x) // 5], order[len(x) // 5 :]
    print(f"{source}: {len(train)} for training, {len(test)} held out")

    tg.manual_seed(0)
    model = DigitsCNN()
    optimizer = optim.RMSprop(model.parameters(), lr=2e-3, alpha=0.9, eps=1e-8)
    criterion = nn.CrossEntropyLoss()
    loader = DataLoader(
        TensorDataset(tg.tensor(x[train]), tg.tensor(labels[train])),
        batch_size=64,
        shuffle=True,
        generator=tg.Generator().manual_seed(0),
    )
    x_test, y_test = tg.tensor(x[test]), labels[test]

    def accuracy() -> tuple[float, np.ndarray]:
        model.eval()
        with tg.no_grad():
            guess = model(x_test).argmax(dim=1).numpy()
        model.train()
        return float((guess == y_test).mean()), guess

    history = []
    progress = Progress("training", epochs * len(loader))
    for epoch in range(1, epochs + 1):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
            progress.update()
        history.append((epoch, total / len(train), accuracy()[0]))
    progress.close()
    shown = [h for h in history if h[0] % 4 == 0 or h[0] in (1, epochs)]
    print_table(["epoch", "train loss", "test accuracy"], shown, f"DigitsCNN on {source}, RMSprop")
    final, guess = accuracy()
    wrong = np.flatnonzero(guess != y_test)
    print(f"\ntest accuracy {100 * final:.1f}% ({len(wrong)} of {len(test)} wrong)")

    plt = pyplot(args)
    if plt is not None:
        plot(model, x[test], y_test, guess, wrong, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {"accuracy": final, "history": history, "source": source}


def plot(model, x_test, y_test, guess, wrong, plt, args) -> None:
    filters = model.features[0].weight.detach().numpy()[:, 0]  # (16, 3, 3)
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
    for k, ax in enumerate(axes.flat):
        limit = np.abs(filters[k]).max()
        ax.imshow(filters[k], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        "The 16 learned 3x3 filters of the first layer (red +, blue -);\n"
        "RMSprop lr=2e-3, α=0.9, ε=1e-8"
    )
    save_figure(fig, args, "digits_cnn_filters.png")

    shown = wrong[:16]
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.8))
    for ax in axes.flat:
        ax.axis("off")
    for ax, k in zip(axes.flat, shown, strict=False):
        ax.imshow(x_test[k, 0], cmap="gray_r")
        ax.set_title(f"{y_test[k]}, said {guess[k]}", fontsize=8)
    fig.suptitle(
        f"Held-out digits the CNN gets wrong ({len(wrong)} in all; label, guess);\n"
        "RMSprop lr=2e-3, α=0.9, ε=1e-8"
    )
    save_figure(fig, args, "digits_cnn_mistakes.png")


if __name__ == "__main__":
    main(sys.argv[1:])
