"""DISGAN's two networks (Wang et al., arXiv 2308.12084), small enough for a CPU.

Generator: 3-D residual-in-residual dense blocks (RRDB, ESRGAN, Wang et al. 2018, Fig. 4: five 3x3x3 convs
with dense connections per block, three blocks per RRDB, residuals scaled by 0.2), applied to the volume
already interpolated to the high-resolution grid (zero-padded k-space), with a global residual: any scale
and any set of axes use the same network.

Discriminator: a 3-D U-Net whose down units are a Haar DWT (:mod:`denoisekit_mri.disgan_wavelet`) followed by
1x1x1 convs and whose up units are 1x1x1 convs followed by the inverse DWT, with skip connections (the
abstract's "3D U-Net of DWT units"); it scores every voxel (real / generated) and the whole patch from the
bottleneck, as the U-Net GAN discriminator of Schoenfeld et al. (CVPR 2020) does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from denoisekit_mri.disgan_wavelet import dwt3, idwt3


def _conv(cin: int, cout: int, k: int = 3) -> nn.Conv3d:
    return nn.Conv3d(cin, cout, k, padding=k // 2)


class DenseBlock(nn.Module):
    """Five convs, each seeing the block input and every earlier output; the residual scaled by 0.2."""

    def __init__(self, features: int, growth: int):
        super().__init__()
        self.convs = nn.ModuleList(_conv(features + i * growth, growth if i < 4 else features) for i in range(5))
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = [x]
        for i, conv in enumerate(self.convs):
            out = conv(torch.cat(parts, dim=1))
            if i < 4:
                parts.append(self.act(out))
        return x + 0.2 * out


class RRDB(nn.Module):
    def __init__(self, features: int, growth: int):
        super().__init__()
        self.blocks = nn.Sequential(*(DenseBlock(features, growth) for _ in range(3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.blocks(x)


class Generator(nn.Module):
    """(N, 1, D, H, W) interpolated volume -> the restored volume on the same grid."""

    def __init__(self, features: int = 16, growth: int = 8, blocks: int = 1):
        super().__init__()
        self.arch = {"features": features, "growth": growth, "blocks": blocks}
        self.head = _conv(1, features)
        self.body = nn.Sequential(*(RRDB(features, growth) for _ in range(blocks)), _conv(features, features))
        self.tail = nn.Sequential(_conv(features, features), nn.LeakyReLU(0.2), _conv(features, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x)
        return x + self.tail(h + self.body(h))

    def payload(self, **extra: Any) -> dict[str, Any]:
        return {"arch": dict(self.arch), "state": self.state_dict(), **extra}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Generator:
        net = cls(**payload["arch"])
        net.load_state_dict(payload["state"])
        return net


class WaveletDiscriminator(nn.Module):
    """U-Net critic of DWT units: ``levels`` DWT + 1x1x1 conv downs, 1x1x1 conv + inverse DWT ups.

    Returns (per-voxel logits (N, 1, D, H, W), per-patch logits (N,)); D, H, W multiples of 2 ** levels.
    """

    def __init__(self, features: int = 8, levels: int = 2):
        super().__init__()
        self.levels = levels
        self.stem = nn.Sequential(_conv(1, features), nn.LeakyReLU(0.2))
        widths = [features * 2 ** i for i in range(levels + 1)]
        self.down = nn.ModuleList(nn.Sequential(nn.Conv3d(8 * widths[i], widths[i + 1], 1), nn.LeakyReLU(0.2),
                                                _conv(widths[i + 1], widths[i + 1]), nn.LeakyReLU(0.2))
                                  for i in range(levels))
        self.global_head = nn.Linear(widths[-1], 1)
        self.up = nn.ModuleList(nn.Conv3d(widths[i + 1], 8 * widths[i], 1) for i in range(levels))
        self.fuse = nn.ModuleList(nn.Sequential(nn.Conv3d(2 * widths[i], widths[i], 1), nn.LeakyReLU(0.2))
                                  for i in range(levels))
        self.out = nn.Conv3d(features, 1, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.stem(x)
        skips = []
        for down in self.down:
            skips.append(h)
            h = down(dwt3(h))
        patch = self.global_head(h.mean(dim=(2, 3, 4)))[:, 0]
        for i in reversed(range(self.levels)):
            h = self.fuse[i](torch.cat((idwt3(self.up[i](h)), skips[i]), dim=1))
        return self.out(h), patch
