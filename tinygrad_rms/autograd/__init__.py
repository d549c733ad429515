"""Reverse-mode automatic differentiation, open to read and to extend.

    grad_mode.py   no_grad / enable_grad / set_grad_enabled: whether ops record the graph
    graph.py       the graph as objects: Node (a grad_fn), AccumulateGrad (a leaf's),
                   version counters for in-place safety, hook handles
    function.py    Function: forward + backward, the door every op comes in by
    engine.py      the backward walk
    anomaly.py     detect_anomaly: find the op that made the first NaN/inf
    gradcheck.py   gradcheck: backward against central differences

This package never imports the Tensor (only ``arrays.py``'s broadcasting rule): it works on
nodes and numpy arrays, and wraps
arrays as Tensors only at its edges (``.grad``, hooks, results of ``grad``) with the
class ``tensor.py`` hands it (``graph.use_tensor_type``).

Public API as PyTorch's ``torch.autograd``: ``Function``, ``backward``, ``grad``,
``no_grad``, ``inference_mode``, ``enable_grad``, ``set_grad_enabled``, ``is_grad_enabled``,
``detect_anomaly``, ``gradcheck``, ``graph.Node``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..porting import not_covered
from . import graph
from .anomaly import detect_anomaly
from .engine import backward as _backward_walk
from .engine import grad as _grad_walk
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck
from .graph import tensor_type

__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "graph",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]


def _as_list(name: str, value: Any) -> list[Any]:
    if isinstance(value, tensor_type.cls):
        return [value]
    if isinstance(value, Sequence):
        items = list(value)
        for i, t in enumerate(items):
            if not isinstance(t, tensor_type.cls):
                raise TypeError(f"{name}[{i}] must be a Tensor, got {type(t).__name__}")
        return items
    raise TypeError(f"{name} must be a Tensor or a sequence of Tensors, got {type(value).__name__}")


def _seed(t: Any, g: Any) -> np.ndarray:
    """The gradient to start from at output ``t``: ``g`` as an array of ``t``'s dtype, or 1
    for a one-element ``t`` when ``g`` is None."""
    if g is None:
        if t._array.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this tensor has "
                f"shape {tuple(t.shape)}: pass its gradient (e.g. backward(gradient=...)) of "
                "that shape"
            )
        return np.ones_like(t._array)
    data = g._array if isinstance(g, tensor_type.cls) else g
    try:
        seed = np.array(data, dtype=t._array.dtype)
    except (TypeError, ValueError):
        raise TypeError(
            f"the gradient must be a Tensor, an array or a number, got {type(g).__name__}"
        ) from None
    if seed.shape != t._array.shape:
        raise RuntimeError(
            f"backward: gradient has shape {seed.shape} but the tensor has shape "
            f"{tuple(t._array.shape)}"
        )
    return seed


def _seeds(outputs: list[Any], grads: Any) -> list[np.ndarray]:
    if grads is None:
        grads = [None] * len(outputs)
    elif isinstance(grads, tensor_type.cls) or not isinstance(grads, Sequence):
        grads = [grads]
    grads = list(grads)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} gradients for {len(outputs)} outputs")
    return [_seed(t, g) for t, g in zip(outputs, grads, strict=True)]


def _refuse_create_graph(create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (gradients of gradients) is not supported: the backward "
            "functions work on numpy arrays and record no graph"
        )


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Add d(Σ tensorsᵢ · grad_tensorsᵢ)/d(leaf) into ``.grad`` of every leaf that the
    ``tensors`` depend on (or only of ``inputs``, when given).

    ``grad_tensors`` may be omitted for one-element outputs (it is then 1).  Unless
    ``retain_graph``, the graph's saved values are freed afterwards.
    """
    _refuse_create_graph(create_graph)
    outputs = _as_list("tensors", tensors)
    seeds = _seeds(outputs, grad_tensors)
    wanted = None if inputs is None else _as_list("inputs", inputs)
    _backward_walk(outputs, seeds, bool(retain_graph), wanted)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """The gradients of ``outputs`` (times ``grad_outputs``) with respect to ``inputs``,
    returned as a tuple of Tensors; no ``.grad`` is changed.

    An input the outputs do not depend on is an error unless ``allow_unused`` (its
    gradient is then None, or zeros with ``materialize_grads``).
    """
    _refuse_create_graph(create_graph)
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    outs = _as_list("outputs", outputs)
    ins = _as_list("inputs", inputs)
    seeds = _seeds(outs, grad_outputs)
    found = _grad_walk(outs, ins, seeds, bool(retain_graph))
    allow_unused = allow_unused or materialize_grads
    wrap = tensor_type.wrap
    results = []
    for t, g in zip(ins, found, strict=True):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            results.append(wrap(np.zeros_like(t._array)) if materialize_grads else None)
        else:
            results.append(wrap(np.array(g, dtype=t._array.dtype)))
    return tuple(results)


class _VariableType(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, tensor_type.cls)


class Variable(metaclass=_VariableType):
    """PyTorch's old (before 0.4) wrapper, kept as PyTorch keeps it: ``Variable(t,
    requires_grad=True)`` is a new Tensor on ``t``'s memory, and every Tensor is a
    ``Variable`` to ``isinstance``."""

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:  # type: ignore[misc]
        tensor = tensor_type.cls
        if not isinstance(data, tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        return out.requires_grad_(True) if requires_grad else out


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
