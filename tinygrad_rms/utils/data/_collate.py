"""``default_collate`` and ``default_convert``: a list of samples as one batch of tensors,
with PyTorch's rules (``torch.utils.data._utils.collate``)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from ...arrays import to_array
from ...tensor import Tensor, stack

__all__ = ["default_collate", "default_convert"]

_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)
_STR_OR_OBJECT = re.compile(r"[SaUO]")  # numpy dtype codes of strings and objects
_NUMPY_SCALARS = (np.bool_, np.number, np.object_)


def _array_tensor(a: np.ndarray | np.generic) -> Tensor:
    """A numpy array or scalar as a Tensor of its own dtype (``torch.as_tensor``)."""
    if _STR_OR_OBJECT.search(a.dtype.str):
        raise TypeError(_ERROR.format(a.dtype))
    return Tensor(a)


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, recursively, as PyTorch's ``default_collate``:

    * Tensors are stacked on a new first dim (dtypes promoted as ``stack`` does);
    * numpy arrays likewise, each keeping its dtype; numpy scalars become a 1-d tensor of
      their dtype;
    * Python floats become float64, ints int64, bools bool (a float among ints:
      float32, as ``torch.tensor`` infers it);
    * strings and bytes stay as they are (the batch's sequence of them);
    * dicts are collated key by key (keeping the mapping's type), named tuples field by
      field, other sequences position by position: a tuple sample gives a *list*
      ``[collate(field0s), collate(field1s), …]``; sequences of unequal length are a
      RuntimeError.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        return stack([_array_tensor(b) for b in batch], 0)
    if isinstance(elem, _NUMPY_SCALARS):
        return _array_tensor(np.array(batch))
    if isinstance(elem, float):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):  # bools too: they stay bool (torch.tensor's inference)
        values = to_array(list(batch))
        return Tensor(values.astype(np.int64) if values.dtype.kind in "iu" else values)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return type(elem)(collated)  # type: ignore[call-arg]
        except TypeError:  # a mapping type that cannot be built from a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return type(elem)(*(default_collate(field) for field in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(column) for column in zip(*batch, strict=True)]
        if isinstance(elem, tuple):
            return columns
        try:
            if isinstance(elem, MutableSequence):
                clone = copy.copy(elem)  # type: ignore[arg-type]  # typeshed: mappings only
                for i, column in enumerate(columns):
                    clone[i] = column
                return clone
            return type(elem)(columns)  # type: ignore[call-arg]
        except TypeError:  # a sequence type that cannot be built from a list
            return columns
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Numpy arrays and scalars inside ``data`` become Tensors, the rest is kept (the
    DataLoader's ``collate_fn`` when ``batch_size=None``, as in PyTorch; tuples become
    lists there too)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray | np.generic) and not isinstance(data, np.str_ | np.bytes_):
        if isinstance(data, np.ndarray) and _STR_OR_OBJECT.search(data.dtype.str):
            return data
        return Tensor(data)
    if isinstance(data, Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return type(data)(converted)  # type: ignore[call-arg]
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        converted_items = [default_convert(d) for d in data]
        try:
            if isinstance(data, MutableSequence):
                clone = copy.copy(data)  # type: ignore[arg-type]  # typeshed: mappings only
                for i, item in enumerate(converted_items):
                    clone[i] = item
                return clone
            return type(data)(converted_items)  # type: ignore[call-arg]
        except TypeError:
            return converted_items
    return data
