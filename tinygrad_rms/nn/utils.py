"""``torch.nn.utils``' gradient clipping and parameter flattening.

    clip_grad_norm_        scale all gradients so that their joint norm is at most max_norm
    clip_grad_value_       clamp every gradient element into [−clip_value, clip_value]
    get_total_norm         the joint norm of some tensors (what clip_grad_norm_ returns)
    clip_grads_with_norm_  the scaling step of clip_grad_norm_, for a given total norm
    parameters_to_vector   all parameters as one flat vector (differentiable)
    vector_to_parameters   copy a flat vector back into the parameters

The gradients are changed in place (their ``.grad`` Tensors stay the same objects), as in
PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..arrays import default_float
from ..autograd import no_grad
from ..ops import movement
from ..porting import not_covered
from ..tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]


def _tensors(what: Any, name: str) -> list[Tensor]:
    """A Tensor or an iterable of them (e.g. ``model.parameters()``), as a list."""
    if isinstance(what, Tensor):
        return [what]
    if not isinstance(what, Iterable):
        raise TypeError(
            f"{name}: expected a Tensor or an iterable of Tensors, got {type(what).__name__}"
        )
    items = list(what)
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: expected Tensors, got a {type(t).__name__}")
    return items


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    """‖a‖_p of all elements, in the array's dtype (p = inf: max |a|; p = 0: nonzeros)."""
    a = np.abs(a.ravel())
    if p == math.inf:
        return a.max(initial=0).astype(a.dtype)
    if p == -math.inf:
        return a.min(initial=math.inf).astype(a.dtype)
    if p == 0:
        return np.asarray(np.count_nonzero(a), dtype=a.dtype)
    if p == 1:
        return np.asarray(a.sum(), dtype=a.dtype)
    if p == 2:
        return np.sqrt(np.dot(a, a)).astype(a.dtype)
    return np.asarray((a**p).sum() ** (1.0 / p), dtype=a.dtype)


def get_total_norm(
    tensors: Any, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach: Any = None
) -> Tensor:
    """The ``norm_type``-norm of all elements of ``tensors`` together (the norm of their
    norms), as a 0-d Tensor; 0 for no tensors.  ``norm_type`` may be ``inf``."""
    arrays = [t._array for t in _tensors(tensors, "get_total_norm")]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor(np.asarray(0.0, default_float()))
    dtype = np.result_type(*arrays)
    norms = np.stack([_vector_norm(a, norm_type).astype(dtype) for a in arrays])
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor(total)


@no_grad()
def clip_grads_with_norm_(
    parameters: Any, max_norm: float, total_norm: Tensor | float, foreach: Any = None
) -> None:
    """Scale the gradients by min(1, max_norm/(total_norm + 1e-6)), in place."""
    grads = [p.grad for p in _tensors(parameters, "clip_grads_with_norm_") if p.grad is not None]
    if not grads:
        return
    total = total_norm._array if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coefficient = np.minimum(float(max_norm) / (total + 1e-6), 1.0)
    for g in grads:
        g._array *= coefficient.astype(g._array.dtype)  # always, as PyTorch (×1 when no clip)
        g._bump_version()


def clip_grad_norm_(
    parameters: Any,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """Scale the gradients of ``parameters`` in place so that their joint ``norm_type``-norm
    is at most ``max_norm``; returns the norm before clipping (a 0-d Tensor).

    As PyTorch: the scale is max_norm/(norm + 1e-6), capped at 1; parameters without a
    gradient are skipped; a non-finite norm scales every gradient to NaN, or with
    ``error_if_nonfinite=True`` is a RuntimeError (nothing changed).
    """
    params = _tensors(parameters, "clip_grad_norm_")
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


@no_grad()
def clip_grad_value_(parameters: Any, clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient element of ``parameters`` into [−clip_value, clip_value], in
    place."""
    clip_value = float(clip_value)
    for p in _tensors(parameters, "clip_grad_value_"):
        if p.grad is not None:
            np.clip(p.grad._array, -clip_value, clip_value, out=p.grad._array)
            p.grad._bump_version()


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and joined into one vector, in order (a new tensor,
    differentiable as PyTorch's ``cat`` of views)."""
    params = _tensors(parameters, "parameters_to_vector")
    if not params:
        raise RuntimeError("parameters_to_vector: expected a non-empty list of Tensors")
    return movement.cat([movement.reshape(p, -1) for p in params])


@no_grad()
def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d ``vec`` into ``parameters``, in order.

    PyTorch makes each parameter a view of ``vec``; here the values are copied into the
    parameters' own arrays (they stay the arrays the optimizers update in place), so
    later changes to ``vec`` do not reach them.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = _tensors(parameters, "vector_to_parameters")
    needed = sum(p._array.size for p in params)
    if vec.ndim != 1 or vec._array.size != needed:
        raise RuntimeError(
            f"vector_to_parameters: a vector of shape {vec.shape} does not fit parameters "
            f"with {needed} elements in all (a 1-d vector of exactly that length is needed)"
        )
    pointer = 0
    for p in params:
        n = p._array.size
        p._array[...] = vec._array[pointer : pointer + n].reshape(p.shape)
        p._bump_version()
        pointer += n


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
