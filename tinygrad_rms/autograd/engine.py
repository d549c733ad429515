"""The backward walk: from the gradient of some outputs to the gradient of every leaf.

Nodes are visited newest first (a max-heap on their creation number): every op that
uses a tensor was created after the op that made it, so by the time a node is popped
all the gradient flowing into it has arrived, and it runs once.  Only nodes that a
gradient actually reaches are visited; no separate topological sort is needed, and the
loop is iterative (a graph thousands of ops deep is fine).

Gradients of intermediate tensors live only in the walk's ``pending`` dict (summed when
a tensor is used twice); leaves add theirs into ``.grad`` (``+=``: calling backward twice
adds up, as in PyTorch).  Unless ``retain_graph`` is set, each node drops what it saved
once it has run.

``backward`` serves ``Tensor.backward`` and ``autograd.backward``; ``grad`` serves
``autograd.grad``, which returns gradients instead of accumulating them.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from .anomaly import check_finite_grads
from .function import BackwardFunction, check_versions
from .grad_mode import mode
from .graph import AccumulateGrad, Edge, Node, mutation_clock, tensor_type

__all__ = ["backward", "grad", "walk"]


def backward(
    tensors: Sequence[Any],
    grad_tensors: Sequence[np.ndarray],
    retain_graph: bool = False,
    inputs: Sequence[Any] | None = None,
) -> None:
    """Accumulate the gradient of ``tensors`` (seeded with ``grad_tensors``) into ``.grad``
    of every leaf they depend on, or, with ``inputs``, of those tensors only."""
    if inputs is None:
        walk(_seeds(tensors, grad_tensors), retain_graph, None)
        return
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    targets = _targets(inputs)
    for t in inputs:  # a non-leaf input keeps its gradient, as retain_grad() does
        if not isinstance(t._grad_edge[0], AccumulateGrad):
            t.retain_grad()  # (stored by the walk, when it reaches the tensor)
    found = walk(_seeds(tensors, grad_tensors), retain_graph, targets)
    for edge, position in targets.items():
        if found[position] is not None and isinstance(edge[0], AccumulateGrad):
            edge[0].accumulate(found[position])


def grad(
    outputs: Sequence[Any],
    inputs: Sequence[Any],
    grad_outputs: Sequence[np.ndarray],
    retain_graph: bool = False,
) -> list[np.ndarray | None]:
    """d(outputs · grad_outputs)/d(input) for each of ``inputs`` (None where unreached);
    no ``.grad`` is touched."""
    if not inputs:
        raise RuntimeError("grad requires non-empty inputs.")
    targets = _targets(inputs)
    found = walk(_seeds(outputs, grad_outputs), retain_graph, targets)
    return [found[targets[t._grad_edge]] for t in inputs]


def _seeds(tensors: Sequence[Any], grads: Sequence[np.ndarray]) -> list[tuple[Edge, np.ndarray]]:
    seeds = []
    for t, g in zip(tensors, grads, strict=True):
        if t._grad_edge is None:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        seeds.append((t._grad_edge, g))
    return seeds


def _targets(inputs: Sequence[Any]) -> dict[Edge, int]:
    """Each distinct input's gradient edge, numbered (a tensor may be listed twice)."""
    targets: dict[Edge, int] = {}
    for t in inputs:
        if t._grad_edge is None:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        targets.setdefault(t._grad_edge, len(targets))
    return targets


def walk(
    seeds: list[tuple[Edge, np.ndarray]],
    retain_graph: bool,
    targets: dict[Edge, int] | None = None,
) -> list[Any]:
    """The walk itself.

    Without ``targets``: gradients reach the leaves' ``AccumulateGrad`` nodes and go into
    ``.grad``.  With ``targets`` (edge -> position): nothing is accumulated; the gradient
    arriving at each target edge is returned at its position, and only nodes that lead
    to a target run.

    At each node: check that nothing it needs changed in place, run the tensor hooks,
    run its backward, check what came back against the inputs (one gradient each, of
    its shape and dtype), then hand each gradient on along the input's edge: to a leaf
    (added to its ``.grad`` when the whole walk has succeeded: a walk that raises
    part-way changes no ``.grad``), or into ``pending`` for a node still to come.
    """
    found: list[Any] = [None] * (len(targets) if targets else 0)
    needed = _leading_to(seeds, targets) if targets else None
    accumulate = targets is None
    pending: dict[Node, Any] = {}
    # Any: past the AccumulateGrad check a node is a BackwardFunction, which mypy cannot see
    heap: list[tuple[int, Any]] = []
    # the leaves' gradients wait for the end, so that a walk that raises part-way (a
    # tensor changed in place, anomaly mode, a hook) leaves every .grad as it was
    into_leaves: list[tuple[AccumulateGrad, Any, bool]] = []
    for (node, nr), g in seeds:
        _send(pending, heap, node, nr, g)
    anomaly = mode.anomaly
    clock = mutation_clock
    while heap:
        node = heappop(heap)[1]
        grads = pending.pop(node)
        if type(node) is AccumulateGrad:  # queued only to sum first, for hooks or targets
            grads = _run_hooks(node, grads)
            if targets is not None:
                found[targets[(node, 0)]] = grads
            else:
                into_leaves.append((node, grads, False))
            continue
        if node._made_at != clock.count:  # something changed in place since the op ran
            check_versions(node)
        if node._pre_hooks is not None:  # tensor hooks, retain_grad
            grads = _run_hooks(node, grads)
        if targets is not None:
            _capture(node, grads, targets, found)
        function = node._function
        arrays = function.arrays
        if arrays and node._n_outputs == 1 and node._inputs is not None:
            result = function.backward(node, grads)  # the library's ops: directly
            if type(result) is not tuple:
                result = (result,)
        else:
            result = node._run_backward(grads)
        if anomaly:
            check_finite_grads(node.op_name, node._site, result)
        edges = node._edges
        if len(result) != len(edges):
            result = node._wrong_count(result)
        if not arrays:  # checked, all before any is passed on (the library's
            result = node._checked(result)  # own ops are trusted to return exact shapes)
        for i, g in enumerate(result):
            if g is None:
                continue
            edge = edges[i]
            if not edge:
                if edge is False:
                    raise node._not_a_tensor(i)
                continue
            target = edge[0]
            if type(target) is AccumulateGrad:
                if target._pre_hooks is None and accumulate:  # the common case: add at the end
                    into_leaves.append((target, g, _owned(g, grads, result)))
                    continue
                if needed is not None and edge not in targets:  # type: ignore[operator]
                    continue
            elif needed is not None and target not in needed:
                continue
            if target._n_outputs == 1:  # type: ignore[attr-defined]
                if target in pending:
                    pending[target] = pending[target] + g
                else:
                    pending[target] = g
                    heappush(heap, (-target._sequence_nr, target))
            else:
                _send(pending, heap, target, edge[1], g)
        if not retain_graph:  # drop the inputs and the saved values; the edges stay
            node._inputs = node._saved = None
            node._made_at = -1
    for leaf_node, g, owned in into_leaves:
        leaf_node.accumulate(g, owned)
    return found


