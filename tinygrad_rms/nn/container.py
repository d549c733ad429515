"""Containers of modules: Sequential, ModuleList, ModuleDict.

Each registers its modules as children (so their parameters are the container's, named
``"0.weight"``, ``"encoder.weight"``, ...) and behaves as the Python container it is
named after, with PyTorch's names, numbering and errors.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _replace_children(module: Module, items: list[tuple[str, Module | None]]) -> None:
    """Make ``items`` the children of ``module``, in this order and with these names (the
    old names stop being attributes)."""
    for name in module._modules:
        module.__dict__.pop(name, None)
    module._modules.clear()
    for name, m in items:
        module._modules[name] = m
        object.__setattr__(module, name, m)


def _renumber(module: Module) -> None:
    """Name the children "0", "1", ... in their order (after a deletion or insertion)."""
    _replace_children(module, [(str(i), m) for i, m in enumerate(module._modules.values())])


def _absolute_index(index: Any, length: int, kind: str) -> int:
    """``index`` (an int, maybe negative) as a position in ``range(length)``."""
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a {kind} of {length}")
    return index + length if index < 0 else index


def _check_module(module: Any, where: str) -> None:
    if not isinstance(module, Module):
        raise TypeError(f"{where}: {type(module).__name__} is not a Module subclass")


class Sequential(Module):
    """``Sequential(a, b, c)(x) == c(b(a(x)))``; sub-modules are named "0", "1", ...,
    or by the keys of an ``OrderedDict`` given as the only argument.

    Supports ``len``, iteration, indexing (an int gives a module, a slice a new
    Sequential sharing the modules and keeping their names), item assignment and
    deletion (the rest renumbered "0", "1", ..., as PyTorch does), ``append``,
    ``insert``, ``extend``, ``pop`` and ``+``.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                _check_module(m, f"Sequential: entry {name!r}")
                self.add_module(name, m)
            return
        for i, m in enumerate(args):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module")
            self.add_module(str(i), m)

    def forward(self, input: Any) -> Any:
        for m in self._modules.values():
            input = m(input)  # type: ignore[misc]  # a Sequential holds no None
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())  # type: ignore[arg-type]

    def _key(self, index: int) -> str:
        return list(self._modules)[_absolute_index(index, len(self), "Sequential")]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):  # keeps the children's names, as PyTorch
            part = type(self).__new__(type(self))
            Sequential.__init__(part)
            for name, m in list(self._modules.items())[index]:
                part.add_module(name, m)
            return part
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        _check_module(module, "Sequential.__setitem__")
        setattr(self, self._key(index), module)

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            for name in list(self._modules)[index]:
                delattr(self, name)
        else:
            delattr(self, self._key(index))
        _renumber(self)  # PyTorch numbers what is left anew

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position)."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: {type(module).__name__} is not a Module")
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Put ``module`` before position ``index`` (negative counts from the end); the
        children are numbered anew."""
        _check_module(module, "Sequential.insert")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} modules")
        modules = list(self._modules.values())
        modules.insert(index + n if index < 0 else index, module)
        _replace_children(self, [(str(i), m) for i, m in enumerate(modules)])
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        """Append each module of ``sequential`` (any iterable of modules)."""
        for m in sequential:
            self.append(m)
        return self

    def pop(self, key: int | slice) -> Any:
        """Remove the module(s) at ``key`` and return it (them)."""
        value = self[key]
        del self[key]
        return value

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, but "
                f"{type(other).__name__} is given."
            )
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, but "
                f"{type(other).__name__} is given."
            )
        return self.extend(list(other))


class ModuleList(Module):
    """A list of modules, registered as children "0", "1", ... (so an optimizer sees
    their parameters); it has no ``forward``: iterate over it in yours.

    Indexing (a slice gives a new ModuleList), assignment, deletion (the rest renumbered),
    ``len``, iteration, ``append``, ``extend``, ``insert``, ``pop``, ``+`` and ``+=``; its
    ``repr`` folds runs of equal modules as PyTorch's does (``(0-3): 4 x Linear(...)``).
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())  # type: ignore[arg-type]

    def _key(self, index: int) -> str:
        return str(_absolute_index(index, len(self), "ModuleList"))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])  # type: ignore[arg-type]
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        _check_module(module, "ModuleList.__setitem__")
        setattr(self, self._key(index), module)

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            for name in list(self._modules)[index]:
                delattr(self, name)
        else:
            delattr(self, self._key(index))
        _renumber(self)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end."""
        _check_module(module, "ModuleList.append")
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of the iterable ``modules``."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, but got "
                f"{type(modules).__name__}"
            )
        offset = len(self)
        for i, m in enumerate(modules):
            _check_module(m, "ModuleList.extend")
            self.add_module(str(offset + i), m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index``, as ``list.insert`` (PyTorch's fails on
        a negative index; this one counts it from the end)."""
        _check_module(module, "ModuleList.insert")
        modules = list(self._modules.values())
        modules.insert(index, module)
        _replace_children(self, [(str(i), m) for i, m in enumerate(modules)])

    def pop(self, key: int | slice) -> Any:
        """Remove the module(s) at ``key`` and return it (them)."""
        value = self[key]
        del self[key]
        return value

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def __repr__(self) -> str:
        items = [repr(m) for m in self]
        if not items:
            return f"{type(self).__name__}()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for i, text in enumerate(items):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for first, last, text in runs:
            head = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            line = f"{head}: {text}" if first == last else f"{head} {text}"
            lines.append("  " + line.replace("\n", "\n  "))
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of modules, registered as children under their keys; no
    ``forward``.  ``d[key]``, assignment, ``del``, ``in``, ``len``, iteration over the
    keys, ``keys``/``values``/``items``, ``update``, ``pop`` and ``clear``."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]  # type: ignore[return-value]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        _replace_children(self, [])

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it."""
        value = self[key]
        del self[key]
        return value

    def keys(self) -> Iterable[str]:
        """The keys, in order."""
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        """(key, module) pairs, in order."""
        return self._modules.items()  # type: ignore[return-value]

    def values(self) -> Iterable[Module]:
        """The modules, in order."""
        return self._modules.values()  # type: ignore[return-value]

    def update(self, modules: Any) -> None:
        """Add (or replace) entries from a mapping, or from an iterable of (key, module)
        pairs, in their order."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleDict.update should be called with an iterable of key/value pairs, "
                f"but got {type(modules).__name__}"
            )
        if isinstance(modules, Mapping | ModuleDict):
            for key, module in modules.items():
                self[key] = module
            return
        for j, pair in enumerate(modules):
            if not isinstance(pair, Iterable) or isinstance(pair, str):
                raise TypeError(
                    f"ModuleDict update sequence element #{j} should be a (key, module) "
                    f"pair; is {type(pair).__name__}"
                )
            pair = tuple(pair)
            if len(pair) != 2:
                raise ValueError(
                    f"ModuleDict update sequence element #{j} has length {len(pair)}; 2 is required"
                )
            self[pair[0]] = pair[1]
