"""Decode once: the on-disk cache reads each file once and notices changes; bad files are named or skipped."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from denoisekit.data import DeviceLoader, DiskCache, FileDataset
from denoisekit.errors import InputError
from denoisekit.image.formats import read_npy


class Counting:
    """``np.load`` that counts its calls per file."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def __call__(self, path: Path) -> np.ndarray:
        self.calls[path.name] = self.calls.get(path.name, 0) + 1
        return np.load(path)


def values(loader: DeviceLoader) -> list[float]:
    return sorted(float(v) for b in loader for v in b["x"][:, 0, 0, 0])


@pytest.mark.parametrize("workers", [0, 1])
def test_disk_cache_reads_each_file_once(npy_files: list[Path], tmp_path: Path, workers: int) -> None:
    read = Counting()
    loader = DeviceLoader(FileDataset(npy_files, read), "cpu", 4, cache_dir=tmp_path / "cache", num_workers=workers)
    assert values(loader) == [0, 1, 2, 3, 4, 5] and values(loader) == [0, 1, 2, 3, 4, 5]
    again = DeviceLoader(FileDataset(npy_files, read), "cpu", 4, cache_dir=tmp_path / "cache")
    assert values(again) == [0, 1, 2, 3, 4, 5]
    assert read.calls == {p.name: 1 for p in npy_files}
    assert len(list((tmp_path / "cache").iterdir())) == len(npy_files)


def test_disk_cache_notices_a_changed_file(npy_files: list[Path], tmp_path: Path) -> None:
    read = Counting()
    DeviceLoader(FileDataset(npy_files, read), "cpu", 4, cache_dir=tmp_path / "cache")
    np.save(npy_files[2], np.full((8, 8), 20, dtype=np.float32))  # same size: only the time differs
    stat = npy_files[2].stat()
    os.utime(npy_files[2], ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    np.save(npy_files[4], np.full((9, 9), 40, dtype=np.float32))  # another size
    loader = DeviceLoader(FileDataset(npy_files, read), "cpu", 6, cache_dir=tmp_path / "cache", policy="crop")
    assert values(loader) == [0, 1, 3, 5, 20, 40]
    assert read.calls["2.npy"] == read.calls["4.npy"] == 2 and read.calls["0.npy"] == 1


def test_disk_cache_entries_are_memory_mapped(npy_files: list[Path], tmp_path: Path) -> None:
    cache = DiskCache(FileDataset(npy_files, np.load), tmp_path / "cache")
    (entry,) = cache._load(cache.folders[0]).values()
    assert isinstance(entry, np.memmap)
    assert cache.shapes[0] == {"x": (1, 8, 8)} and cache[0]["x"].dtype == torch.float32


def test_disk_cache_needs_paths(tmp_path: Path) -> None:
    from denoisekit.data import ArrayDataset

    with pytest.raises(ValueError, match="path_of"):
        DiskCache(ArrayDataset([np.zeros((1, 2, 2))]), tmp_path)


def test_a_vanished_cache_entry_is_an_error_not_a_short_epoch(npy_files: list[Path], tmp_path: Path) -> None:
    loader = DeviceLoader(FileDataset(npy_files, np.load), "cpu", 2, cache_dir=tmp_path / "cache", shuffle=False)
    for p in loader.cache.folders[3].iterdir():
        p.unlink()
    with pytest.raises(InputError, match="cache entry is gone"):
        list(loader)


def corrupt(paths: list[Path]) -> Path:
    paths[3].write_bytes(b"\x93NUMPY not really")
    return paths[3]


@pytest.mark.parametrize("cache", [False, True])
def test_a_corrupt_file_is_named(npy_files: list[Path], tmp_path: Path, cache: bool) -> None:
    bad = corrupt(npy_files)
    options = {"cache_dir": tmp_path / "cache"} if cache else {}
    with pytest.raises(InputError, match="3.npy: corrupt or truncated") as info:
        DeviceLoader(FileDataset(npy_files, read_npy), "cpu", 2, **options)
    assert info.value.path == bad


@pytest.mark.parametrize("cache", [False, True])
def test_a_corrupt_file_is_skipped_when_asked(npy_files: list[Path], tmp_path: Path, cache: bool) -> None:
    corrupt(npy_files)
    options = {"cache_dir": tmp_path / "cache"} if cache else {}
    with pytest.warns(UserWarning, match=r"skipped unreadable item .*3\.npy"):
        loader = DeviceLoader(FileDataset(npy_files, read_npy), "cpu", 2, on_error="skip", **options)
    assert values(loader) == [0, 1, 2, 4, 5]


def test_any_reader_failure_names_the_file(npy_files: list[Path]) -> None:
    def fails_on_three(path: Path) -> np.ndarray:
        if path.name == "3.npy":
            raise RuntimeError("decoder\nexploded")
        return np.load(path)

    with pytest.raises(InputError, match=r"3\.npy: cannot be read \(RuntimeError: decoder exploded\)"):
        DeviceLoader(FileDataset(npy_files, fails_on_three), "cpu", 2)


def test_a_failing_dataset_without_paths_is_named_by_index() -> None:
    class Broken:
        def __len__(self) -> int:
            return 3

        def __getitem__(self, i: int) -> dict[str, np.ndarray]:
            if i == 1:
                raise KeyError("no such slice")
            return {"x": np.zeros((1, 2, 2), np.float32)}

    with pytest.raises(InputError, match=r"Broken\[1\]: cannot be read \(KeyError"):
        DeviceLoader(Broken(), "cpu", 2)
    with pytest.warns(UserWarning, match=r"Broken\[1\]"):
        assert len(DeviceLoader(Broken(), "cpu", 2, on_error="skip").cache) == 2


def test_a_missing_file_is_named(npy_files: list[Path], tmp_path: Path) -> None:
    npy_files[1].unlink()
    for options in ({}, {"cache_dir": tmp_path / "cache"}):
        with pytest.raises(InputError, match="1.npy"):
            DeviceLoader(FileDataset(npy_files, read_npy), "cpu", 2, **options)


def test_disk_cache_keeps_every_array_of_an_item(npy_files: list[Path], tmp_path: Path) -> None:
    def pair(path: Path) -> dict[str, np.ndarray]:
        x = np.load(path)[None]
        return {"x": x, "y": x + 0.5, "sigma": np.float32(0.5)}

    loader = DeviceLoader(FileDataset(npy_files, pair), "cpu", 3, cache_dir=tmp_path / "cache", patch=(4, 4))
    for batch in loader:
        assert batch["x"].shape == batch["y"].shape == (3, 1, 4, 4) and batch["sigma"].shape == (3,)
        torch.testing.assert_close(batch["y"] - batch["x"], torch.full_like(batch["x"], 0.5))


def test_disk_cache_pickles_without_its_dataset(npy_files: list[Path], tmp_path: Path) -> None:
    import pickle

    cache = DiskCache(FileDataset(npy_files, lambda p: np.load(p)), tmp_path / "cache")  # a lambda: not picklable
    copy = pickle.loads(pickle.dumps(cache))  # what spawn / forkserver workers get
    assert torch.equal(copy[2]["x"], cache[2]["x"]) and copy.dataset is None
