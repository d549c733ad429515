"""The graph as objects: one ``Node`` per recorded op, one ``AccumulateGrad`` per leaf.

A tensor's place in the graph is its *gradient edge* ``(node, output_nr)``: the node that
receives the tensor's gradient, and which of that node's outputs the tensor is.  For an
op's output that node is the op's backward node (PyTorch's ``grad_fn``); for a leaf
that requires grad it is the leaf's ``AccumulateGrad``, which adds the gradient into
``leaf.grad``; a tensor that needs no gradient has no edge (``None``).  Each node holds
the edges of its inputs, so from any output, ``grad_fn.next_functions`` leads back to
the leaves, as in PyTorch.

This module also keeps the *version counters* that make in-place changes safe: each
tensor has one, shared with its views; every in-place change bumps it and stamps it
with a global count of changes, so backward can tell whether a tensor it needs changed
after the op that used it ran.

autograd never imports ``tensor``: the one thing it needs of the Tensor class, turning
a numpy array into a Tensor (for ``.grad``, hooks and ``autograd.grad``'s results), it is
handed by ``tensor.py`` at import through ``use_tensor_type``.  What it reads of a
tensor is the small protocol in ``GraphTensor``.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import numpy as np

__all__ = [
    "AccumulateGrad",
    "GraphTensor",
    "Node",
    "RemovableHandle",
    "bump_versions",
    "mutation_clock",
    "new_version_counter",
    "use_tensor_type",
]

Edge = tuple["Node", int]


class GraphTensor(Protocol):
    """What autograd reads and writes of a tensor (``tensor.Tensor`` provides it)."""

    _array: np.ndarray  # the values
    _grad: Any  # the Tensor in ``.grad``, or None
    _grad_edge: Edge | None  # (node, output_nr); None when no gradient is needed
    _version_counter: list[int]  # [version, mutation_clock.count at the last change]


# ---------------------------------------------------------------------- the Tensor type
class _TensorType:
    """The Tensor class, handed over by ``tensor.py`` (``use_tensor_type``)."""

    cls: Any = None
    #: ``wrap(array)``: the array as a plain Tensor, no copy (the class's ``_wrap``)
    wrap: Callable[[np.ndarray], Any]


tensor_type = _TensorType()


def use_tensor_type(cls: Any) -> None:
    """Tell autograd which class is the Tensor (called once, by ``tensor.py``)."""
    tensor_type.cls = cls
    tensor_type.wrap = cls._wrap


# ---------------------------------------------------------------------- versions
VERSION, CHANGED_AT, SHARED = 0, 1, 2  # the three fields of a version counter


def new_version_counter() -> list[int]:
    """``[version, mutation_clock.count at the last change, shared]``: a list, the cheapest
    object to make (every op's output gets one).  ``shared`` is set to 1 once a second
    Tensor or array sees the same memory (a view, ``detach()``, ``.data``, ``numpy()``):
    an in-place op recorded in the graph can then not simply give the tensor new memory."""
    return [0, 0, 0]


class _MutationClock:
    """How many in-place changes there have been, to any tensor.

    A node records the count when its op runs (``made_at``).  In the usual loop (forward,
    backward, then the optimizer's step) nothing changes in place in between, and
    backward settles that with one comparison per node; only otherwise does it look at
    the inputs' counters.
    """

    __slots__ = ("_lock", "count")

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def tick(self) -> int:
        """One more change; returns the new count (`+=` is not atomic across threads, and a
        lost update could make a change look older than it is)."""
        with self._lock:
            self.count += 1
            return self.count


mutation_clock = _MutationClock()


def bump_versions(tensors: Iterable[GraphTensor]) -> None:
    """Mark ``tensors`` as changed in place: graphs that saw the old values must not
    backward through them."""
    now = mutation_clock.tick()
    for t in tensors:
        counter = t._version_counter  # shared by views of the same memory
        counter[VERSION] += 1
        counter[CHANGED_AT] = now


# ---------------------------------------------------------------------- nodes
#: Creation numbers of nodes: an op's inputs always have older nodes than the op itself,
#: so newest-first is a valid order for the backward walk.
sequence = itertools.count()


class Node:
    """A node of the backward graph: what PyTorch calls a ``grad_fn``.

    Subclasses: ``AccumulateGrad`` (a leaf's), and one ``<Op>Backward`` class per
    ``autograd.Function`` (see ``function.py``).
    """

    __slots__ = ()

    #: Set on every node: creation order, and the hooks run on its incoming gradients.
    _sequence_nr: int
    _pre_hooks: dict[int, list[Callable[[Any], Any]]] | None

    def name(self) -> str:
        """The node's class name, e.g. ``'MulBackward0'``."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """One ``(node, output_nr)`` per tensor input: where that input's gradient goes
        (``(None, 0)`` for an input that needs none)."""
        return ()

    def _add_pre_hook(self, output_nr: int, hook: Callable[[Any], Any]) -> RemovableHandle:
        """Run ``hook`` on the gradient of output ``output_nr`` before this node uses it."""
        if self._pre_hooks is None:
            self._pre_hooks = {}  # type: ignore[misc]  # a slot of each node subclass
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def _retain_grad(self, output_nr: int, tensor: Any) -> None:
        """Store the gradient of output ``output_nr`` in ``tensor.grad`` when it arrives
        (``retain_grad``); runs after the tensor hooks, as PyTorch's does."""
        if self._pre_hooks is None:
            self._pre_hooks = {}  # type: ignore[misc]  # (a slot) the walk looks only here first
        retained = self.__dict__.setdefault("_retained", {})
        retained[output_nr] = weakref.ref(tensor)

    def _retains_grad(self, output_nr: int) -> bool:
        return output_nr in self.__dict__.get("_retained", ())

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """A leaf's node: adds the gradient that reaches it into ``leaf.grad``.

    It holds its leaf weakly (the leaf holds it, in its gradient edge).
    """

    __slots__ = ("__weakref__", "_pre_hooks", "_sequence_nr", "_variable")
    _n_outputs = 1

    def __init__(self, variable: GraphTensor) -> None:
        self._variable = weakref.ref(variable)
        self._sequence_nr = next(sequence)
        self._pre_hooks = None

    @property
    def variable(self) -> Any:
        """The leaf tensor (None once it has been freed)."""
        return self._variable()

    def accumulate(self, grad: np.ndarray, owned: bool = False) -> None:
        """``leaf.grad += grad`` (a new ``.grad`` the first time).

        ``owned``: ``grad`` is a fresh array nobody else holds, so the leaf may keep it as
        its ``.grad`` instead of a copy.
        """
        leaf = self._variable()
        if leaf is None:
            return
        data = leaf._array
        if grad.shape != data.shape:  # an op that did not undo a broadcast would be a bug
            raise RuntimeError(
                f"internal error: gradient of shape {grad.shape} for a tensor of shape {data.shape}"
            )
        if leaf._grad is None:
            # the leaf keeps (and later adds into) this buffer, so it must own it
            if not (owned and grad.dtype == data.dtype and grad.flags.c_contiguous):
                grad = np.array(grad, dtype=data.dtype, order="C")
            leaf._grad = tensor_type.wrap(grad)
        else:
            leaf._grad._array += grad


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook out again."""

    __slots__ = ("_hook", "_hooks")

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Remove the hook (removing it twice is harmless)."""
        for i, h in enumerate(self._hooks):
            if h is self._hook:
                del self._hooks[i]
                return

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
