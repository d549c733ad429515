"""A character-level LSTM language model trained with RMSProp, on text every Python has.

The claim (the RMSProp document): RMSProp suits training RNNs and LSTMs, and performs well
on non-stationary targets, where Adagrad's ever-growing sum of squared gradients keeps
shrinking its steps.  The text is the docstrings of Python's own built-in functions and
types (read from the running interpreter when the example starts, nothing downloaded or
copied), split in two halves: the models train on the first half, then on the second
(the data the model sees changes under it: a non-stationary target).

The model: ``nn.Embedding`` → ``nn.LSTM`` (one layer, batch-first) → ``nn.Linear`` over
the characters, trained on random windows with cross-entropy (reported in bits per
character) and ``clip_grad_norm_(1.0)``.  The same model, starting weights and batches are
trained with RMSprop, Adagrad and SGD, each at a learning rate that works for it.

Run:   python examples/char_lstm.py [--plot] [--out DIR] [--quick]

What to look for: every optimizer at its best rate from a short sweep (see ``RATES``).
RMSprop's held-out loss ends lowest, but at this length its lead over Adagrad is modest
(about 0.1 bit per character; Adagrad's shrinking steps cost more the longer it runs);
SGD lags far behind.  All three jump at the switch and recover.  The sample line, from the
RMSprop model, starts to look like docstrings.  Measured on one seed: read it as an
illustration, not a benchmark.  With --plot: --out/char_lstm.png (held-out loss per
optimizer, the switch marked).
"""

from __future__ import annotations

import builtins
import inspect
import math
import sys
import time
from collections.abc import Sequence

import numpy as np
from _common import Progress, parse_args, print_table, pyplot, save_figure

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
import tinygrad_rms.optim as optim

EMBED, HIDDEN, WINDOW, BATCH = 32, 128, 48, 32
#: each optimizer's best rate in a short sweep of this example (240 steps; final held-out
#: bits/char): RMSprop 3e-3: 2.07, 1e-2: 1.22, 3e-2: 1.42; Adagrad 0.05: 1.80, 0.1: 1.30,
#: 0.2: 1.34; SGD 1: 3.47, 3: 2.55
RATES = {"RMSprop": 1e-2, "Adagrad": 0.1, "SGD": 3.0}


def corpus() -> str:
    """The docstrings of the builtins, printable ASCII only (tabs and odd characters to
    spaces), in a fixed order."""
    docs = [inspect.getdoc(getattr(builtins, name)) for name in sorted(dir(builtins))]
    text = "\n\n".join(d for d in docs if d)
    if len(text) < 20_000:  # python -OO strips docstrings: fall back to the source files
        text = inspect.getsource(inspect) + inspect.getsource(textwrap_module())
    return "".join(c if 32 <= ord(c) < 127 or c == "\n" else " " for c in text)


def textwrap_module():  # a second, always-present source file
    import textwrap

    return textwrap


class CharLSTM(nn.Module):
    def __init__(self, vocab: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def batches(ids: np.ndarray, rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """``n`` batches of BATCH windows of WINDOW + 1 characters (inputs and next chars)."""
    starts = rng.integers(0, len(ids) - WINDOW - 1, (n, BATCH))
    return [np.stack([ids[s : s + WINDOW + 1] for s in row]) for row in starts]


def loss_of(model: CharLSTM, batch: np.ndarray, vocab: int) -> tg.Tensor:
    logits, _ = model(tg.tensor(batch[:, :-1]))
    targets = tg.tensor(batch[:, 1:].reshape(-1))
    return nn.functional.cross_entropy(logits.reshape(-1, vocab), targets)


def sample(model: CharLSTM, chars: list[str], start: str, n: int, seed: int = 0) -> str:
    """``n`` characters after ``start``, drawn from the model (temperature 0.8)."""
    index = {c: i for i, c in enumerate(chars)}
    rng = np.random.default_rng(seed)
    out, state = list(start), None
    x = tg.tensor([[index[c] for c in start]])
    with tg.no_grad():
        for _ in range(n):
            logits, state = model(x, state)
            z = logits[0, -1].numpy().astype(np.float64) / 0.8
            p = np.exp(z - z.max())
            nxt = int(rng.choice(len(chars), p=p / p.sum()))
            out.append(chars[nxt])
            x = tg.tensor([[nxt]])
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    steps, every = (6, 3) if args.smoke else (240, 20)
    start = time.perf_counter()
    text = corpus()
    chars = sorted(set(text))
    vocab = len(chars)
    ids = np.array([chars.index(c) for c in text], dtype=np.int64)
    half = len(ids) // 2
    parts = {"first half": ids[:half], "second half": ids[half:]}
    print(
        f"{len(text)} characters of builtins' docstrings, {vocab} distinct; "
        f"{steps} steps per optimizer, the text switches halves at step {steps // 2}"
    )

    rng = np.random.default_rng(0)
    phase_batches = [
        batches(parts["first half"], rng, steps // 2),
        batches(parts["second half"], rng, steps - steps // 2),
    ]
    held_out = {name: batches(part, rng, 2) for name, part in parts.items()}
    tg.manual_seed(0)
    initial = CharLSTM(vocab).state_dict()

    curves: dict[str, list[tuple[int, float]]] = {}
    models: dict[str, CharLSTM] = {}
    progress = Progress("training", steps * len(RATES))
    for name, lr in RATES.items():
        model = CharLSTM(vocab)
        model.load_state_dict(initial)
        opt = getattr(optim, name)(model.parameters(), lr=lr)
        curve = []
        for step, batch in enumerate(phase_batches[0] + phase_batches[1], start=1):
            opt.zero_grad()
            loss = loss_of(model, batch, vocab)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            progress.update()
            if step % every == 0 or step == steps:
                current = "first half" if step <= steps // 2 else "second half"
                with tg.no_grad():
                    held = np.mean([loss_of(model, b, vocab).item() for b in held_out[current]])
                curve.append((step, float(held) / math.log(2)))
        curves[name], models[name] = curve, model
    progress.close()

    first = next(iter(curves.values()))
    rows = [[step] + [curves[n][k][1] for n in RATES] for k, (step, _) in enumerate(first)]
    print_table(
        ["step", *[f"{n} (lr {RATES[n]:g})" for n in RATES]],
        rows,
        "Held-out loss, bits per character (the text switches halves midway)",
    )
    writer = "RMSprop" if "RMSprop" in models else next(iter(models))
    line = sample(models[writer], chars, "Return ", 70)
    print(f"\n{writer}'s model writes: {line!r}")
    plt = pyplot(args)
    if plt is not None:
        plot(curves, steps, vocab, plt, args)
    print(f"({time.perf_counter() - start:.1f} s)")
    return {"curves": curves, "sample": line, "vocab": vocab, "steps": steps}


def plot(curves, steps, vocab, plt, args) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for name, curve in curves.items():
        ax.plot(
            [s for s, _ in curve],
            [v for _, v in curve],
            "o-",
            ms=3,
            label=f"{name} (lr {RATES[name]:g})",
        )
    ax.axvline(steps // 2, color="k", ls=":", label="text switches halves")
    ax.axhline(math.log2(vocab), color="gray", ls="--", lw=1, label="uniform guess")
    ax.set_xlabel("training step (batch of 32 windows of 48 characters)")
    ax.set_ylabel("held-out loss (bits per character)")
    ax.set_title("Character-level LSTM: the same model, batches and start, three optimizers")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, args, "char_lstm.png")


if __name__ == "__main__":
    main(sys.argv[1:])
