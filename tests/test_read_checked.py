"""read_checked refuses NaN/Inf input, counting them over chunks of the first axis (a mapped file stays mapped)."""

from types import SimpleNamespace

import numpy as np
import pytest

from denoisekit.errors import InputError
from denoisekit.runner import read_checked
from denoisekit.sample import Sample

CHUNK = 1 << 24  # values read_checked checks at a time


def test_non_finite_values_are_counted_over_all_chunks(tmp_path, monkeypatch):
    array = np.zeros((2100, 8192), np.float32)  # 17.2 M values: two chunks
    array[0, 0], array[-1, -1], array[1500, 7] = np.nan, np.inf, -np.inf
    sizes: list[int] = []
    real = np.isfinite
    monkeypatch.setattr(np, "isfinite", lambda x, *a, **k: sizes.append(np.size(x)) or real(x, *a, **k))
    fmt = SimpleNamespace(read=lambda path: Sample(array, "HW", "npy", {}, None, path))
    (tmp_path / "x.npy").touch()
    with pytest.raises(InputError, match=rf"contains 3 NaN or Inf value\(s\) out of {array.size}$"):
        read_checked(fmt, tmp_path / "x.npy")
    assert len(sizes) == 2 and max(sizes) <= CHUNK


def test_a_scalar_is_checked_too(tmp_path):
    fmt = SimpleNamespace(read=lambda path: Sample(np.array(np.nan), "", "npy", {}, None, path))
    (tmp_path / "x.npy").touch()
    with pytest.raises(InputError, match=r"contains 1 NaN or Inf value\(s\) out of 1$"):
        read_checked(fmt, tmp_path / "x.npy")
