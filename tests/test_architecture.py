"""The package's shape: imports point one way, with no circle anywhere.

    kernels, arrays, random   import nothing of ours (kernels: only each other)
    autograd                  knows no Tensor: never imports tensor, ops, nn, optim
    ops                       build on autograd and arrays
    tensor                    the front: lists the ops; knows nothing of nn or optim
    creation, legacy          make tensors (above tensor)
    utils                     data loading, above nn
    nn                        builds on tensor and ops; knows nothing of optim
    optim                     builds on tensor, autograd's version counters and the kernels

Every import statement counts, also one inside a function (a "lazy" import is still a
dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tinygrad_rms

pytestmark = pytest.mark.slow  # parses every source file (≈8 s): CI runs `-m slow`

PACKAGE = Path(tinygrad_rms.__file__).parent
NAME = "tinygrad_rms"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of ours it imports (``from x import y`` counts as x.y when y is
    a module, else as x)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        me = _module_name(path)
        package = me if path.name == "__init__.py" else me.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                if not source.startswith(NAME):
                    continue
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    targets.add(full if _is_module(full) else source)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith(NAME)}
        targets.discard(me)
        graph[me] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_graph_is_read_from_the_sources():
    graph = import_graph()
    assert f"{NAME}.tensor" in graph[f"{NAME}.nn.functional"]
    assert f"{NAME}.ops.arithmetic" in graph[f"{NAME}.tensor"]
    assert f"{NAME}.autograd" in graph[f"{NAME}.ops.arithmetic"]


def test_no_import_circle_anywhere():
    assert _cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# layer -> the layers it must never import
# everything above autograd (the Tensor and what is built on it)
_ABOVE_AUTOGRAD = {
    "tensor",
    "creation",
    "legacy",
    "ops",
    "nn",
    "optim",
    "kernels",
    "serialization",
    "utils",
    "viz",
    "random",
}
FORBIDDEN = {
    "kernels": {"arrays", "autograd", "ops", "tensor", "nn", "optim", "random", "serialization"},
    "arrays": {"kernels", "autograd", "ops", "tensor", "nn", "optim", "random", "serialization"},
    "random": {"kernels", "arrays", "autograd", "ops", "tensor", "nn", "optim", "serialization"},
    "device": {"kernels", "arrays", "autograd", "ops", "tensor", "nn", "optim", "serialization"},
    "autograd": _ABOVE_AUTOGRAD,
    "ops": _ABOVE_AUTOGRAD - {"ops", "random", "kernels"},  # kernels sit below everything
    "tensor": {"nn", "optim", "kernels", "serialization", "viz", "creation", "legacy", "utils"},
    "creation": {"nn", "optim", "kernels", "serialization", "viz", "legacy", "utils"},
    "legacy": {"nn", "optim", "kernels", "serialization", "viz", "utils"},
    "nn": {"optim", "kernels", "serialization", "viz", "utils"},
    "optim": {"nn", "serialization", "viz", "utils"},
}


def _layer(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_dependencies_point_one_way(layer):
    for module, targets in import_graph().items():
        if _layer(module) != layer:
            continue
        bad = sorted(t for t in targets if _layer(t) in FORBIDDEN[layer])
        assert not bad, f"{module} imports {bad}"
