"""The documentation stays true: the API reference is regenerated from the code, every
public name has a docstring, and every picture is referenced with the command that
redraws it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))

import make_api  # noqa: E402


def test_every_public_name_has_a_docstring():
    assert make_api.undocumented() == []


def test_api_reference_is_up_to_date():
    assert (DOCS / "api.md").read_text(encoding="utf-8") == make_api.render(), (
        "docs/api.md is stale: run python docs/make_api.py"
    )


def _pages() -> dict[str, str]:
    pages = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    pages["README.md"] = (ROOT / "README.md").read_text(encoding="utf-8")
    return pages


def test_every_linked_page_and_picture_exists():
    for name, text in _pages().items():
        base = ROOT if name == "README.md" else DOCS
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if target.startswith("http"):
                continue
            assert (base / target).exists(), f"{name} links to missing {target}"


def test_every_picture_is_shown_with_the_command_that_draws_it():
    pages = "\n".join(_pages().values())
    for png in (DOCS / "img").glob("*.png"):
        assert f"img/{png.name}" in pages, f"docs/img/{png.name} is not shown on any page"
    for page, text in _pages().items():
        for image in re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", text):
            at = text.index(image)
            around = text[max(0, at - 400) : at + 600]  # the caption before or after it
            assert "python " in around, f"{page}: no command given to redraw {image}"


def test_readme_links_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("docs/index.md", "docs/rmsprop.md", "docs/benchmarks.md"):
        assert page in readme


@pytest.mark.slow  # runs the worked example (≈2 s)
def test_rmsprop_worked_example_numbers_are_what_the_library_computes():
    # the table in docs/rmsprop.md was produced by the snippet printed on that page
    text = (DOCS / "rmsprop.md").read_text(encoding="utf-8")
    snippet = text.split("Reproduce with:\n\n```python\n", 1)[1].split("```", 1)[0]
    out = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        fw = line.split()[0]
        numbers = [float(x) for x in re.findall(r"[-+]?\d\.\d+e[-+]\d+", line)]
        row = next(r for r in text.splitlines() if r.startswith(f"| {fw} ("))
        documented = [float(x) for x in re.findall(r"\d\.\d+e[-+]\d+", row.split("|")[3])]
        assert len(numbers) == 3 and len(documented) == 3
        for got, shown in zip(numbers, documented, strict=True):
            assert abs(got - shown) <= 0.0006 * abs(shown), (fw, got, shown)


# docs/backprop.md's blocks run in order, with us and with PyTorch: tests/test_lessons.py
