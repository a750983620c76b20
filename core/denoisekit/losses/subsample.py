"""Cell sub-sampling of 2-D images: split (B, C, H, W) into s x s cells and pick pixels per cell.

Pixel-shuffle downsampling (PD; Zhou et al., "When AWGN-based denoiser meets real noises", AAAI 2020) takes
the same position k of every cell to make sub-image k; the random variants used by Neighbor2Neighbor, C-BSN
and SDAP pick the position per cell at random. Position k of a cell is row k // s, column k % s. Rows and
columns beyond the last whole cell are dropped.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def cells(y: torch.Tensor, s: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, s^2, H // s, W // s): entry [:, :, k, i, j] is position k of cell (i, j)."""
    if y.ndim != 4:
        raise ValueError(f"cell sub-sampling takes (B, C, H, W) images, got shape {tuple(y.shape)}")
    b, c, h, w = y.shape
    if h < s or w < s:
        raise ValueError(f"images of {h}x{w} pixels are smaller than one {s}x{s} cell")
    y = y[..., : h - h % s, : w - w % s]
    return F.pixel_unshuffle(y, s).reshape(b, c, s * s, h // s, w // s)


def gather_cells(y: torch.Tensor, s: int, index: torch.Tensor) -> torch.Tensor:
    """Sub-images of ``y``: ``index`` (B, K, H // s, W // s) holds cell positions; the result (B * K, C, H // s,
    W // s) has sub-image k of image b at row b * K + k."""
    grid = cells(y, s)
    b, c = grid.shape[:2]
    k = index.shape[1]
    picked = torch.gather(grid, 2, index[:, None].expand(b, c, *index.shape[1:]))
    return picked.transpose(1, 2).reshape(b * k, c, *grid.shape[-2:])


def random_permutations(y: torch.Tensor, s: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """A uniformly random ordering of the s^2 positions of every cell of ``y``: (B, s^2, H // s, W // s)."""
    b, _, h, w = y.shape
    keys = torch.rand((b, s * s, h // s, w // s), generator=generator, device=y.device)
    return keys.argsort(dim=1)


def pd_apply(model: torch.nn.Module, y: torch.Tensor, s: int) -> torch.Tensor:
    """PD inference: run ``model`` on the s^2 fixed sub-images of ``y`` and shuffle the outputs back.

    ``y`` is padded by reflection to whole cells and the result cropped back to its size.
    """
    b, c, h, w = y.shape
    padded = F.pad(y, (0, -w % s, 0, -h % s), mode="reflect")
    hs, ws = padded.shape[-2] // s, padded.shape[-1] // s
    subs = cells(padded, s).transpose(1, 2).reshape(b * s * s, c, hs, ws)
    out = model(subs).reshape(b, s * s, c, hs, ws).transpose(1, 2).reshape(b, c * s * s, hs, ws)
    return F.pixel_shuffle(out, s)[..., :h, :w]
