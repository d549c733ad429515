"""The pictures in docs/img are current, and every one can be redrawn by one command.

``docs/make_pictures.py`` records, for each PNG, a sha256 of the numbers it plots
(rounded to 6 significant digits: see ``examples/_common.py: figure_numbers``).  Redrawing
all of them takes minutes, so here only the cheap one (simplenet_loss.png) is redrawn
and compared; for the others the test checks that they are registered, recorded and
committed.  ``python docs/make_pictures.py --check`` compares all of them.
"""

from __future__ import annotations

import importlib.util
import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import _common  # noqa: E402  (examples/_common.py)

spec = importlib.util.spec_from_file_location("make_pictures", ROOT / "docs" / "make_pictures.py")
assert spec is not None and spec.loader is not None
make_pictures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_pictures)

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
needs_mpl = pytest.mark.skipif(plt is None, reason="matplotlib is not installed")


def test_every_registered_picture_is_committed_and_recorded() -> None:
    record = json.loads(make_pictures.RECORD.read_text(encoding="utf-8"))
    registered = {png for pngs in make_pictures.PICTURES.values() for png in pngs}
    assert set(record) == registered
    tracked = subprocess.run(
        ["git", "ls-files", "docs/img"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name, pngs in make_pictures.PICTURES.items():
        assert (EXAMPLES / f"{name}.py").exists(), name
        for png in pngs:
            assert f"docs/img/{png}" in tracked, png
            assert record[png]["command"] == f"python examples/{name}.py --plot --out docs/img"
            assert len(record[png]["numbers"]) == 64 and record[png]["count"] > 0


def test_every_picture_in_the_docs_has_a_maker() -> None:
    """A PNG the docs show comes from an example in PICTURES, or from one of the other
    scripts that write docs/img (the graph picture, the benchmarks)."""
    graphs = runpy.run_path(str(ROOT / "docs" / "make_graph_picture.py"))["GRAPHS"]
    others = {f"{stem}_graph.png" for stem in graphs} | {"b5_scaling.png"}
    registered = {png for pngs in make_pictures.PICTURES.values() for png in pngs}
    shown = set()
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = page.read_text(encoding="utf-8")
        shown |= {part.split(")")[0] for part in text.split("](img/")[1:]}
    assert shown, "no pictures found in the docs"
    assert shown <= registered | others, shown - registered - others


def test_default_output_folder_is_outside_the_repository() -> None:
    out = _common.DEFAULT_OUT.resolve()
    assert ROOT not in out.parents and out != ROOT


@needs_mpl
def test_the_numbers_checksum_sees_a_visible_change_but_not_the_last_bits() -> None:
    def digest(ys: np.ndarray, title: str = "t") -> str:
        fig, ax = plt.subplots()
        ax.plot(np.arange(5.0), ys, label="a")
        ax.set_title(title)
        ax.set_ylim(0, 5)
        items = _common.figure_numbers(fig)
        plt.close(fig)
        return _common.checksum(items)

    ys = np.array([1.0, 2.0, 3.0, 4.0, 1.2345678])
    base = digest(ys)
    assert digest(ys * (1 + 1e-12)) == base  # float noise far below 6 digits
    assert digest(ys + np.array([0, 0, 0, 0, 1e-3])) != base  # one point moved
    assert digest(ys, title="other") != base  # a caption changed


@needs_mpl
def test_simplenet_picture_is_current(monkeypatch, capsys, tmp_path: Path) -> None:
    """Redraw simplenet_loss.png into a temporary folder and compare its numbers."""
    monkeypatch.setattr(sys, "argv", ["simplenet.py", "--plot", "--out", str(tmp_path)])
    monkeypatch.setattr(_common, "SAVED", {})
    runpy.run_path(str(EXAMPLES / "simplenet.py"), run_name="__main__")
    capsys.readouterr()
    record = json.loads(make_pictures.RECORD.read_text(encoding="utf-8"))
    saved = _common.SAVED["simplenet_loss.png"]
    assert saved["numbers"] == record["simplenet_loss.png"]["numbers"], (
        "docs/img/simplenet_loss.png is stale: run python docs/make_pictures.py simplenet"
    )
    assert (tmp_path / "simplenet_loss.png").exists()
