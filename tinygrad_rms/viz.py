"""A picture of the graph behind a tensor, as Graphviz DOT text.

``to_dot(loss)`` follows ``grad_fn.next_functions`` from the tensor, the same edges the
backward walk follows, and draws one box per op node (its name, e.g. ``MulBackward0``,
and the shape of the tensor it made), one green ellipse per leaf that requires grad (its
``AccumulateGrad``; named e.g. ``fc1.weight`` when ``params`` names it), and, while the
graph still holds its inputs, one grey ellipse per tensor input that needs no gradient
(``input``, or ``target`` for the second argument of a loss) and one white ellipse per
number or array the op took as a constant (``x * 2``: the 2).  A tensor's own ``name``
(``t.name = "h"``) is shown when set.

With ``values=True`` every tensor of at most ``max_elements`` elements also shows its
data (an op's output while the graph holds it), and every leaf shows its ``.grad`` once
``backward()`` has put one there.  With ``grads=True`` each op's output shows the
gradient of ``tensor`` with respect to it, worked out by a backward walk of its own that
changes no ``.grad`` (as ``autograd.grad``); that needs the graph whole: draw before
``backward()`` or after ``backward(retain_graph=True)``.  ``direction="backward"``
points the arrows the way gradients flow, from ``tensor`` down to the leaves.

With ``path=...`` it also runs Graphviz's ``dot`` program, if installed, to render an
SVG/PNG/PDF.  No Python dependency is needed.

Call it before ``backward()`` (or after ``backward(retain_graph=True)``) to see the
inputs and shapes: backward frees what the nodes held, and only the nodes remain.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .autograd.engine import walk
from .autograd.graph import CHANGED_AT, AccumulateGrad, Node
from .tensor import Tensor

__all__ = ["to_dot"]

_OP, _LEAF, _DATA, _CONSTANT = "#dde8f7", "#d9f2d9", "#eeeeee", "#ffffff"


def to_dot(
    tensor: Tensor,
    params: dict[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None,
    path: str | Path | None = None,
    *,
    values: bool = False,
    grads: bool = False,
    direction: str = "forward",
    max_elements: int = 6,
) -> str:
    """DOT text of the graph that produced ``tensor``; renders it to ``path`` if given.

    Args:
        tensor: the output (e.g. a loss) whose graph to draw.
        params: names for leaves, e.g. ``model.named_parameters()``.
        path: file to render with Graphviz (format from the suffix: .svg, .png, .pdf).
        values: also show the data of small tensors and the leaves' ``.grad``.
        grads: also show d tensor / d (each op's output), from a walk that changes no
            ``.grad`` (of ``tensor.sum()`` if ``tensor`` is not a scalar).
        direction: ``"forward"`` (arrows from inputs to the op using them, as data
            flows) or ``"backward"`` (from each op to its inputs, as gradients flow).
        max_elements: the largest tensor whose numbers are written out.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot expects a Tensor, got {type(tensor).__name__}")
    if direction not in ("forward", "backward"):
        raise ValueError(f'direction must be "forward" or "backward", got {direction!r}')
    names = {id(t): n for n, t in (params.items() if isinstance(params, dict) else params or ())}
    backward = direction == "backward"
    lines = [
        "digraph graph_of_tensor {",
        f'  rankdir="{"TB" if backward else "BT"}";',
        '  node [fontname="Helvetica", fontsize=11];',
    ]
    if backward:
        lines.append('  edge [color="#c0392b"];')
    ids: dict[int, str] = {}  # stable names n0, n1, ... in visiting order

    def name_of(thing: Any) -> str:
        return ids.setdefault(id(thing), f"n{len(ids)}")

    def arrow(source: str, user: str) -> None:
        """An edge between an input and the op that used it, pointed as asked."""
        lines.append(f"  {user} -> {source};" if backward else f"  {source} -> {user};")

    def numbers(label: str, array: Any) -> str:
        a = np.asarray(array)
        if a.size > max_elements:
            return ""
        if a.ndim == 0:
            text = f"{a.item():.4f}" if a.dtype.kind in "fc" else str(a.item())
        else:
            text = np.array2string(a, precision=4, separator=", ").replace("\n", "")
        return f"\\n{label} {text}"

    def ellipse(thing: Any, label: str, color: str, data: Any, grad: Any) -> str:
        """The ellipse of a leaf, an input or a constant (declared once)."""
        if id(thing) in ids:
            return ids[id(thing)]
        node = name_of(thing)
        text = f"{label}\\n{tuple(np.shape(data))}"
        if values or color == _CONSTANT:
            text += numbers("data", data)
        if values and grad is not None:
            text += numbers("grad", grad)
        lines.append(
            f'  {node} [shape=ellipse, style=filled, fillcolor="{color}", label="{text}"];'
        )
        return node

    def leaf(t: Tensor, role: str) -> str:
        label = names.get(id(t)) or t.name or role
        color = _LEAF if role == "leaf" else _DATA
        return ellipse(t, label, color, t._array, t._grad)

    root = tensor.grad_fn
    if root is None:
        leaf(tensor, "leaf" if tensor.requires_grad else "input")
    gradients = _gradients(tensor) if grads and root is not None else {}
    shapes: dict[int, tuple[int, ...]] = {id(root): tuple(tensor.shape)}
    outputs: dict[int, Tensor] = {id(root): tensor}  # an op's output, while known
    stale: set[int] = set()  # nodes whose output was changed in place after it was used
    seen: set[int] = set()
    stack: list[Node] = [] if root is None else [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        me = name_of(node)
        out = outputs.get(id(node))
        shape = shapes.get(id(node), getattr(node, "_shown_shape", None))
        label = node.name()
        if out is not None and out.name:
            label = f"{out.name}: {label}"
        if shape is not None:
            label += f"\\n{shape}"
        if values and out is not None and id(node) not in stale:
            label += numbers("data", out._array)
        if id(node) in gradients:
            label += numbers("grad", gradients[id(node)])
        lines.append(f'  {me} [shape=box, style=filled, fillcolor="{_OP}", label="{label}"];')
        inputs = getattr(node, "_inputs", None)  # None once backward freed them
        real = getattr(node, "_edges", ())
        shown = node._function.shown_edges(node) if real else ()  # type: ignore[attr-defined]
        for j, edge in enumerate(shown):
            if edge is False:  # not a tensor or an array (a dim, a reduction name)
                continue
            t = inputs[j] if inputs is not None and isinstance(inputs[j], Tensor) else None
            if not edge:
                if t is not None:
                    role = "target" if j == 1 and "Loss" in node.name() else "input"
                    arrow(leaf(t, role), me)
                elif inputs is not None and isinstance(inputs[j], np.ndarray):
                    const = inputs[j]
                    arrow(ellipse(const, "constant", _CONSTANT, const, None), me)
                continue
            child = edge[0]
            if isinstance(child, AccumulateGrad):
                variable = child.variable
                if variable is not None:
                    arrow(leaf(variable, "leaf"), me)
                continue
            if t is not None and edge is real[j]:  # the tensor this child made
                shapes.setdefault(id(child), tuple(t.shape))
                if t._grad_edge == edge:  # still that node's output: its name, and
                    outputs.setdefault(id(child), t)  # its value unless changed since
                    if t._version_counter[CHANGED_AT] > node._made_at:  # type: ignore[attr-defined]
                        stale.add(id(child))
            arrow(name_of(child), me)
            stack.append(child)
    if root is not None and getattr(root, "_inputs", ()) is None:
        lines.append('  freed [shape=note, label="inputs already freed by backward()"];')
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        _render(text, Path(path))
    return text


def _gradients(tensor: Tensor) -> dict[int, np.ndarray]:
    """d tensor.sum() / d (output of each op node in its graph), by id of the node; a
    walk with every node's first output as a target, so no ``.grad`` changes."""
    nodes: list[Node] = []
    seen: set[int] = set()
    stack = [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or isinstance(node, AccumulateGrad):
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(e[0] for e in getattr(node, "_edges", ()) if e)
    nodes = [n for n in nodes if getattr(n, "_n_outputs", 1) == 1]  # one output, one gradient
    targets = {(node, 0): i for i, node in enumerate(nodes)}
    seed = np.ones(tuple(tensor.shape), dtype=tensor._array.dtype)
    try:
        found = walk([(tensor._grad_edge, seed)], True, targets)  # type: ignore[list-item]
    except RuntimeError as e:
        raise RuntimeError(
            "to_dot(grads=True) runs a backward walk of its own, and this graph cannot be "
            "walked again; draw it before backward(), or after backward(retain_graph=True)"
        ) from e
    return {id(node): g for node, g in zip(nodes, found, strict=True) if g is not None}


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
