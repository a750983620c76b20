"""Decode every item once: kept in memory on the device, or in a persistent on-disk cache.

:class:`MemoryCache` reads each item once and moves its arrays to the device once (MONAI's
``CacheDataset`` followed by ``ToDeviced``). :class:`DiskCache` is for data larger than memory:
each item's decoded arrays are written once as ``.npy`` files under a folder named by a hash of
the source files' paths, modification times and sizes (so a changed file is decoded again), and
memory-mapped on read (MONAI's ``PersistentDataset``, with a content key instead of a pickle).

An item that cannot be read raises :class:`denoisekit.errors.InputError` naming its file, or,
with ``on_error="skip"``, is left out with a warning naming it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.errors import InputError, reason

Progress = Callable[[Iterable[int], str, int], Iterator[int]]
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def _paths(dataset: Any, i: int) -> list[Path]:
    """The files of item ``i``: ``dataset.path_of(i)``, one path or a sequence of them."""
    found = dataset.path_of(i)
    return [Path(p) for p in found] if isinstance(found, (list, tuple)) else [Path(found)]


def source_of(dataset: Any, i: int) -> Path | str:
    """The (first) file item ``i`` comes from, else ``Dataset[i]`` for a dataset without ``path_of``."""
    return _paths(dataset, i)[0] if callable(getattr(dataset, "path_of", None)) else f"{type(dataset).__name__}[{i}]"


def read_item(dataset: Any, i: int) -> dict[str, np.ndarray]:
    """``dataset[i]`` as a dict of contiguous numeric arrays; any failure is an InputError naming the file."""
    try:
        item = dataset[i]
    except InputError:
        raise
    except Exception as e:
        raise InputError(source_of(dataset, i), f"cannot be read ({reason(e)})") from e
    if not isinstance(item, Mapping) or not item:
        raise InputError(source_of(dataset, i), f"item is {type(item).__name__}, not a dict of arrays")
    arrays = {}
    for key, value in item.items():
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise InputError(source_of(dataset, i), f"{key!r} has unsupported data type {array.dtype}")
        arrays[key] = array.astype(array.dtype.newbyteorder("="), order="C", copy=False)
    return arrays


def _skip(error: InputError, on_error: str) -> None:
    """Raise ``error``, or warn that its item is left out when ``on_error == "skip"``."""
    if on_error != "skip":
        raise error
    warnings.warn(f"skipped unreadable item {error}", stacklevel=3)


def _fetch(dataset: Any, i: int, on_error: str) -> dict[str, np.ndarray] | None:
    """``read_item``, or None (after a warning) when it fails and ``on_error == "skip"``."""
    try:
        return read_item(dataset, i)
    except InputError as e:
        _skip(e, on_error)
        return None


def _indices(n: int, progress: Progress | None) -> Iterable[int]:
    return progress(range(n), "Decoding the dataset", n) if progress else range(n)


class MemoryCache:
    """Every readable item decoded once, its arrays held as tensors on ``device``.

    ``indices[j]`` is the dataset index of cached item ``j``; ``shapes[j]`` its arrays' shapes.
    """

    def __init__(self, dataset: Any, device: torch.device, on_error: str = "raise",
                 progress: Progress | None = None):
        self.dataset = dataset
        self.indices: list[int] = []
        self.shapes: list[dict[str, tuple[int, ...]]] = []
        self.items: list[dict[str, torch.Tensor]] = []
        for i in _indices(len(dataset), progress):
            item = _fetch(dataset, i, on_error)
            if item is not None:
                self.indices.append(i)
                self.shapes.append({k: a.shape for k, a in item.items()})
                self.items.append({k: torch.from_numpy(a).to(device) for k, a in item.items()})

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, j: int) -> dict[str, torch.Tensor]:
        return self.items[j]


def entry_key(dataset: Any, i: int) -> str:
    """A hash of the dataset's ``cache_tag`` (its reader) and the source files' paths, mtimes and sizes."""
    parts = [getattr(dataset, "cache_tag", f"{type(dataset).__module__}.{type(dataset).__qualname__}")]
    for path in _paths(dataset, i):
        path = path.resolve()
        try:
            stat = path.stat()
        except OSError:
            raise InputError(path, "file not found") from None
        parts += [str(path), str(stat.st_mtime_ns), str(stat.st_size)]
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()


def _write_entry(folder: Path, item: dict[str, np.ndarray]) -> None:
    """Write one ``KEY.npy`` per array into ``folder``, atomically (a temporary folder, then a rename)."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        for key, array in item.items():
            np.save(tmp / f"{key}.npy", array, allow_pickle=False)
        os.rename(tmp, folder)
    except OSError:
        if not folder.is_dir():  # another process writing the same entry wins the rename
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class DiskCache:
    """Every readable item decoded once into ``directory`` (kept across runs), memory-mapped on read.

    The dataset must expose ``path_of(i)`` (a path, or all the paths an item reads): entries are
    keyed by those files, so a file that changes (modification time or size) is decoded again.
    Old entries are never deleted; remove the folder to reclaim the space.
    """

    def __init__(self, dataset: Any, directory: str | Path, on_error: str = "raise",
                 progress: Progress | None = None):
        if not callable(getattr(dataset, "path_of", None)):
            raise ValueError(f"a persistent cache needs {type(dataset).__name__}.path_of(i) to key entries by file")
        self.dataset = dataset
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.indices: list[int] = []
        self.shapes: list[dict[str, tuple[int, ...]]] = []
        self.folders: list[Path] = []
        for i in _indices(len(dataset), progress):
            try:
                folder = self.directory / entry_key(dataset, i)
            except InputError as e:
                _skip(e, on_error)
                continue
            if not folder.is_dir():
                item = _fetch(dataset, i, on_error)
                if item is None:
                    continue
                bad = [k for k in item if not _KEY_RE.match(k)]
                if bad:
                    raise ValueError(f"item keys {bad} cannot name cache files (use letters, digits, _ and -)")
                _write_entry(folder, item)
            self.indices.append(i)
            self.folders.append(folder)
            self.shapes.append({k: a.shape for k, a in self._load(folder).items()})

    def __getstate__(self) -> dict[str, Any]:
        # worker processes (spawn, forkserver) read entries only: the dataset, maybe not picklable, stays
        return {**self.__dict__, "dataset": None}

    @staticmethod
    def _load(folder: Path) -> dict[str, np.ndarray]:
        # copy-on-write maps: writable for torch.from_numpy, nothing read until used
        return {p.stem: np.load(p, mmap_mode="c", allow_pickle=False) for p in sorted(folder.glob("*.npy"))}

    def __len__(self) -> int:
        return len(self.folders)

    def __getitem__(self, j: int) -> dict[str, torch.Tensor]:
        arrays = self._load(self.folders[j])
        if not arrays:
            raise InputError(self.folders[j], "cache entry is gone (was the cache folder cleaned during the run?)")
        return {k: torch.from_numpy(a) for k, a in arrays.items()}
