"""Data loading, as ``torch.utils.data``: datasets, samplers, ``DataLoader`` and the
collate functions, pure Python over numpy (everything in the calling process).

    dataset.py      Dataset, IterableDataset, TensorDataset, ConcatDataset, ChainDataset,
                    Subset, random_split
    sampler.py      Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
                    WeightedRandomSampler, BatchSampler
    dataloader.py   DataLoader, get_worker_info
    _collate.py     default_collate, default_convert
    _generator.py   Generator (``torch.Generator``'s methods, for ``generator=``)

Shuffling draws from ``generator=`` when given, else from the library's generator, so
``tinygrad_rms.manual_seed(s)`` makes orders and splits reproducible.
"""

from ...porting import not_covered
from ._collate import default_collate, default_convert
from ._generator import Generator
from .dataloader import DataLoader, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Generator",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
