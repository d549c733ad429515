"""The lesson docs/backprop.md runs top to bottom and prints what it says.

Every ```python block of the page is executed in order in one namespace, as a learner
pasting them into one session would; each line a block prints must equal the comment that
documents it (``print(...)  # 12.0``, or, for a print without a comment, the comment
lines right after it). The same blocks run again with ``import torch`` in place of
``tinygrad_rms`` and must print the same lines: every number the page claims comes from
PyTorch as much as from us. The gradients the page derives by hand are also checked
against central differences and PyTorch below, independently of the page.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest
from models import micrograd

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "backprop.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


def promised(block: str) -> list[str]:
    """The lines a block says it prints, from the comments on and after its prints."""
    said: list[str] = []
    collecting = False
    for line in block.splitlines():
        stripped = line.strip()
        if collecting and stripped.startswith("#"):
            said.append(stripped[1:].strip())
            continue
        collecting = False
        if stripped.startswith("print(") or " print(" in line:
            if "  # " in line:
                said.append(line.rsplit("  # ", 1)[1].strip())
            else:
                collecting = True
    return said


def run_page(library: str) -> list[tuple[str, list[str], list[str]]]:
    """(block, what it promised, what it printed) for each block run with ``library``."""
    namespace: dict = {"__name__": "lesson"}
    results = []
    for block in blocks():
        if library == "torch":
            if "viz" in block:  # drawing is tinygrad_rms's own
                continue
            code = block.replace("tinygrad_rms", "torch")
        else:
            code = block
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), namespace)
        results.append((block, promised(block), out.getvalue().splitlines()))
    return results


def test_the_page_has_the_lesson_parts() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert len(blocks()) >= 12
    for part in ("by hand", "micrograd", "from shapes", "add up", "gradcheck", "own op"):
        assert part in text, part
    assert text.count("<details>") >= 4  # exercises with answers
    assert "```text" not in text  # no pseudo-code dressed up; every code block runs
    for number in ("24.7041", "138.8338", "645.5773"):  # micrograd README's printed numbers
        assert f"# {number}" in text


@pytest.mark.parametrize("library", ["tinygrad_rms", "torch"])
def test_every_block_runs_in_order_and_prints_what_it_says(library: str) -> None:
    if library == "torch":
        pytest.importorskip("torch")
    results = run_page(library)
    assert sum(len(said) for _, said, _ in results) >= 25
    for block, said, printed in results:
        assert printed == said, f"{library} printed {printed}, the page says {said}:\n{block}"


# ------------------------------------------------------------------ the page's math, independently
def central(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar f at x, one entry at a time."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / (2 * eps)
    return grad


def test_neuron_table_by_central_differences() -> None:
    def loss(v: np.ndarray) -> float:  # v = (w, b); x = 2, y = 1
        return float((v[0] * 2.0 + v[1] - 1.0) ** 2)

    assert central(loss, np.array([-3.0, 10.0])) == pytest.approx([12.0, 6.0], abs=1e-6)

    def loss_half(v: np.ndarray) -> float:  # exercise 1: x = 0.5
        return float((v[0] * 0.5 + v[1] - 1.0) ** 2)

    assert central(loss_half, np.array([-3.0, 10.0])) == pytest.approx([7.5, 15.0], abs=1e-6)


def test_micrograd_numbers_are_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    values = micrograd(torch)  # the README's expression, in PyTorch
    a, b, g = values["a"], values["b"], values["g"]
    g.backward()
    assert f"{g.item():.4f} {a.grad.item():.4f} {b.grad.item():.4f}" == "24.7041 138.8338 645.5773"


def test_linear_relu_mse_formulas_by_central_differences() -> None:
    # section 3's data; the formulas of the page in plain numpy, against central differences
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-1.0, 2.0, 1.0], [0.0, 1.0, -2.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    params = {
        "W1": np.linspace(-1.0, 1.0, 12).reshape(4, 3),
        "b1": np.array([0.1, -0.2, 0.0, 0.3]),
        "W2": np.linspace(-0.5, 0.7, 8).reshape(2, 4),
        "b2": np.array([0.05, -0.05]),
    }

    def loss(p: dict) -> float:
        h = np.maximum(x @ p["W1"].T + p["b1"], 0.0)
        return float(np.mean((h @ p["W2"].T + p["b2"] - y) ** 2))

    z = x @ params["W1"].T + params["b1"]
    h = np.maximum(z, 0.0)
    y_hat = h @ params["W2"].T + params["b2"]
    g = 2 * (y_hat - y) / y_hat.size
    dz = (g @ params["W2"]) * (z > 0)
    by_hand = {"W1": dz.T @ x, "b1": dz.sum(0), "W2": g.T @ h, "b2": g.sum(0)}
    for name, value in params.items():
        numeric = central(lambda v, name=name: loss({**params, name: v}), value)
        np.testing.assert_allclose(by_hand[name], numeric, atol=1e-8)
    assert f"{loss(params):.6f}" == "0.758337"
    assert int((z > 0).sum()) == 6
    assert not np.all(z > 0)  # some units are off, so the ReLU's mask matters
    assert np.all(z[:, 1] <= 0) and np.all(by_hand["W1"][1] == 0)  # unit 1: off, no gradient


def test_accumulation_and_shares_by_central_differences() -> None:
    def y(v: np.ndarray) -> float:
        return float(v[0] * v[0] + v[0])

    assert central(y, np.array([3.0])) == pytest.approx([7.0], abs=1e-6)

    def y2(v: np.ndarray) -> float:  # exercise 4: b1 * b2 + b3**3, each use separate
        return float(v[0] * v[1] + v[2] ** 3)

    assert central(y2, np.array([2.0, 2.0, 2.0])) == pytest.approx([2.0, 2.0, 12.0], abs=1e-5)
    assert sum(central(y2, np.array([2.0, 2.0, 2.0]))) == pytest.approx(16.0, abs=1e-5)


def test_promised_reads_comments_on_and_after_prints() -> None:
    assert promised("print(1)  # 2\nfor i in range(2):\n    print(i)\n# 0\n# 1\n") == [
        "2",
        "0",
        "1",
    ]


def test_the_committed_graph_pictures_are_what_to_dot_draws_now() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import make_graph_picture as pictures
    finally:
        sys.path.remove(str(ROOT / "docs"))
    for stem in pictures.GRAPHS:
        _, _, text = pictures.drawn(stem)
        committed = (ROOT / "docs" / "img" / f"{stem}_graph.dot").read_text(encoding="utf-8")
        assert text == committed, (
            f"docs/img/{stem}_graph.dot is stale: python docs/make_graph_picture.py"
        )
    _, _, neuron = pictures.drawn("neuron")
    for shown in ("L: PowBackward0", "grad 6.0000", "w\\n()\\ndata -3.0000\\ngrad 12.0000"):
        assert shown in neuron, shown
