"""``tinygrad_rms.utils.data``: datasets, samplers, DataLoader and collate, against
PyTorch's conventions.

Sources: PyTorch's documented behaviour, written out as expected values (always run), and
PyTorch live (``@pytest.mark.torch``, skipped when torch is not importable): its
``default_collate`` on the same samples, the sizes its ``random_split`` gives, and the
same Linear + SGD loop over the same batches.  Random orders cannot match PyTorch's
(another generator), so they are checked as permutations, reproducible under a seed.
"""

from __future__ import annotations

import collections
import warnings
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import tinygrad_rms as tg
import tinygrad_rms.utils.data as data
from tinygrad_rms.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    Generator,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)


class Squares(Dataset):
    """index -> (index, index²) as Python ints."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, i: int) -> tuple[int, int]:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i, i * i

    def __len__(self) -> int:
        return self.n


class Stream(IterableDataset):
    def __init__(self, n: int, with_len: bool = True) -> None:
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter(np.arange(self.n, dtype=np.float32))

    def __len__(self) -> int:
        if not self.with_len:
            raise TypeError("no length")
        return self.n


def plain(x: Any) -> Any:
    """A batch as comparable Python data: tensors (ours or torch's) as (dtype, values)."""
    if isinstance(x, tg.Tensor):
        return ("tensor", str(x.dtype), x.tolist())
    if type(x).__module__.startswith("torch"):
        return ("tensor", str(x.dtype).removeprefix("torch."), x.tolist())
    if isinstance(x, dict):
        return (type(x).__name__, {k: plain(v) for k, v in x.items()})
    if isinstance(x, list | tuple):
        return (type(x).__name__, [plain(v) for v in x])
    return x


def indices_of(loader: DataLoader) -> list[int]:
    """The dataset indices a loader over ``Squares`` / an arange TensorDataset visits."""
    out: list[int] = []
    for batch in loader:
        first = batch[0] if isinstance(batch, list) else batch
        out += [int(v) for v in np.ravel(first.tolist())]
    return out


# ---------------------------------------------------------------------- batching
@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "sizes"),
    [
        (10, 3, False, [3, 3, 3, 1]),
        (10, 3, True, [3, 3, 3]),
        (9, 3, False, [3, 3, 3]),
        (9, 3, True, [3, 3, 3]),
        (2, 5, False, [2]),
        (2, 5, True, []),
        (0, 4, False, []),
    ],
)
def test_batches_len_and_drop_last(n, batch_size, drop_last, sizes):
    ds = TensorDataset(tg.tensor(np.arange(n)), tg.tensor(np.arange(n) * 2.0))
    loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes)
    assert [len(x) for x, _ in batches] == sizes
    assert indices_of(loader) == list(range(sum(sizes)))
    for x, y in batches:
        assert isinstance(x, tg.Tensor) and x.dtype == np.int64
        assert y.dtype == np.float64  # tensor() keeps an array's dtype, as torch's
        np.testing.assert_array_equal(y.numpy(), x.numpy() * 2.0)


def test_default_batch_size_is_one_and_the_loader_can_be_iterated_again():
    loader = DataLoader(Squares(3))
    assert len(loader) == 3
    first = list(loader)
    assert plain(first[0]) == plain([tg.tensor([0]), tg.tensor([0])])
    assert plain(list(loader)) == plain(first)
    it = iter(loader)
    assert len(it) == 3
    assert plain(next(it)) == plain(first[0])


def test_a_python_dataset_is_collated_per_field():
    x, y = next(iter(DataLoader(Squares(5), batch_size=4)))
    assert x.dtype == y.dtype == np.int64
    assert x.tolist() == [0, 1, 2, 3] and y.tolist() == [0, 1, 4, 9]


