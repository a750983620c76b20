"""The 3-D prior network: MONAI's ``DiffusionModelUNet`` with ``spatial_dims=3`` on 1-channel (bands, H, W)
patches, predicting the noise ``eps`` of ``x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps`` (Ho et al., 2020).

Tiny by default (channels 8-16-32, one residual block per level, no attention), so that it trains on a CPU. Its
architecture is a plain dict stored beside the weights, so a weights file rebuilds its own network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

ARCHITECTURE_KEYS = ("channels", "num_res_blocks", "attention_levels", "norm_num_groups")


def architecture(width: int = 8, levels: int = 3, num_res_blocks: int = 1, attention: bool = False) -> dict[str, Any]:
    """The constructor arguments: ``width * 2**i`` channels at level i; attention only at the coarsest level
    when ``attention``."""
    channels = [width * 2**i for i in range(levels)]
    return {"channels": channels, "num_res_blocks": num_res_blocks,
            "attention_levels": [attention and i == levels - 1 for i in range(levels)],
            "norm_num_groups": min(8, width)}


def build_unet(arch: Mapping[str, Any]) -> torch.nn.Module:
    """``DiffusionModelUNet(spatial_dims=3, in_channels=1, out_channels=1, **arch)``."""
    from monai.networks.nets import DiffusionModelUNet

    return DiffusionModelUNet(spatial_dims=3, in_channels=1, out_channels=1,
                              channels=tuple(arch["channels"]), num_res_blocks=arch["num_res_blocks"],
                              attention_levels=tuple(arch["attention_levels"]),
                              norm_num_groups=arch["norm_num_groups"], num_head_channels=arch["channels"][-1])


def multiple(arch: Mapping[str, Any]) -> int:
    """Patch sides must be multiples of this (the UNet halves them ``levels - 1`` times)."""
    return 2 ** (len(arch["channels"]) - 1)
