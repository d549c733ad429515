"""Module and Parameter: the containers that make a model out of Tensors.

A Module registers every Parameter and sub-Module assigned to one of its attributes, and
every buffer given to ``register_buffer`` (a Tensor that is state but not a parameter,
e.g. running statistics), so ``named_parameters()``, ``named_buffers()`` and
``state_dict()`` can name them by attribute path (``fc1.weight``), exactly as PyTorch
does.  Registered values are also stored as plain attributes, so reading ``self.fc1``
costs no more than any attribute lookup.
"""

from __future__ import annotations

import inspect
import types
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from ..arrays import default_float
from ..device import as_device
from ..device import device as Device
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
            data = np.empty(0, default_float())
        super().__init__(data)
        if not self._array.flags.c_contiguous:
            self._array = self._array.copy(order="C")
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__  # print(p) too, as in PyTorch


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class for models: subclass it, assign layers in ``__init__``, write ``forward``."""

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")
        if isinstance(value, Parameter | Module):
            if params is None or modules is None:
                kind = "parameters" if isinstance(value, Parameter) else "module"
                raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
            table, other = (params, modules) if isinstance(value, Parameter) else (modules, params)
            other.pop(name, None)  # not from its own table: a replaced entry keeps its
            self._drop_buffer(name)  # place (e.g. model.fc = Linear(...)), as in PyTorch
            table[name] = value
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
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(a Tensor or None is expected)"
                )
            buffers[name] = value
        object.__setattr__(self, name, value)

    def _drop_buffer(self, name: str) -> None:
        buffers = self.__dict__.get("_buffers")
        if buffers is not None:
            buffers.pop(name, None)
            self._non_persistent_buffers_set.discard(name)

    def _unregister(self, name: str) -> None:
        """Forget ``name`` as a parameter, buffer or child."""
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._drop_buffer(name)

    def __delattr__(self, name: str) -> None:
        self._unregister(name)
        object.__delattr__(self, name)

    def _check_new_name(self, kind: str, name: Any, table: str) -> None:
        """PyTorch's checks of a name to register: a string, no dot, not empty, and not
        an attribute that is something else already."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in self.__dict__[table]:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``; ``None`` records an absent parameter (e.g. bias)."""
        self._check_new_name("parameter", name, "_parameters")
        if param is None:
            self._parameters[name] = None
            object.__setattr__(self, name, None)
        elif not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' as parameter '{name}'")
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register ``tensor`` as a buffer: state of the module that is not a parameter
        (no gradient, not seen by optimizers), e.g. running statistics.

        A persistent buffer is in ``state_dict()`` (and loaded by ``load_state_dict``);
        ``persistent=False`` keeps it out.  ``Module.to``/``double()`` convert float
        buffers with the parameters.  ``None`` records an absent buffer.
        """
        self._check_new_name("buffer", name, "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(a Tensor or None is required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name`` (None records an absent child)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_new_name("module", name, "_modules")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias of ``add_module``."""
        self.add_module(name, module)

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and all below it, with their dotted paths, parents first; a module
        reachable by two paths is listed once, under the first (``remove_duplicate``)."""
        seen: set[int] = {id(m) for m in memo} if memo is not None else set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
                if memo is not None:
                    memo.add(module)
            yield name, module
            children = [(f"{name}.{k}" if name else k, m) for k, m in module._modules.items()]
            stack.extend(reversed([(k, m) for k, m in children if m is not None]))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, each once."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct sub-module (one registered twice: once)."""
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def _named_members(
        self, table: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = iter([(prefix, self)])
        for mod_name, module in modules:
            for name, value in getattr(module, table).items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{mod_name}.{name}" if mod_name else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two modules appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and its sub-modules, each once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, persistent or not, each buffer once."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of this module and its sub-modules, each once."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` (``""`` is this module), e.g.
        ``model.get_submodule("encoder.layers.0")``."""
        if target == "":
            return self
        module: Module = self
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``, e.g. ``"fc1.weight"``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``, e.g. ``"bn.running_mean"``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(module, name)

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

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move to a device and/or convert to a float dtype, in place; returns the module.

        PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(tensor)`` (its dtype), and the keywords ``device=``, ``dtype=``,
        ``non_blocking=``.  The device can only be the CPU (a GPU is a RuntimeError);
        the dtype float32 or float64.  Parameters and float buffers are converted (the
        Parameter objects stay); integer buffers keep their dtype, as in PyTorch.
        """
        device, dtype = _to_arguments(args, kwargs)
        as_device(device)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}"
            )
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"Module.to: parameters can be float32 or float64, not {dtype}")
        for p in self.parameters():
            if p._array.dtype != dtype:
                p._array = p._array.astype(dtype)
                p._bump_version()
            if p.grad is not None and p.grad.dtype != dtype:
                p.grad = Tensor(p.grad._array, dtype=dtype)
        for b in self.buffers():
            if b._array.dtype.kind == "f" and b._array.dtype != dtype:
                b._array = b._array.astype(dtype)
                b._bump_version()
        return self

    def float(self) -> Module:
        """Convert every parameter and float buffer to float32 in place."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Convert every parameter and float buffer to float64 in place."""
        return self.to(np.float64)

    def cpu(self) -> Module:
        """This module (everything is on the CPU already)."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """There is no GPU: always a RuntimeError saying so."""
        as_device(f"cuda:{device}" if isinstance(device, int) else "cuda")  # raises
        return self

    # ------------------------------------------------------------------ state
    def _named_state(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """What ``state_dict`` holds, in PyTorch's order: this module's parameters, then
        its persistent buffers, then each child's, depth first.  As in PyTorch, a
        parameter or module reachable by two names is there under both."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                yield prefix + name, b
        for name, m in self._modules.items():
            if m is not None:
                yield from m._named_state(prefix + name + ".")

    def state_dict(
        self,
        *,
        destination: dict[str, Any] | None = None,
        prefix: str = "",
        keep_vars: bool = False,
    ) -> dict[str, Tensor]:
        """Name -> detached Tensor sharing the data of each parameter and persistent
        buffer (PyTorch's keys and order); ``keep_vars=True`` gives the Parameters
        themselves, ``prefix`` is put before every key, ``destination`` is filled and
        returned instead of a new dict."""
        out: dict[str, Tensor] = OrderedDict() if destination is None else destination
        for name, t in self._named_state(prefix):
            out[name] = t if keep_vars else t.detach()
        return out

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or numpy arrays) into the parameters and persistent
        buffers, in place.

        Everything is checked before anything is copied: with ``strict`` a missing or
        unexpected key is an error; a shape or dtype mismatch always is.  All problems are
        reported together in one RuntimeError and the model is left unchanged.  A tensor
        that ``state_dict`` lists under two names (a module or weight shared by two
        attributes) counts as given when either name is in the dict.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"expected a dict for state_dict, got {type(state_dict).__name__}")
        own = dict(self._named_state())
        given = {id(t) for k, t in own.items() if k in state_dict}
        # a tensor reachable by two names (a shared module, a tied weight) is loaded when
        # the dict has it under either (PyTorch wants every name: only stricter)
        missing = [k for k, t in own.items() if k not in state_dict and id(t) not in given]
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
            arr = value._array if isinstance(value, Tensor) else value
            if not isinstance(arr, np.ndarray | np.generic):
                problems.append(
                    f'value for "{key}" must be a Tensor or numpy array, got {type(value).__name__}'
                )
                continue
            if arr.shape != p._array.shape:
                problems.append(
                    f'size mismatch for "{key}": copying a param with shape {arr.shape}, the '
                    f"shape in the current model is {p._array.shape}"
                )
            elif arr.dtype != p._array.dtype:
                problems.append(
                    f'dtype mismatch for "{key}": got {arr.dtype}, the model has '
                    f"{p._array.dtype} (convert with .astype first)"
                )
            else:
                values[key] = arr
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
            )
        for key, arr in values.items():
            target = own[key]
            if not target._array.flags.writeable:  # e.g. a buffer made from a broadcast
                target._array = target._array.copy()
            np.copyto(target._array, arr)
            target._bump_version()
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ calling and printing
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it and are called as ``module(input)``."""
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        """``forward``'s result.  Typed as a Tensor (what nearly every module returns), so
        that ``model(x)`` type-checks as one; a module returning something else declares
        its own ``__call__`` type (the recurrent layers do)."""
        return self.forward(*args, **kwargs)  # type: ignore[no-any-return]

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


def _is_dtype_name(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def _to_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """(device, dtype) from ``Module.to``'s arguments, in any of PyTorch's forms."""
    device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(args) > 3:
        raise TypeError(f"to() takes at most 3 positional arguments ({len(args)} given)")
    for a in args:
        if isinstance(a, bool):  # non_blocking, by position
            continue
        if isinstance(a, Device) or (isinstance(a, str) and not _is_dtype_name(a)):
            device = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        else:
            dtype = a
    return device, dtype
