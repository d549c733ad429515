"""Small helpers shared by the examples (not part of the library).

Every example is run as ``python examples/NAME.py [--smoke] [--plot] [--out DIR]``:

    --smoke   a few steps only: checks that the example runs (the tests use it)
    --plot    also draw its figure as a PNG into --out (default docs/img)

Plotting needs matplotlib; without it the example prints a note and still runs fully.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "img"


def parse_args(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    """The examples' common command line: --smoke, --plot, --out DIR."""
    parser = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few steps only (for tests)")
    parser.add_argument("--plot", action="store_true", help="write a PNG into --out")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"folder for PNGs (default {DEFAULT_OUT})"
    )
    return parser.parse_args(list(argv) if argv is not None else None)


def pyplot(args: argparse.Namespace) -> Any:
    """matplotlib.pyplot (headless) if --plot was given and matplotlib is installed, else None."""
    if not args.plot:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")  # draw to files only, never open a window
        import matplotlib.pyplot as plt
    except ImportError:
        print("note: matplotlib is not installed, so no plot (pip install matplotlib)")
        return None
    return plt


def save_figure(fig: Any, args: argparse.Namespace, name: str) -> Path:
    """Save ``fig`` as ``--out/name`` and close it; returns the path."""
    import matplotlib.pyplot as plt

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")
    return path


class Progress:
    """A one-line counter ``label 123/1000`` on stderr, redrawn in place.

    Shown only on a terminal (so logs and tests stay clean), at most ten times a second.
    """

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            sys.stderr.write(f"\r{self.label} {self.done}/{self.total}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:  # wipe the line so the table that follows starts clean
            sys.stderr.write("\r" + " " * (len(self.label) + 24) + "\r")
            sys.stderr.flush()


def fmt(value: Any) -> str:
    """One table cell: floats to 4 significant digits (scientific if tiny or huge), else str."""
    if isinstance(value, bool | str | int):
        return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isfinite(x) and x != 0 and not 1e-3 <= abs(x) < 1e5:
        return f"{x:.3e}"
    return f"{x:.4g}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
    """Print rows as a small aligned table (first column left-aligned, the rest right)."""
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        rest = [v.rjust(w) for v, w in zip(values[1:], widths[1:], strict=True)]
        return "  ".join([values[0].ljust(widths[0]), *rest])

    if title:
        print(f"\n{title}")
    print(line([str(h) for h in headers]))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
