"""Reverse-mode machinery: grad mode, the backward walk, and gradient checking.

Every Tensor produced by an op while grad mode is on and some input requires grad
remembers its inputs (``_parents``) and a closure (``_backward``) that maps the
gradient of the output onto one gradient per input.  ``backward`` below visits those
nodes in reverse topological order (newest first), so each node is processed once,
after every node that uses it has contributed its share of the gradient.

This module knows nothing of Tensor's ops; it only walks the graph they built.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "GradcheckError",
    "detect_anomaly",
    "enable_grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]

_F = TypeVar("_F", bound=Callable[..., Any])


class _GradMode(threading.local):
    """Grad mode is per thread, as in PyTorch: ``no_grad`` in one thread leaves others alone."""

    enabled = True
    anomaly = False  # detect_anomaly(): check every op's output and gradients


_mode = _GradMode()

#: Creation numbers of recorded ops (``Tensor._seq``): inputs are always older than the
#: op that uses them, so newest-first is a valid order for the backward walk.
sequence = itertools.count()

#: How many in-place changes there have been, to any tensor (``bump_versions``).  An op
#: records the count when it runs (``_made_at``); each tensor's ``_vc`` holds its version
#: and the count at its own last change.  So backward can tell that nothing at all has
#: changed since an op ran with one comparison, and which input did with one per input.
_mutations = [0]
_mutations_lock = threading.Lock()


def bump_versions(tensors: Any) -> None:
    """Mark ``tensors`` as changed in place: graphs that saw the old values must not
    backward through them (see ``_check_versions``)."""
    with _mutations_lock:  # `+=` is not atomic: a lost or stale update could undo a bump
        _mutations[0] += 1
        now = _mutations[0]
    for t in tensors:
        vc = t._vc  # [version, count at the last change], shared by views
        vc[0] += 1
        vc[1] = now


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return _mode.enabled


class set_grad_enabled:
    """Turn graph recording on or off; restores the previous mode on exit.

    Works as a context manager and as a function decorator.
    """

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        self._saved.append(_mode.enabled)
        _mode.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._saved.pop()

    def __call__(self, fn: _F) -> _F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Context manager / decorator (``@no_grad`` or ``@no_grad()``): ops inside record no graph."""

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        return self if fn is None else set_grad_enabled(False)(fn)

    def __init__(self, fn: Callable[..., Any] | None = None) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Context manager / decorator: record the graph even inside ``no_grad``."""

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        return self if fn is None else set_grad_enabled(True)(fn)

    def __init__(self, fn: Callable[..., Any] | None = None) -> None:
        super().__init__(True)


def zero_grads(tensors: Any, set_to_none: bool = True) -> None:
    """Reset the ``.grad`` of each tensor: to None, or to zeros in place."""
    for t in tensors:
        if t.grad is None:
            continue
        if set_to_none:
            t.grad = None
        else:
            t.grad.data.fill(0)


def _freed_backward(_grad: np.ndarray) -> tuple:
    raise RuntimeError(
        "Trying to backward through the graph a second time (or to use saved arrays after "
        "they were freed). The arrays an op saved for backward are freed after the first "
        "backward(); call backward(retain_graph=True) the first time if you need to "
        "backward through the same graph again."
    )


class detect_anomaly:
    """Context manager: the first op whose output, or whose backward's gradient, holds a
    NaN or infinity raises RuntimeError naming the op and the line that created it.

    Costs a finiteness check per op and a stack walk per op creation: use it to debug.
    """

    def __init__(self) -> None:
        self._saved: list[bool] = []  # a stack: the same instance may be re-entered

    def __enter__(self) -> None:
        self._saved.append(_mode.anomaly)
        _mode.anomaly = True

    def __exit__(self, *exc: object) -> None:
        _mode.anomaly = self._saved.pop()


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def creation_site() -> str:
    """file:line of the innermost caller outside this package (where the user made the op)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def check_finite_output(op: str, data: np.ndarray) -> str:
    """For anomaly mode: raise if ``data`` is not all finite; return the creation site."""
    site = creation_site()
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        bad = "nan" if np.isnan(data).any() else "inf"
        raise RuntimeError(f"anomaly: the forward of {op} created at {site} produced {bad} values")
    return site


def _check_finite_grads(node: Any, grads: tuple) -> None:
    for i, g in enumerate(grads):
        if g is not None and not np.isfinite(g).all():
            raise RuntimeError(
                f"anomaly: the backward of {node._op} created at {node._site or '<unknown>'} "
                f"returned a non-finite gradient for its input {i}"
            )


def _accumulate_leaf(leaf: Any, grad: np.ndarray, owned: bool = False) -> None:
    if grad.shape != leaf.data.shape:  # a broadcast that an op did not undo would be a bug
        raise RuntimeError(
            f"internal error: gradient of shape {grad.shape} for a tensor of shape "
            f"{leaf.data.shape}"
        )
    if leaf.grad is None:
        # The leaf keeps (and later adds into) this buffer, so it must own it: copy unless
        # the op made it fresh for this input alone (see ``_fresh``).
        if not (owned and grad.dtype == leaf.data.dtype and grad.flags.c_contiguous):
            grad = np.array(grad, dtype=leaf.data.dtype, order="C")
        leaf.grad = leaf._wrap(grad)
    else:
        leaf.grad.data += grad


