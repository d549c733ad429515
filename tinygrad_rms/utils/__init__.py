"""Utilities beside the core, as ``torch.utils``: ``data`` (datasets, samplers, DataLoader).

``data`` is imported here so that ``torch.utils.data.DataLoader`` works after
``import tinygrad_rms.utils`` as it does after ``import torch``.
"""

from . import data

__all__ = ["data"]
