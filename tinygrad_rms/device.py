"""``device``: PyTorch programs say where their tensors live; here it is always the CPU.

``device("cpu")``, ``device=`` keywords, ``.to("cpu")`` and ``.cpu()`` are accepted so
that programs written for PyTorch run unchanged.  As in PyTorch, ``device("cuda")`` is
just a name (a program may build one to compare or print it); putting a tensor, module or
generator there is the clear error.
"""

from __future__ import annotations

from typing import Any

__all__ = ["as_device", "device", "set_default_device"]

_KINDS = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia")


class device:
    """Where a tensor lives: ``device("cpu")`` (or ``"cpu:0"``); the only one there is."""

    __slots__ = ("index", "type")

    def __init__(self, type: Any, index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index  # type: ignore[has-type]
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {type!r}")
        kind, _, number = type.partition(":")
        if kind not in _KINDS:
            raise RuntimeError(
                f"Expected one of {', '.join(_KINDS)} device type at start of device string: {type}"
            )
        if number:
            if not number.isdigit():
                raise RuntimeError(f"invalid device string {type!r}")
            index = int(number)
        self.type, self.index = kind, index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)

    def __repr__(self) -> str:
        return (
            f"device(type='{self.type}')"
            if self.index is None
            else (f"device(type='{self.type}', index={self.index})")
        )

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def as_device(value: Any) -> device:
    """A ``device=`` argument checked: None, "cpu" or a cpu ``device``; any other device is
    the error, since tensors can only live on the CPU here."""
    if value is None:
        return CPU
    d = device(value)
    if d.type != "cpu":
        raise RuntimeError(
            f"device {str(d)!r} is not available: tinygrad_rms runs on the CPU only "
            "(use 'cpu', or guard the GPU code with torch.cuda.is_available(), which "
            "is False here)"
        )
    return d


def set_default_device(value: Any) -> None:
    """PyTorch's ``set_default_device``: "cpu" (or None) is accepted, as it is where
    every tensor is made anyway; another device is the error of ``as_device``."""
    as_device(value)
