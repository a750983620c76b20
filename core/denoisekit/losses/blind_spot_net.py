"""A minimal conditional blind-spot network for 2-D images (the architecture C-BSN's loss needs).

After Y. I. Jang et al., "Self-supervised Image Denoising with Downsampled Invariance Loss and Conditional
Blind-Spot Network", ICCV 2023: one network that is blind to the centre pixel or not, by a switch. Here the
switch is the centre tap of the first 3x3 convolution (zeroed when ``blind``); every later layer is a
dilation-2 3x3 or a 1x1 convolution, which keeps the blind spot: an output reads inputs at offsets 2k + d
with d a nonzero first-layer offset in {-1, 0, 1}^2, never 0. The paper's network is much larger (dilated
residual modules); this one is for tests and small problems.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BlindSpotNet(nn.Module):
    """conv3x3 (centre masked when blind) -> ``depth`` x [dilated conv3x3, LeakyReLU] -> conv1x1 -> conv1x1.

    ``forward(x, blind=False)``: ``blind=True`` makes output pixel p independent of input pixel p.
    """

    def __init__(self, channels: int, width: int = 32, depth: int = 2):
        super().__init__()
        self.first = nn.Conv2d(channels, width, 3, padding=1)
        self.body = nn.ModuleList(nn.Conv2d(width, width, 3, padding=2, dilation=2) for _ in range(depth))
        self.mix = nn.Conv2d(width, width, 1)
        self.last = nn.Conv2d(width, channels, 1)
        centre = torch.ones(3, 3)
        centre[1, 1] = 0
        self.register_buffer("centre_mask", centre, persistent=False)

    def forward(self, x: torch.Tensor, blind: bool = False) -> torch.Tensor:
        weight = self.first.weight * self.centre_mask if blind else self.first.weight
        h = F.leaky_relu(F.conv2d(x, weight, self.first.bias, padding=1), 0.2)
        for conv in self.body:
            h = F.leaky_relu(conv(h), 0.2)
        return self.last(F.leaky_relu(self.mix(h), 0.2))
