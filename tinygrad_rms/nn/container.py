"""Sequential: modules applied one after another."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .module import Module

__all__ = ["Sequential"]


class Sequential(Module):
    """``Sequential(a, b, c)(x) == c(b(a(x)))``; sub-modules are named "0", "1", ...

    Supports ``len``, iteration, indexing (an int gives a module, a slice a new
    Sequential sharing the modules) and ``append``.
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module")
            self.add_module(str(i), m)

    def forward(self, input: Any) -> Any:
        for m in self._modules.values():
            input = m(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())  # type: ignore[arg-type]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):  # keeps the children's names, as PyTorch
            part = Sequential()
            for name, m in list(self._modules.items())[index]:
                part.add_module(name, m)
            return part
        modules = list(self._modules.values())
        try:
            return modules[index]
        except IndexError:
            raise IndexError(
                f"index {index} is out of range for a Sequential of {len(self)}"
            ) from None

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position)."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: {type(module).__name__} is not a Module")
        self.add_module(str(len(self)), module)
        return self
