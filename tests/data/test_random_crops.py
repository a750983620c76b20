"""``random_crops``: batches of 3-D crops (with flips) of device-resident sources, from one draw per batch."""

from __future__ import annotations

import pytest
import torch

from denoisekit.data.augment import random_crops


def numbered(shape: tuple[int, ...], source: int) -> torch.Tensor:
    """Voxel values that say which source and which voxel they are: ``source * 10^4 + flat index``."""
    return source * 10_000 + torch.arange(torch.Size(shape).numel(), dtype=torch.float64).reshape(shape)


def test_every_crop_is_a_window_of_one_source_and_all_of_them_occur() -> None:
    """Over 400 crops of (2, 3, 3) from a (4, 5, 3) and a (2, 3, 6) volume: each crop is the (possibly
    H/W-flipped) window at some offset of the source its first voxel names, and every offset and every flip
    combination of both sources is drawn."""
    sources = [numbered((4, 5, 3), 0), numbered((2, 3, 6), 1)]
    crops = random_crops(sources, (2, 3, 3), 400, torch.Generator().manual_seed(0), flips=(1, 2))
    assert crops.shape == (400, 2, 3, 3)
    seen = set()
    for crop in crops:
        i = int(crop.min()) // 10_000
        source = sources[i]
        hits = [(a, b, c, f) for a in range(source.shape[0] - 1) for b in range(source.shape[1] - 2)
                for c in range(source.shape[2] - 2) for f in ((), (1,), (2,), (1, 2))
                if torch.equal(source[a:a + 2, b:b + 3, c:c + 3].flip(list(f)) if f else
                               source[a:a + 2, b:b + 3, c:c + 3], crop)]
        assert len(hits) == 1
        seen.add((i, *hits[0]))
    assert seen == {(0, a, b, 0, f) for a in range(3) for b in range(3) for f in ((), (1,), (2,), (1, 2))} | \
                   {(1, 0, 0, c, f) for c in range(4) for f in ((), (1,), (2,), (1, 2))}


def test_one_draw_per_batch_from_the_generator() -> None:
    """The same seed gives the same batch; the generator advances by one (count, 1 + 3 + 2) uniform draw."""
    sources = [torch.rand(6, 12, 10, generator=torch.Generator().manual_seed(1))]
    g = torch.Generator().manual_seed(5)
    first = random_crops(sources, (4, 8, 8), 7, g, flips=(1, 2))
    after = torch.rand(1, generator=g)
    h = torch.Generator().manual_seed(5)
    torch.rand(7, 6, generator=h)
    torch.testing.assert_close(after, torch.rand(1, generator=h), rtol=0, atol=0)
    torch.testing.assert_close(random_crops(sources, (4, 8, 8), 7, torch.Generator().manual_seed(5), flips=(1, 2)),
                               first, rtol=0, atol=0)


def test_a_source_smaller_than_the_crop_is_refused() -> None:
    with pytest.raises(ValueError, match=r"shape \(3, 8, 8\) is smaller than the crop \(4, 8, 8\)"):
        random_crops([torch.zeros(3, 8, 8)], (4, 8, 8), 2, torch.Generator())
