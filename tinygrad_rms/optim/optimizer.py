"""The Optimizer base: parameter groups, per-parameter state, validation, zero_grad.

Subclasses declare their hyperparameters' defaults and checks and implement ``step``;
everything about *which* parameters and *which* hyperparameters lives here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from ..tensor import Tensor

__all__ = ["Optimizer"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


def _check_nonnegative(name: str, label: str) -> Callable[[Any], None]:
    """A check that ``value >= 0`` raising PyTorch's message, e.g. 'Invalid learning rate: -1'."""

    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
        if not value >= 0:  # also catches NaN
            raise ValueError(f"Invalid {label}: {value}")

    return check


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with "params" and hyperparameters) and ``state``.

    Args:
        params: an iterable of Tensors, or of dicts each with a "params" entry and
            optional per-group hyperparameters.
        defaults: hyperparameters used where a group does not set its own.
    """

    #: name -> check(value) raising ValueError/TypeError; subclasses fill it in.
    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {}

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self._validate(defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got a single Tensor of shape {params.shape}"
            )
        if isinstance(params, dict):
            raise TypeError("params argument should be an iterable of Tensors or dicts, got a dict")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        for group in groups:
            self.add_param_group(group)

    def _validate(self, hyper: dict[str, Any]) -> None:
        for name, check in self._checks.items():
            if name in hyper:
                check(hyper[name])

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with hyperparameters overriding the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param group must be a dict, got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError("param group must have a 'params' entry")
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but params entry "
                    f"{i} is a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf Tensor (params entry {i}, shape {p.shape})"
                )
            if p.data.dtype not in (np.float32, np.float64):
                raise TypeError(
                    f"can only optimize float32 or float64 Tensors, params entry {i} has dtype "
                    f"{p.data.dtype}"
                )
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            raise ValueError("optimizer params contain the same Tensor more than once")
        for other in self.param_groups:
            if ids & {id(p) for p in other["params"]}:
                raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self._validate(group)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to None (default, as PyTorch ≥ 2.0) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data.fill(0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])

    def _gather(self) -> list[tuple[dict[str, Any], list[Tensor], list[np.ndarray]]]:
        """Per group: the parameters that have a gradient, and those gradients.

        Every gradient is checked before any is used, so a bad one stops ``step`` before
        anything, parameter or state, has changed.
        """
        work = []
        for group in self.param_groups:
            params, grads = [], []
            for p in group["params"]:
                g = self._grad_of(p)
                if g is not None:
                    params.append(p)
                    grads.append(g)
            work.append((group, params, grads))
        return work

    def _grad_of(self, p: Tensor) -> np.ndarray | None:
        """``p``'s gradient array, checked to fit ``p`` (the kernels trust their inputs)."""
        if p.grad is None:
            return None
        g = p.grad.data
        if g.shape != p.data.shape or g.dtype != p.data.dtype:
            raise RuntimeError(
                f"{type(self).__name__}.step: gradient of shape {g.shape} and dtype {g.dtype} "
                f"does not match its parameter of shape {p.data.shape} and dtype {p.data.dtype}"
            )
        if not (g.flags.c_contiguous and p.data.flags.c_contiguous):
            raise RuntimeError(
                f"{type(self).__name__}.step: parameter of shape {p.data.shape} or its "
                "gradient is not C-contiguous"
            )
        return g
