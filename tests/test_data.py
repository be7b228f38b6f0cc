"""``ft.utils.data``: datasets, random_split, samplers, default_collate and the DataLoader
(batching, ``len``, seeded shuffling, worker threads), with PyTorch's semantics."""
import collections
import threading
import time
import warnings

import numpy as np
import pytest

import functrace as ft
from functrace.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                  IterableDataset, RandomSampler, SequentialSampler, Subset,
                                  SubsetRandomSampler, TensorDataset, default_collate,
                                  default_convert, get_worker_info, random_split)


def ids_dataset(n=10):
    return TensorDataset(ft.arange(float(n)).reshape(n, 1), ft.arange(n))


def order(loader):
    return [i for _, y in loader for i in y.tolist()]


class RandomAugment(Dataset):
    """Each sample draws from the default generator (like a random crop would)."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        time.sleep(0.001 * (i % 3))          # uneven loading times across workers
        return i, ft.rand(1).item()


# -- datasets ----------------------------------------------------------------------------

def test_tensor_dataset():
    ds = TensorDataset(ft.ones(4, 2), ft.arange(4))
    assert len(ds) == 4
    x, y = ds[2]
    assert x.tolist() == [1.0, 1.0] and y.item() == 2
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(ft.ones(3), ft.ones(4))
    with pytest.raises(TypeError, match="TensorDataset takes tensors"):
        TensorDataset(np.ones(3))


def test_subset_and_concat():
    ds = ids_dataset(5)
    sub = Subset(ds, [4, 0, 2])
    assert len(sub) == 3 and sub[0][1].item() == 4 and [s[1].item() for s in sub[[1, 2]]] == [0, 2]
    both = ConcatDataset([ds, sub])
    assert len(both) == 8 and both[5][1].item() == 4 and both[-1][1].item() == 2
    assert len(ds + sub) == 8
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        both[-9]
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])


@pytest.mark.parametrize("lengths, expected", [
    ([7, 3], [7, 3]), ([0.7, 0.3], [7, 3]), ([0.33, 0.33, 0.34], [4, 3, 3]),
    ([0.25, 0.25, 0.25, 0.25], [3, 3, 2, 2])])
def test_random_split_lengths(lengths, expected):
    parts = random_split(ids_dataset(10), lengths, generator=ft.Generator().manual_seed(1))
    assert [len(p) for p in parts] == expected
    seen = [p[i][1].item() for p in parts for i in range(len(p))]
    assert sorted(seen) == list(range(10))


def test_random_split_is_reproducible_and_random():
    def split(seed):
        a, b = random_split(ids_dataset(20), [15, 5], generator=ft.Generator().manual_seed(seed))
        return list(a.indices), list(b.indices)
    assert split(3) == split(3) and split(3) != split(4)
    ft.manual_seed(9)
    first = random_split(range(20), [10, 10])[0].indices
    ft.manual_seed(9)
    assert random_split(range(20), [10, 10])[0].indices == first


def test_random_split_errors_and_warning():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ids_dataset(10), [5, 4])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts = random_split(ids_dataset(2), [0.9, 0.05, 0.05])
    assert [len(p) for p in parts] == [2, 0, 0]
    assert [str(w.message)[:30] for w in caught] == ["Length of split at index 1 is ",
                                                     "Length of split at index 2 is "]


# -- samplers ------------------------------------------------------------------------------

def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = ft.Generator().manual_seed(0)
    perm = list(RandomSampler(range(6), generator=g))
    assert sorted(perm) == list(range(6))
    draws = list(RandomSampler(range(3), replacement=True, num_samples=100, generator=g))
    assert len(draws) == 100 and set(draws) == {0, 1, 2}
    longer = list(RandomSampler(range(4), num_samples=10, generator=g))
    assert len(longer) == 10 and sorted(longer[:4]) == [0, 1, 2, 3]
    assert sorted(SubsetRandomSampler([5, 7, 9], generator=g)) == [5, 7, 9]
    batches = BatchSampler(range(7), 3, drop_last=True)
    assert list(batches) == [[0, 1, 2], [3, 4, 5]] and len(batches) == 2
    assert len(BatchSampler(range(7), 3, drop_last=False)) == 3
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler([], generator=g)


# -- collate -------------------------------------------------------------------------------

Point = collections.namedtuple("Point", "x y")


def test_default_collate_follows_torch():
    batch = default_collate([(ft.ones(2), 1, 0.5, True, "a"), (ft.zeros(2), 2, 1.5, False, "b")])
    assert isinstance(batch, list) and len(batch) == 5        # tuples become lists, as in torch
    assert batch[0].shape == (2, 2) and batch[0].dtype == ft.float32
    assert batch[1].dtype == ft.int64 and batch[1].tolist() == [1, 2]
    assert batch[2].dtype == ft.float64 and batch[2].tolist() == [0.5, 1.5]
    assert batch[3].dtype == ft.bool and batch[3].tolist() == [True, False]
    assert batch[4] == ("a", "b")          # the transposed strings, as torch returns them
    arrays = default_collate([np.ones((2, 3), np.float64), np.zeros((2, 3), np.float64)])
    assert arrays.shape == (2, 2, 3) and arrays.dtype == ft.float64
    scalars = default_collate([np.float32(1), np.float32(2)])
    assert scalars.dtype == ft.float32 and scalars.tolist() == [1.0, 2.0]
    nested = default_collate([{"a": [1, 2], "p": Point(1.0, ft.ones(1))},
                              {"a": [3, 4], "p": Point(2.0, ft.zeros(1))}])
    assert [t.tolist() for t in nested["a"]] == [[1, 3], [2, 4]]
    assert isinstance(nested["p"], Point) and nested["p"].y.shape == (2, 1)
    ordered = default_collate([collections.OrderedDict(b=1, a=2)] * 2)
    assert isinstance(ordered, collections.OrderedDict) and list(ordered) == ["b", "a"]


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but "
                                           r"got \[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([ft.ones(2), ft.ones(3)])


def test_default_convert():
    out = default_convert({"x": np.arange(3), "t": (np.ones(2), "s")})
    assert isinstance(out["x"], ft.Tensor) and out["x"].dtype == ft.int64
    assert isinstance(out["t"], list) and isinstance(out["t"][0], ft.Tensor)
    assert out["t"][1] == "s" and default_convert(3) == 3


# -- DataLoader ----------------------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size, drop_last, sizes", [
    (10, 3, False, [3, 3, 3, 1]), (10, 3, True, [3, 3, 3]), (9, 3, False, [3, 3, 3]),
    (2, 5, False, [2]), (2, 5, True, [])])
def test_batches_and_len(n, batch_size, drop_last, sizes):
    loader = DataLoader(ids_dataset(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert [len(y) for _, y in batches] == sizes and len(loader) == len(sizes)
    assert order(loader) == list(range(n))[:sum(sizes)]
    x, _ = batches[0] if batches else (ft.zeros(0, 1), None)
    assert x.ndim == 2 and x.dtype == ft.float32


def test_shuffle_with_a_generator_is_reproducible_and_reshuffles_each_epoch():
    loader = DataLoader(ids_dataset(30), batch_size=4, shuffle=True,
                        generator=ft.Generator().manual_seed(0))
    first, second = order(loader), order(loader)
    assert sorted(first) == sorted(second) == list(range(30))
    assert first != second
    again = DataLoader(ids_dataset(30), batch_size=4, shuffle=True,
                       generator=ft.Generator().manual_seed(0))
    assert order(again) == first and order(again) == second


def test_shuffle_follows_manual_seed():
    loader = DataLoader(ids_dataset(30), batch_size=5, shuffle=True)
    ft.manual_seed(5)
    a = [order(loader), order(loader)]
    ft.manual_seed(5)
    assert [order(loader), order(loader)] == a and a[0] != a[1]


def test_iterating_twice_without_shuffle_gives_the_same_batches():
    loader = DataLoader(ids_dataset(7), batch_size=2)
    assert order(loader) == order(loader) == list(range(7))
    assert next(iter(loader))[1].tolist() == [0, 1]


def test_batch_size_none_yields_converted_samples():
    data = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    out = list(DataLoader(data, batch_size=None))
    assert [t.tolist() for t in out] == [[1.0, 2.0], [3.0, 4.0]]
    assert len(DataLoader(data, batch_size=None)) == 2


def test_custom_collate_sampler_and_batch_sampler():
    ds = ids_dataset(6)
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda b: [s[1].item() for s in b])
    assert list(loader) == [[0, 1], [2, 3], [4, 5]]
    loader = DataLoader(ds, batch_sampler=[[5, 0], [3]])
    assert [y.tolist() for _, y in loader] == [[5, 0], [3]] and len(loader) == 2
    loader = DataLoader(ds, sampler=[4, 2, 0], batch_size=2)
    assert order(loader) == [4, 2, 0]


def test_list_and_dict_samples():
    data = [{"x": [i, i + 1], "label": i % 2} for i in range(5)]
    batch = next(iter(DataLoader(data, batch_size=3)))
    assert batch["label"].tolist() == [0, 1, 0]
    assert [t.tolist() for t in batch["x"]] == [[0, 1, 2], [1, 2, 3]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(timeout=-1), "timeout option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(persistent_workers=True, num_workers=2), "persistent_workers=True is not supported"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(ids_dataset(4), **kwargs)


def test_pin_memory_warns_and_is_ignored():
    with pytest.warns(UserWarning, match="no accelerator is found"):
        loader = DataLoader(ids_dataset(4), batch_size=2, pin_memory=True)
    assert order(loader) == [0, 1, 2, 3]


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


def test_iterable_dataset():
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]   # ints stay ints
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)


# -- workers -------------------------------------------------------------------------------

@pytest.mark.parametrize("workers", [1, 3])
def test_workers_give_the_same_batches_in_the_same_order(workers):
    def run(num_workers):
        return order(DataLoader(ids_dataset(23), batch_size=4, shuffle=True,
                                num_workers=num_workers,
                                generator=ft.Generator().manual_seed(2)))
    assert run(workers) == run(0)


def test_worker_random_streams_are_reproducible_whatever_the_timing():
    def run():
        ft.manual_seed(7)
        loader = DataLoader(RandomAugment(), batch_size=2, shuffle=True, num_workers=3)
        return [(i.tolist(), r.tolist()) for i, r in loader]
    first = run()
    assert run() == first
    draws = [v for _, r in first for v in r]
    assert len(set(draws)) == len(draws)           # workers do not repeat each other


def test_worker_init_fn_and_worker_info():
    calls, infos, lock = [], [], threading.Lock()

    class Spy(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            info = get_worker_info()
            with lock:
                infos.append((i, info.id, info.num_workers, info.dataset is ds))
            return i

    def init(worker_id):
        with lock:
            calls.append(worker_id)
    ds = Spy()
    assert order_of(DataLoader(ds, batch_size=2, num_workers=2, worker_init_fn=init)) == \
        list(range(8))
    assert sorted(calls) == [0, 1]
    # batch i (indices 2i, 2i+1) is loaded by worker i % 2, as in torch
    assert all(wid == (i // 2) % 2 and n == 2 and same for i, wid, n, same in infos)
    assert get_worker_info() is None


def order_of(loader):
    return [i for batch in loader for i in batch.tolist()]


def test_iterable_dataset_with_workers_round_robin():
    batches = [b.tolist() for b in DataLoader(Stream(11), batch_size=2, num_workers=3)]
    # worker k streams k, k+3, ...; batches come from workers 0, 1, 2, 0, ... in turn
    assert batches == [[0, 3], [1, 4], [2, 5], [6, 9], [7, 10], [8]]


def test_worker_errors_reach_the_caller():
    class Broken(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 3:
                raise KeyError("sample 3 is missing")
            return i
    with pytest.raises(KeyError, match="sample 3 is missing"):
        list(DataLoader(Broken(), batch_size=2, num_workers=2))


def test_worker_timeout():
    class Slow(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(0.5)
            return i
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.05 seconds"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.05))


def test_breaking_out_early_stops_the_workers():
    loader = DataLoader(ids_dataset(200), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 3:
            break
    deadline = time.time() + 5
    while time.time() < deadline and any(t.name.startswith("DataLoaderWorker")
                                         for t in threading.enumerate()):
        time.sleep(0.01)
    assert not any(t.name.startswith("DataLoaderWorker") for t in threading.enumerate())


def test_training_loop_with_a_dataloader_fits_a_line():
    ft.manual_seed(0)
    x = ft.randn(64, 1)
    y = 3 * x + 0.5
    model = ft.nn.Linear(1, 1)
    opt = ft.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(20):
            for xb, yb in loader:
                opt.zero_grad()
                ft.nn.functional.mse_loss(model(xb), yb).backward()
                opt.step()
    assert model.weight.item() == pytest.approx(3.0, abs=1e-3)
    assert model.bias.item() == pytest.approx(0.5, abs=1e-3)