def test_the_tensor_fast_path_equals_collating_sample_by_sample():
    rng = np.random.default_rng(0)
    ds = TensorDataset(
        tg.tensor(rng.standard_normal((23, 3, 2)).astype(np.float32)),
        tg.tensor(rng.integers(0, 5, 23)),
        tg.tensor(rng.standard_normal(23)),
    )
    sub = Subset(Subset(ds, list(range(20, 2, -1))), [0, 5, 3, 7, 1, 2, 9])
    for dataset in (ds, sub):
        fast = DataLoader(dataset, batch_size=4)
        slow = DataLoader(dataset, batch_size=4, collate_fn=lambda b: default_collate(b))
        assert plain(list(fast)) == plain(list(slow))


def test_batches_keep_the_graph_of_a_dataset_that_requires_grad():
    w = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    for collate in (None, lambda b: default_collate(b)):
        w.grad = None
        (batch,) = next(iter(DataLoader(TensorDataset(w), batch_size=3, collate_fn=collate)))
        (batch * tg.tensor([1.0, 10.0, 100.0])).sum().backward()
        assert w.grad.tolist() == [1.0, 10.0, 100.0, 0.0]


# ---------------------------------------------------------------------- shuffling
def test_shuffle_visits_a_permutation_reproducible_under_manual_seed():
    ds = TensorDataset(tg.tensor(np.arange(50)))
    loader = DataLoader(ds, batch_size=7, shuffle=True)
    tg.manual_seed(123)
    epoch1, epoch2 = indices_of(loader), indices_of(loader)
    assert sorted(epoch1) == sorted(epoch2) == list(range(50))
    assert epoch1 != list(range(50)) and epoch1 != epoch2  # a new order each epoch
    tg.manual_seed(123)
    assert indices_of(loader) == epoch1 and indices_of(loader) == epoch2
    tg.manual_seed(124)
    assert indices_of(loader) != epoch1


def test_a_loader_made_before_manual_seed_follows_the_seed():
    loader = DataLoader(Squares(30), batch_size=4, shuffle=True)
    tg.manual_seed(5)
    a = indices_of(loader)
    tg.manual_seed(5)
    assert indices_of(DataLoader(Squares(30), batch_size=4, shuffle=True)) == a


def test_shuffle_with_a_generator_object():
    ds = Squares(40)
    orders = [
        indices_of(DataLoader(ds, batch_size=5, shuffle=True, generator=Generator().manual_seed(7)))
        for _ in range(2)
    ]
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(40))
    other = DataLoader(ds, batch_size=5, shuffle=True, generator=Generator().manual_seed(8))
    assert indices_of(other) != orders[0]
    # the library's generator is not touched, numpy Generators are accepted
    tg.manual_seed(0)
    before = tg.randn(3).tolist()
    tg.manual_seed(0)
    indices_of(DataLoader(ds, shuffle=True, generator=np.random.default_rng(1)))
    assert tg.randn(3).tolist() == before


def test_generator_methods():
    g = Generator()
    assert g.initial_seed() == 67280421310721  # torch.Generator()'s default: deterministic
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    assert Generator().manual_seed(-1).initial_seed() == 2**64 - 1  # wraps, as torch's
    state = g.get_state()
    a = list(RandomSampler(range(20), generator=g))
    g.set_state(state)
    assert list(RandomSampler(range(20), generator=g)) == a
    assert isinstance(g.seed(), int)
    with pytest.raises(TypeError, match="int"):
        g.manual_seed(1.5)
    with pytest.raises(TypeError, match="generator must be"):
        DataLoader(Squares(3), shuffle=True, generator=42)
    with pytest.raises(RuntimeError, match="CPU"):
        Generator("cuda")


# ---------------------------------------------------------------------- collate
Point = collections.namedtuple("Point", ["x", "y"])

