"""Utilities beside the core, as ``torch.utils``: ``data`` (datasets, samplers, DataLoader).

``data`` is imported here so that ``torch.utils.data.DataLoader`` works after
``import tinygrad_rms.utils`` as it does after ``import torch``.
"""

from ..porting import not_covered
from . import data

__all__ = ["data"]


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
