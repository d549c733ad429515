"""A picture of the graph behind a tensor, as Graphviz DOT text.

``to_dot(loss)`` walks the same ``_parents`` links that backward walks and emits one box
per op (its backward's name and output shape) and one ellipse per leaf (its name where
known, e.g. ``fc1.weight``).  With ``path=...`` it also runs Graphviz's ``dot`` program,
if installed, to render an SVG/PNG/PDF.  No Python dependency is needed.

Call it before ``backward()`` (or after ``backward(retain_graph=True)``): backward frees
the graph.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .tensor import Tensor

__all__ = ["to_dot"]


def _shape(t: Tensor) -> str:
    return str(tuple(t.shape))


def to_dot(
    tensor: Tensor,
    params: dict[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None,
    path: str | Path | None = None,
) -> str:
    """DOT text of the graph that produced ``tensor``; renders it to ``path`` if given.

    Args:
        tensor: the output (e.g. a loss) whose graph to draw.
        params: names for leaves, e.g. ``model.named_parameters()``.
        path: file to render with Graphviz (format from the suffix: .svg, .png, .pdf).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot expects a Tensor, got {type(tensor).__name__}")
    names = {id(t): n for n, t in (params.items() if isinstance(params, dict) else params or ())}
    lines = [
        "digraph graph_of_tensor {",
        '  rankdir="BT";',
        '  node [fontname="Helvetica", fontsize=11];',
    ]
    ids: dict[int, str] = {}  # stable names n0, n1, ... in visiting order

    def name_of(t: Tensor) -> str:
        return ids.setdefault(id(t), f"n{len(ids)}")

    seen: set[int] = set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = name_of(t)
        if t._op is not None:
            label = f"{t.grad_fn}\\n{_shape(t)}"
            lines.append(
                f'  {node} [shape=box, style=filled, fillcolor="#dde8f7", label="{label}"];'
            )
        else:
            name = names.get(id(t)) or t.name or ("leaf" if t.requires_grad else "input")
            color = "#d9f2d9" if t.requires_grad else "#eeeeee"
            label = f"{name}\\n{_shape(t)}"
            lines.append(
                f'  {node} [shape=ellipse, style=filled, fillcolor="{color}", label="{label}"];'
            )
        for parent in t._parents:
            lines.append(f"  {name_of(parent)} -> {node};")
            stack.append(parent)
    if tensor._op is not None and not tensor._parents:
        lines.append('  freed [shape=note, label="graph already freed by backward()"];')
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        _render(text, Path(path))
    return text


def _render(text: str, path: Path) -> None:
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            f"cannot render {path}: Graphviz's 'dot' program is not installed (e.g. "
            "'apt-get install graphviz' or 'brew install graphviz'); to_dot() still returns "
            "the DOT text, which you can save and render elsewhere"
        )
    fmt = path.suffix.lstrip(".") or "svg"
    subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=text, text=True, check=True)
