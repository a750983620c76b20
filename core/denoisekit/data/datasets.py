"""Small map-style datasets for the loader: arrays held in memory, or files read by a reader.

An item is a dict of numpy arrays, channel axis first (``{"x": clean}`` with ``x`` of shape
``(C, *spatial)``), as :class:`denoisekit.records.DatasetRecord` datasets give. A dataset that
reads files exposes ``path_of(i)``: the loader names that file when the item cannot be read, and
the persistent cache keys its entries by it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.errors import InputError, reason


class ArrayDataset:
    """Items ``{key: array}`` over a list of arrays, or the given dicts of arrays as they are."""

    def __init__(self, arrays: Sequence[np.ndarray | Mapping[str, np.ndarray]], key: str = "x"):
        self.items = [dict(a) if isinstance(a, Mapping) else {key: a} for a in arrays]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        return self.items[i]


def _channel_first(sample: Any) -> np.ndarray:
    """A reader's result as ``(C, *spatial)``: a Sample's ``C`` axis moved first, else a new axis 0."""
    array = np.asarray(getattr(sample, "array", sample))
    axes = getattr(sample, "axes", "")
    if "C" in axes:
        return np.moveaxis(array, axes.index("C"), 0)
    return array[None]


class FileDataset:
    """Items ``{key: array}`` from files, each read by ``read(path)`` (a format record's ``read``).

    ``read`` returns a :class:`denoisekit.sample.Sample` (its channel axis ``C`` goes first, or a
    channel axis of 1 is added), a bare array (a channel axis is added), or a dict of arrays (kept
    as it is). Real arrays become float32, complex ones complex64. A failure raises
    :class:`denoisekit.errors.InputError` naming the file.
    """

    def __init__(self, paths: Sequence[str | Path], read: Callable[[Path], Any], key: str = "x"):
        self.paths = [Path(p) for p in paths]
        self.read = read
        self.key = key
        self.cache_tag = f"{getattr(read, '__module__', '')}.{getattr(read, '__qualname__', repr(read))}:{key}"

    def __len__(self) -> int:
        return len(self.paths)

    def path_of(self, i: int) -> Path:
        return self.paths[i]

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        path = self.paths[i]
        try:
            result = self.read(path)
        except InputError:
            raise
        except Exception as e:
            raise InputError(path, f"cannot be read ({reason(e)})") from e
        if isinstance(result, Mapping):
            return {k: np.asarray(v) for k, v in result.items()}
        array = _channel_first(result)
        return {self.key: array.astype(np.complex64 if array.dtype.kind == "c" else np.float32, copy=False)}
