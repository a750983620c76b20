"""Overlap-add over chunks: full coverage, exact reconstruction, bounded chunk size."""

import pytest
import torch
from denoisekit_speech.chunking import chunk_starts, overlap_add


@pytest.mark.parametrize("length", [100, 1000, 1001, 12345])
def test_chunks_cover_the_signal(length):
    starts = chunk_starts(length, 300, 50)
    covered = torch.zeros(length, dtype=torch.bool)
    for s in starts:
        covered[s:s + 300] = True
        assert s + min(300, length) <= length
    assert covered.all()


def test_linear_maps_come_back_exactly_and_chunks_stay_small():
    x = torch.randn(2, 10_000, generator=torch.Generator().manual_seed(0))
    seen = []

    def fn(c):
        seen.append(c.shape[-1])
        return 3 * c

    torch.testing.assert_close(overlap_add(x, fn, 1024, 128), 3 * x)
    assert max(seen) == 1024 and len(seen) == 12


def test_overlap_must_be_shorter_than_chunk():
    with pytest.raises(ValueError, match="overlap"):
        chunk_starts(10, 5, 5)