EXPECTED_DTYPES = [  # (samples, the batch's dtype) without torch, from PyTorch's rules
    ([1, 2, 3], "int64"),
    ([1.0, 2.5], "float64"),
    ([True, False], "bool"),
    ([1, 2.5], "float32"),  # torch.tensor([1, 2.5]): the default float
    ([np.float32(1), np.float32(2)], "float32"),
    ([np.int32(1), np.int32(2)], "int32"),
    ([np.zeros(2, np.float64), np.ones(2, np.float64)], "float64"),
    ([np.zeros(2, np.uint8), np.ones(2, np.uint8)], "uint8"),
    ([np.zeros(2, np.int64), np.ones(2, np.float32)], "float32"),
    ([tg.zeros(2), tg.ones(2, dtype=tg.float64)], "float64"),
]


@pytest.mark.parametrize(("samples", "dtype"), EXPECTED_DTYPES)
def test_collate_dtypes(samples, dtype):
    batch = default_collate(samples)
    assert isinstance(batch, tg.Tensor)
    assert str(batch.dtype) == dtype and batch.shape[0] == len(samples)


def test_collate_structures():
    batch = default_collate([(1, "a", {"k": 1.0}), (2, "b", {"k": 2.0})])
    assert plain(batch) == (
        "list",
        [
            ("tensor", "int64", [1, 2]),
            ("tuple", ["a", "b"]),
            ("dict", {"k": ("tensor", "float64", [1.0, 2.0])}),
        ],
    )
    assert default_collate(["x", "y"]) == ["x", "y"]
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3] and p.y.dtype == np.float64
    od = default_collate([OrderedDict(b=1, a=2), OrderedDict(b=3, a=4)])
    assert isinstance(od, OrderedDict) and list(od) == ["b", "a"]
    lists = default_collate([[1, 2], [3, 4]])
    assert isinstance(lists, list) and [t.tolist() for t in lists] == [[1, 3], [2, 4]]


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="<U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert():
    out = default_convert((np.zeros(2), 1, "x", np.float32(2)))
    assert isinstance(out, list) and out[1:3] == [1, "x"]
    assert out[0].dtype == np.float64 and isinstance(out[0], tg.Tensor)
    assert out[3].dtype == np.float32
    strings = np.array(["a"])
    assert default_convert(strings) is strings


