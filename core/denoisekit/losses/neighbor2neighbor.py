"""Neighbor2Neighbor: a Noise2Noise pair from one image by a random neighbour sub-sampler, plus a regulariser.

T. Huang, S. Li, X. Jia, H. Lu and J. Liu, "Neighbor2Neighbor: Self-Supervised Denoising from Single Noisy
Images", CVPR 2021. Every 2x2 cell of y gives one pixel to g1(y) and an adjacent (horizontal or vertical,
never diagonal) pixel to g2(y), chosen at random per cell; the loss is

    L = ||f(g1(y)) - g2(y)||^2 + gamma ||f(g1(y)) - g2(y) - (g1(f(y)) - g2(f(y)))||^2,

where f(y) in the regulariser is computed without gradient (the paper's stop-gradient) and the same
sub-sampler draw is used throughout; gamma = 2 as in the paper's synthetic-noise experiments. Both terms are
MSE means here. Inference is f(y).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from denoisekit.losses.base import Model, SelfSupervisedLoss, require_denoising
from denoisekit.losses.subsample import gather_cells
from denoisekit.noise import NoiseModel
from denoisekit.operators import ForwardOperator

# the 8 ordered pairs of adjacent positions in a 2x2 cell (positions 0 1 / 2 3)
PAIRS = torch.tensor([[0, 1], [1, 0], [0, 2], [2, 0], [1, 3], [3, 1], [2, 3], [3, 2]])


def neighbour_pairs(y: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """A random draw of the sub-sampler for ``y`` (B, C, H, W): cell positions (B, 2, H // 2, W // 2) of
    g1 and g2, one adjacent pair per cell, the same for every channel."""
    b, _, h, w = y.shape
    choice = torch.randint(0, len(PAIRS), (b, h // 2, w // 2), generator=generator, device=y.device)
    return PAIRS.to(y.device)[choice].permute(0, 3, 1, 2)


def neighbour_subsample(y: torch.Tensor, pairs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """g1(y), g2(y) (B, C, H // 2, W // 2) for a draw ``pairs`` of :func:`neighbour_pairs`."""
    g1 = gather_cells(y, 2, pairs[:, :1])
    g2 = gather_cells(y, 2, pairs[:, 1:])
    return g1, g2


class Neighbor2Neighbor(SelfSupervisedLoss):
    """Neighbor2Neighbor (Huang et al., CVPR 2021) for 2-D images; ``gamma`` weighs the regulariser."""

    def __init__(self, gamma: float = 2.0):
        super().__init__()
        self.gamma = gamma

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        require_denoising(op, "Neighbor2Neighbor")
        pairs = neighbour_pairs(y, generator)
        g1, g2 = neighbour_subsample(y, pairs)
        out = model(g1)
        with torch.no_grad():
            f1, f2 = neighbour_subsample(model(y), pairs)
        return F.mse_loss(out, g2) + self.gamma * F.mse_loss(out - g2, f1 - f2)