def _check_versions(node: Any) -> None:
    """Refuse to use an op's output or inputs that were changed in place after the op ran.

    Conservative: every input is checked, also for ops that saved nothing of it.  In the
    usual loop (forward, backward, then the optimizer's step) nothing at all has changed
    in place since the op ran, and one comparison settles it.
    """
    made_at = node._made_at
    if made_at == _mutations[0] or made_at < 0:  # untouched, or freed (backward will say)
        return
    for t in (node, *node._parents):
        if t._vc[1] > made_at:
            raise RuntimeError(
                f"one of the tensors needed to compute the gradient of {node._op} (shape "
                f"{t.shape}) has been modified by an in-place operation since that op ran "
                f"(it is now at version {t._vc[0]}). Compute the graph again after the "
                "change (e.g. call optimizer.step() after backward(), not before)."
            )


def _fresh(pg: np.ndarray, upstream: np.ndarray, siblings: tuple) -> bool:
    """Whether an op's gradient array is a new buffer nobody else holds: not the upstream
    gradient passed through, not a view, and not handed to two inputs."""
    if pg is upstream or pg.base is not None or not pg.flags.writeable:
        return False
    holders = 0
    for q in siblings:
        if q is pg:
            holders += 1
    return holders == 1


def backward(root: Any, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Propagate ``grad`` (d something / d root) back to every leaf that requires grad.

    Nodes are visited newest first (a max-heap on their creation number ``_seq``): every
    op that uses a node was created after it, so by the time a node is popped all the
    gradient flowing into it has arrived, and it is processed once.  Only nodes that a
    gradient actually reaches are ever visited; no separate topological sort is needed.

    Gradients of intermediate nodes live only in a local dict; leaves accumulate into
    ``.grad`` (``+=``, so calling backward twice adds up, as in PyTorch).  Unless
    ``retain_graph`` is set, each node drops its saved arrays once it has been used.
    """
    if root._backward is None:  # a leaf: its gradient is the seed itself
        _accumulate_leaf(root, grad)
        return
    pending: dict[int, np.ndarray] = {id(root): grad}
    heap = [(-root._seq, root)]  # creation numbers are unique, so Tensors are never compared
    anomaly = _mode.anomaly
    while heap:
        node = heappop(heap)[1]
        g = pending.pop(id(node))
        if node._made_at != _mutations[0]:  # something changed in place since the forward
            _check_versions(node)
        input_grads = node._backward(g)
        if anomaly:
            _check_finite_grads(node, input_grads)
        # one gradient per input, by every op's contract (the op tests check each of them)
        for parent, pg in zip(node._parents, input_grads):  # noqa: B905
            if pg is None or not parent.requires_grad:
                continue
            if parent._backward is None:
                _accumulate_leaf(parent, pg, parent.grad is None and _fresh(pg, g, input_grads))
                continue
            key = id(parent)
            if key in pending:
                pending[key] = pending[key] + pg
            else:
                pending[key] = pg
                heappush(heap, (-parent._seq, parent))
        if not retain_graph:
            node._parents, node._made_at = (), -1
            node._backward = _freed_backward


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Compare backprop's gradients of ``fn`` with central differences, in float64.

    Every input that requires grad is copied to float64.  The output is contracted with a
    fixed random vector ``v`` (so a non-scalar ``fn`` is checked along a generic direction)
    and for each input element the analytic ``∂(v·fn)/∂x`` is compared with
    ``(v·fn(x + eps) − v·fn(x − eps)) / 2eps``.

    Returns True, or raises ``GradcheckError`` naming the input, the element index and
    both values.
    """
    from .tensor import Tensor

    single = isinstance(inputs, Tensor)
    originals = [inputs] if single else list(inputs)
    xs = [
        Tensor(t.data, dtype=np.float64, requires_grad=t.requires_grad)
        if isinstance(t, Tensor) and t.dtype.kind == "f"
        else t
        for t in originals
    ]
    checked = [i for i, t in enumerate(xs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")

    def call() -> Any:
        return fn(*xs)

    out = call()
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    v = np.random.default_rng(seed).standard_normal(out.shape)
    if not out.requires_grad:
        raise RuntimeError("gradcheck: the output does not depend on any input that requires grad")
    out.backward(gradient=v)

    with no_grad():
        for i in checked:
            x = xs[i]
            analytic = np.zeros(x.shape) if x.grad is None else x.grad.data
            flat = x.data.reshape(-1)  # a view: perturbs x in place
            for j in range(flat.size):
                saved = flat[j]
                flat[j] = saved + eps
                plus = float(np.sum(call().data * v))
                flat[j] = saved - eps
                minus = float(np.sum(call().data * v))
                flat[j] = saved
                numeric = (plus - minus) / (2 * eps)
                a = float(analytic.reshape(-1)[j])
                if not abs(a - numeric) <= atol + rtol * abs(numeric):
                    index = tuple(int(k) for k in np.unravel_index(j, x.shape)) if x.ndim else ()
                    raise GradcheckError(
                        f"gradcheck: gradient mismatch for input {i} at index {index}: "
                        f"analytic {a!r}, numeric {numeric!r} (atol={atol}, rtol={rtol})"
                    )
    return True


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when backprop and central differences disagree."""
