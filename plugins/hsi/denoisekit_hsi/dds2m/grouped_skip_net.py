"""R untrained encoder-decoder ("skip") networks run as one network with grouped convolutions.

DDS2M's spatial factors (Miao et al., ICCV 2023, sec. 3.2) are R deep-image-prior networks (Ulyanov et al.,
CVPR 2018, the "skip" architecture: strided-convolution encoder, bilinear-upsampling decoder, 1x1 skip
branches, batch norm and LeakyReLU), each mapping its own fixed noise image to one spatial map. Running the R
networks one after the other costs R small kernel launches per layer; here every convolution has ``groups=R``
and the channels are laid out rank-major (``[rank 0's channels, rank 1's channels, ...]``), so the one network
computes exactly the R separate ones (batch norm is per channel, so it is per rank too).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

Tensor = torch.Tensor


def _conv_block(rank: int, c_in: int, c_out: int, kernel: int, stride: int = 1) -> nn.Sequential:
    """Grouped ``conv -> batch norm -> LeakyReLU(0.2)``; ``c_in`` and ``c_out`` are per rank."""
    return nn.Sequential(
        nn.Conv2d(rank * c_in, rank * c_out, kernel, stride=stride, padding=kernel // 2, groups=rank),
        nn.BatchNorm2d(rank * c_out),
        nn.LeakyReLU(0.2),
    )


def interleave(rank: int, a: Tensor, b: Tensor) -> Tensor:
    """Concatenate two rank-major tensors (N, R*ca, H, W) and (N, R*cb, H, W) per rank: (N, R*(ca+cb), H, W)."""
    n, _, h, w = a.shape
    return torch.cat([a.reshape(n, rank, -1, h, w), b.reshape(n, rank, -1, h, w)], dim=2).reshape(n, -1, h, w)


class GroupedSkipNet(nn.Module):
    """``rank`` skip networks, ``in_channels`` -> 1 channel each, with ``channels`` per encoder level and
    ``skip`` channels in every skip branch. Input (N, rank*in_channels, H, W), output (N, rank, H, W) in
    (0, 1) (a sigmoid, as DIP's). Any H, W: the decoder upsamples to the size of the skip it joins."""

    def __init__(self, rank: int, in_channels: int = 1, channels: Sequence[int] = (16, 32, 64), skip: int = 4,
                 kernel: int = 3):
        super().__init__()
        self.rank = rank
        self.down, self.skips, self.up = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        c_prev = in_channels
        for c in channels:
            self.skips.append(_conv_block(rank, c_prev, skip, 1))
            self.down.append(nn.Sequential(_conv_block(rank, c_prev, c, kernel, stride=2),
                                           _conv_block(rank, c, c, kernel)))
            c_prev = c
        for level in reversed(range(len(channels))):
            c_out = channels[level - 1] if level > 0 else channels[0]
            self.up.append(nn.Sequential(_conv_block(rank, channels[level] + skip, c_out, kernel),
                                         _conv_block(rank, c_out, c_out, 1)))
        self.head = nn.Conv2d(rank * channels[0], rank, 1, groups=rank)

    def forward(self, z: Tensor) -> Tensor:
        skips, x = [], z
        for skip, down in zip(self.skips, self.down, strict=True):
            skips.append(skip(x))
            x = down(x)
        for up, s in zip(self.up, reversed(skips), strict=True):
            x = nn.functional.interpolate(x, size=s.shape[-2:], mode="bilinear", align_corners=False)
            x = up(interleave(self.rank, x, s))
        return torch.sigmoid(self.head(x))
