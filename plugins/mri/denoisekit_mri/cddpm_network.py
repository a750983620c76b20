"""The conditional noise predictor of mri/cddpm-dc (Alsubaie et al., arXiv 2510.06335): MONAI's
``DiffusionModelUNet`` on the concatenation [x_t, zero-filled image], each complex image as its real and
imaginary channels (4 in, 2 out), predicting the noise eps of the DDPM forward process
x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps (Ho et al., NeurIPS 2020, eq. 4 and the eps-loss of eq. 14).

Images are normalised by :func:`robust_scale` of the zero-filled image, the same at training and sampling.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


def to_channels(x: torch.Tensor) -> torch.Tensor:
    """(B, H, W) complex -> (B, 2, H, W) real (real, imaginary)."""
    return torch.stack((x.real, x.imag), dim=1)


def to_complex(x: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W) real -> (B, H, W) complex."""
    return torch.complex(x[:, 0].contiguous(), x[:, 1].contiguous())


def robust_scale(image: torch.Tensor) -> torch.Tensor:
    """Per batch element the 99th percentile of |image| (1 where it is 0), shape (B, 1, 1)."""
    flat = image.detach().abs().flatten(1)
    q = torch.quantile(flat, 0.99, dim=1) if flat.shape[1] <= 16_000_000 else flat.max(dim=1).values
    return torch.where(q > 0, q, torch.ones_like(q)).view(-1, 1, 1)


class ConditionalEpsNet(nn.Module):
    """``forward(x_t, condition, t)``: complex (B, H, W) x_t and zero-filled condition (both normalised),
    timesteps (B,) in training-index units -> the predicted complex noise (B, H, W). Any H, W: the input is
    zero-padded to a multiple of the UNet's downsampling factor and the output cropped back."""

    def __init__(self, channels: tuple[int, ...] = (16, 32, 32), res_blocks: int = 1, attention: bool = True,
                 timesteps: int = 1000):
        super().__init__()
        from monai.networks.nets import DiffusionModelUNet

        channels = tuple(int(c) for c in channels)
        self.arch = {"channels": list(channels), "res_blocks": int(res_blocks), "attention": bool(attention),
                     "timesteps": int(timesteps)}
        levels = (False,) * (len(channels) - 1) + (bool(attention),)
        self.unet = DiffusionModelUNet(spatial_dims=2, in_channels=4, out_channels=2, channels=channels,
                                       attention_levels=levels, num_res_blocks=int(res_blocks),
                                       num_head_channels=channels[-1], norm_num_groups=min(8, channels[0]))
        self.multiple = 2 ** (len(channels) - 1)

    def forward(self, x_t: torch.Tensor, condition: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        h, w = x_t.shape[-2:]
        inputs = torch.cat((to_channels(x_t), to_channels(condition)), dim=1)
        pad_h, pad_w = (-h) % self.multiple, (-w) % self.multiple
        inputs = F.pad(inputs, (0, pad_w, 0, pad_h))
        out = self.unet(inputs, t.to(inputs.device).float().expand(x_t.shape[0]))
        return to_complex(out[..., :h, :w])

    def payload(self) -> dict[str, Any]:
        """The weights file's content: the architecture and the state dict."""
        return {"arch": dict(self.arch), "state": {k: v.detach().cpu() for k, v in self.state_dict().items()}}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ConditionalEpsNet:
        arch = dict(payload["arch"])
        net = cls(tuple(arch.pop("channels")), **arch)
        net.load_state_dict(payload["state"])
        return net
