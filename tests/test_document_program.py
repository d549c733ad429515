"""The document's PyTorch program runs unchanged on tinygrad_rms, only its imports swapped."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "tests" / "fixtures" / "document_program.py.txt"
SEED = ROOT.parent / "shared" / "seed" / "000_1afa117a9cc95009.txt"

SWAPS = {
    "import torch\n": "import tinygrad_rms as torch\n",
    "import torch.nn as nn\n": "import tinygrad_rms.nn as nn\n",
    "import torch.optim as optim\n": "import tinygrad_rms.optim as optim\n",
}
EPOCH_LINE = re.compile(r"^Epoch \[(\d+)/10\], Loss: (\d+\.\d{4})$")


def _swap_imports(text: str) -> str:
    for old, new in SWAPS.items():
        assert text.count(old) == 1, f"expected exactly one line {old!r} in the program"
        text = text.replace(old, new)
    return text


def _run(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _losses(lines: list[str]) -> list[float]:
    matches = [EPOCH_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert [int(m.group(1)) for m in matches] == list(range(1, 11))
    return [float(m.group(2)) for m in matches]


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed document is not beside the repo")
def test_stored_program_is_the_documents_code_block():
    text = SEED.read_text(encoding="utf-8")
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    assert block == PROGRAM.read_text(encoding="utf-8")


def test_document_program_runs_with_only_imports_changed():
    original = PROGRAM.read_text(encoding="utf-8")
    swapped = _swap_imports(original)
    # nothing but the three import lines differs
    diff = [
        (a, b) for a, b in zip(original.splitlines(), swapped.splitlines(), strict=True) if a != b
    ]
    assert len(diff) == 3 and all("import" in a for a, _ in diff)
    losses = _losses(_run(swapped))
    assert losses[-1] < losses[0]


def test_example_prints_ten_decreasing_epochs():
    losses = _losses(_run((ROOT / "examples" / "simplenet.py").read_text(encoding="utf-8")))
    assert losses[-1] < losses[0]
    assert sum(b < a for a, b in itertools.pairwise(losses)) >= 7  # decreases overall
