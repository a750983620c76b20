"""The pixel pickers behind the losses: masks, neighbour replacement, cell sub-sampling, the blind-spot net."""

from __future__ import annotations

import pytest
import torch

from denoisekit.losses import BlindSpotNet
from denoisekit.losses.blind_spot import random_neighbours, stratified_mask
from denoisekit.losses.neighbor2neighbor import neighbour_pairs, neighbour_subsample
from denoisekit.losses.sdap import random_subsamples
from denoisekit.losses.subsample import cells, pd_apply


def ramp(shape: tuple[int, ...]) -> torch.Tensor:
    """Distinct values, so that a value tells its position."""
    return torch.arange(torch.Size(shape).numel(), dtype=torch.float32).reshape(shape)


@pytest.mark.parametrize(("shape", "cell"), [((2, 3, 8, 12), 4), ((1, 1, 7, 9), 2), ((2, 1, 6, 6, 6), 3)])
def test_stratified_mask_has_one_position_per_block(shape: tuple[int, ...], cell: int) -> None:
    mask = stratified_mask(torch.zeros(shape), cell, torch.Generator().manual_seed(0))
    assert mask.shape == (shape[0], 1, *shape[2:])
    whole = [n - n % cell for n in shape[2:]]
    inside = mask[(..., *(slice(0, n) for n in whole))].float()
    blocks = inside.reshape(shape[0], 1, *[x for n in whole for x in (n // cell, cell)])
    sums = blocks.sum(dim=tuple(range(3, blocks.ndim, 2)))
    assert torch.all(sums == 1)


@pytest.mark.parametrize("shape", [(2, 2, 8, 6), (1, 1, 4, 6, 4), (1, 1, 12)])
def test_masked_entries_get_an_unmasked_neighbour(shape: tuple[int, ...]) -> None:
    spatial = shape[2:]
    y = ramp(shape)
    mask = stratified_mask(y, 2, torch.Generator().manual_seed(1))
    fill = random_neighbours(y, mask, torch.Generator().manual_seed(2))
    torch.testing.assert_close(fill - fill[:, :1], y - y[:, :1])  # the same neighbour for every channel
    first = y[:, 0].flatten(1)[:, 0].reshape(-1, *(1,) * len(spatial))
    source = (fill[:, 0] - first).long()  # flat position of the neighbour taken
    here = torch.stack(torch.meshgrid(*[torch.arange(n) for n in spatial], indexing="ij"))
    there = torch.stack(torch.unravel_index(source, spatial), dim=1)  # (B, d, *spatial)
    distance = (there - here).abs().amax(dim=1)
    masked = mask[:, 0]
    assert torch.all(distance[masked] == 1)
    assert not mask.flatten(1).gather(1, source.flatten(1))[masked.flatten(1)].any()


def test_neighbour_pairs_are_adjacent_and_shared_by_channels() -> None:
    y = ramp((2, 3, 8, 6))
    pairs = neighbour_pairs(y, torch.Generator().manual_seed(0))
    assert pairs.shape == (2, 2, 4, 3)
    row, col = pairs // 2, pairs % 2
    assert torch.all((row[:, 0] - row[:, 1]).abs() + (col[:, 0] - col[:, 1]).abs() == 1)
    g1, g2 = neighbour_subsample(y, pairs)
    assert g1.shape == g2.shape == (2, 3, 4, 3)
    torch.testing.assert_close(g1[:, 1] - g1[:, 0], torch.full_like(g1[:, 0], 48.0))
    many = neighbour_pairs(torch.zeros(1, 1, 32, 32), torch.Generator().manual_seed(0))
    assert len({tuple(p) for p in many.flatten(2)[0].T.tolist()}) == 8  # all ordered adjacent pairs occur


def test_random_subsamples_use_every_pixel_of_a_cell_once() -> None:
    y = ramp((2, 1, 6, 9))
    subs = random_subsamples(y, 3, torch.Generator().manual_seed(0))
    assert subs.shape == (2, 9, 1, 2, 3)
    grid = cells(y, 3)  # (B, 1, 9, 2, 3)
    torch.testing.assert_close(subs[:, :, 0].sort(dim=1).values, grid[:, 0].sort(dim=1).values)


@pytest.mark.parametrize(("size", "s"), [((8, 12), 2), ((7, 10), 3)])
def test_pd_inference_of_the_identity_is_the_identity(size: tuple[int, int], s: int) -> None:
    y = ramp((2, 3, *size))
    torch.testing.assert_close(pd_apply(lambda v: v, y, s), y)


def test_cells_reject_too_small_images() -> None:
    with pytest.raises(ValueError, match="smaller than one"):
        cells(torch.zeros(1, 1, 1, 5), 2)


def test_blind_spot_net_is_blind_only_when_asked() -> None:
    torch.manual_seed(0)
    net = BlindSpotNet(2, 8, 3)
    x = torch.randn(1, 2, 21, 21, requires_grad=True)
    for blind, expected in ((True, False), (False, True)):
        x.grad = None
        net(x, blind=blind)[0, :, 10, 10].sum().backward()
        assert bool(x.grad[0, :, 10, 10].abs().sum() > 0) is expected