def _send(
    pending: dict[Node, Any], heap: list[tuple[int, Node]], node: Node, nr: int, g: Any
) -> None:
    """Add ``g`` to what output ``nr`` of ``node`` has received; queue the node the first
    time (a max-heap on creation numbers, which are unique: nodes are never compared)."""
    multi = isinstance(node, BackwardFunction) and node._n_outputs > 1
    if node in pending:
        if multi:
            slots = pending[node]
            slots[nr] = g if slots[nr] is None else slots[nr] + g
        else:
            pending[node] = pending[node] + g
        return
    if multi:
        slots = [None] * node._n_outputs  # type: ignore[attr-defined]
        slots[nr] = g
        pending[node] = slots
    else:
        pending[node] = g
    heappush(heap, (-node._sequence_nr, node))


def _capture(node: BackwardFunction, grads: Any, targets: dict[Edge, int], found: list) -> None:
    """``autograd.grad``: keep the gradient of each output of ``node`` that is a target."""
    for nr in range(node._n_outputs):
        position = targets.get((node, nr))
        if position is not None:
            found[position] = grads if node._n_outputs == 1 else grads[nr]


def _leading_to(seeds: list[tuple[Edge, np.ndarray]], targets: dict[Edge, int]) -> set[Node]:
    """The nodes from which some target edge can be reached (``autograd.grad`` runs only
    these).  Iterative depth-first search with memo."""
    target_nodes = {node for node, _ in targets}
    leads: dict[Node, bool] = {}
    for (root, _), _g in seeds:
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in leads and not expanded:
                continue
            children = [e[0] for e in getattr(node, "_edges", ()) if e]
            if not expanded:
                leads[node] = node in target_nodes
                stack.append((node, True))
                stack.extend((c, False) for c in children if c not in leads)
            else:
                leads[node] = leads[node] or any(leads.get(c, False) for c in children)
    return {node for node, ok in leads.items() if ok}


def _owned(g: np.ndarray, upstream: Any, siblings: tuple[Any, ...]) -> bool:
    """Whether ``g`` is a new buffer nobody else holds: not an incoming gradient passed
    through, not a view, and not handed to two inputs (then a leaf may keep it)."""
    if g is upstream or g.base is not None or not g.flags.writeable:
        return False
    if isinstance(upstream, list) and any(g is u for u in upstream):
        return False
    holders = 0
    for s in siblings:
        if s is g:
            holders += 1
    return holders == 1


def _run_hooks(node: Node, grads: Any) -> Any:
    """The tensor hooks registered on ``node``'s outputs, in order, each may replace the
    gradient; then ``retain_grad``'s storing into ``.grad`` (always last, as PyTorch)."""
    hooks = node._pre_hooks or {}
    single = not isinstance(grads, list)
    slots = [grads] if single else list(grads)
    wrap = tensor_type.wrap
    for nr, fns in hooks.items():
        for fn in list(fns):
            if slots[nr] is None:
                continue
            result = fn(wrap(slots[nr]))
            if result is not None:
                slots[nr] = _hook_result(result, slots[nr])
    for nr, ref in getattr(node, "__dict__", {}).get("_retained", {}).items():
        t = ref()
        if t is not None and slots[nr] is not None:
            _retain(t, slots[nr])
    return slots[0] if single else slots


def _hook_result(result: Any, old: np.ndarray) -> np.ndarray:
    if not isinstance(result, tensor_type.cls):
        raise TypeError(f"a tensor hook must return a Tensor or None, got {type(result).__name__}")
    if result._array.shape != old.shape:
        raise RuntimeError(
            f"hook returned a gradient of shape {result._array.shape}; the gradient it replaces "
            f"has shape {old.shape}"
        )
    return result._array.astype(old.dtype, copy=False)


def _retain(t: Any, g: np.ndarray) -> None:
    """``t.grad += g`` for a non-leaf that called ``retain_grad()``."""
    if t._grad is None:
        t._grad = tensor_type.wrap(np.array(g, dtype=t._array.dtype, order="C"))
    else:
        t._grad._array += g
