"""Small helpers shared by the examples (not part of the library).

Every example has the same command line (``python examples/NAME.py --help`` prints it):

    --quick   a short run (seconds) that checks the example works; the tests use it
              (``--smoke`` is the same flag under its older name)
    --plot    also draw its figure(s) as PNG files into --out
    --out DIR where files go; default: a folder in the system's temporary directory
              (see DEFAULT_OUT), never the repository.  The documentation's pictures are
              redrawn by ``python docs/make_pictures.py``, which passes ``--out docs/img``.

Plotting needs matplotlib; without it the example prints a note and still runs fully.

``save_figure`` also records, for each picture, a checksum of the numbers it shows (see
``figure_numbers``): ``docs/make_pictures.py`` keeps them in ``docs/img/pictures.json``
and ``tests/test_pictures.py`` checks the committed pictures against them.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(tempfile.gettempdir()) / "tinygrad_rms_examples"
SIGNIFICANT = 6  # digits kept when numbers are checksummed (see figure_numbers)
#: what save_figure recorded in this process: PNG name -> {"numbers": sha256, "count": n}
SAVED: dict[str, dict[str, Any]] = {}


def make_parser(description: str) -> argparse.ArgumentParser:
    """The examples' common command line: --quick (alias --smoke), --plot, --out DIR.

    ``--help`` prints the example's whole docstring (the experiment and what to look for)
    and exits with status 0 before anything runs or is written.
    """
    parser = argparse.ArgumentParser(
        description=description.strip(), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        "--smoke",
        dest="quick",
        action="store_true",
        help="a short run that only checks the example works (the tests and CI use it)",
    )
    parser.add_argument("--plot", action="store_true", help="also write the figure(s) into --out")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder for the files it writes (default {DEFAULT_OUT}; "
        "python docs/make_pictures.py redraws docs/img)",
    )
    return parser


def parse_args(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    """Parse the common command line; ``args.smoke`` mirrors ``args.quick``."""
    args = make_parser(description).parse_args(list(argv) if argv is not None else None)
    args.smoke = args.quick  # the name the examples used first
    return args


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


def _numbers(values: Any) -> list[str]:
    """Numbers as text with SIGNIFICANT digits (−0 as 0; nan and inf spelled out)."""
    array = np.ma.filled(np.ma.asarray(values, dtype=np.float64), np.nan).ravel() + 0.0
    return list(np.char.mod(f"%.{SIGNIFICANT - 1}e", array))


def figure_numbers(fig: Any) -> list[str]:
    """What a figure shows, as a list of strings: every plotted point of every line,
    collection (scatter, contour), patch (shaded spans) and image, the axis limits and
    scales, and every title, label, legend entry and text, axes by axes.

    Numbers are rounded to SIGNIFICANT (6) digits: threads may change the last bits of a
    BLAS result, and a checksum of rounded numbers survives that while any visible change
    to the picture changes it.  (A number that lies exactly on a rounding boundary could
    still flip; none has so far.)  Tick labels are left out: they follow from the limits.
    """
    out: list[str] = []
    if fig._suptitle is not None:
        out.append(fig._suptitle.get_text())
    for ax in fig.axes:
        out += ["axes", ax.get_title("left"), ax.get_title(), ax.get_title("right")]
        out += [ax.get_xlabel(), ax.get_ylabel(), ax.get_xscale(), ax.get_yscale()]
        out += _numbers([*ax.get_xlim(), *ax.get_ylim()])
        for line in ax.get_lines():
            out += ["line", line.get_label(), *_numbers(line.get_xydata())]
        for coll in ax.collections:
            out += ["collection", coll.get_label(), *_numbers(coll.get_offsets())]
            for path in coll.get_paths():
                out += _numbers(path.vertices)
        for patch in ax.patches:
            corners = patch.get_patch_transform().transform(patch.get_path().vertices)
            out += ["patch", patch.get_label(), *_numbers(corners)]
        for image in ax.images:
            out += ["image", *_numbers(image.get_array())]
        out += ["text", *(t.get_text() for t in ax.texts)]
        legend = ax.get_legend()
        if legend is not None:
            out += ["legend", *(t.get_text() for t in legend.get_texts())]
    return out


def checksum(items: Sequence[str]) -> str:
    """sha256 of the items, one per line."""
    return hashlib.sha256("\n".join(items).encode("utf-8")).hexdigest()


def save_figure(fig: Any, args: argparse.Namespace, name: str) -> Path:
    """Save ``fig`` as ``--out/name``, record the checksum of its numbers, close it."""
    import matplotlib.pyplot as plt

    items = figure_numbers(fig)
    SAVED[name] = {"numbers": checksum(items), "count": len(items)}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")
    return path


def mark_diverged(ax: Any, xs: Sequence[float], label: str = "diverged") -> None:
    """Draw an × at the top edge of ``ax`` above each x in ``xs`` (runs that diverged, whose
    values a log axis cannot show), with a legend entry, so that no run vanishes silently."""
    if len(xs):
        ax.plot(
            xs,
            [0.97] * len(xs),
            "x",
            ms=9,
            mew=2,
            color="k",
            transform=ax.get_xaxis_transform(),  # x in data units, y in axes fraction
            clip_on=False,
            label=label,
        )


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
