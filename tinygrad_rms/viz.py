"""A picture of the graph behind a tensor, as Graphviz DOT text.

``to_dot(loss)`` follows ``grad_fn.next_functions`` from the tensor, the same edges the
backward walk follows, and draws one box per op node (its name, e.g. ``MulBackward0``,
and the shape of the tensor it made), one green ellipse per leaf that requires grad (its
``AccumulateGrad``; named e.g. ``fc1.weight`` when ``params`` names it) and, while the
graph still holds its inputs, one grey ellipse per input that needs no gradient (data,
targets).  With ``path=...`` it also runs Graphviz's ``dot`` program, if installed, to
render an SVG/PNG/PDF.  No Python dependency is needed.

Call it before ``backward()`` (or after ``backward(retain_graph=True)``) to see the
inputs and shapes: backward frees what the nodes held, and only the nodes remain.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .autograd.graph import AccumulateGrad, Node
from .tensor import Tensor

__all__ = ["to_dot"]


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

    def name_of(thing: Any) -> str:
        return ids.setdefault(id(thing), f"n{len(ids)}")

    def leaf(t: Tensor, grad: bool) -> str:
        """The ellipse of a tensor (declared once, however many edges leave it)."""
        if id(t) in ids:
            return ids[id(t)]
        node = name_of(t)
        label = names.get(id(t)) or t.name or ("leaf" if grad else "input")
        color = "#d9f2d9" if grad else "#eeeeee"
        lines.append(
            f'  {node} [shape=ellipse, style=filled, fillcolor="{color}", '
            f'label="{label}\\n{tuple(t.shape)}"];'
        )
        return node

    root = tensor.grad_fn
    if root is None:
        leaf(tensor, tensor.requires_grad)
    shapes: dict[int, tuple[int, ...]] = {id(root): tuple(tensor.shape)}
    seen: set[int] = set()
    stack: list[Node] = [] if root is None else [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        me = name_of(node)
        shape = shapes.get(id(node), getattr(node, "_shown_shape", None))
        label = node.name() + (f"\\n{shape}" if shape is not None else "")
        lines.append(f'  {me} [shape=box, style=filled, fillcolor="#dde8f7", label="{label}"];')
        inputs = getattr(node, "_inputs", None)  # None once backward freed them
        real = getattr(node, "_edges", ())
        shown = node._function.shown_edges(node) if real else ()  # type: ignore[attr-defined]
        for j, edge in enumerate(shown):
            if edge is False:  # not a tensor argument
                continue
            t = inputs[j] if inputs is not None and isinstance(inputs[j], Tensor) else None
            if not edge:
                if t is not None:
                    lines.append(f"  {leaf(t, False)} -> {me};")
                continue
            child = edge[0]
            if isinstance(child, AccumulateGrad):
                variable = child.variable
                if variable is not None:
                    lines.append(f"  {leaf(variable, True)} -> {me};")
                continue
            if t is not None and edge is real[j]:  # the tensor this child made
                shapes.setdefault(id(child), tuple(t.shape))
            lines.append(f"  {name_of(child)} -> {me};")
            stack.append(child)
    if root is not None and getattr(root, "_inputs", ()) is None:
        lines.append('  freed [shape=note, label="inputs already freed by backward()"];')
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
