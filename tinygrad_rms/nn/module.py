"""Module and Parameter: the containers that make a model out of Tensors.

A Module registers every Parameter and sub-Module assigned to one of its attributes, so
``named_parameters()`` and ``state_dict()`` can name them by attribute path
(``fc1.weight``), exactly as PyTorch does.  Registered values are also stored as plain
attributes, so reading ``self.fc1`` costs no more than any attribute lookup.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor, zero_grads

__all__ = ["Module", "Parameter"]


class Parameter(Tensor):
    """A Tensor that a Module registers as one of its parameters (requires grad by default).

    Its data is always a C-contiguous float array it owns, which the optimizers' kernels
    update in place.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, np.float32)
        super().__init__(data)
        if not self.data.flags.c_contiguous:
            self.data = self.data.copy(order="C")
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class for models: subclass it, assign layers in ``__init__``, write ``forward``."""

    training: bool
    _parameters: dict[str, Parameter | None]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        if isinstance(value, Parameter | Module):
            if params is None or modules is None:
                kind = "parameters" if isinstance(value, Parameter) else "module"
                raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
            params.pop(name, None)
            modules.pop(name, None)
            (params if isinstance(value, Parameter) else modules)[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(a Parameter or None is expected)"
                )
            params[name] = None
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(a Module or None is expected)"
                )
            modules[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``; ``None`` records an absent parameter (e.g. bias)."""
        if param is None:
            self._parameters[name] = None
            object.__setattr__(self, name, None)
        elif not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' as parameter '{name}'")
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name`` (None records an absent child)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all below it, each once, with its dotted path."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{k}" if name else k, m) for k, m in module._modules.items()]
            stack.extend(reversed([(k, m) for k, m in children if m is not None]))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, each once."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct sub-module."""
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two modules appears once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, module in modules:
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_name}.{name}" if mod_name else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and its sub-modules, each once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on this module and all below."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (e.g. Dropout off); same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (False freezes the module)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter (to None by default)."""
        zero_grads(self.parameters(), set_to_none)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first), then on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, dtype: Any) -> Module:
        """Convert every parameter to float ``dtype`` in place (the Parameter objects stay)."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"Module.to: parameters can be float32 or float64, not {dtype}")
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p._bump_version()
            if p.grad is not None:
                p.grad = Tensor(p.grad.data, dtype=dtype)
        return self

    def float(self) -> Module:
        """Convert every parameter to float32 in place."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Convert every parameter to float64 in place."""
        return self.to(np.float64)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Tensor]:
        """Parameter name -> detached Tensor sharing the parameter's data (PyTorch's keys)."""
        return {name: p.detach() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or numpy arrays) into the parameters, in place.

        Everything is checked before anything is copied: with ``strict`` a missing or
        unexpected key is an error; a shape or dtype mismatch always is.  All problems are
        reported together in one RuntimeError and the model is left unchanged.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"expected a dict for state_dict, got {type(state_dict).__name__}")
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict:
            problems += [f'Missing key(s) in state_dict: "{k}"' for k in missing]
            problems += [f'Unexpected key(s) in state_dict: "{k}"' for k in unexpected]
        values = {}
        for key, p in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            arr = value.data if isinstance(value, Tensor) else value
            if not isinstance(arr, np.ndarray | np.generic):
                problems.append(
                    f'value for "{key}" must be a Tensor or numpy array, got {type(value).__name__}'
                )
                continue
            if arr.shape != p.data.shape:
                problems.append(
                    f'size mismatch for "{key}": copying a param with shape {arr.shape}, the '
                    f"shape in the current model is {p.data.shape}"
                )
            elif arr.dtype != p.data.dtype:
                problems.append(
                    f'dtype mismatch for "{key}": got {arr.dtype}, the model has '
                    f"{p.data.dtype} (convert with .astype first)"
                )
            else:
                values[key] = arr
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
            )
        for key, arr in values.items():
            np.copyto(own[key].data, arr)
            own[key]._bump_version()
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ calling and printing
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it and are called as ``module(input)``."""
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """``module(x)`` runs ``forward`` directly: a subclass's ``__call__`` *is* its
        ``forward`` (unless it defines its own ``__call__``).  There are no hooks to run in
        between, and skipping the forwarding call saves ~0.2 µs per module per call, which
        is a few percent of a small model's whole training step."""
        super().__init_subclass__(**kwargs)
        if "__call__" in cls.__dict__:
            return
        forward = inspect.getattr_static(cls, "forward")
        if isinstance(forward, types.FunctionType):  # a plain method: call it directly
            cls.__call__ = forward  # type: ignore[method-assign]
        else:  # e.g. a staticmethod forward: through Module.__call__, which binds as usual
            cls.__call__ = Module.__call__  # type: ignore[method-assign]

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr``; override to describe it."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, m in self._modules.items():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}({extra}" if extra else f"{type(self).__name__}("
        return head + "\n" + "\n".join(lines) + "\n)"
