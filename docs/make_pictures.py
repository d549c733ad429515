"""Redraw every picture in docs/img from the examples, and record what each one shows.

Run from the repository root (matplotlib needed; a few minutes):

    python docs/make_pictures.py                  # redraw all, update docs/img/pictures.json
    python docs/make_pictures.py conventions      # ... or only these examples
    python docs/make_pictures.py --check          # redraw into a temporary folder and
                                                  # compare with pictures.json; no writes

Each example in PICTURES runs in a fresh Python process (so no state carries over from
one to the next) as ``python examples/NAME.py --plot --out docs/img``.  Every example
seeds its generators, so the pictures come out the same each time.  For every PNG,
docs/img/pictures.json records the sha256 of the numbers it plots: every point of every
line, scatter and contour, the axis limits, and the titles, labels and legend entries
(``examples/_common.py: figure_numbers``).  The numbers are rounded to 6 significant
digits first, because the order in which threads add up a BLAS product can change the
last bits of a float32 result, which no reader could see; the PNG bytes themselves are
not compared (they also depend on the matplotlib version and its fonts).
``tests/test_pictures.py`` recomputes the cheap ones and checks the rest are recorded.

Adding an example with a picture: one line in PICTURES.  docs/img/*_graph.* come
from docs/make_graph_picture.py, which this script runs too (unless --check or a subset).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
RECORD = IMG / "pictures.json"
#: example (examples/NAME.py) -> the PNGs its --plot draws
PICTURES: dict[str, list[str]] = {
    "simplenet": ["simplenet_loss.png"],
    "adagrad_vs_rmsprop": ["adagrad_vs_rmsprop.png"],
    "nonstationary": ["nonstationary.png"],
    "compare_optimizers": [
        "compare_simplenet.png",
        "compare_quadratic.png",
        "compare_lr_sweep.png",
    ],
    "rnn_sequence": ["rnn_sequence.png"],
    "char_lstm": ["char_lstm.png"],
    "digits_cnn": ["digits_cnn_filters.png", "digits_cnn_mistakes.png"],
    "conventions": ["conventions.png"],
    "rmsprop_lesson": [
        "rmsprop_ema_weights.png",
        "rmsprop_first_steps.png",
        "rmsprop_rho_paths.png",
        "rmsprop_rho_distance.png",
    ],
}
MARK = "pictures.json entries: "  # the driver's last line of output starts with this
# Runs one example as __main__ and reports what _common.save_figure recorded.
DRIVER = """
import json, runpy, sys
examples, name, out, mark = sys.argv[1:5]
sys.path.insert(0, examples)
sys.argv = [f"{examples}/{name}.py", "--plot", "--out", out]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as stop:
    if stop.code:
        raise
import _common
print(mark + json.dumps(_common.SAVED))
"""


def draw(name: str, out: Path, quiet: bool = False) -> dict[str, dict]:
    """Run examples/NAME.py --plot --out OUT in a fresh process; {png: {numbers, count}}."""
    command = [sys.executable, "-c", DRIVER, str(ROOT / "examples"), name, str(out), MARK]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"examples/{name}.py failed:\n{proc.stderr}")
    lines = proc.stdout.splitlines()
    if not quiet:
        print("\n".join(line for line in lines if not line.startswith(MARK)))
    saved = json.loads(next(line for line in lines if line.startswith(MARK))[len(MARK) :])
    if set(saved) != set(PICTURES[name]):
        raise RuntimeError(f"examples/{name}.py drew {sorted(saved)}, not {PICTURES[name]}")
    return saved


def entry(name: str, numbers: dict) -> dict:
    return {"command": f"python examples/{name}.py --plot --out docs/img", **numbers}


def load_record() -> dict[str, dict]:
    return json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("examples", nargs="*", help=f"default: all of {', '.join(PICTURES)}")
    parser.add_argument(
        "--check", action="store_true", help="compare with pictures.json; write nothing"
    )
    args = parser.parse_args(argv)
    names = args.examples or list(PICTURES)
    unknown = set(names) - set(PICTURES)
    if unknown:
        parser.error(f"no such example in PICTURES: {', '.join(sorted(unknown))}")
    record = load_record()
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) if args.check else IMG
        for name in names:
            start = time.perf_counter()
            print(f"== examples/{name}.py", flush=True)
            for png, numbers in draw(name, out, quiet=args.check).items():
                new = entry(name, numbers)
                if record.get(png) != new:
                    stale.append(png)
                record[png] = new
            print(f"   ({time.perf_counter() - start:.0f} s)", flush=True)
    if args.check:
        print(f"out of date: {', '.join(stale)}" if stale else "all pictures are current")
        return 1 if stale else 0
    record = {png: record[png] for png in sorted(record)}
    RECORD.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RECORD.relative_to(ROOT)}" + (f" ({len(stale)} changed)" if stale else ""))
    graph = ROOT / "docs" / "make_graph_picture.py"
    if not args.examples and graph.exists():  # the lessons' picture, not checksummed here
        subprocess.run([sys.executable, str(graph)], cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
