"""What a program meets when it reaches for a part of PyTorch this library does not have:
one ``AttributeError`` that names it and points to the porting notes (which list what is
covered), from ``torch.<name>``, ``torch.nn.<name>``, ``torch.optim.<name>``, ... and
``tensor.<name>`` alike."""

from __future__ import annotations

__all__ = ["not_covered"]

NOTES = "docs/porting-from-pytorch.md"


def not_covered(owner: str, name: str) -> AttributeError:
    """The error for ``owner.name`` (``owner``: "module 'tinygrad_rms.nn'", "'Tensor'
    object"): PyTorch's own first words, then what to read."""
    if name.startswith("_"):  # private and special names: the plain message
        return AttributeError(f"{owner} has no attribute {name!r}")
    return AttributeError(
        f"{owner} has no attribute {name!r}: tinygrad_rms covers a subset of PyTorch, and "
        f"this name is not in it ({NOTES} lists what is)"
    )
