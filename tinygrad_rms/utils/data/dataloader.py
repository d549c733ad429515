"""``DataLoader``, as ``torch.utils.data.dataloader``: a dataset read in batches.

Everything runs in the calling process: ``num_workers`` (any value ≥ 0), ``pin_memory``,
``timeout``, ``prefetch_factor``, ``persistent_workers`` and ``worker_init_fn`` are
accepted for PyTorch programs' sake and change nothing (``worker_init_fn`` is never
called; ``get_worker_info()`` is None, as in PyTorch's main process).  The batches are
the same as PyTorch's with ``num_workers=0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from ...tensor import Tensor
from ._collate import default_collate, default_convert
from ._generator import numpy_generator
from .dataset import Dataset, IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)


def get_worker_info() -> None:
    """Information about the current worker process: None, as loading never leaves the
    main process here."""
    return None


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches of ``batch_size``, with PyTorch's arguments.

    ``shuffle=True`` draws a new order each epoch from ``generator`` (None: the library's
    generator, so ``tinygrad_rms.manual_seed`` makes it reproducible).  ``sampler`` (an
    iterable of indices) replaces the order; ``batch_sampler`` (an iterable of lists of
    indices) replaces ``batch_size``/``shuffle``/``sampler``/``drop_last``.
    ``batch_size=None`` yields single samples, converted by ``default_convert``.
    ``collate_fn`` (default ``default_collate``) makes a batch of a list of samples.
    ``len()`` is the number of batches.
    """

    def __init__(
        self,
        dataset: Dataset[T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[list[Any]] | Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if isinstance(num_workers, bool) or not isinstance(num_workers, int | np.integer):
            raise TypeError(f"num_workers should be an int, got {type(num_workers).__name__}")
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        numpy_generator(generator)  # a wrong kind of generator fails here

        if isinstance(dataset, IterableDataset):
            if shuffle not in (False, None):
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
            if sampler is not None and shuffle:
                raise ValueError("sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )

        if sampler is None and not isinstance(dataset, IterableDataset):
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
            else:
                sampler = SequentialSampler(dataset)  # type: ignore[arg-type]
        if batch_size is not None and batch_sampler is None:
            if isinstance(dataset, IterableDataset):
                BatchSampler(range(0), batch_size, drop_last)  # the same checks on its args
            else:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = int(num_workers)
        self.collate_fn = collate_fn or (
            default_collate
            if batch_size is not None or batch_sampler is not None
            else default_convert
        )
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None
        )

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # type: ignore[arg-type]  # a TypeError if it has none
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        index_sampler = self.batch_sampler if self.batch_sampler is not None else self.sampler
        return len(index_sampler)  # type: ignore[arg-type]

    def __iter__(self) -> _DataLoaderIter:
        if isinstance(self.dataset, IterableDataset):
            batches = self._iterable_batches()
        elif self.batch_sampler is not None:
            batches = map(self._fetch_batch, self.batch_sampler)
        else:
            batches = (self.collate_fn(self.dataset[i]) for i in self.sampler)  # type: ignore[union-attr, arg-type]
        return _DataLoaderIter(batches, self)

    def _fetch_batch(self, indices: Sequence[Any]) -> Any:
        """One batch: the collated samples at ``indices``.  Fast path: with the default
        collate, a TensorDataset (or Subset of one) is indexed once per tensor with all
        the indices, which equals stacking the samples."""
        if self.collate_fn is default_collate:
            columns = _tensor_columns(self.dataset, list(indices))
            if columns is not None:
                return columns
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            samples = getitems(list(indices))
        else:
            samples = [self.dataset[i] for i in indices]
        return self.collate_fn(samples)

    def _iterable_batches(self) -> Iterator[Any]:
        if self.batch_size is None:
            yield from map(self.collate_fn, self.dataset)  # type: ignore[call-overload]
            return
        batch: list[Any] = []
        for sample in self.dataset:  # type: ignore[attr-defined]
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


class _DataLoaderIter:
    """One pass over a DataLoader (``next(iter(loader))`` gives the first batch)."""

    def __init__(self, batches: Iterable[Any], loader: DataLoader[Any]) -> None:
        self._batches = iter(batches)
        self._loader = loader

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __next__(self) -> Any:
        return next(self._batches)

    def __len__(self) -> int:
        return len(self._loader)


def _tensor_columns(dataset: Any, indices: list[Any]) -> list[Tensor] | None:
    """``[t[indices] for t in dataset.tensors]`` if ``dataset`` is a plain TensorDataset,
    or a plain Subset of one (indices mapped through), and the indices are plain integers;
    else None."""
    while type(dataset) is Subset:
        inner = dataset.indices
        if isinstance(inner, Tensor):
            inner = inner.tolist()
        try:
            indices = [inner[i] for i in indices]
        except (TypeError, IndexError):
            return None  # the slow path raises the error a sample-by-sample read would
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    if not all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in indices):
        return None
    n = len(dataset)
    if any(not -n <= i < n for i in indices):
        return None
    index = np.asarray(indices, dtype=np.intp)
    return [t[index] for t in dataset.tensors]
