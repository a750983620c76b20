"""The Euclidean local shuffle (ELS) of Filter2Noise (Sun et al. 2025, sec. 3.2).

In every 2 x 2 block of a (half-resolution) image, the two pixels whose values are closest (the smallest
|difference| among the block's six pairs) swap places. The block keeps its values, the anatomy hardly
changes, and the spatial correlation of the noise between neighbouring pixels is broken up. An odd last
row or column (no full block) is left as it is.
"""

from __future__ import annotations

import torch

# the six pairs of positions in a block flattened as (0 1 / 2 3)
_PAIRS = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))


def _swap_permutations(device: torch.device) -> torch.Tensor:
    """(6, 4) index lists: row i swaps the pair ``_PAIRS[i]`` and keeps the other two positions."""
    perms = []
    for a, b in _PAIRS:
        perm = list(range(4))
        perm[a], perm[b] = b, a
        perms.append(perm)
    return torch.tensor(perms, device=device)


def euclidean_local_shuffle(x: torch.Tensor) -> torch.Tensor:
    """ELS of (B, C, H, W) ``x``: in each 2 x 2 block, swap the closest-valued pair (ties: first pair in
    the order (0,1), (0,2), (0,3), (1,2), (1,3), (2,3) of the positions (0 1 / 2 3))."""
    b, c, h, w = x.shape
    h2, w2 = h // 2 * 2, w // 2 * 2
    core = x[..., :h2, :w2]
    blocks = core.reshape(b, c, h2 // 2, 2, w2 // 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h2 // 2, w2 // 2, 4)
    first = torch.tensor([p[0] for p in _PAIRS], device=x.device)
    second = torch.tensor([p[1] for p in _PAIRS], device=x.device)
    gaps = (blocks[..., first] - blocks[..., second]).abs()
    closest = gaps.argmin(dim=-1)
    shuffled = blocks.gather(-1, _swap_permutations(x.device)[closest])
    shuffled = shuffled.reshape(b, c, h2 // 2, w2 // 2, 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h2, w2)
    if (h2, w2) == (h, w):
        return shuffled
    out = x.clone()
    out[..., :h2, :w2] = shuffled
    return out