def _collate_cases(tensor):
    """Sample lists, built with ``tensor`` (torch's or ours) where they hold tensors."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 2)).astype(np.float32)
    return [
        [1, 2, 3],
        [1.5, 2.5],
        [True, False, True],
        [1, 2.5],
        [True, 2],
        [np.float64(1), np.float64(2)],
        [np.bool_(True), np.bool_(False)],
        [np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)],
        [np.zeros(2, np.int64), np.ones(2, np.float32)],
        [(tensor(a[0]), 1), (tensor(a[1]), 0), (tensor(a[2]), 1)],
        [{"x": tensor(a[i]), "label": i, "name": f"n{i}", "w": 0.5 * i} for i in range(3)],
        [[tensor(a[i]), [i, 2 * i]] for i in range(3)],
        [(np.int64(i), ("s", i)) for i in range(2)],
        [tensor(np.arange(4).reshape(2, 2)), tensor(np.ones((2, 2), np.int64))],
        [Point(1, np.ones(2)), Point(2, np.zeros(2))],
        ["abc", "de"],
    ]


@pytest.mark.torch
def test_collate_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    from torch.utils.data import default_convert as torch_convert

    ours = _collate_cases(lambda a: tg.tensor(np.array(a)))
    theirs = _collate_cases(lambda a: torch.from_numpy(np.array(a)))
    for mine, ref in zip(ours, theirs, strict=True):
        assert plain(default_collate(mine)) == plain(torch_collate(ref)), ref
        for m, r in zip(mine, ref, strict=True):
            assert plain(default_convert(m)) == plain(torch_convert(r)), r


# ---------------------------------------------------------------------- datasets
def test_tensor_dataset():
    x, y = tg.randn(4, 3), tg.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4 and ds.tensors == (x, y)
    xi, yi = ds[2]
    assert xi.tolist() == x[2].tolist() and yi.item() == 0
    xs, ys = ds[1:3]
    assert xs.shape == (2, 3) and ys.tolist() == [1, 0]


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"Size mismatch.*\[4, 3\]"):
        TensorDataset(tg.zeros(4, 2), tg.zeros(3))
    with pytest.raises(TypeError, match="argument 1 is a ndarray"):
        TensorDataset(tg.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(tg.tensor(1.0))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_dataset_base_and_concat():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    both = Squares(3) + Squares(2)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert [both[i][0] for i in range(5)] == [0, 1, 2, 0, 1]
    assert both[-1] == (1, 1) and both[-5] == (0, 0)
    assert both.cumulative_sizes == [3, 5]
    with pytest.raises(ValueError, match="absolute value"):
        both[-6]
    with pytest.raises(IndexError):
        both[5]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([Stream(2)])
    assert indices_of(DataLoader(both, batch_size=2)) == [0, 1, 2, 0, 1]


def test_subset():
    ds = Squares(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and sub[0] == (7, 49) and sub[-1] == (5, 25)
    assert sub.__getitems__([2, 0]) == [(5, 25), (7, 49)]
    assert indices_of(DataLoader(sub, batch_size=2)) == [7, 2, 5]
    tds = TensorDataset(tg.tensor(np.arange(10) * 10))
    (vals,) = Subset(tds, [3, 1, 4])[[0, 2]]
    assert vals.tolist() == [30, 40]
    tensor_indices = Subset(tds, tg.tensor([9, 8]))
    assert indices_of(DataLoader(tensor_indices, batch_size=2)) == [90, 80]


# ---------------------------------------------------------------------- random_split
def _assert_partition(parts, n):
    seen = [i for p in parts for i in p.indices]
    assert sorted(seen) == list(range(n))  # disjoint and covering


def test_random_split_integer_lengths():
    ds = Squares(10)
    parts = random_split(ds, [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    assert all(isinstance(p, Subset) and p.dataset is ds for p in parts)
    _assert_partition(parts, 10)
    assert parts[0][0] == ds[parts[0].indices[0]]


@pytest.mark.parametrize(
    ("n", "fractions", "sizes"),
    [
        (10, [0.8, 0.2], [8, 2]),
        (10, [0.33, 0.33, 0.34], [4, 3, 3]),  # floors 3, 3, 3; the remainder to the first
        (11, [0.5, 0.5], [6, 5]),
        (7, [0.25, 0.25, 0.25, 0.25], [2, 2, 2, 1]),
        (5, [1.0], [5]),
    ],
)
def test_random_split_fractions(n, fractions, sizes):
    parts = random_split(Squares(n), fractions)
    assert [len(p) for p in parts] == sizes
    _assert_partition(parts, n)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("n", "fractions"),
    [(10, [0.33, 0.33, 0.34]), (7, [0.1, 0.2, 0.7]), (101, [0.6, 0.2, 0.2]), (3, [0.5, 0.5])],
)
def test_random_split_sizes_match_torch(n, fractions):
    torch = pytest.importorskip("torch")
    ref = torch.utils.data.random_split(range(n), fractions)
    assert [len(p) for p in random_split(Squares(n), fractions)] == [len(p) for p in ref]


def test_random_split_is_reproducible():
    tg.manual_seed(3)
    a = [p.indices for p in random_split(Squares(20), [0.5, 0.5])]
    tg.manual_seed(3)
    assert [p.indices for p in random_split(Squares(20), [0.5, 0.5])] == a
    g1, g2 = Generator().manual_seed(42), Generator().manual_seed(42)
    assert [p.indices for p in random_split(Squares(20), [5, 15], generator=g1)] == [
        p.indices for p in random_split(Squares(20), [5, 15], generator=g2)
    ]


def test_random_split_errors_and_warning():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(Squares(10), [3, 3])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(Squares(10), [0.5, 0.3])
    with pytest.raises(ValueError, match="non-negative integers"):
        random_split(Squares(2), [3, -1])
    with pytest.raises(ValueError, match="non-negative integers"):
        random_split(Squares(10), [2.5, 7.5])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(Squares(2), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        parts = random_split(Squares(1), [0.5, 0.5])
    assert [len(p) for p in parts] == [1, 0]


# ---------------------------------------------------------------------- samplers
def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(SequentialSampler(range(4))) == 4
    tg.manual_seed(0)
    perm = list(RandomSampler(range(9)))
    assert sorted(perm) == list(range(9))
    twice = list(RandomSampler(range(4), num_samples=10))
    assert len(twice) == 10 and sorted(twice[:4]) == sorted(twice[4:8]) == [0, 1, 2, 3]
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=200))
    assert len(drawn) == 200 and set(drawn) == {0, 1, 2}
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler(range(0))
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        DataLoader(Squares(0), shuffle=True)


def test_subset_and_weighted_samplers():
    g = Generator().manual_seed(0)
    order = list(SubsetRandomSampler([10, 20, 30, 40], generator=g))
    assert sorted(order) == [10, 20, 30, 40] and len(SubsetRandomSampler([1, 2])) == 2
    w = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=g)
    counts = np.bincount(list(w), minlength=3)
    assert len(w) == 4000 and counts[0] == 0 and 2.5 < counts[2] / counts[1] < 3.5
    once = list(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False, generator=g))
    assert sorted(once) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="without replacement"):
        WeightedRandomSampler([0.0, 1.0], 2, replacement=False)
    loader = DataLoader(Squares(5), batch_size=2, sampler=SubsetRandomSampler([4, 3]))
    assert sorted(indices_of(loader)) == [3, 4] and len(loader) == 1


def test_batch_sampler():
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 0)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(Squares(3), batch_size=0)


# ---------------------------------------------------------------------- DataLoader options
def test_loader_with_sampler_and_batch_sampler():
    loader = DataLoader(Squares(6), batch_size=2, sampler=[5, 0, 3])
    assert indices_of(loader) == [5, 0, 3] and len(loader) == 2
    loader = DataLoader(Squares(6), batch_sampler=[[1, 2], [0], [5, 4, 3]])
    assert len(loader) == 3 and loader.batch_size is None
    assert [len(b[0]) for b in loader] == [2, 1, 3]
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(Squares(6), sampler=[0], shuffle=True)
    for kwargs in ({"batch_size": 2}, {"shuffle": True}, {"drop_last": True}, {"sampler": [0]}):
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            DataLoader(Squares(6), batch_sampler=[[0]], **kwargs)


def test_batch_size_none_yields_converted_samples():
    ds = TensorDataset(tg.tensor([[1, 2], [3, 4]]))
    loader = DataLoader(ds, batch_size=None)
    assert len(loader) == 2 and [x.tolist() for (x,) in loader] == [[1, 2], [3, 4]]

    class Arrays(Dataset):
        def __getitem__(self, i):
            return np.full(2, i, np.float32), i

        def __len__(self):
            return 2

    first = next(iter(DataLoader(Arrays(), batch_size=None)))
    assert isinstance(first, list) and first[0].dtype == np.float32 and first[1] == 0
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)


def test_custom_collate_fn_and_getitems():
    loader = DataLoader(Squares(5), batch_size=2, collate_fn=lambda b: [s[1] for s in b])
    assert list(loader) == [[0, 1], [4, 9], [16]]

    class Batched(Squares):
        calls = 0

        def __getitems__(self, indices):
            Batched.calls += 1
            return [self[i] for i in indices]

    assert indices_of(DataLoader(Batched(5), batch_size=2)) == [0, 1, 2, 3, 4]
    assert Batched.calls == 3


def test_dict_samples():
    class Records(Dataset):
        def __getitem__(self, i):
            return {"x": np.full(3, i, np.float32), "y": i % 2}

        def __len__(self):
            return 5

    batch = next(iter(DataLoader(Records(), batch_size=4)))
    assert batch["x"].shape == (4, 3) and batch["x"].dtype == np.float32
    assert batch["y"].tolist() == [0, 1, 0, 1] and batch["y"].dtype == np.int64


def test_workers_and_pin_memory_are_accepted_and_run_in_process():
    loader = DataLoader(
        Squares(5),
        batch_size=2,
        num_workers=2,
        pin_memory=True,
        persistent_workers=True,
        prefetch_factor=2,
        worker_init_fn=lambda _: None,
        timeout=5,
    )
    assert indices_of(loader) == [0, 1, 2, 3, 4] and loader.num_workers == 2
    assert data.get_worker_info() is None
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(Squares(5), num_workers=-1)
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(Squares(5), persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(Squares(5), prefetch_factor=2)


def test_iterable_dataset():
    loader = DataLoader(Stream(7), batch_size=3)
    batches = [b.tolist() for b in loader]
    assert batches == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0]] and len(loader) == 3
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    assert len(list(DataLoader(Stream(7), batch_size=3, drop_last=True))) == 2
    singles = list(DataLoader(Stream(2), batch_size=None))
    assert [s.item() for s in singles] == [0.0, 1.0] and singles[0].dtype == np.float32
    chained = Stream(2) + Stream(3)
    assert len(chained) == 5 and [float(v) for v in chained] == [0, 1, 0, 1, 2]
    with pytest.raises(TypeError):
        len(DataLoader(Stream(3, with_len=False)))
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler"):
        DataLoader(Stream(3), sampler=[0])


# ---------------------------------------------------------------------- end to end
def _linear_data(n: int = 64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    y = (x @ np.array([[3.0], [-2.0]], np.float32) + 0.5).astype(np.float32)
    return x, y


def test_training_a_linear_model_over_a_dataloader():
    x, y = _linear_data()
    tg.manual_seed(0)
    model = tg.nn.Linear(2, 1)
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = tg.nn.MSELoss()
    loader = DataLoader(TensorDataset(tg.tensor(x), tg.tensor(y)), batch_size=8, shuffle=True)
    losses = []
    for _ in range(20):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        losses.append(total / len(loader.dataset))
    assert losses[-1] < 1e-4 < losses[0]
    np.testing.assert_allclose(model.weight.detach().numpy(), [[3.0, -2.0]], atol=1e-2)
    np.testing.assert_allclose(model.bias.detach().numpy(), [0.5], atol=1e-2)


@pytest.mark.torch
def test_training_loop_matches_torch():
    torch = pytest.importorskip("torch")
    x, y = _linear_data(30)
    order = list(np.random.default_rng(2).permutation(30))
    tg.manual_seed(1)
    model = tg.nn.Linear(2, 1)
    ref = torch.nn.Linear(2, 1)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(model.weight.detach().numpy().copy()))
        ref.bias.copy_(torch.from_numpy(model.bias.detach().numpy().copy()))

    def run(lib, net, loader):
        opt = lib.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        for _ in range(3):
            for xb, yb in loader:
                opt.zero_grad()
                lib.nn.functional.mse_loss(net(xb), yb).backward()
                opt.step()

    kwargs = {"batch_size": 7, "sampler": order}
    run(tg, model, DataLoader(TensorDataset(tg.tensor(x), tg.tensor(y)), **kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(
            torch,
            ref,
            torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), **kwargs
            ),
        )
    np.testing.assert_allclose(
        model.weight.detach().numpy(), ref.weight.detach().numpy(), rtol=1e-5
    )
    np.testing.assert_allclose(model.bias.detach().numpy(), ref.bias.detach().numpy(), rtol=1e-5)


# ---------------------------------------------------------------------- the package
@pytest.mark.slow  # a fresh interpreter
def test_the_core_never_imports_utils():
    from test_architecture import import_graph

    for module, targets in import_graph().items():
        if module.startswith("tinygrad_rms.utils") or module == "tinygrad_rms":
            continue
        assert not any(t.startswith("tinygrad_rms.utils") for t in targets), module


def test_utils_exposes_data():
    import tinygrad_rms.utils as utils

    assert utils.data is data
    for name in data.__all__:
        assert getattr(data, name).__doc__, name
